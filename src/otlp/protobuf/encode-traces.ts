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
import { LengthSlots, ProtoWriter, int64Halves, lengthFieldSize, utf8Length, varint32Size, varint64Size } from './writer.js';

// Canonical proto3: scalar fields at their default (0, '', empty bytes) are omitted; message fields are written when
// present. AnyValue members are oneof members and so are written even when they hold a default (`bool_value: false`).
// Messages with `raw` are written from those bytes verbatim, and the unknown fields an envelope kept after its known
// fields.

const slots = new LengthSlots();
const halves = { lo: 0, hi: 0 };

/**
 * The UTF-8 bytes of the first MAX_CACHED_KEYS attribute keys encoded. Keys repeat from span to span; copying a
 * key's bytes takes a third of the time of converting it character by character (~21 ns against ~59 for a
 * 28-character key), and sizing it then costs nothing. Bounded, since keys come from the apps.
 */
const keyBytes = new Map<string, Uint8Array>();
const MAX_CACHED_KEYS = 4096;

function sizeKey(key: string): number {
  const slot = slots.reserve();
  let bytes = keyBytes.get(key);
  if (bytes === undefined && keyBytes.size < MAX_CACHED_KEYS) {
    bytes = Buffer.from(key, 'utf8');
    keyBytes.set(key, bytes);
  }
  const length = bytes === undefined ? utf8Length(key) : bytes.length;
  slots.set(slot, length);
  return lengthFieldSize(length);
}

/** A KeyValue made by `constantAttribute`: its protobuf encoding (the message's content, without its length) kept with it. */
interface PreEncodedKeyValue extends KeyValue {
  readonly encoded?: Uint8Array;
}

/**
 * An attribute that never changes and that many spans share (the CostEstimator's status, a zero count, a model's
 * name), encoded once: each span that carries it has it copied, where encoding it field by field cost ~50 ns plus
 * ~5 per character of its key and value, on every span of every export. Frozen, and the encoding is not enumerable,
 * so that the attribute reads, compares and prints as any other.
 */
export function constantAttribute(key: string, value: AnyValue): KeyValue {
  const attribute: KeyValue = { key, value };
  // The shared slots are free here: encoding is synchronous, and this is never called from inside an encode.
  slots.reset();
  const size = sizeKeyValue(attribute);
  const writer = new ProtoWriter(varint32Size(size) + size, slots);
  writeKeyValue(writer, attribute);
  // A copy of its own: a small Buffer is a view of Node's shared pool.
  const encoded = new Uint8Array(writer.buf.subarray(writer.buf.length - size));
  Object.defineProperty(attribute, 'encoded', { value: encoded, enumerable: false });
  return Object.freeze(attribute);
}

export function encodeTracesProtobuf(data: TracesData): Uint8Array {
  slots.reset();
  let size = 0;
  for (const resourceSpans of data.resourceSpans) size += lengthFieldSize(sizeResourceSpans(resourceSpans));
  const writer = new ProtoWriter(size, slots);
  for (const resourceSpans of data.resourceSpans) {
    writer.byte(10);
    writeResourceSpans(writer, resourceSpans);
  }
  return writer.buf;
}

// --- sizing pass: each `sizeX` reserves its own slot first (pre-order) and returns the length of X's content.

function sizeString(value: string): number {
  const slot = slots.reserve();
  const length = utf8Length(value);
  slots.set(slot, length);
  return lengthFieldSize(length);
}

function sizeResourceSpans(resourceSpans: ResourceSpans): number {
  const slot = slots.reserve();
  let size = 0;
  if (resourceSpans.resource !== undefined) size += lengthFieldSize(sizeResource(resourceSpans.resource));
  for (const scopeSpans of resourceSpans.scopeSpans) size += lengthFieldSize(sizeScopeSpans(scopeSpans));
  if (resourceSpans.schemaUrl !== '') size += sizeString(resourceSpans.schemaUrl);
  if (resourceSpans.unknownFields !== undefined) size += sizeUnknownFields(resourceSpans.unknownFields);
  slots.set(slot, size);
  return size;
}

function sizeResource(resource: Resource): number {
  const slot = slots.reserve();
  let size: number;
  if (resource.raw !== undefined) {
    size = resource.raw.length;
  } else {
    size = sizeAttributes(resource.attributes);
    if (resource.droppedAttributesCount !== 0) size += 1 + varint32Size(resource.droppedAttributesCount);
    for (const entityRef of resource.entityRefs) size += lengthFieldSize(sizeEntityRef(entityRef));
    if (resource.unknownFields !== undefined) size += sizeUnknownFields(resource.unknownFields);
  }
  slots.set(slot, size);
  return size;
}

function sizeEntityRef(entityRef: EntityRef): number {
  const slot = slots.reserve();
  let size = 0;
  if (entityRef.schemaUrl !== '') size += sizeString(entityRef.schemaUrl);
  if (entityRef.type !== '') size += sizeString(entityRef.type);
  // Repeated strings keep empty elements: dropping one would shift the list.
  for (const key of entityRef.idKeys) size += sizeString(key);
  for (const key of entityRef.descriptionKeys) size += sizeString(key);
  slots.set(slot, size);
  return size;
}

function sizeScopeSpans(scopeSpans: ScopeSpans): number {
  const slot = slots.reserve();
  let size = 0;
  if (scopeSpans.scope !== undefined) size += lengthFieldSize(sizeScope(scopeSpans.scope));
  for (const span of scopeSpans.spans) size += lengthFieldSize(sizeSpan(span));
  if (scopeSpans.schemaUrl !== '') size += sizeString(scopeSpans.schemaUrl);
  if (scopeSpans.unknownFields !== undefined) size += sizeUnknownFields(scopeSpans.unknownFields);
  slots.set(slot, size);
  return size;
}

function sizeScope(scope: InstrumentationScope): number {
  const slot = slots.reserve();
  let size: number;
  if (scope.raw !== undefined) {
    size = scope.raw.length;
  } else {
    size = 0;
    if (scope.name !== '') size += sizeString(scope.name);
    if (scope.version !== '') size += sizeString(scope.version);
    size += sizeAttributes(scope.attributes);
    if (scope.droppedAttributesCount !== 0) size += 1 + varint32Size(scope.droppedAttributesCount);
    if (scope.unknownFields !== undefined) size += sizeUnknownFields(scope.unknownFields);
  }
  slots.set(slot, size);
  return size;
}

function sizeSpan(span: Span): number {
  const slot = slots.reserve();
  if (span.raw !== undefined) {
    const size = span.raw.length + sizeAttributes(span.attributes, attributesAfterRaw(span));
    slots.set(slot, size);
    return size;
  }
  let size = 0;
  if (span.traceId.length !== 0) size += lengthFieldSize(span.traceId.length);
  if (span.spanId.length !== 0) size += lengthFieldSize(span.spanId.length);
  if (span.traceState !== '') size += sizeString(span.traceState);
  if (span.parentSpanId.length !== 0) size += lengthFieldSize(span.parentSpanId.length);
  if (span.name !== '') size += sizeString(span.name);
  if (span.kind !== 0) size += 1 + enumSize(span.kind);
  if (span.startTimeUnixNano !== 0n) size += 9;
  if (span.endTimeUnixNano !== 0n) size += 9;
  size += sizeAttributes(span.attributes);
  if (span.droppedAttributesCount !== 0) size += 1 + varint32Size(span.droppedAttributesCount);
  for (const event of span.events) size += lengthFieldSize(sizeEvent(event));
  if (span.droppedEventsCount !== 0) size += 1 + varint32Size(span.droppedEventsCount);
  for (const link of span.links) size += lengthFieldSize(sizeLink(link));
  if (span.droppedLinksCount !== 0) size += 1 + varint32Size(span.droppedLinksCount);
  if (span.status.code !== 0 || span.status.message !== '' || span.status.unknownFields !== undefined) size += lengthFieldSize(sizeStatus(span));
  // Field 16 needs a two-byte tag.
  if (span.flags !== 0) size += 2 + 4;
  if (span.unknownFields !== undefined) size += sizeUnknownFields(span.unknownFields);
  slots.set(slot, size);
  return size;
}

/** Enums are int32 on the wire: negative values are sign-extended to 10 bytes. */
function enumSize(value: number): number {
  return value < 0 ? 10 : varint32Size(value);
}

function sizeStatus(span: Span): number {
  const slot = slots.reserve();
  let size = 0;
  if (span.status.message !== '') size += sizeString(span.status.message);
  if (span.status.code !== 0) size += 1 + enumSize(span.status.code);
  if (span.status.unknownFields !== undefined) size += sizeUnknownFields(span.status.unknownFields);
  slots.set(slot, size);
  return size;
}

function sizeEvent(event: SpanEvent): number {
  const slot = slots.reserve();
  let size = 0;
  if (event.timeUnixNano !== 0n) size += 9;
  if (event.name !== '') size += sizeString(event.name);
  size += sizeAttributes(event.attributes);
  if (event.droppedAttributesCount !== 0) size += 1 + varint32Size(event.droppedAttributesCount);
  if (event.unknownFields !== undefined) size += sizeUnknownFields(event.unknownFields);
  slots.set(slot, size);
  return size;
}

function sizeLink(link: SpanLink): number {
  const slot = slots.reserve();
  let size = 0;
  if (link.traceId.length !== 0) size += lengthFieldSize(link.traceId.length);
  if (link.spanId.length !== 0) size += lengthFieldSize(link.spanId.length);
  if (link.traceState !== '') size += sizeString(link.traceState);
  size += sizeAttributes(link.attributes);
  if (link.droppedAttributesCount !== 0) size += 1 + varint32Size(link.droppedAttributesCount);
  if (link.flags !== 0) size += 1 + 4;
  if (link.unknownFields !== undefined) size += sizeUnknownFields(link.unknownFields);
  slots.set(slot, size);
  return size;
}

/** Unknown fields are written as the bytes they came as, tags included: no length slot. */
function sizeUnknownFields(fields: readonly Uint8Array[]): number {
  let size = 0;
  for (const field of fields) size += field.length;
  return size;
}

/** Where the attributes pushed onto a raw-backed span since it was decoded begin (see `Span.rawAttributeCount`). */
function attributesAfterRaw(span: Span): number {
  return span.rawAttributeCount ?? span.attributes.length;
}

/** Size of a repeated KeyValue field (all KeyValue fields have one-byte tags), from the attribute `from` on. */
function sizeAttributes(attributes: readonly KeyValue[], from = 0): number {
  let size = 0;
  for (let i = from; i < attributes.length; i++) size += lengthFieldSize(sizeKeyValue(attributes[i]!));
  return size;
}

function sizeKeyValue(keyValue: KeyValue): number {
  const slot = slots.reserve();
  const encoded = (keyValue as PreEncodedKeyValue).encoded;
  if (encoded !== undefined) {
    slots.set(slot, encoded.length);
    return encoded.length;
  }
  let size = 0;
  if (keyValue.key !== '') size += sizeKey(keyValue.key);
  size += lengthFieldSize(sizeAnyValue(keyValue.value));
  slots.set(slot, size);
  return size;
}

function sizeAnyValue(value: AnyValue): number {
  const slot = slots.reserve();
  let size: number;
  switch (value.kind) {
    case 'string':
      size = sizeString(value.value);
      break;
    case 'bool':
      size = 2;
      break;
    case 'int': {
      const int = value.value;
      if (typeof int === 'number' && int >= 0 && int < 0x80000000) {
        size = 1 + varint32Size(int);
      } else {
        int64Halves(int, halves);
        size = 1 + varint64Size(halves.lo, halves.hi);
      }
      break;
    }
    case 'double':
      size = 9;
      break;
    case 'bytes':
      size = lengthFieldSize(value.value.length);
      break;
    case 'array': {
      const arraySlot = slots.reserve();
      let arraySize = 0;
      for (const element of value.values) arraySize += lengthFieldSize(sizeAnyValue(element));
      slots.set(arraySlot, arraySize);
      size = lengthFieldSize(arraySize);
      break;
    }
    case 'kvlist': {
      const listSlot = slots.reserve();
      const listSize = sizeAttributes(value.values);
      slots.set(listSlot, listSize);
      size = lengthFieldSize(listSize);
      break;
    }
    case 'empty':
      size = 0;
      break;
  }
  slots.set(slot, size);
  return size;
}

// --- writing pass: each `writeX` writes X's length prefix (from its slot) and content; the caller wrote the tag.

function writeResourceSpans(writer: ProtoWriter, resourceSpans: ResourceSpans): void {
  writer.lengthPrefix();
  if (resourceSpans.resource !== undefined) {
    writer.byte(10);
    writeResource(writer, resourceSpans.resource);
  }
  for (const scopeSpans of resourceSpans.scopeSpans) {
    writer.byte(18);
    writeScopeSpans(writer, scopeSpans);
  }
  if (resourceSpans.schemaUrl !== '') {
    writer.byte(26);
    writer.string(resourceSpans.schemaUrl);
  }
  if (resourceSpans.unknownFields !== undefined) writeUnknownFields(writer, resourceSpans.unknownFields);
}

function writeResource(writer: ProtoWriter, resource: Resource): void {
  writer.lengthPrefix();
  if (resource.raw !== undefined) {
    writer.verbatim(resource.raw);
    return;
  }
  writeAttributes(writer, 10, resource.attributes);
  if (resource.droppedAttributesCount !== 0) {
    writer.byte(16);
    writer.varint32(resource.droppedAttributesCount);
  }
  for (const entityRef of resource.entityRefs) {
    writer.byte(26);
    writeEntityRef(writer, entityRef);
  }
  if (resource.unknownFields !== undefined) writeUnknownFields(writer, resource.unknownFields);
}

function writeEntityRef(writer: ProtoWriter, entityRef: EntityRef): void {
  writer.lengthPrefix();
  if (entityRef.schemaUrl !== '') {
    writer.byte(10);
    writer.string(entityRef.schemaUrl);
  }
  if (entityRef.type !== '') {
    writer.byte(18);
    writer.string(entityRef.type);
  }
  for (const key of entityRef.idKeys) {
    writer.byte(26);
    writer.string(key);
  }
  for (const key of entityRef.descriptionKeys) {
    writer.byte(34);
    writer.string(key);
  }
}

function writeScopeSpans(writer: ProtoWriter, scopeSpans: ScopeSpans): void {
  writer.lengthPrefix();
  if (scopeSpans.scope !== undefined) {
    writer.byte(10);
    writeScope(writer, scopeSpans.scope);
  }
  for (const span of scopeSpans.spans) {
    writer.byte(18);
    writeSpan(writer, span);
  }
  if (scopeSpans.schemaUrl !== '') {
    writer.byte(26);
    writer.string(scopeSpans.schemaUrl);
  }
  if (scopeSpans.unknownFields !== undefined) writeUnknownFields(writer, scopeSpans.unknownFields);
}

function writeScope(writer: ProtoWriter, scope: InstrumentationScope): void {
  writer.lengthPrefix();
  if (scope.raw !== undefined) {
    writer.verbatim(scope.raw);
    return;
  }
  if (scope.name !== '') {
    writer.byte(10);
    writer.string(scope.name);
  }
  if (scope.version !== '') {
    writer.byte(18);
    writer.string(scope.version);
  }
  writeAttributes(writer, 26, scope.attributes);
  if (scope.droppedAttributesCount !== 0) {
    writer.byte(32);
    writer.varint32(scope.droppedAttributesCount);
  }
  if (scope.unknownFields !== undefined) writeUnknownFields(writer, scope.unknownFields);
}

function writeSpan(writer: ProtoWriter, span: Span): void {
  writer.lengthPrefix();
  if (span.raw !== undefined) {
    writer.verbatim(span.raw);
    writeAttributes(writer, 74, span.attributes, attributesAfterRaw(span));
    return;
  }
  if (span.traceId.length !== 0) {
    writer.byte(10);
    writer.bytes(span.traceId);
  }
  if (span.spanId.length !== 0) {
    writer.byte(18);
    writer.bytes(span.spanId);
  }
  if (span.traceState !== '') {
    writer.byte(26);
    writer.string(span.traceState);
  }
  if (span.parentSpanId.length !== 0) {
    writer.byte(34);
    writer.bytes(span.parentSpanId);
  }
  if (span.name !== '') {
    writer.byte(42);
    writer.string(span.name);
  }
  if (span.kind !== 0) {
    writer.byte(48);
    writer.int64(span.kind);
  }
  if (span.startTimeUnixNano !== 0n) {
    writer.byte(57);
    writer.fixed64(span.startTimeUnixNano);
  }
  if (span.endTimeUnixNano !== 0n) {
    writer.byte(65);
    writer.fixed64(span.endTimeUnixNano);
  }
  writeAttributes(writer, 74, span.attributes);
  if (span.droppedAttributesCount !== 0) {
    writer.byte(80);
    writer.varint32(span.droppedAttributesCount);
  }
  for (const event of span.events) {
    writer.byte(90);
    writeEvent(writer, event);
  }
  if (span.droppedEventsCount !== 0) {
    writer.byte(96);
    writer.varint32(span.droppedEventsCount);
  }
  for (const link of span.links) {
    writer.byte(106);
    writeLink(writer, link);
  }
  if (span.droppedLinksCount !== 0) {
    writer.byte(112);
    writer.varint32(span.droppedLinksCount);
  }
  if (span.status.code !== 0 || span.status.message !== '' || span.status.unknownFields !== undefined) {
    writer.byte(122);
    writer.lengthPrefix();
    if (span.status.message !== '') {
      writer.byte(18);
      writer.string(span.status.message);
    }
    if (span.status.code !== 0) {
      writer.byte(24);
      writer.int64(span.status.code);
    }
    if (span.status.unknownFields !== undefined) writeUnknownFields(writer, span.status.unknownFields);
  }
  if (span.flags !== 0) {
    writer.byte(133);
    writer.byte(1);
    writer.fixed32(span.flags);
  }
  if (span.unknownFields !== undefined) writeUnknownFields(writer, span.unknownFields);
}

function writeEvent(writer: ProtoWriter, event: SpanEvent): void {
  writer.lengthPrefix();
  if (event.timeUnixNano !== 0n) {
    writer.byte(9);
    writer.fixed64(event.timeUnixNano);
  }
  if (event.name !== '') {
    writer.byte(18);
    writer.string(event.name);
  }
  writeAttributes(writer, 26, event.attributes);
  if (event.droppedAttributesCount !== 0) {
    writer.byte(32);
    writer.varint32(event.droppedAttributesCount);
  }
  if (event.unknownFields !== undefined) writeUnknownFields(writer, event.unknownFields);
}

function writeLink(writer: ProtoWriter, link: SpanLink): void {
  writer.lengthPrefix();
  if (link.traceId.length !== 0) {
    writer.byte(10);
    writer.bytes(link.traceId);
  }
  if (link.spanId.length !== 0) {
    writer.byte(18);
    writer.bytes(link.spanId);
  }
  if (link.traceState !== '') {
    writer.byte(26);
    writer.string(link.traceState);
  }
  writeAttributes(writer, 34, link.attributes);
  if (link.droppedAttributesCount !== 0) {
    writer.byte(40);
    writer.varint32(link.droppedAttributesCount);
  }
  if (link.flags !== 0) {
    writer.byte(53);
    writer.fixed32(link.flags);
  }
  if (link.unknownFields !== undefined) writeUnknownFields(writer, link.unknownFields);
}

function writeUnknownFields(writer: ProtoWriter, fields: readonly Uint8Array[]): void {
  for (const field of fields) writer.verbatim(field);
}

function writeAttributes(writer: ProtoWriter, tag: number, attributes: readonly KeyValue[], from = 0): void {
  for (let i = from; i < attributes.length; i++) {
    writer.byte(tag);
    writeKeyValue(writer, attributes[i]!);
  }
}

function writeKeyValue(writer: ProtoWriter, keyValue: KeyValue): void {
  writer.lengthPrefix();
  const encoded = (keyValue as PreEncodedKeyValue).encoded;
  if (encoded !== undefined) {
    writer.verbatim(encoded);
    return;
  }
  if (keyValue.key !== '') {
    writer.byte(10);
    // The same length slot either way: a key cached after it was sized is written with the same bytes.
    const bytes = keyBytes.get(keyValue.key);
    if (bytes === undefined) writer.string(keyValue.key);
    else {
      writer.lengthPrefix();
      writer.verbatim(bytes);
    }
  }
  writer.byte(18);
  writeAnyValue(writer, keyValue.value);
}

function writeAnyValue(writer: ProtoWriter, value: AnyValue): void {
  writer.lengthPrefix();
  switch (value.kind) {
    case 'string':
      writer.byte(10);
      writer.string(value.value);
      return;
    case 'bool':
      writer.byte(16);
      writer.byte(value.value ? 1 : 0);
      return;
    case 'int':
      writer.byte(24);
      writer.int64(value.value);
      return;
    case 'double':
      writer.byte(33);
      writer.double(value.value);
      return;
    case 'bytes':
      writer.byte(58);
      writer.bytes(value.value);
      return;
    case 'array':
      writer.byte(42);
      writer.lengthPrefix();
      for (const element of value.values) {
        writer.byte(10);
        writeAnyValue(writer, element);
      }
      return;
    case 'kvlist':
      writer.byte(50);
      writer.lengthPrefix();
      writeAttributes(writer, 10, value.values);
      return;
    case 'empty':
      return;
  }
}
