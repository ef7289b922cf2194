/**
 * MLflow's span JSON → our OTLP `Span`, so that recognition and pricing run on stored spans exactly as they run on
 * spans in flight. Ids come back base64, times as int64 text or numbers, attributes as snake_case `AnyValue`s.
 */
import { SpanKind, StatusCode } from '../../otlp/index.js';
import type { AnyValue, KeyValue, Span } from '../../otlp/index.js';
import type { AnyValueJson, ArtifactSpanJson, KeyValueJson, SpanJson } from './wire.js';
import { lookupTable } from '../../lookup.js';

const EMPTY_BYTES = new Uint8Array(0);

const STATUS_CODES: Readonly<Record<string, number>> = lookupTable({
  STATUS_CODE_OK: StatusCode.OK,
  STATUS_CODE_ERROR: StatusCode.ERROR,
});

const SPAN_KINDS: Readonly<Record<string, number>> = lookupTable({
  SPAN_KIND_INTERNAL: SpanKind.INTERNAL,
  SPAN_KIND_SERVER: SpanKind.SERVER,
  SPAN_KIND_CLIENT: SpanKind.CLIENT,
  SPAN_KIND_PRODUCER: SpanKind.PRODUCER,
  SPAN_KIND_CONSUMER: SpanKind.CONSUMER,
});

export function base64ToBytes(base64: string | undefined): Uint8Array {
  if (base64 === undefined || base64 === '') return EMPTY_BYTES;
  const buffer = Buffer.from(base64, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** int64 nanoseconds: a number when small, the digits as text when json-bigint kept them exact. */
export function toBigInt(value: number | string | undefined): bigint {
  if (value === undefined) return 0n;
  return typeof value === 'number' ? BigInt(Math.trunc(value)) : BigInt(value);
}

function toInt(value: number | string): number | bigint {
  if (typeof value === 'number') return value;
  const big = BigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

export function toAnyValue(json: AnyValueJson | undefined): AnyValue {
  if (json === undefined) return { kind: 'empty' };
  if (json.string_value !== undefined) return { kind: 'string', value: json.string_value };
  if (json.bool_value !== undefined) return { kind: 'bool', value: json.bool_value };
  if (json.int_value !== undefined) return { kind: 'int', value: toInt(json.int_value) };
  // Proto JSON writes NaN and the infinities as strings; Number() reads those spellings.
  if (json.double_value !== undefined) return { kind: 'double', value: Number(json.double_value) };
  if (json.bytes_value !== undefined) return { kind: 'bytes', value: base64ToBytes(json.bytes_value) };
  if (json.array_value !== undefined) return { kind: 'array', values: (json.array_value.values ?? []).map(toAnyValue) };
  if (json.kvlist_value !== undefined) return { kind: 'kvlist', values: toKeyValues(json.kvlist_value.values) };
  return { kind: 'empty' };
}

function toKeyValues(list: KeyValueJson[] | undefined): KeyValue[] {
  return (list ?? []).map((entry) => ({ key: entry.key, value: toAnyValue(entry.value) }));
}

/**
 * A span's attributes as the app sent them. MLflow's SDK sends every value JSON-encoded and MLflow hands an object back
 * decoded, as a kvlist: the object goes back to its JSON text, as a `traces.json` artifact gives it, since recognition
 * reads what MLflow's autologs keep (the provider's response in `mlflow.spanOutputs`, its usage with the cache counts)
 * from that text, as on the wire. Read as a kvlist, a cached call was priced again as if nothing had been cached.
 */
function toSpanAttributes(list: KeyValueJson[] | undefined): KeyValue[] {
  return (list ?? []).map(({ key, value }) =>
    value?.kvlist_value !== undefined ? { key, value: { kind: 'string', value: jsonText(value) } } : { key, value: toAnyValue(value) },
  );
}

/** The JSON text of a proto JSON `AnyValue`; integers beyond 2^53 keep their digits. */
function jsonText(json: AnyValueJson | undefined): string {
  if (json === undefined) return 'null';
  if (json.string_value !== undefined) return JSON.stringify(json.string_value);
  if (json.bool_value !== undefined) return String(json.bool_value);
  if (json.int_value !== undefined) return String(json.int_value);
  if (json.double_value !== undefined) {
    const double = Number(json.double_value);
    return Number.isFinite(double) ? JSON.stringify(double) : 'null';
  }
  if (json.bytes_value !== undefined) return JSON.stringify(json.bytes_value);
  if (json.array_value !== undefined) return `[${(json.array_value.values ?? []).map(jsonText).join(',')}]`;
  if (json.kvlist_value !== undefined) return `{${(json.kvlist_value.values ?? []).map((entry) => `${JSON.stringify(entry.key)}:${jsonText(entry.value)}`).join(',')}}`;
  return 'null';
}

export function toOtlpSpan(json: SpanJson): Span {
  return {
    traceId: base64ToBytes(json.trace_id),
    spanId: base64ToBytes(json.span_id),
    traceState: json.trace_state ?? '',
    parentSpanId: base64ToBytes(json.parent_span_id),
    flags: 0,
    name: json.name ?? '',
    kind: SPAN_KINDS[json.kind ?? ''] ?? SpanKind.UNSPECIFIED,
    startTimeUnixNano: toBigInt(json.start_time_unix_nano),
    endTimeUnixNano: toBigInt(json.end_time_unix_nano),
    attributes: toSpanAttributes(json.attributes),
    droppedAttributesCount: 0,
    events: (json.events ?? []).map((event) => ({
      timeUnixNano: toBigInt(event.time_unix_nano),
      name: event.name ?? '',
      attributes: toKeyValues(event.attributes),
      droppedAttributesCount: 0,
    })),
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: STATUS_CODES[json.status?.code ?? ''] ?? StatusCode.UNSET, message: json.status?.message ?? '' },
  };
}

/** An artifact attribute value as the proto JSON `AnyValue` MLflow's span store would have returned for it. */
function artifactValue(value: unknown): AnyValueJson {
  if (typeof value === 'string') return { string_value: value };
  if (typeof value === 'boolean') return { bool_value: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { int_value: value } : { double_value: value };
  return { string_value: JSON.stringify(value) };
}

function artifactAttributes(attributes: Record<string, unknown> | undefined): KeyValueJson[] {
  return Object.entries(attributes ?? {}).map(([key, value]) => ({ key, value: artifactValue(value) }));
}

/** A `traces.json` span in our OTLP model, through the same conversion as the spans MLflow's store returns. */
export function artifactSpanToOtlp(json: ArtifactSpanJson): Span {
  return toOtlpSpan({
    ...json,
    parent_span_id: json.parent_span_id ?? undefined,
    attributes: artifactAttributes(json.attributes),
    events: (json.events ?? []).map((event) => ({ ...event, attributes: artifactAttributes(event.attributes) })),
  });
}
