import type {
  AnyValue,
  EntityRef,
  InstrumentationScope,
  KeyValue,
  Resource,
  ResourceSpans,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
  Status,
  TracesData,
} from '../model.js';
import { nestError, nestedValue } from './decode-error.js';
import { ProtoReader, keepUnknownField, unexpectedTag } from './reader.js';

// Field names by number, for error messages about known fields sent with the wrong wire type.
const REQUEST_FIELDS = [undefined, 'resource_spans'];
const RESOURCE_SPANS_FIELDS = [undefined, 'resource', 'scope_spans', 'schema_url'];
const SCOPE_SPANS_FIELDS = [undefined, 'scope', 'spans', 'schema_url'];
const RESOURCE_FIELDS = [undefined, 'attributes', 'dropped_attributes_count', 'entity_refs'];
const ENTITY_REF_FIELDS = [undefined, 'schema_url', 'type', 'id_keys', 'description_keys'];
const SCOPE_FIELDS = [undefined, 'name', 'version', 'attributes', 'dropped_attributes_count'];
const SPAN_FIELDS = [
  undefined, 'trace_id', 'span_id', 'trace_state', 'parent_span_id', 'name', 'kind', 'start_time_unix_nano',
  'end_time_unix_nano', 'attributes', 'dropped_attributes_count', 'events', 'dropped_events_count', 'links',
  'dropped_links_count', 'status', 'flags',
];
const EVENT_FIELDS = [undefined, 'time_unix_nano', 'name', 'attributes', 'dropped_attributes_count'];
const LINK_FIELDS = [undefined, 'trace_id', 'span_id', 'trace_state', 'attributes', 'dropped_attributes_count', 'flags'];
const STATUS_FIELDS = [undefined, undefined, 'message', 'code'];
const KEY_VALUE_FIELDS = [undefined, 'key', 'value', 'key_strindex'];
const ANY_VALUE_FIELDS = [
  undefined, 'string_value', 'bool_value', 'int_value', 'double_value', 'array_value', 'kvlist_value', 'bytes_value',
  'string_value_strindex',
];
const VALUES_FIELDS = [undefined, 'values'];

const EMPTY_BYTES = new Uint8Array(0);

/** Decodes a protobuf `ExportTraceServiceRequest` (equivalently `TracesData`: same field 1). */
export function decodeTracesProtobuf(bytes: Uint8Array): TracesData {
  const reader = new ProtoReader(bytes);
  const end = bytes.length;
  const resourceSpans: ResourceSpans[] = [];
  while (reader.pos < end) {
    const tag = reader.tagOrLength(end);
    if (tag === 10) {
      const childEnd = reader.lengthEnd(end);
      try {
        resourceSpans.push(decodeResourceSpans(reader, childEnd));
      } catch (error) {
        throw nestError(error, `resourceSpans[${resourceSpans.length}]`);
      }
    } else {
      unexpectedTag(reader, tag, end, REQUEST_FIELDS);
    }
  }
  return { resourceSpans };
}

function decodeResourceSpans(reader: ProtoReader, end: number): ResourceSpans {
  const result: ResourceSpans = { resource: undefined, scopeSpans: [], schemaUrl: '', unknownFields: undefined };
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 10: {
        const childEnd = reader.lengthEnd(end);
        try {
          result.resource = decodeResource(reader, childEnd);
        } catch (error) {
          throw nestError(error, 'resource');
        }
        break;
      }
      case 18: {
        const childEnd = reader.lengthEnd(end);
        try {
          result.scopeSpans.push(decodeScopeSpans(reader, childEnd));
        } catch (error) {
          throw nestError(error, `scopeSpans[${result.scopeSpans.length}]`);
        }
        break;
      }
      case 26:
        result.schemaUrl = reader.string(end);
        break;
      default:
        result.unknownFields = keepUnknownField(reader, fieldStart, tag, end, RESOURCE_SPANS_FIELDS, result.unknownFields);
    }
  }
  return result;
}

function decodeResource(reader: ProtoReader, end: number): Resource {
  const start = reader.pos;
  const result: Resource = { attributes: [], droppedAttributesCount: 0, entityRefs: [], raw: undefined, unknownFields: undefined };
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 10:
        decodeAttribute(reader, end, result.attributes, 'attributes');
        break;
      case 16:
        result.droppedAttributesCount = reader.uint32(end);
        break;
      case 26: {
        const childEnd = reader.lengthEnd(end);
        try {
          result.entityRefs.push(decodeEntityRef(reader, childEnd));
        } catch (error) {
          throw nestError(error, `entityRefs[${result.entityRefs.length}]`);
        }
        break;
      }
      default:
        result.unknownFields = keepUnknownField(reader, fieldStart, tag, end, RESOURCE_FIELDS, result.unknownFields);
    }
  }
  result.raw = reader.buf.subarray(start, end);
  return result;
}

function decodeEntityRef(reader: ProtoReader, end: number): EntityRef {
  const result: EntityRef = { schemaUrl: '', type: '', idKeys: [], descriptionKeys: [] };
  while (reader.pos < end) {
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 10:
        result.schemaUrl = reader.string(end);
        break;
      case 18:
        result.type = reader.string(end);
        break;
      case 26:
        result.idKeys.push(reader.string(end));
        break;
      case 34:
        result.descriptionKeys.push(reader.string(end));
        break;
      default:
        unexpectedTag(reader, tag, end, ENTITY_REF_FIELDS);
    }
  }
  return result;
}

function decodeScopeSpans(reader: ProtoReader, end: number): ScopeSpans {
  const result: ScopeSpans = { scope: undefined, spans: [], schemaUrl: '', unknownFields: undefined };
  const spans = result.spans;
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 10: {
        const childEnd = reader.lengthEnd(end);
        try {
          result.scope = decodeScope(reader, childEnd);
        } catch (error) {
          throw nestError(error, 'scope');
        }
        break;
      }
      case 18: {
        const childEnd = reader.lengthEnd(end);
        try {
          spans.push(decodeSpan(reader, childEnd));
        } catch (error) {
          throw nestError(error, `spans[${spans.length}]`);
        }
        break;
      }
      case 26:
        result.schemaUrl = reader.string(end);
        break;
      default:
        result.unknownFields = keepUnknownField(reader, fieldStart, tag, end, SCOPE_SPANS_FIELDS, result.unknownFields);
    }
  }
  return result;
}

function decodeScope(reader: ProtoReader, end: number): InstrumentationScope {
  const start = reader.pos;
  const result: InstrumentationScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0, raw: undefined, unknownFields: undefined };
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 10:
        result.name = reader.string(end);
        break;
      case 18:
        result.version = reader.string(end);
        break;
      case 26:
        decodeAttribute(reader, end, result.attributes, 'attributes');
        break;
      case 32:
        result.droppedAttributesCount = reader.uint32(end);
        break;
      default:
        result.unknownFields = keepUnknownField(reader, fieldStart, tag, end, SCOPE_FIELDS, result.unknownFields);
    }
  }
  result.raw = reader.buf.subarray(start, end);
  return result;
}

function decodeSpan(reader: ProtoReader, end: number): Span {
  const start = reader.pos;
  // Every property is created here, in one order, so all spans share one hidden class.
  const span: Span = {
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    parentSpanId: EMPTY_BYTES,
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
    raw: undefined,
    rawAttributeCount: 0,
    unknownFields: undefined,
  };
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 10:
        span.traceId = readId(reader, end);
        break;
      case 18:
        span.spanId = readId(reader, end);
        break;
      case 26:
        span.traceState = reader.string(end);
        break;
      case 34:
        span.parentSpanId = readId(reader, end);
        break;
      case 42:
        span.name = reader.string(end);
        break;
      case 48:
        span.kind = reader.uint32(end) | 0;
        break;
      case 57:
        span.startTimeUnixNano = reader.fixed64(end);
        break;
      case 65:
        span.endTimeUnixNano = reader.fixed64(end);
        break;
      case 74:
        decodeAttribute(reader, end, span.attributes, 'attributes');
        break;
      case 80:
        span.droppedAttributesCount = reader.uint32(end);
        break;
      case 90: {
        const childEnd = reader.lengthEnd(end);
        try {
          span.events.push(decodeEvent(reader, childEnd));
        } catch (error) {
          throw nestError(error, `events[${span.events.length}]`);
        }
        break;
      }
      case 96:
        span.droppedEventsCount = reader.uint32(end);
        break;
      case 106: {
        const childEnd = reader.lengthEnd(end);
        try {
          span.links.push(decodeLink(reader, childEnd));
        } catch (error) {
          throw nestError(error, `links[${span.links.length}]`);
        }
        break;
      }
      case 112:
        span.droppedLinksCount = reader.uint32(end);
        break;
      case 122: {
        const childEnd = reader.lengthEnd(end);
        try {
          span.status = decodeStatus(reader, childEnd);
        } catch (error) {
          throw nestError(error, 'status');
        }
        break;
      }
      case 133:
        span.flags = reader.fixed32(end);
        break;
      default:
        span.unknownFields = keepUnknownField(reader, fieldStart, tag, end, SPAN_FIELDS, span.unknownFields);
    }
  }
  span.raw = reader.buf.subarray(start, end);
  span.rawAttributeCount = span.attributes.length;
  return span;
}

/**
 * Ids of any length are decoded as they are: a wrong-length id makes its span unacceptable, not the whole request,
 * so the receivers reject that span alone as a partial success (src/receivers/otlp/validate.ts).
 */
function readId(reader: ProtoReader, end: number): Uint8Array {
  return reader.bytes(end);
}

function decodeEvent(reader: ProtoReader, end: number): SpanEvent {
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0, unknownFields: undefined };
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 9:
        event.timeUnixNano = reader.fixed64(end);
        break;
      case 18:
        event.name = reader.string(end);
        break;
      case 26:
        decodeAttribute(reader, end, event.attributes, 'attributes');
        break;
      case 32:
        event.droppedAttributesCount = reader.uint32(end);
        break;
      default:
        event.unknownFields = keepUnknownField(reader, fieldStart, tag, end, EVENT_FIELDS, event.unknownFields);
    }
  }
  return event;
}

function decodeLink(reader: ProtoReader, end: number): SpanLink {
  const link: SpanLink = {
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    unknownFields: undefined,
  };
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 10:
        link.traceId = readId(reader, end);
        break;
      case 18:
        link.spanId = readId(reader, end);
        break;
      case 26:
        link.traceState = reader.string(end);
        break;
      case 34:
        decodeAttribute(reader, end, link.attributes, 'attributes');
        break;
      case 40:
        link.droppedAttributesCount = reader.uint32(end);
        break;
      case 53:
        link.flags = reader.fixed32(end);
        break;
      default:
        link.unknownFields = keepUnknownField(reader, fieldStart, tag, end, LINK_FIELDS, link.unknownFields);
    }
  }
  return link;
}

function decodeStatus(reader: ProtoReader, end: number): Status {
  const status: Status = { message: '', code: 0, unknownFields: undefined };
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 18:
        status.message = reader.string(end);
        break;
      case 24:
        status.code = reader.uint32(end) | 0;
        break;
      default:
        status.unknownFields = keepUnknownField(reader, fieldStart, tag, end, STATUS_FIELDS, status.unknownFields);
    }
  }
  return status;
}

/** Decodes one length-delimited KeyValue (the tag is already read) and appends it, locating any error as `field[index]`. */
function decodeAttribute(reader: ProtoReader, end: number, into: KeyValue[], field: string): void {
  const childEnd = reader.lengthEnd(end);
  try {
    into.push(decodeKeyValue(reader, childEnd));
  } catch (error) {
    throw nestError(error, `${field}[${into.length}]`);
  }
}

const EMPTY_VALUE: AnyValue = { kind: 'empty' };

function decodeKeyValue(reader: ProtoReader, end: number): KeyValue {
  let key = '';
  let value = EMPTY_VALUE;
  while (reader.pos < end) {
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 10:
        key = reader.internedString(end);
        break;
      case 18: {
        const childEnd = reader.lengthEnd(end);
        try {
          value = decodeAnyValue(reader, childEnd);
        } catch (error) {
          throw nestError(error, 'value');
        }
        break;
      }
      case 24:
        // key_strindex: profiles-only dictionary reference; OTLP says treat as absent in traces.
        reader.varint64(end);
        break;
      default:
        unexpectedTag(reader, tag, end, KEY_VALUE_FIELDS);
    }
  }
  return { key, value };
}

function decodeAnyValue(reader: ProtoReader, end: number): AnyValue {
  // Proto3 oneof semantics: when several members appear, the last one wins.
  let value = EMPTY_VALUE;
  while (reader.pos < end) {
    const tag = reader.tagOrLength(end);
    switch (tag) {
      case 10:
        value = { kind: 'string', value: reader.string(end) };
        break;
      case 16:
        value = { kind: 'bool', value: reader.bool(end) };
        break;
      case 24:
        value = { kind: 'int', value: reader.int64(end) };
        break;
      case 33:
        value = { kind: 'double', value: reader.double(end) };
        break;
      case 42: {
        const childEnd = reader.lengthEnd(end);
        value = { kind: 'array', values: nestedValue(() => decodeArrayValue(reader, childEnd)) };
        break;
      }
      case 50: {
        const childEnd = reader.lengthEnd(end);
        value = { kind: 'kvlist', values: nestedValue(() => decodeKeyValueList(reader, childEnd)) };
        break;
      }
      case 58:
        value = { kind: 'bytes', value: reader.bytes(end) };
        break;
      case 64:
        // string_value_strindex: profiles-only; non-fatal, treated as absent.
        reader.varint64(end);
        break;
      default:
        unexpectedTag(reader, tag, end, ANY_VALUE_FIELDS);
    }
  }
  return value;
}

function decodeArrayValue(reader: ProtoReader, end: number): AnyValue[] {
  const values: AnyValue[] = [];
  while (reader.pos < end) {
    const tag = reader.tagOrLength(end);
    if (tag === 10) {
      const childEnd = reader.lengthEnd(end);
      try {
        values.push(decodeAnyValue(reader, childEnd));
      } catch (error) {
        throw nestError(error, `arrayValue.values[${values.length}]`);
      }
    } else {
      unexpectedTag(reader, tag, end, VALUES_FIELDS);
    }
  }
  return values;
}

function decodeKeyValueList(reader: ProtoReader, end: number): KeyValue[] {
  const values: KeyValue[] = [];
  while (reader.pos < end) {
    const tag = reader.tagOrLength(end);
    if (tag === 10) decodeAttribute(reader, end, values, 'kvlistValue.values');
    else unexpectedTag(reader, tag, end, VALUES_FIELDS);
  }
  return values;
}
