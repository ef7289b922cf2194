import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  MALFORMED_ID,
  OtlpDecodeError,
  constantAttribute,
  decodeTracesJson,
  decodeTracesProtobuf,
  encodeTracesJson,
  encodeTracesProtobuf,
  encodedHalves,
  setAttribute,
  stringValue,
  toHex,
} from './index.js';
import type { AnyValue, KeyValue, Span, TracesData } from './index.js';
import { bytesField, concat, stringField, varintField } from './protobuf/small-message.js';
import { randomTraces } from '../../test/fixtures/random-traces.js';
import { makeRequest, makeSpan } from '../../test/fixtures/spans.js';

/** Drops `raw` (and its attribute count) and turns every byte view (Buffer, subarray) into a plain Uint8Array copy so structures compare by value. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (key !== 'raw' && key !== 'rawAttributeCount') out[key] = normalize(inner);
    return out;
  }
  return value;
}

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1);

// ---------------------------------------------------------------------------------------------------------------

describe('protobuf round trip', () => {
  it('encodes keys the same from its cache of key bytes and past its bound: ASCII, multi-byte, lone surrogates', () => {
    // More distinct keys than the encoder caches, each encoded twice (sized, then written, in each of two requests).
    const shapes = (i: number): string => [`k.${i}`, `clé.${i}`, `键.${i}`, `k.${i}.\ud83d\ude00`, `k.${i}.\ud800`][i % 5]!;
    const attributes = Array.from({ length: 6_000 }, (_, i): KeyValue => ({ key: shapes(i), value: stringValue(String(i)) }));
    const data = makeRequest(makeSpan({ attributes }));
    for (let round = 0; round < 2; round++) {
      const encoded = encodeTracesProtobuf(data);
      const keys = decodeTracesProtobuf(encoded).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes.map((attribute) => attribute.key);
      // A lone surrogate has no UTF-8 form: every encoder writes U+FFFD.
      expect(keys).toEqual(attributes.map((attribute) => attribute.key.replace(/\ud800/g, '\ufffd')));
      const read = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(encoded)) as { resourceSpans: { scopeSpans: { spans: { attributes: { key: string }[] }[] }[] }[] };
      expect(read.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes.map((attribute) => attribute.key)).toEqual(keys);
    }
  });

  it('decodes attribute keys exactly while interning them: table collisions, same-length keys, invalid UTF-8, long keys', () => {
    // More distinct keys than the intern table has slots, each seen twice, so that slots are shared and overwritten.
    const keys = Array.from({ length: 10_000 }, (_, i) => `k.${i.toString(36)}`);
    keys.push('gen_ai.usage.input_tokens', 'gen_ai.usage.input_tokenz', 'x'.repeat(200), 'caf\u00e9');
    const request = (attributes: KeyValue[]): TracesData => makeRequest(makeSpan({ attributes }));
    for (let round = 0; round < 2; round++) {
      const attributes = keys.map((key, i) => ({ key, value: stringValue(String(i)) }));
      const decoded = decodeTracesProtobuf(encodeTracesProtobuf(request(attributes)));
      expect(decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes.map((attribute) => attribute.key)).toEqual(keys);
    }
    // A lone continuation byte in a key decodes to U+FFFD, the same with or without the table.
    const keyValue = bytesField(1, new Uint8Array([0x61, 0x80, 0x62]));
    const invalidKeyValue = (): TracesData => decodeTracesProtobuf(bytesField(1, bytesField(2, bytesField(2, bytesField(9, keyValue)))));
    for (let round = 0; round < 2; round++) {
      expect(invalidKeyValue().resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes[0]!.key).toBe('a\ufffdb');
    }
  });

  it('decode(encode(x)) equals x for generated traces covering every field and AnyValue kind', () => {
    for (const seed of SEEDS) {
      const data = randomTraces(seed);
      const decoded = decodeTracesProtobuf(encodeTracesProtobuf(data));
      expect(normalize(decoded), `seed ${seed}`).toEqual(normalize(data));
    }
  });

  it('is canonical: re-encoding without raw gives the same bytes, and defaults are omitted', () => {
    for (const seed of SEEDS.slice(0, 50)) {
      const bytes = encodeTracesProtobuf(randomTraces(seed));
      const stripped = normalize(decodeTracesProtobuf(bytes)) as TracesData;
      expect(Buffer.from(encodeTracesProtobuf(stripped)).equals(Buffer.from(bytes)), `seed ${seed}`).toBe(true);
    }
    const minimal = encodeTracesProtobuf({
      resourceSpans: [{ resource: undefined, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [emptySpan()] }] }],
    });
    // resource_spans { scope_spans { spans {} } }: every default left out.
    expect([...minimal]).toEqual([10, 4, 18, 2, 18, 0]);
  });

  it('writes negative int64 as 10-byte varints and keeps int64 beyond 2^53 exact as bigint', () => {
    const data = singleSpanTraces([
      { key: 'neg', value: { kind: 'int', value: -1 } },
      { key: 'big', value: { kind: 'int', value: 2n ** 63n - 1n } },
      { key: 'min', value: { kind: 'int', value: -(2n ** 63n) } },
      { key: 'safe', value: { kind: 'int', value: Number.MAX_SAFE_INTEGER } },
    ]);
    const bytes = encodeTracesProtobuf(data);
    expect(Buffer.from(bytes).includes(Buffer.from([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(true);
    const attributes = decodeTracesProtobuf(bytes).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes;
    expect(attributes.map((attribute) => attribute.value)).toEqual([
      { kind: 'int', value: -1 },
      { kind: 'int', value: 2n ** 63n - 1n },
      { kind: 'int', value: -(2n ** 63n) },
      { kind: 'int', value: Number.MAX_SAFE_INTEGER },
    ]);
  });
});

function emptySpan(): Span {
  return {
    traceId: new Uint8Array(0),
    spanId: new Uint8Array(0),
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: 0 },
  };
}

function singleSpanTraces(attributes: KeyValue[]): TracesData {
  const span = { ...emptySpan(), traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2), name: 'span', attributes };
  return { resourceSpans: [{ resource: undefined, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [span] }] }] };
}

// ---------------------------------------------------------------------------------------------------------------
// Raw splice. Requests are hand-built so they can carry fields this model does not know.

const UNKNOWN_FIELD = varintField(99, 42);

function keyValueBytes(key: string, value: string): Uint8Array {
  return concat([stringField(1, key), bytesField(2, stringField(1, value))]);
}

function spanBytes(name: string, extra: Uint8Array): Uint8Array {
  return concat([
    bytesField(1, new Uint8Array(16).fill(0xab)),
    bytesField(2, new Uint8Array(8).fill(0xcd)),
    stringField(5, name),
    bytesField(9, keyValueBytes('gen_ai.system', 'openai')),
    extra,
  ]);
}

/** `scopeSpansExtra` and `resourceSpansExtra` end the two envelopes, after their known fields. */
function requestBytes(spans: Uint8Array[], scopeSpansExtra: Uint8Array = new Uint8Array(0), resourceSpansExtra: Uint8Array = new Uint8Array(0)): Uint8Array {
  const resource = concat([bytesField(1, keyValueBytes('service.name', 'svc')), UNKNOWN_FIELD]);
  const scope = concat([stringField(1, 'scope'), UNKNOWN_FIELD]);
  const scopeSpans = concat([bytesField(1, scope), ...spans.map((span) => bytesField(2, span)), scopeSpansExtra]);
  return bytesField(1, concat([bytesField(1, resource), bytesField(2, scopeSpans), resourceSpansExtra]));
}

// Unknown fields of the envelopes, of every wire type, one each per level and two more (a newer OTLP's fields).
const SCOPE_SPANS_UNKNOWN = [
  varintField(101, 7),
  // Field 104, fixed64.
  Uint8Array.from([0xc1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8]),
];
const RESOURCE_SPANS_UNKNOWN = [
  bytesField(102, stringField(1, 'a newer envelope field')),
  // Field 105, fixed32.
  Uint8Array.from([0xcd, 0x06, 9, 10, 11, 12]),
];

/** The envelopes' unknown fields of a decoded single-envelope request, as plain byte arrays. */
function envelopeUnknownFields(data: TracesData): { scopeSpans: number[][] | undefined; resourceSpans: number[][] | undefined } {
  const resourceSpans = data.resourceSpans[0]!;
  return {
    scopeSpans: resourceSpans.scopeSpans[0]!.unknownFields?.map((field) => [...field]),
    resourceSpans: resourceSpans.unknownFields?.map((field) => [...field]),
  };
}

describe('raw splice', () => {
  // Deliberately non-canonical: field order shuffled and unknown fields inside span, resource and scope.
  const first = spanBytes('first', UNKNOWN_FIELD);
  const second = concat([stringField(5, 'second-name-first'), spanBytes('second', UNKNOWN_FIELD)]);
  const original = requestBytes([first, second]);

  it('exposes the exact sub-message bytes as views of the input', () => {
    const decoded = decodeTracesProtobuf(original);
    const spans = decoded.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(Buffer.from(spans[0]!.raw!).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(spans[1]!.raw!).equals(Buffer.from(second))).toBe(true);
    expect(spans[0]!.raw!.buffer).toBe(original.buffer);
    expect(decoded.resourceSpans[0]!.resource!.raw).toBeDefined();
    expect(decoded.resourceSpans[0]!.scopeSpans[0]!.scope!.raw).toBeDefined();
    // The last of repeated `name` fields wins, as in proto3.
    expect(spans[1]!.name).toBe('second');
  });

  it('re-encodes an unchanged request byte-identically, unknown fields included', () => {
    expect(Buffer.from(encodeTracesProtobuf(decodeTracesProtobuf(original))).equals(Buffer.from(original))).toBe(true);
  });

  it('keeps unknown fields of ResourceSpans and ScopeSpans: byte-identical unchanged, written again when a span inside changed', () => {
    // As a sender that knows them writes them: after the known fields, schema_url included.
    const withSchemaUrl = (fields: Uint8Array[]): Uint8Array => concat([stringField(3, 'https://opentelemetry.io/schemas/1.30.0'), ...fields]);
    const request = requestBytes([first, second], withSchemaUrl(SCOPE_SPANS_UNKNOWN), withSchemaUrl(RESOURCE_SPANS_UNKNOWN));
    const expected = { scopeSpans: SCOPE_SPANS_UNKNOWN.map((field) => [...field]), resourceSpans: RESOURCE_SPANS_UNKNOWN.map((field) => [...field]) };

    const decoded = decodeTracesProtobuf(request);
    expect(envelopeUnknownFields(decoded)).toEqual(expected);
    expect(Buffer.from(encodeTracesProtobuf(decoded)).equals(Buffer.from(request))).toBe(true);

    // A changed span makes every envelope around it be written from its fields: the unknown ones go with them.
    const spans = decoded.resourceSpans[0]!.scopeSpans[0]!.spans;
    setAttribute(spans[0]!, 'tokenmeter.cost_usd', { kind: 'double', value: 0.0125 });
    const encoded = encodeTracesProtobuf(decoded);
    const again = decodeTracesProtobuf(encoded);
    expect(envelopeUnknownFields(again)).toEqual(expected);
    expect(again.resourceSpans[0]!.schemaUrl).toBe('https://opentelemetry.io/schemas/1.30.0');
    expect(again.resourceSpans[0]!.scopeSpans[0]!.spans.map((span) => span.name)).toEqual(['first', 'second']);
    expect(Buffer.from(again.resourceSpans[0]!.scopeSpans[0]!.spans[1]!.raw!).equals(Buffer.from(second))).toBe(true);
    // protobufjs, reading by the .proto, skips them and reads the rest.
    const read = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(encoded)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    expect(read.resourceSpans[0]!.scopeSpans[0]!.spans).toHaveLength(2);

    // Cut in two (for a destination's size limit), each part keeps them.
    for (const part of encodedHalves(request)) expect(envelopeUnknownFields(decodeTracesProtobuf(part.body))).toEqual(expected);
  });

  it('writes unknown envelope fields that came between known ones after them, in their order', () => {
    const [varint, fixed64] = SCOPE_SPANS_UNKNOWN as [Uint8Array, Uint8Array];
    const [message, fixed32] = RESOURCE_SPANS_UNKNOWN as [Uint8Array, Uint8Array];
    const resource = bytesField(1, bytesField(1, keyValueBytes('service.name', 'svc')));
    const scopeSpans = concat([fixed64, bytesField(1, stringField(1, 'scope')), varint, bytesField(2, first)]);
    const request = bytesField(1, concat([message, resource, bytesField(2, scopeSpans), fixed32]));
    const decoded = decodeTracesProtobuf(request);
    const expected = { scopeSpans: [[...fixed64], [...varint]], resourceSpans: [[...message], [...fixed32]] };
    expect(envelopeUnknownFields(decoded)).toEqual(expected);

    const encoded = encodeTracesProtobuf(decoded);
    const reordered = bytesField(1, concat([resource, bytesField(2, concat([bytesField(1, stringField(1, 'scope')), bytesField(2, first), fixed64, varint])), message, fixed32]));
    expect(Buffer.from(encoded).equals(Buffer.from(reordered))).toBe(true);
    expect(envelopeUnknownFields(decodeTracesProtobuf(encoded))).toEqual(expected);
  });

  it('re-encodes a span changed with setAttribute from its fields, and keeps splicing the others', () => {
    const decoded = decodeTracesProtobuf(original);
    const spans = decoded.resourceSpans[0]!.scopeSpans[0]!.spans;
    setAttribute(spans[0]!, 'tokenmeter.cost_usd', { kind: 'double', value: 0.0125 });
    expect(spans[0]!.raw).toBeUndefined();
    const encoded = encodeTracesProtobuf(decoded);
    expect(Buffer.from(encoded).includes(Buffer.from(second))).toBe(true);
    expect(Buffer.from(encoded).includes(Buffer.from(first))).toBe(false);

    const again = decodeTracesProtobuf(encoded).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(again[0]!.name).toBe('first');
    expect(again[0]!.attributes).toEqual([
      { key: 'gen_ai.system', value: stringValue('openai') },
      { key: 'tokenmeter.cost_usd', value: { kind: 'double', value: 0.0125 } },
    ]);
    expect(toHex(again[0]!.traceId)).toBe('ab'.repeat(16));
    // A re-encoded span is built from the model and keeps its unknown field, written after the known ones (§7); the
    // spliced one keeps it in place.
    expect(Buffer.from(again[0]!.raw!).includes(Buffer.from(UNKNOWN_FIELD))).toBe(true);
    expect(again[0]!.unknownFields?.map((field) => [...field])).toEqual([[...UNKNOWN_FIELD]]);
    expect(Buffer.from(again[1]!.raw!).equals(Buffer.from(second))).toBe(true);
  });

  it('keeps the unknown fields of a resource and a scope it re-encodes, changed, from their fields', () => {
    const resource = concat([bytesField(1, keyValueBytes('service.name', 'svc')), varintField(7, 5)]);
    const scope = concat([stringField(1, 'lib'), varintField(9, 6)]);
    const request = bytesField(1, concat([bytesField(1, resource), bytesField(2, concat([bytesField(1, scope), bytesField(2, spanBytes('s', new Uint8Array(0)))]))]));
    const decoded = decodeTracesProtobuf(request);
    const resourceSpans = decoded.resourceSpans[0]!;
    // As the MLflow experiment header marks a resource.
    setAttribute(resourceSpans.resource!, 'tokenmeter.mlflow.experiment_id', stringValue('7'));
    setAttribute(resourceSpans.scopeSpans[0]!.scope!, 'x', stringValue('y'));
    const again = decodeTracesProtobuf(encodeTracesProtobuf(decoded)).resourceSpans[0]!;
    expect(again.resource!.unknownFields?.map((field) => [...field])).toEqual([[...varintField(7, 5)]]);
    expect(again.scopeSpans[0]!.scope!.unknownFields?.map((field) => [...field])).toEqual([[...varintField(9, 6)]]);
    expect(again.resource!.attributes.map((attribute) => attribute.key)).toEqual(['service.name', 'tokenmeter.mlflow.experiment_id']);
  });

  it('keeps the unknown fields of a span\'s events, links and status when the span is re-encoded', () => {
    const event = concat([stringField(2, 'exception'), varintField(11, 1)]);
    const link = concat([bytesField(1, new Uint8Array(16).fill(3)), bytesField(2, new Uint8Array(8).fill(4)), varintField(12, 2)]);
    const status = concat([stringField(2, 'failed'), varintField(13, 3)]);
    const span = concat([spanBytes('s', new Uint8Array(0)), bytesField(11, event), bytesField(13, link), bytesField(15, status)]);
    const decoded = decodeTracesProtobuf(bytesField(1, bytesField(2, bytesField(2, span))));
    setAttribute(decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!, 'x', stringValue('y'));
    const again = decodeTracesProtobuf(encodeTracesProtobuf(decoded)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    const bytesOf = (fields: Uint8Array[] | undefined) => fields?.map((field) => [...field]);
    expect(bytesOf(again.events[0]!.unknownFields)).toEqual([[...varintField(11, 1)]]);
    expect(bytesOf(again.links[0]!.unknownFields)).toEqual([[...varintField(12, 2)]]);
    expect(bytesOf(again.status.unknownFields)).toEqual([[...varintField(13, 3)]]);
    expect([again.events[0]!.name, again.status.message]).toEqual(['exception', 'failed']);
  });

  it('writes attributes pushed onto a decoded span after its raw bytes, which any reader joins to the others', () => {
    const decoded = decodeTracesProtobuf(original);
    const spans = decoded.resourceSpans[0]!.scopeSpans[0]!.spans;
    spans[0]!.attributes.push({ key: 'tokenmeter.cost.total_usd', value: { kind: 'double', value: 0.0125 } }, { key: 'tokenmeter.cost.counted', value: { kind: 'bool', value: true } });
    expect(spans[0]!.raw).toBeDefined();
    const encoded = encodeTracesProtobuf(decoded);
    // The raw bytes, unknown field included, are kept as they came.
    expect(Buffer.from(encoded).includes(Buffer.from(first))).toBe(true);

    const expected = [
      { key: 'gen_ai.system', value: stringValue('openai') },
      { key: 'tokenmeter.cost.total_usd', value: { kind: 'double', value: 0.0125 } },
      { key: 'tokenmeter.cost.counted', value: { kind: 'bool', value: true } },
    ];
    const again = decodeTracesProtobuf(encoded).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(again[0]!.attributes).toEqual(expected);
    expect(again[0]!.rawAttributeCount).toBe(3);
    expect(again[1]!.attributes).toEqual(spans[1]!.attributes);
    // protobufjs, reading by the .proto, joins the repeated field the same way.
    const read = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(encoded)) as { resourceSpans: { scopeSpans: { spans: { attributes: { key: string }[] }[] }[] }[] };
    expect(read.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes.map((attribute) => attribute.key)).toEqual(expected.map((attribute) => attribute.key));
    // Encoding again (from the new raw bytes) is stable.
    expect(Buffer.from(encodeTracesProtobuf(decodeTracesProtobuf(encoded))).equals(Buffer.from(encoded))).toBe(true);
  });

  it('writes a constant attribute from its encoding made once, the same bytes as the attribute written field by field', () => {
    const values: [string, AnyValue][] = [
      ['tokenmeter.cost.status', stringValue('priced')],
      ['tokenmeter.cost.counted', { kind: 'bool', value: false }],
      ['tokenmeter.tokens.reasoning', { kind: 'int', value: 0 }],
      ['tokenmeter.tokens.input', { kind: 'int', value: 2 ** 40 }],
      ['tokenmeter.cost.input_usd', { kind: 'double', value: 0 }],
      ['mlflow.llm.model', stringValue(`modèle-${'x'.repeat(300)}`)],
      ['', stringValue('')],
      ['k', { kind: 'array', values: [stringValue('a'), { kind: 'kvlist', values: [{ key: 'b', value: { kind: 'empty' } }] }] }],
    ];
    const constants = values.map(([key, value]) => constantAttribute(key, value));
    const plain = values.map(([key, value]): KeyValue => ({ key, value }));
    // A constant reads, compares and prints as any attribute, and cannot be edited.
    expect(constants).toEqual(plain);
    expect(JSON.parse(JSON.stringify(constants))).toEqual(JSON.parse(JSON.stringify(plain)));
    expect(Object.isFrozen(constants[0])).toBe(true);

    const built = (attributes: KeyValue[]): Uint8Array => encodeTracesProtobuf(makeRequest(makeSpan({ attributes })));
    expect(Buffer.from(built(constants)).equals(Buffer.from(built(plain)))).toBe(true);
    // Mixed with other attributes, shared by spans, and pushed after the raw bytes of a decoded span.
    const mixed = [plain[0]!, constants[1]!, { key: 'other', value: stringValue('v') }, constants[5]!];
    expect(Buffer.from(built(mixed)).equals(Buffer.from(built([plain[0]!, plain[1]!, mixed[2]!, plain[5]!])))).toBe(true);
    const decoded = decodeTracesProtobuf(original);
    const spans = decoded.resourceSpans[0]!.scopeSpans[0]!.spans;
    for (const span of spans) span.attributes.push(...constants.slice(0, 3));
    const again = decodeTracesProtobuf(encodeTracesProtobuf(decoded)).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(again.map((span) => span.attributes)).toEqual(spans.map((span) => [...span.attributes.slice(0, -3), ...plain.slice(0, 3)]));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Cross-check against protobufjs reading the proto/ definitions.

const protoRoot = fileURLToPath(new URL('../../proto/', import.meta.url));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => protoRoot + target;
root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
const ExportTraceServiceRequest = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

type PbObject = Record<string, unknown>;

/** Our model as protobufjs `fromObject` input: int64 as decimal strings, bytes as Uint8Array. */
function toProtobufjs(data: TracesData): PbObject {
  const anyValue = (value: AnyValue): PbObject => {
    switch (value.kind) {
      case 'string':
        return { stringValue: value.value };
      case 'bool':
        return { boolValue: value.value };
      case 'int':
        return { intValue: value.value.toString() };
      case 'double':
        return { doubleValue: value.value };
      case 'bytes':
        return { bytesValue: value.value };
      case 'array':
        return { arrayValue: { values: value.values.map(anyValue) } };
      case 'kvlist':
        return { kvlistValue: { values: value.values.map(keyValue) } };
      case 'empty':
        return {};
    }
  };
  const keyValue = (kv: KeyValue): PbObject => ({ key: kv.key, value: anyValue(kv.value) });
  return {
    resourceSpans: data.resourceSpans.map((rs) => ({
      ...(rs.resource && {
        resource: {
          attributes: rs.resource.attributes.map(keyValue),
          droppedAttributesCount: rs.resource.droppedAttributesCount,
          entityRefs: rs.resource.entityRefs,
        },
      }),
      schemaUrl: rs.schemaUrl,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...(ss.scope && { scope: { ...ss.scope, attributes: ss.scope.attributes.map(keyValue) } }),
        schemaUrl: ss.schemaUrl,
        spans: ss.spans.map((span) => ({
          ...span,
          startTimeUnixNano: span.startTimeUnixNano.toString(),
          endTimeUnixNano: span.endTimeUnixNano.toString(),
          attributes: span.attributes.map(keyValue),
          events: span.events.map((event) => ({
            ...event,
            timeUnixNano: event.timeUnixNano.toString(),
            attributes: event.attributes.map(keyValue),
          })),
          links: span.links.map((link) => ({ ...link, attributes: link.attributes.map(keyValue) })),
        })),
      })),
    })),
  };
}

/** protobufjs `toObject({ longs: String, defaults: true })` output back to our model, independently of our decoder. */
function fromProtobufjs(object: PbObject): TracesData {
  const list = (value: unknown): PbObject[] => (value as PbObject[] | undefined) ?? [];
  const int64 = (text: string): number | bigint => {
    const big = BigInt(text);
    return Number.isSafeInteger(Number(big)) ? Number(big) : big;
  };
  const anyValue = (value: PbObject | null): AnyValue => {
    if (value === null) return { kind: 'empty' };
    if ('stringValue' in value) return { kind: 'string', value: value.stringValue as string };
    if ('boolValue' in value) return { kind: 'bool', value: value.boolValue as boolean };
    if ('intValue' in value) return { kind: 'int', value: int64(value.intValue as string) };
    if ('doubleValue' in value) return { kind: 'double', value: value.doubleValue as number };
    if ('bytesValue' in value) return { kind: 'bytes', value: value.bytesValue as Uint8Array };
    if ('arrayValue' in value) return { kind: 'array', values: list((value.arrayValue as PbObject).values).map(anyValue) };
    if ('kvlistValue' in value) return { kind: 'kvlist', values: list((value.kvlistValue as PbObject).values).map(keyValue) };
    return { kind: 'empty' };
  };
  const keyValue = (kv: PbObject): KeyValue => ({ key: kv.key as string, value: anyValue(kv.value as PbObject | null) });
  const attributes = (message: PbObject): KeyValue[] => list(message.attributes).map(keyValue);
  return {
    resourceSpans: list(object.resourceSpans).map((rs) => {
      const resource = rs.resource as PbObject | null;
      return {
        resource: resource
          ? {
              attributes: attributes(resource),
              droppedAttributesCount: resource.droppedAttributesCount as number,
              entityRefs: list(resource.entityRefs).map((ref) => ({
                schemaUrl: ref.schemaUrl as string,
                type: ref.type as string,
                idKeys: ref.idKeys as string[],
                descriptionKeys: ref.descriptionKeys as string[],
              })),
            }
          : undefined,
        scopeSpans: list(rs.scopeSpans).map((ss) => {
          const scope = ss.scope as PbObject | null;
          return {
            scope: scope
              ? {
                  name: scope.name as string,
                  version: scope.version as string,
                  attributes: attributes(scope),
                  droppedAttributesCount: scope.droppedAttributesCount as number,
                }
              : undefined,
            spans: list(ss.spans).map((span): Span => {
              const status = span.status as PbObject | null;
              return {
                traceId: span.traceId as Uint8Array,
                spanId: span.spanId as Uint8Array,
                traceState: span.traceState as string,
                parentSpanId: span.parentSpanId as Uint8Array,
                flags: span.flags as number,
                name: span.name as string,
                kind: span.kind as number,
                startTimeUnixNano: BigInt(span.startTimeUnixNano as string),
                endTimeUnixNano: BigInt(span.endTimeUnixNano as string),
                attributes: attributes(span),
                droppedAttributesCount: span.droppedAttributesCount as number,
                events: list(span.events).map((event) => ({
                  timeUnixNano: BigInt(event.timeUnixNano as string),
                  name: event.name as string,
                  attributes: attributes(event),
                  droppedAttributesCount: event.droppedAttributesCount as number,
                })),
                droppedEventsCount: span.droppedEventsCount as number,
                links: list(span.links).map((link) => ({
                  traceId: link.traceId as Uint8Array,
                  spanId: link.spanId as Uint8Array,
                  traceState: link.traceState as string,
                  attributes: attributes(link),
                  droppedAttributesCount: link.droppedAttributesCount as number,
                  flags: link.flags as number,
                })),
                droppedLinksCount: span.droppedLinksCount as number,
                status: status ? { message: status.message as string, code: status.code as number } : { message: '', code: 0 },
              };
            }),
            schemaUrl: ss.schemaUrl as string,
          };
        }),
        schemaUrl: rs.schemaUrl as string,
      };
    }),
  };
}

describe('cross-check with protobufjs', () => {
  it('protobufjs reads what we write', () => {
    for (const seed of SEEDS.slice(0, 100)) {
      const data = randomTraces(seed);
      const message = ExportTraceServiceRequest.decode(encodeTracesProtobuf(data));
      const object = ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number, defaults: true }) as PbObject;
      expect(normalize(fromProtobufjs(object)), `seed ${seed}`).toEqual(normalize(data));
    }
  });

  it('we read what protobufjs writes', () => {
    for (const seed of SEEDS.slice(0, 100)) {
      const data = randomTraces(seed);
      const bytes = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(toProtobufjs(data))).finish();
      expect(normalize(decodeTracesProtobuf(bytes)), `seed ${seed}`).toEqual(normalize(data));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('JSON round trip', () => {
  it('decodeJson(encodeJson(x)) equals x for generated traces', () => {
    for (const seed of SEEDS) {
      const data = randomTraces(seed);
      expect(normalize(decodeTracesJson(encodeTracesJson(data))), `seed ${seed}`).toEqual(normalize(data));
    }
  });

  it('writes hex ids, int64 as strings, enums as integers and omits defaults', () => {
    const span = {
      ...emptySpan(),
      traceId: Uint8Array.from({ length: 16 }, (_, i) => i),
      spanId: new Uint8Array(8).fill(0xee),
      name: 'chat',
      kind: 3,
      startTimeUnixNano: 1544712660000000000n,
      endTimeUnixNano: 1544712661000000000n,
      attributes: [{ key: 'tokens', value: { kind: 'int', value: 12 } } as KeyValue],
      status: { message: '', code: 2 },
    };
    const json = JSON.parse(
      encodeTracesJson({ resourceSpans: [{ resource: undefined, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [span] }] }] }),
    ) as { resourceSpans: { scopeSpans: { spans: PbObject[] }[] }[] };
    expect(json.resourceSpans[0]!.scopeSpans[0]!.spans[0]).toEqual({
      traceId: '000102030405060708090a0b0c0d0e0f',
      spanId: 'eeeeeeeeeeeeeeee',
      name: 'chat',
      kind: 3,
      startTimeUnixNano: '1544712660000000000',
      endTimeUnixNano: '1544712661000000000',
      attributes: [{ key: 'tokens', value: { intValue: '12' } }],
      status: { code: 2 },
    });
  });
});

function firstSpan(data: TracesData): Span {
  return data.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

function jsonRequest(span: PbObject, extra: PbObject = {}): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }], ...extra }] });
}

describe('JSON leniency', () => {
  it('accepts the spec example with uppercase hex ids', () => {
    const span = firstSpan(
      decodeTracesJson(
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","startTimeUnixNano":"1544712660000000000","kind":2,"attributes":[{"key":"my.span.attr","value":{"stringValue":"some value"}}]}]}]}]}',
      ),
    );
    expect(toHex(span.traceId)).toBe('5b8efff798038103d269b633813fc60c');
    expect(toHex(span.spanId)).toBe('eee19b7ec3c1b174');
    expect(span.startTimeUnixNano).toBe(1544712660000000000n);
    expect(span.kind).toBe(2);
    expect(span.attributes).toEqual([{ key: 'my.span.attr', value: stringValue('some value') }]);
  });

  it('accepts base64 ids (padded and unpadded)', () => {
    const traceId = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
    const spanId = Buffer.from('eee19b7ec3c1b174', 'hex');
    const span = firstSpan(
      decodeTracesJson(
        jsonRequest({ traceId: traceId.toString('base64'), spanId: spanId.toString('base64'), parentSpanId: spanId.toString('base64url') }),
      ),
    );
    expect(toHex(span.traceId)).toBe('5b8efff798038103d269b633813fc60c');
    expect(toHex(span.spanId)).toBe('eee19b7ec3c1b174');
    expect(toHex(span.parentSpanId)).toBe('eee19b7ec3c1b174');
  });

  it('accepts snake_case keys and enum names', () => {
    const data = decodeTracesJson(
      JSON.stringify({
        resource_spans: [
          {
            schema_url: 'https://schema',
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: '5b8efff798038103d269b633813fc60c',
                    span_id: 'eee19b7ec3c1b174',
                    parent_span_id: 'eee19b7ec3c1b175',
                    start_time_unix_nano: '1',
                    end_time_unix_nano: 2,
                    kind: 'SPAN_KIND_CLIENT',
                    dropped_attributes_count: 3,
                    status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                    attributes: [
                      { key: 'a', value: { int_value: '7' } },
                      { key: 'b', value: { kvlist_value: { values: [{ key: 'c', value: { bool_value: true } }] } } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const span = firstSpan(data);
    expect(data.resourceSpans[0]!.schemaUrl).toBe('https://schema');
    expect(span.kind).toBe(3);
    expect(span.status).toEqual({ code: 2, message: 'boom' });
    expect(span.endTimeUnixNano).toBe(2n);
    expect(span.droppedAttributesCount).toBe(3);
    expect(span.attributes).toEqual([
      { key: 'a', value: { kind: 'int', value: 7 } },
      { key: 'b', value: { kind: 'kvlist', values: [{ key: 'c', value: { kind: 'bool', value: true } }] } },
    ]);
  });

  it('accepts intValue as number or string, keeps big strings exact, and takes doubleValue for counts', () => {
    const span = firstSpan(
      decodeTracesJson(
        jsonRequest({
          traceId: '5b8efff798038103d269b633813fc60c',
          spanId: 'eee19b7ec3c1b174',
          attributes: [
            { key: 'js', value: { intValue: 12 } },
            { key: 'go', value: { intValue: '12' } },
            { key: 'big', value: { intValue: '9223372036854775807' } },
            { key: 'negative', value: { intValue: '-9007199254740993' } },
            { key: 'double', value: { doubleValue: 12 } },
            { key: 'nan', value: { doubleValue: 'NaN' } },
            { key: 'bytes', value: { bytesValue: 'AQID' } },
            { key: 'empty', value: {} },
            { key: 'strindex', value: { stringValueStrindex: 4 } },
            { key: 'no-value' },
          ],
        }),
      ),
    );
    expect(span.attributes.map((attribute) => attribute.value)).toEqual([
      { kind: 'int', value: 12 },
      { kind: 'int', value: 12 },
      { kind: 'int', value: 9223372036854775807n },
      { kind: 'int', value: -9007199254740993n },
      { kind: 'double', value: 12 },
      { kind: 'double', value: NaN },
      { kind: 'bytes', value: Uint8Array.from([1, 2, 3]) },
      { kind: 'empty' },
      { kind: 'empty' },
      { kind: 'empty' },
    ]);
  });

  it('ignores unknown fields and treats null as absent, and accepts a Uint8Array body', () => {
    const body = jsonRequest(
      { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: null, futureField: { x: 1 }, status: null },
      { futureEnvelopeField: [1, 2] },
    );
    const span = firstSpan(decodeTracesJson(new TextEncoder().encode(body)));
    expect(span.name).toBe('');
    expect(span.status).toEqual({ message: '', code: 0 });
  });
});

// ---------------------------------------------------------------------------------------------------------------

function decodeError(decode: () => unknown): OtlpDecodeError {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(OtlpDecodeError);
    return error as OtlpDecodeError;
  }
  throw new Error('expected an OtlpDecodeError, but decoding succeeded');
}

describe('malformed protobuf', () => {
  const valid = encodeTracesProtobuf(randomTraces(7));

  it('rejects every truncation of a valid request with OtlpDecodeError', () => {
    let rejected = 0;
    for (let length = 1; length < valid.length; length++) {
      try {
        decodeTracesProtobuf(valid.subarray(0, length));
      } catch (error) {
        expect(error).toBeInstanceOf(OtlpDecodeError);
        rejected++;
      }
    }
    // The outer resource_spans length covers the whole body, so every strict prefix is truncated.
    expect(rejected).toBe(valid.length - 1);
  });

  it('names the path and the field for a wrong wire type', () => {
    const badKeyValue = Uint8Array.from([(1 << 3) | 5, 0, 0, 0, 0]);
    const span = concat([bytesField(9, keyValueBytes('a', 'b')), bytesField(9, keyValueBytes('c', 'd')), bytesField(9, badKeyValue)]);
    const scopeSpans = concat([bytesField(2, spanBytes('ok', new Uint8Array(0))), bytesField(2, span)]);
    const request = bytesField(1, concat([bytesField(2, new Uint8Array(0)), bytesField(2, scopeSpans)]));
    // spanBytes already carries one attribute, so the bad one is attributes[2] of spans[1].
    expect(decodeError(() => decodeTracesProtobuf(request)).message).toBe(
      'resourceSpans[0].scopeSpans[1].spans[1].attributes[2]: wire type 5 not valid for field 1 (key)',
    );
  });

  it('rejects a length running past the end of its message', () => {
    const request = bytesField(1, bytesField(2, Uint8Array.from([(2 << 3) | 2, 50, 1, 2])));
    expect(decodeError(() => decodeTracesProtobuf(request)).message).toMatch(/^resourceSpans\[0\]\.scopeSpans\[0\]: length 50 .* runs past the end/);
  });

  it('rejects varints longer than 10 bytes', () => {
    const span = Uint8Array.from([6 << 3, ...new Array<number>(10).fill(0xff), 0x01]);
    const request = bytesField(1, bytesField(2, bytesField(2, span)));
    expect(decodeError(() => decodeTracesProtobuf(request)).message).toMatch(/spans\[0\]: varint longer than 10 bytes/);
  });

  it('rejects a length or a tag beyond 32 bits, which parsers downstream refuse, rather than read its low bits', () => {
    // The span's name (field 5) of 3 bytes, its length written as 3 + 2^32 in five bytes: read as 3 before.
    const longLength = Uint8Array.from([(5 << 3) | 2, 0x83, 0x80, 0x80, 0x80, 0x10, 0x61, 0x62, 0x63]);
    const request = bytesField(1, bytesField(2, bytesField(2, longLength)));
    expect(decodeError(() => decodeTracesProtobuf(request)).message).toMatch(/spans\[0\]: varint at offset \d+ is beyond 32 bits/);
    // The tag of field 5, with a bit above 32 set.
    const longTag = Uint8Array.from([0x80 | (5 << 3) | 2, 0x80, 0x80, 0x80, 0x10, 0x01, 0x61]);
    expect(decodeError(() => decodeTracesProtobuf(bytesField(1, bytesField(2, bytesField(2, longTag))))).message).toMatch(/beyond 32 bits/);
    // Five-byte varints within 32 bits are fine (a 4 GiB-1 length is refused as running past the end, not cut).
    const fiveBytes = Uint8Array.from([(5 << 3) | 2, 0x83, 0x80, 0x80, 0x80, 0x00, 0x61, 0x62, 0x63]);
    expect(decodeTracesProtobuf(bytesField(1, bytesField(2, bytesField(2, fiveBytes)))).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name).toBe('abc');
  });

  it('rejects field number 0 and group wire types', () => {
    expect(decodeError(() => decodeTracesProtobuf(Uint8Array.from([0, 0]))).message).toMatch(/field number 0/);
    expect(decodeError(() => decodeTracesProtobuf(Uint8Array.from([(5 << 3) | 3]))).message).toMatch(/wire type 3/);
  });

  it('passes wrong-length ids through, so that only their span is rejected (by the receiver)', () => {
    const request = bytesField(1, bytesField(2, bytesField(2, bytesField(1, Uint8Array.from([1, 2, 3, 4, 5])))));
    expect(firstSpan(decodeTracesProtobuf(request)).traceId).toEqual(Uint8Array.from([1, 2, 3, 4, 5]));
  });

  it('skips unknown fields of every wire type and tolerates the profiles-only strindex fields', () => {
    const unknown = concat([
      varintField(50, 1),
      // Field 51 wire type 1 and field 52 wire type 5: two-byte tags.
      Uint8Array.from([0x99, 0x03, 1, 2, 3, 4, 5, 6, 7, 8]),
      Uint8Array.from([0xa5, 0x03, 1, 2, 3, 4]),
      bytesField(53, Uint8Array.from([1, 2, 3])),
    ]);
    const keyValue = concat([varintField(3, 5), stringField(1, 'k'), bytesField(2, concat([varintField(8, 9)]))]);
    const span = concat([spanBytes('s', unknown), bytesField(9, keyValue)]);
    const decoded = firstSpan(decodeTracesProtobuf(concat([unknown, bytesField(1, bytesField(2, bytesField(2, span)))])));
    expect(decoded.name).toBe('s');
    expect(decoded.attributes).toEqual([
      { key: 'gen_ai.system', value: stringValue('openai') },
      { key: 'k', value: { kind: 'empty' } },
    ]);
  });

  it('refuses values nested deeper than 100 levels, naming both ends of the path in a short message', () => {
    // Arrays and kvlists in turn around a string, `levels` deep, as the first span's second attribute.
    const nested = (levels: number): Uint8Array => {
      let value = stringField(1, 'x');
      for (let level = 0; level < levels; level++) {
        value = level % 2 === 0 ? bytesField(5, bytesField(1, value)) : bytesField(6, bytesField(1, concat([stringField(1, 'k'), bytesField(2, value)])));
      }
      return value;
    };
    const request = (levels: number) => bytesField(1, bytesField(2, bytesField(2, spanBytes('s', bytesField(9, concat([stringField(1, 'deep'), bytesField(2, nested(levels))]))))));
    let depth = 0;
    for (let value = firstSpan(decodeTracesProtobuf(request(100))).attributes[1]!.value; value.kind === 'array' || value.kind === 'kvlist'; depth++) {
      value = value.kind === 'array' ? value.values[0]! : value.values[0]!.value;
    }
    expect(depth).toBe(100);
    // Far deeper than the stack allows: refused all the same, not with the stack's own error.
    // Odd counts, so that the outermost value is an array, as the message below starts.
    for (const levels of [101, 50_001]) {
      const body = request(levels);
      const { message } = decodeError(() => decodeTracesProtobuf(body));
      expect(message.startsWith('resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value.arrayValue.values[0].kvlistValue.values[0].value.')).toBe(true);
      expect(message).toMatch(/\.\(\d+ more\)\./);
      expect(message.endsWith(': values nested deeper than 100 levels (arrays and kvlists within each other)')).toBe(true);
      expect(message.length).toBeLessThan(400);
    }
  });

  it('decodes invalid UTF-8 leniently with replacement characters', () => {
    const span = concat([bytesField(5, Uint8Array.from([0x61, 0xff, 0x62]))]);
    expect(firstSpan(decodeTracesProtobuf(bytesField(1, bytesField(2, bytesField(2, span))))).name).toBe('a\ufffdb');
  });
});

describe('malformed JSON', () => {
  const ids = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174' };

  it('rejects invalid JSON and non-object roots', () => {
    expect(decodeError(() => decodeTracesJson('{"resourceSpans": [')).message).toMatch(/^invalid JSON: /);
    expect(decodeError(() => decodeTracesJson('[]')).message).toBe('must be an object, got an array');
  });

  it('decodes unreadable ids to MALFORMED_ID and other hex to its bytes, so that only their span is rejected', () => {
    expect(firstSpan(decodeTracesJson(jsonRequest({ ...ids, traceId: 'abc' }))).traceId).toBe(MALFORMED_ID);
    expect(firstSpan(decodeTracesJson(jsonRequest({ ...ids, spanId: 'zzzzzzzzzzzzzzzz' }))).spanId).toBe(MALFORMED_ID);
    expect(firstSpan(decodeTracesJson(jsonRequest({ ...ids, spanId: 'abcd' }))).spanId).toEqual(Uint8Array.from([0xab, 0xcd]));
    const linked = firstSpan(decodeTracesJson(jsonRequest({ ...ids, links: [{ ...ids, spanId: 7 }] })));
    expect(linked.links[0]!.spanId).toBe(MALFORMED_ID);
  });

  it('refuses values nested deeper than 100 levels, with the same message as protobuf', () => {
    // Written as text: JSON.stringify itself runs out of stack on the deepest.
    const nested = (levels: number): string => {
      let value = '{"stringValue":"x"}';
      for (let level = 0; level < levels; level++) value = level % 2 === 0 ? `{"arrayValue":{"values":[${value}]}}` : `{"kvlistValue":{"values":[{"key":"k","value":${value}}]}}`;
      return value;
    };
    const request = (levels: number) => jsonRequest({ ...ids, attributes: [{ key: 'deep', value: 'VALUE' }] }).replace('"VALUE"', nested(levels));
    expect(firstSpan(decodeTracesJson(request(100))).attributes[0]!.value.kind).toBe('kvlist');
    for (const levels of [101, 20_001]) {
      const body = request(levels);
      const { message } = decodeError(() => decodeTracesJson(body));
      expect(message).toMatch(/^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.attributes\[0\]\.value\.arrayValue\.values\[0\]\..*\.\(\d+ more\)\..*: values nested deeper than 100 levels/);
      expect(message.length).toBeLessThan(400);
    }
  });

  it('rejects values of the wrong type, naming the field', () => {
    expect(decodeError(() => decodeTracesJson(jsonRequest({ ...ids, name: 5 }))).message).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].name: must be a string, got 5',
    );
    expect(decodeError(() => decodeTracesJson(jsonRequest({ ...ids, attributes: {} }))).message).toMatch(
      /spans\[0\]\.attributes: must be an array, got an object/,
    );
    expect(
      decodeError(() => decodeTracesJson(jsonRequest({ ...ids, attributes: [{ key: 'a', value: { intValue: '1.5' } }] }))).message,
    ).toMatch(/spans\[0\]\.attributes\[0\]\.value\.intValue: must be an int64/);
    expect(decodeError(() => decodeTracesJson(jsonRequest({ ...ids, kind: 'SPAN_KIND_NOPE' }))).message).toMatch(/spans\[0\]\.kind: must be an enum/);
    // Enums are int32: beyond it, the encoder's size pass and its writes disagreed, and the bytes forwarded were cut.
    for (const kind of [2 ** 35, '99999999999', 2 ** 31, -(2 ** 31) - 1, 1.5]) {
      expect(decodeError(() => decodeTracesJson(jsonRequest({ ...ids, kind }))).message).toMatch(/spans\[0\]\.kind: must be an enum number \(int32\)/);
    }
    expect(decodeError(() => decodeTracesJson(jsonRequest({ ...ids, status: { code: 2 ** 40 } }))).message).toMatch(/status\.code: must be an enum/);
    // At the int32 bounds, what is decoded encodes and decodes back the same (a negative enum takes 10 bytes).
    for (const kind of [2 ** 31 - 1, -(2 ** 31)]) {
      const decoded = decodeTracesJson(jsonRequest({ ...ids, kind }));
      expect(firstSpan(decodeTracesProtobuf(encodeTracesProtobuf(decoded))).kind).toBe(kind);
    }
    expect(decodeError(() => decodeTracesJson(jsonRequest({ ...ids, startTimeUnixNano: '-5' }))).message).toMatch(
      /spans\[0\]\.startTimeUnixNano: must be a uint64/,
    );
    expect(decodeError(() => decodeTracesJson(jsonRequest({ ...ids }, { resource: 'x' }))).message).toBe(
      'resourceSpans[0].resource: must be an object, got "x"',
    );
  });
});
