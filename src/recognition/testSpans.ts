/** Builders for spans as instrumentations send them; shared by the tests and the benchmark. */
import { doubleValue, intValue, stringValue } from '../otlp/index.js';
import type { AnyValue, KeyValue, Span, TracesData } from '../otlp/index.js';
import { makeRequest, makeSpan as makeOtlpSpan } from '../../test/fixtures/spans.js';

export type AttributeInput = string | number | boolean | AnyValue;

function toAnyValue(value: AttributeInput): AnyValue {
  if (typeof value === 'string') return stringValue(value);
  if (typeof value === 'boolean') return { kind: 'bool', value };
  if (typeof value === 'number') return Number.isInteger(value) ? intValue(value) : doubleValue(value);
  return value;
}

export function attributes(record: Readonly<Record<string, AttributeInput>>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value: toAnyValue(value) }));
}

/** MLflow JSON-encodes every attribute value. */
export function mlflowAttributes(record: Readonly<Record<string, unknown>>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value: stringValue(JSON.stringify(value)) }));
}

function idBytes(id: string, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < id.length && i < length; i++) bytes[length - 1 - i] = id.charCodeAt(id.length - 1 - i);
  return bytes;
}

export interface SpanSpec {
  trace?: string;
  id?: string;
  parent?: string;
  name?: string;
  /** ISO date of the span's start. */
  start?: string;
  attributes: KeyValue[];
  raw?: Uint8Array;
}

export function makeSpan(spec: SpanSpec): Span {
  const start = BigInt(Date.parse(spec.start ?? '2025-09-01T12:00:00Z')) * 1_000_000n;
  return makeOtlpSpan({
    traceId: idBytes(spec.trace ?? 't1', 16),
    spanId: idBytes(spec.id ?? 's1', 8),
    parentSpanId: spec.parent === undefined ? new Uint8Array(0) : idBytes(spec.parent, 8),
    name: spec.name ?? 'span',
    startTimeUnixNano: start,
    endTimeUnixNano: start + 1_000_000n,
    attributes: spec.attributes,
    raw: spec.raw,
    // As the protobuf decoder leaves a span: its raw bytes hold the attributes it came with.
    rawAttributeCount: spec.raw === undefined ? undefined : spec.attributes.length,
  });
}

export function tracesData(spans: Span[]): TracesData {
  return makeRequest(...spans);
}
