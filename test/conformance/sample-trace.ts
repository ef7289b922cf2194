/**
 * The one trace every real client in the conformance suite sends, described as plain JSON so that the JS builder
 * (sdk-spans.ts) and the Python script (python_exporter.py) create the same spans, and a span-for-span comparison
 * of what tokenmeter passed downstream against it.
 */
import { expect } from 'vitest';
import type { AnyValue, KeyValue, TracesData } from '../../src/otlp/model.js';

export type SampleAttributeValue = string | number | boolean | string[] | number[];
export type SampleAttributes = Record<string, SampleAttributeValue>;

export interface SampleSpan {
  /** 16 hex digits; handed out by a deterministic id generator in the order of this list. */
  spanId: string;
  /** Another span of this list, or the remote parent for the root. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind (the SDKs' enums are this minus one). */
  kind: number;
  /** Nanoseconds since the epoch, as decimal strings: beyond 2^53. */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: SampleAttributes;
  events: { name: string; timeUnixNano: string; attributes: SampleAttributes }[];
  links: { traceId: string; spanId: string; attributes: SampleAttributes }[];
  /** OTLP StatusCode; a message only with ERROR (SDKs drop it otherwise). */
  status: { code: number; message: string };
}

export interface SampleTrace {
  resourceAttributes: Record<string, string>;
  scope: { name: string; version: string };
  /** The root's parent lives in another process: it makes the root's flags carry "is remote". */
  remoteParent: { traceId: string; spanId: string };
  spans: SampleSpan[];
}

const TRACE_ID = '5b8efff798038103d269b633813fc60c';

export const sampleTrace: SampleTrace = {
  resourceAttributes: { 'service.name': 'conformance-app', 'deployment.environment': 'test' },
  scope: { name: 'tokenmeter.conformance', version: '1.2.3' },
  remoteParent: { traceId: TRACE_ID, spanId: 'a000000000000001' },
  spans: [
    {
      spanId: 'b000000000000001',
      parentSpanId: 'a000000000000001',
      name: 'POST /chat',
      kind: 2,
      startTimeUnixNano: '1700000000000000001',
      endTimeUnixNano: '1700000002500000009',
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200, 'user.tags': ['a', 'b'] },
      events: [],
      links: [],
      status: { code: 1, message: '' },
    },
    {
      spanId: 'b000000000000002',
      parentSpanId: 'b000000000000001',
      name: 'chat gpt-4o-mini',
      kind: 3,
      startTimeUnixNano: '1700000000100000123',
      endTimeUnixNano: '1700000001900000456',
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 1234,
        'gen_ai.usage.output_tokens': 56,
        'gen_ai.request.temperature': 0.25,
        'gen_ai.request.stream': false,
        'gen_ai.request.stop_sequences': [7, 8],
      },
      events: [
        { name: 'gen_ai.content.prompt', timeUnixNano: '1700000000100000200', attributes: { 'gen_ai.prompt': 'Hi ünïcødé 👋' } },
        { name: 'first_token', timeUnixNano: '1700000000400000000', attributes: {} },
      ],
      links: [{ traceId: TRACE_ID, spanId: 'a000000000000001', attributes: { 'link.reason': 'caller' } }],
      status: { code: 0, message: '' },
    },
    {
      spanId: 'b000000000000003',
      parentSpanId: 'b000000000000001',
      name: 'tool lookup',
      kind: 1,
      startTimeUnixNano: '1700000002000000000',
      endTimeUnixNano: '1700000002400000000',
      attributes: { 'tool.name': 'lookup', 'retry.ratio': 1.5 },
      events: [{ name: 'exception', timeUnixNano: '1700000002300000000', attributes: { 'exception.type': 'TimeoutError' } }],
      links: [],
      status: { code: 2, message: 'lookup timed out' },
    },
  ],
};

/** Span flags bits the SDKs set: "has is-remote" (0x100) and, for a remote parent or link, "is remote" (0x200). */
const LOCAL_PARENT_FLAGS = 0x100;
const REMOTE_PARENT_FLAGS = 0x300;
/** W3C trace flags "sampled", which the JS SDK also puts in the low byte of span flags and the Python SDK (1.45) leaves out. */
const SAMPLED = 0x01;

export interface SenderTraits {
  encodesTraceFlags: boolean;
}

type ComparableValue = { string: string } | { bool: boolean } | { int: string } | { double: number } | { array: ComparableValue[] };

function comparableSample(value: SampleAttributeValue): ComparableValue {
  if (Array.isArray(value)) return { array: (value as (string | number)[]).map((item) => comparableSample(item)) };
  if (typeof value === 'string') return { string: value };
  if (typeof value === 'boolean') return { bool: value };
  return Number.isInteger(value) ? { int: String(value) } : { double: value };
}

function comparableValue(value: AnyValue): unknown {
  switch (value.kind) {
    case 'string':
      return { string: value.value };
    case 'bool':
      return { bool: value.value };
    case 'int':
      return { int: String(value.value) };
    case 'double':
      return { double: value.value };
    case 'array':
      return { array: value.values.map(comparableValue) };
    default:
      return value;
  }
}

const sampleAttributes = (attributes: SampleAttributes) =>
  Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, comparableSample(value)]));
const receivedAttributes = (attributes: KeyValue[]) =>
  Object.fromEntries(attributes.map(({ key, value }) => [key, comparableValue(value)]));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Every span of the sample as it must arrive downstream. */
function expectedSpans({ encodesTraceFlags }: SenderTraits) {
  const traceFlags = encodesTraceFlags ? SAMPLED : 0;
  return sampleTrace.spans.map((span) => ({
    traceId: sampleTrace.remoteParent.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    traceState: '',
    flags: traceFlags | (span.parentSpanId === sampleTrace.remoteParent.spanId ? REMOTE_PARENT_FLAGS : LOCAL_PARENT_FLAGS),
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: span.startTimeUnixNano,
    endTimeUnixNano: span.endTimeUnixNano,
    attributes: sampleAttributes(span.attributes),
    droppedAttributesCount: 0,
    events: span.events.map((event) => ({
      name: event.name,
      timeUnixNano: event.timeUnixNano,
      attributes: sampleAttributes(event.attributes),
      droppedAttributesCount: 0,
    })),
    droppedEventsCount: 0,
    links: span.links.map((link) => ({
      traceId: link.traceId,
      spanId: link.spanId,
      traceState: '',
      // Links to the remote parent: the SDKs encode its context's flags like a span's.
      flags: traceFlags | REMOTE_PARENT_FLAGS,
      attributes: sampleAttributes(link.attributes),
      droppedAttributesCount: 0,
    })),
    droppedLinksCount: 0,
    status: span.status,
    resource: sampleTrace.resourceAttributes,
    scope: sampleTrace.scope,
  }));
}

/** Spans of the sample trace among everything that arrived, flattened with their resource and scope. */
export function receivedSampleSpans(batches: readonly TracesData[]) {
  const spans = batches.flatMap((batch) =>
    batch.resourceSpans.flatMap((resourceSpans) =>
      resourceSpans.scopeSpans.flatMap((scopeSpans) =>
        scopeSpans.spans.map((span) => ({ span, resource: resourceSpans.resource, scope: scopeSpans.scope })),
      ),
    ),
  );
  return spans
    .filter(({ span }) => hex(span.traceId) === sampleTrace.remoteParent.traceId)
    .map(({ span, resource, scope }) => {
      const resourceAttributes = receivedAttributes(resource?.attributes ?? []);
      return {
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId),
        traceState: span.traceState,
        flags: span.flags,
        name: span.name,
        kind: span.kind,
        startTimeUnixNano: String(span.startTimeUnixNano),
        endTimeUnixNano: String(span.endTimeUnixNano),
        attributes: receivedAttributes(span.attributes),
        droppedAttributesCount: span.droppedAttributesCount,
        events: span.events.map((event) => ({
          name: event.name,
          timeUnixNano: String(event.timeUnixNano),
          attributes: receivedAttributes(event.attributes),
          droppedAttributesCount: event.droppedAttributesCount,
        })),
        droppedEventsCount: span.droppedEventsCount,
        links: span.links.map((link) => ({
          traceId: hex(link.traceId),
          spanId: hex(link.spanId),
          traceState: link.traceState,
          flags: link.flags,
          attributes: receivedAttributes(link.attributes),
          droppedAttributesCount: link.droppedAttributesCount,
        })),
        droppedLinksCount: span.droppedLinksCount,
        status: { code: span.status.code, message: span.status.message },
        // SDKs add their own resource attributes (telemetry.sdk.*): only the sample's are compared.
        resource: Object.fromEntries(
          Object.keys(sampleTrace.resourceAttributes).map((key) => [key, (resourceAttributes[key] as { string?: string } | undefined)?.string]),
        ),
        scope: { name: scope?.name, version: scope?.version },
      };
    });
}

/** Asserts that exactly the sample trace arrived, each span whole: ids, parent, names, kinds, times, attributes, events, links, status, flags. */
export function expectSampleTrace(batches: readonly TracesData[], sender: SenderTraits): void {
  const bySpanId = (a: { spanId: string }, b: { spanId: string }) => a.spanId.localeCompare(b.spanId);
  expect(receivedSampleSpans(batches).sort(bySpanId)).toEqual(expectedSpans(sender).sort(bySpanId));
}
