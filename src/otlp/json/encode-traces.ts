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
  TracesData,
} from '../model.js';
import { toHex } from '../model.js';
import { encodeBase64 } from './ids.js';

// OTLP/JSON as the OTel JS exporter writes it: lowerCamelCase keys, hex ids, 64-bit integers as decimal strings, enums
// as integers. Fields at their default are left out, except the ones every span is expected to carry (ids, name, kind,
// timestamps). Built as plain objects and serialised by JSON.stringify, which is native and escapes strings correctly.

type Json = Record<string, unknown>;

export function encodeTracesJson(data: TracesData): string {
  return JSON.stringify({ resourceSpans: data.resourceSpans.map(encodeResourceSpans) });
}

function encodeResourceSpans(resourceSpans: ResourceSpans): Json {
  const out: Json = {};
  if (resourceSpans.resource !== undefined) out.resource = encodeResource(resourceSpans.resource);
  out.scopeSpans = resourceSpans.scopeSpans.map(encodeScopeSpans);
  if (resourceSpans.schemaUrl !== '') out.schemaUrl = resourceSpans.schemaUrl;
  return out;
}

function encodeResource(resource: Resource): Json {
  const out: Json = { attributes: encodeAttributes(resource.attributes) };
  if (resource.droppedAttributesCount !== 0) out.droppedAttributesCount = resource.droppedAttributesCount;
  if (resource.entityRefs.length !== 0) out.entityRefs = resource.entityRefs.map(encodeEntityRef);
  return out;
}

function encodeEntityRef(entityRef: EntityRef): Json {
  const out: Json = {};
  if (entityRef.schemaUrl !== '') out.schemaUrl = entityRef.schemaUrl;
  if (entityRef.type !== '') out.type = entityRef.type;
  if (entityRef.idKeys.length !== 0) out.idKeys = entityRef.idKeys;
  if (entityRef.descriptionKeys.length !== 0) out.descriptionKeys = entityRef.descriptionKeys;
  return out;
}

function encodeScopeSpans(scopeSpans: ScopeSpans): Json {
  const out: Json = {};
  if (scopeSpans.scope !== undefined) out.scope = encodeScope(scopeSpans.scope);
  out.spans = scopeSpans.spans.map(encodeSpan);
  if (scopeSpans.schemaUrl !== '') out.schemaUrl = scopeSpans.schemaUrl;
  return out;
}

function encodeScope(scope: InstrumentationScope): Json {
  const out: Json = {};
  if (scope.name !== '') out.name = scope.name;
  if (scope.version !== '') out.version = scope.version;
  if (scope.attributes.length !== 0) out.attributes = encodeAttributes(scope.attributes);
  if (scope.droppedAttributesCount !== 0) out.droppedAttributesCount = scope.droppedAttributesCount;
  return out;
}

function encodeSpan(span: Span): Json {
  const out: Json = { traceId: toHex(span.traceId), spanId: toHex(span.spanId) };
  if (span.traceState !== '') out.traceState = span.traceState;
  if (span.parentSpanId.length !== 0) out.parentSpanId = toHex(span.parentSpanId);
  if (span.flags !== 0) out.flags = span.flags;
  out.name = span.name;
  out.kind = span.kind;
  out.startTimeUnixNano = span.startTimeUnixNano.toString();
  out.endTimeUnixNano = span.endTimeUnixNano.toString();
  if (span.attributes.length !== 0) out.attributes = encodeAttributes(span.attributes);
  if (span.droppedAttributesCount !== 0) out.droppedAttributesCount = span.droppedAttributesCount;
  if (span.events.length !== 0) out.events = span.events.map(encodeEvent);
  if (span.droppedEventsCount !== 0) out.droppedEventsCount = span.droppedEventsCount;
  if (span.links.length !== 0) out.links = span.links.map(encodeLink);
  if (span.droppedLinksCount !== 0) out.droppedLinksCount = span.droppedLinksCount;
  if (span.status.code !== 0 || span.status.message !== '') {
    const status: Json = {};
    if (span.status.message !== '') status.message = span.status.message;
    if (span.status.code !== 0) status.code = span.status.code;
    out.status = status;
  }
  return out;
}

function encodeEvent(event: SpanEvent): Json {
  const out: Json = { timeUnixNano: event.timeUnixNano.toString(), name: event.name };
  if (event.attributes.length !== 0) out.attributes = encodeAttributes(event.attributes);
  if (event.droppedAttributesCount !== 0) out.droppedAttributesCount = event.droppedAttributesCount;
  return out;
}

function encodeLink(link: SpanLink): Json {
  const out: Json = { traceId: toHex(link.traceId), spanId: toHex(link.spanId) };
  if (link.traceState !== '') out.traceState = link.traceState;
  if (link.attributes.length !== 0) out.attributes = encodeAttributes(link.attributes);
  if (link.droppedAttributesCount !== 0) out.droppedAttributesCount = link.droppedAttributesCount;
  if (link.flags !== 0) out.flags = link.flags;
  return out;
}

function encodeAttributes(attributes: readonly KeyValue[]): Json[] {
  const out = new Array<Json>(attributes.length);
  for (let i = 0; i < attributes.length; i++) {
    const attribute = attributes[i]!;
    out[i] = { key: attribute.key, value: encodeAnyValue(attribute.value) };
  }
  return out;
}

function encodeAnyValue(value: AnyValue): Json {
  switch (value.kind) {
    case 'string':
      return { stringValue: value.value };
    case 'bool':
      return { boolValue: value.value };
    case 'int':
      return { intValue: value.value.toString() };
    case 'double':
      // proto3 JSON spells the non-finite doubles as strings; JSON.stringify would write null.
      return { doubleValue: Number.isFinite(value.value) ? value.value : String(value.value) };
    case 'bytes':
      return { bytesValue: encodeBase64(value.value) };
    case 'array':
      return { arrayValue: { values: value.values.map(encodeAnyValue) } };
    case 'kvlist':
      return { kvlistValue: { values: encodeAttributes(value.values) } };
    case 'empty':
      return {};
  }
}
