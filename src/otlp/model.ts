/**
 * The OTLP trace data model: one in-memory shape for `ExportTraceServiceRequest`, whichever wire encoding
 * (protobuf or OTLP/JSON) it came from. Every field of opentelemetry-proto v1.11 `trace.proto` is kept so that
 * forwarding loses nothing.
 *
 * Speed: a message decoded from protobuf keeps the bytes it was decoded from in `raw`. The encoder copies those
 * bytes verbatim instead of re-encoding field by field (and so also keeps fields this model does not know).
 * Anything that changes a message must therefore drop its `raw`: use the helpers at the bottom of this file,
 * which do it for you, or call `markChanged`. One change keeps it: attributes with new keys pushed onto a decoded
 * span's list are written after its raw bytes (see `Span.rawAttributeCount`), so that pricing a model call does not
 * cost re-encoding its prompts and completions.
 *
 * The envelopes (`ResourceSpans`, `ScopeSpans`) have no `raw`: their spans change under them all the time. They keep
 * instead the bytes of the fields this model does not know (`UnknownFieldsKept`), which the encoder writes after the
 * known ones, changed or not.
 */

/** An OTLP `AnyValue`. `int` keeps int64 exactly: a `number` when it is a safe integer, else a `bigint`. */
export type AnyValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: number | bigint }
  | { readonly kind: 'double'; readonly value: number }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'array'; readonly values: AnyValue[] }
  | { readonly kind: 'kvlist'; readonly values: KeyValue[] }
  | { readonly kind: 'empty' };

/**
 * What a decoder gives for an id it cannot read at all (OTLP/JSON that is neither hex nor base64, or not a string).
 * Decoding goes on, so one bad span does not cost the whole request: receivers reject the span as a partial success.
 */
export const MALFORMED_ID: Uint8Array = Object.freeze(new Uint8Array(0)) as Uint8Array;

/** Never edited in place but replaced (see `setAttribute`), so that spans may share one. */
export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}

/** Messages that may carry their original protobuf encoding. */
export interface RawBacked {
  /** The exact protobuf bytes this message was decoded from; undefined once changed or when it came from JSON. */
  raw?: Uint8Array | undefined;
}

/**
 * Messages that keep the fields they were decoded with but this model does not know (fields added to OTLP since), so
 * that forwarding does not lose them. Nothing else reads them: changing the known fields keeps them.
 */
export interface UnknownFieldsKept {
  /**
   * Each unknown field as the exact protobuf bytes of its tag and value (a view of the request), in the order they
   * came. The encoder writes them after the known fields: a message's fields may come in any order, and these share
   * no number with a known one. Undefined when there were none, or when the message came from JSON.
   */
  unknownFields?: Uint8Array[] | undefined;
}

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** Span flags bits (trace.proto `SpanFlags`). */
export const SpanFlags = {
  TRACE_FLAGS_MASK: 0xff,
  CONTEXT_HAS_IS_REMOTE_MASK: 0x100,
  CONTEXT_IS_REMOTE_MASK: 0x200,
} as const;

export interface Status extends UnknownFieldsKept {
  message: string;
  code: number;
}

export interface SpanEvent extends UnknownFieldsKept {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanLink extends UnknownFieldsKept {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface Span extends RawBacked, UnknownFieldsKept {
  /** 16 bytes. */
  traceId: Uint8Array;
  /** 8 bytes. */
  spanId: Uint8Array;
  traceState: string;
  /** Empty for a root span. */
  parentSpanId: Uint8Array;
  /** fixed32; bits 10–31 are reserved and copied as they are. */
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: Status;
  /**
   * How many of `attributes` the raw bytes hold (set by the protobuf decoder). Those after them were pushed since,
   * and the encoder writes them after the raw bytes: a repeated field may occur anywhere in a protobuf message, and
   * readers join its occurrences in order. Only new keys may be pushed so: replacing or removing an attribute, or
   * any other change, must drop `raw`. Undefined: `raw`, when present, holds every attribute.
   */
  rawAttributeCount?: number | undefined;
}

export interface EntityRef {
  schemaUrl: string;
  type: string;
  idKeys: string[];
  descriptionKeys: string[];
}

export interface Resource extends RawBacked, UnknownFieldsKept {
  attributes: KeyValue[];
  droppedAttributesCount: number;
  entityRefs: EntityRef[];
}

export interface InstrumentationScope extends RawBacked, UnknownFieldsKept {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface ScopeSpans extends UnknownFieldsKept {
  /** Undefined when the field was absent on the wire. */
  scope: InstrumentationScope | undefined;
  spans: Span[];
  schemaUrl: string;
}

export interface ResourceSpans extends UnknownFieldsKept {
  /** Undefined when the field was absent on the wire. */
  resource: Resource | undefined;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}

/** `ExportTraceServiceRequest`: the unit every receiver produces and every consumer takes. */
export interface TracesData {
  resourceSpans: ResourceSpans[];
}

/** `ExportTracePartialSuccess`. */
export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers that keep `raw` honest.

export function markChanged(message: RawBacked): void {
  message.raw = undefined;
}

export function findAttribute(attributes: readonly KeyValue[], key: string): AnyValue | undefined {
  for (const attribute of attributes) if (attribute.key === key) return attribute.value;
  return undefined;
}

/** A number attribute's value (int or double); undefined for any other kind, or none. */
export function numberOf(value: AnyValue | undefined): number | undefined {
  if (value?.kind === 'int') return Number(value.value);
  if (value?.kind === 'double') return value.value;
  return undefined;
}

/** A string attribute's value; undefined for any other kind, or none. */
export function stringOf(value: AnyValue | undefined): string | undefined {
  return value?.kind === 'string' ? value.value : undefined;
}

/**
 * A scalar attribute's value as text: a string as it is, a number or boolean printed. For names that should be
 * strings but that some SDKs send otherwise (`service.name: 42` from a config value read as a number).
 */
export function scalarText(value: AnyValue | undefined): string | undefined {
  switch (value?.kind) {
    case 'string':
      return value.value;
    case 'int':
    case 'double':
    case 'bool':
      return String(value.value);
    default:
      return undefined;
  }
}

/** Sets (replacing any existing value) an attribute on a span, resource or scope, and drops its raw bytes. */
export function setAttribute(target: RawBacked & { attributes: KeyValue[] }, key: string, value: AnyValue): void {
  markChanged(target);
  const attributes = target.attributes;
  for (let i = 0; i < attributes.length; i++) {
    if (attributes[i]!.key === key) {
      attributes[i] = { key, value };
      return;
    }
  }
  attributes.push({ key, value });
}

/**
 * Sets several attributes at once (each replacing any existing value of its key), dropping raw bytes once. Only the
 * attributes present before the call are searched, so adding k new keys to n attributes costs n·k key comparisons
 * (most of them a length or hash mismatch) and no re-scan of the keys just added.
 */
export function setAttributes(target: RawBacked & { attributes: KeyValue[] }, entries: readonly KeyValue[]): void {
  markChanged(target);
  const attributes = target.attributes;
  const existing = attributes.length;
  for (const entry of entries) {
    let replaced = false;
    for (let i = 0; i < existing; i++) {
      const attribute = attributes[i]!;
      if (attribute.key === entry.key) {
        attributes[i] = entry;
        replaced = true;
        break;
      }
    }
    if (!replaced) attributes.push(entry);
  }
}

/** Removes an attribute; returns whether it was there. Drops raw bytes only when something changed. */
export function removeAttribute(target: RawBacked & { attributes: KeyValue[] }, key: string): boolean {
  const index = target.attributes.findIndex((attribute) => attribute.key === key);
  if (index < 0) return false;
  markChanged(target);
  target.attributes.splice(index, 1);
  return true;
}

export const stringValue = (value: string): AnyValue => ({ kind: 'string', value });
export const intValue = (value: number | bigint): AnyValue => ({ kind: 'int', value });
export const doubleValue = (value: number): AnyValue => ({ kind: 'double', value });
export const boolValue = (value: boolean): AnyValue => ({ kind: 'bool', value });

/** Counts the spans of a request. */
export function countSpans(data: TracesData): number {
  let count = 0;
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) count += scopeSpans.spans.length;
  }
  return count;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lowercase hex of an id (trace ids and span ids are hex on the OTLP/JSON wire and in MLflow). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

export function isRootSpan(span: Span): boolean {
  return span.parentSpanId.length === 0;
}
