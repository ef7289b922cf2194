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
import { nestError, nestedValue } from '../protobuf/decode-error.js';
import { decodeBase64, decodeJsonId } from './ids.js';
import type { JsonObject } from './values.js';
import { asArray, asBool, asDouble, asEnum, asInt64, asObject, asString, asUint32, asUint64, field, parseJson } from './values.js';

const SPAN_KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODE_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/**
 * Decodes OTLP/JSON (`ExportTraceServiceRequest`). Lenient as otlp-protocol.md §6 recommends: snake_case keys, enum
 * names, base64 ids, integers as strings or numbers; unknown fields are ignored.
 */
export function decodeTracesJson(body: string | Uint8Array): TracesData {
  const root = asObject(parseJson(body));
  return { resourceSpans: decodeList(field(root, 'resourceSpans', 'resource_spans'), 'resourceSpans', decodeResourceSpans) };
}

/** Decodes every element of a JSON array, locating errors as `name[index]`. */
function decodeList<T>(value: unknown, name: string, decodeElement: (element: JsonObject) => T): T[] {
  const elements = asArray(value, name);
  const result: T[] = new Array<T>(elements.length);
  for (let i = 0; i < elements.length; i++) {
    try {
      result[i] = decodeElement(asObject(elements[i]));
    } catch (error) {
      throw nestError(error, `${name}[${i}]`);
    }
  }
  return result;
}

function decodeChild<T>(value: unknown, name: string, decodeObject: (object: JsonObject) => T): T | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return decodeObject(asObject(value));
  } catch (error) {
    throw nestError(error, name);
  }
}

function decodeResourceSpans(object: JsonObject): ResourceSpans {
  return {
    resource: decodeChild(object.resource, 'resource', decodeResource),
    scopeSpans: decodeList(field(object, 'scopeSpans', 'scope_spans'), 'scopeSpans', decodeScopeSpans),
    schemaUrl: asString(field(object, 'schemaUrl', 'schema_url'), 'schemaUrl'),
  };
}

function decodeResource(object: JsonObject): Resource {
  return {
    attributes: decodeAttributes(object.attributes, 'attributes'),
    droppedAttributesCount: asUint32(field(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
    entityRefs: decodeList(field(object, 'entityRefs', 'entity_refs'), 'entityRefs', decodeEntityRef),
    raw: undefined,
    unknownFields: undefined,
  };
}

function decodeEntityRef(object: JsonObject): EntityRef {
  return {
    schemaUrl: asString(field(object, 'schemaUrl', 'schema_url'), 'schemaUrl'),
    type: asString(object.type, 'type'),
    idKeys: decodeStrings(field(object, 'idKeys', 'id_keys'), 'idKeys'),
    descriptionKeys: decodeStrings(field(object, 'descriptionKeys', 'description_keys'), 'descriptionKeys'),
  };
}

function decodeStrings(value: unknown, name: string): string[] {
  return asArray(value, name).map((element, index) => asString(element, `${name}[${index}]`));
}

function decodeScopeSpans(object: JsonObject): ScopeSpans {
  return {
    scope: decodeChild(object.scope, 'scope', decodeScope),
    spans: decodeList(object.spans, 'spans', decodeSpan),
    schemaUrl: asString(field(object, 'schemaUrl', 'schema_url'), 'schemaUrl'),
  };
}

function decodeScope(object: JsonObject): InstrumentationScope {
  return {
    name: asString(object.name, 'name'),
    version: asString(object.version, 'version'),
    attributes: decodeAttributes(object.attributes, 'attributes'),
    droppedAttributesCount: asUint32(field(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
    raw: undefined,
    unknownFields: undefined,
  };
}

function decodeSpan(object: JsonObject): Span {
  return {
    traceId: decodeId(field(object, 'traceId', 'trace_id'), 16, 'traceId'),
    spanId: decodeId(field(object, 'spanId', 'span_id'), 8, 'spanId'),
    traceState: asString(field(object, 'traceState', 'trace_state'), 'traceState'),
    parentSpanId: decodeId(field(object, 'parentSpanId', 'parent_span_id'), 8, 'parentSpanId'),
    flags: asUint32(object.flags, 'flags'),
    name: asString(object.name, 'name'),
    kind: asEnum(object.kind, SPAN_KIND_NAMES, 'kind'),
    startTimeUnixNano: asUint64(field(object, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano'),
    endTimeUnixNano: asUint64(field(object, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano'),
    attributes: decodeAttributes(object.attributes, 'attributes'),
    droppedAttributesCount: asUint32(field(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
    events: decodeList(object.events, 'events', decodeEvent),
    droppedEventsCount: asUint32(field(object, 'droppedEventsCount', 'dropped_events_count'), 'droppedEventsCount'),
    links: decodeList(object.links, 'links', decodeLink),
    droppedLinksCount: asUint32(field(object, 'droppedLinksCount', 'dropped_links_count'), 'droppedLinksCount'),
    status: decodeChild(object.status, 'status', decodeStatus) ?? { message: '', code: 0 },
    raw: undefined,
    unknownFields: undefined,
  };
}

function decodeId(value: unknown, byteLength: number, name: string): Uint8Array {
  try {
    return decodeJsonId(value, byteLength);
  } catch (error) {
    throw nestError(error, name);
  }
}

function decodeStatus(object: JsonObject): Status {
  return {
    message: asString(object.message, 'message'),
    code: asEnum(object.code, STATUS_CODE_NAMES, 'code'),
  };
}

function decodeEvent(object: JsonObject): SpanEvent {
  return {
    timeUnixNano: asUint64(field(object, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
    name: asString(object.name, 'name'),
    attributes: decodeAttributes(object.attributes, 'attributes'),
    droppedAttributesCount: asUint32(field(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
  };
}

function decodeLink(object: JsonObject): SpanLink {
  return {
    traceId: decodeId(field(object, 'traceId', 'trace_id'), 16, 'traceId'),
    spanId: decodeId(field(object, 'spanId', 'span_id'), 8, 'spanId'),
    traceState: asString(field(object, 'traceState', 'trace_state'), 'traceState'),
    attributes: decodeAttributes(object.attributes, 'attributes'),
    droppedAttributesCount: asUint32(field(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
    flags: asUint32(object.flags, 'flags'),
  };
}

function decodeAttributes(value: unknown, name: string): KeyValue[] {
  return decodeList(value, name, decodeKeyValue);
}

const EMPTY_VALUE: AnyValue = { kind: 'empty' };

function decodeKeyValue(object: JsonObject): KeyValue {
  return {
    key: asString(object.key, 'key'),
    value: decodeChild(object.value, 'value', decodeAnyValue) ?? EMPTY_VALUE,
  };
}

function decodeAnyValue(object: JsonObject): AnyValue {
  let value: unknown;
  if ((value = field(object, 'stringValue', 'string_value')) !== undefined) {
    return { kind: 'string', value: asString(value, 'stringValue') };
  }
  if ((value = field(object, 'intValue', 'int_value')) !== undefined) {
    return { kind: 'int', value: asInt64(value, 'intValue') };
  }
  if ((value = field(object, 'boolValue', 'bool_value')) !== undefined) {
    return { kind: 'bool', value: asBool(value, 'boolValue') };
  }
  if ((value = field(object, 'doubleValue', 'double_value')) !== undefined) {
    return { kind: 'double', value: asDouble(value, 'doubleValue') };
  }
  if ((value = field(object, 'arrayValue', 'array_value')) !== undefined) {
    const values = nestedValue(() => decodeChild(value, 'arrayValue', (array) => decodeList(array.values, 'values', decodeAnyValue)));
    return { kind: 'array', values: values ?? [] };
  }
  if ((value = field(object, 'kvlistValue', 'kvlist_value')) !== undefined) {
    const values = nestedValue(() => decodeChild(value, 'kvlistValue', (list) => decodeAttributes(list.values, 'values')));
    return { kind: 'kvlist', values: values ?? [] };
  }
  if ((value = field(object, 'bytesValue', 'bytes_value')) !== undefined) {
    try {
      return { kind: 'bytes', value: decodeBase64(value) };
    } catch (error) {
      throw nestError(error, 'bytesValue');
    }
  }
  // `{}` and profiles-only `stringValueStrindex` (non-fatal, treated as absent) are the empty value.
  return EMPTY_VALUE;
}
