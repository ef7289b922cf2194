import { OtlpDecodeError } from './decode-error.js';

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/**
 * A cursor over one protobuf buffer. A class with plain fields (no closures) keeps V8's property access monomorphic
 * in the hot decode loop. Every read checks bounds against `end` of the enclosing message so truncated input throws
 * instead of reading garbage.
 *
 * Invalid UTF-8 in `string` fields is decoded leniently (U+FFFD replacement) rather than rejected, like protobufjs and
 * most OTLP receivers: rejecting a whole batch for one bad byte in an attribute would lose far more than it protects,
 * and untouched messages are forwarded from their original bytes anyway.
 */
export class ProtoReader {
  readonly buf: Uint8Array;
  /** The same memory as a Buffer: its native UTF-8 slicing beats both TextDecoder and a JS loop for OTLP-sized strings. */
  private readonly buffer: Buffer;
  pos = 0;
  private readonly view: DataView;
  /** Low and high 32 bits of the last `varint64()`; two numbers avoid allocating a BigInt per varint. */
  lo = 0;
  hi = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.buffer = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a uint32 or int32 enum field: a varint whose bits above 32 are discarded, as proto does for int32. */
  uint32(end: number): number {
    return this.varint32(end, false);
  }

  /**
   * Reads a tag or a length: a varint that must be a 32-bit value. One with higher bits set is malformed, not a value
   * to cut down: read as its low bits, it was answered 200 and forwarded as it came, and the parsers downstream (upb,
   * MLflow's) refuse it, the whole batch with it.
   */
  tagOrLength(end: number): number {
    return this.varint32(end, true);
  }

  /** A varint read as 32 bits, most of them one byte long; `strict`: one with higher bits set is refused. */
  private varint32(end: number, strict: boolean): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < end) {
      const b0 = buf[pos]!;
      if (b0 < 0x80) {
        this.pos = pos + 1;
        return b0;
      }
    }
    this.varint64(end);
    if (strict && this.hi !== 0) throw new OtlpDecodeError(`varint at offset ${pos} is beyond 32 bits where a tag or a length must fit in them`);
    return this.lo >>> 0;
  }

  /** Reads a varint of up to 10 bytes into `lo`/`hi`. */
  varint64(end: number): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let byte: number;
    // Bytes 0–3 fill bits 0–27.
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw truncated(pos);
      byte = buf[pos++]!;
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.setVarint(pos, lo, hi);
    }
    // Byte 4 straddles the halves: 4 bits low, 3 bits high.
    if (pos >= end) throw truncated(pos);
    byte = buf[pos++]!;
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >> 4;
    if (byte < 0x80) return this.setVarint(pos, lo, hi);
    // Bytes 5–9 fill bits 35–63 (the last one contributes one bit).
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= end) throw truncated(pos);
      byte = buf[pos++]!;
      hi |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.setVarint(pos, lo, hi);
    }
    throw new OtlpDecodeError(`varint longer than 10 bytes at offset ${this.pos}`);
  }

  private setVarint(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** int64 as a number when it is a safe integer, else as an exact bigint (negative int64 are 10-byte varints). */
  int64(end: number): number | bigint {
    this.varint64(end);
    const hi = this.hi | 0;
    const asNumber = hi * 4294967296 + this.lo;
    // Inexact only beyond 2^53, where the rounded value is no longer a safe integer either.
    if (Number.isSafeInteger(asNumber)) return asNumber;
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  bool(end: number): boolean {
    this.varint64(end);
    return (this.lo | this.hi) !== 0;
  }

  fixed32(end: number): number {
    const pos = this.pos;
    if (pos + 4 > end) throw truncated(pos);
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  fixed64(end: number): bigint {
    const pos = this.pos;
    if (pos + 8 > end) throw truncated(pos);
    this.pos = pos + 8;
    return this.view.getBigUint64(pos, true);
  }

  double(end: number): number {
    const pos = this.pos;
    if (pos + 8 > end) throw truncated(pos);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Reads a length prefix and returns where the length-delimited value ends; `pos` is left at its start. */
  lengthEnd(end: number): number {
    const length = this.tagOrLength(end);
    const valueEnd = this.pos + length;
    if (valueEnd > end) {
      throw new OtlpDecodeError(`length ${length} at offset ${this.pos} runs past the end of its message (offset ${end})`);
    }
    return valueEnd;
  }

  string(end: number): string {
    const valueEnd = this.lengthEnd(end);
    const start = this.pos;
    this.pos = valueEnd;
    return start === valueEnd ? '' : this.buffer.toString('utf8', start, valueEnd);
  }

  /**
   * A string that recurs from span to span (attribute keys): the same string object is handed out for the same
   * bytes, from a table shared by all readers. That saves decoding and allocating the key on every span, and lets
   * every later lookup of the key (a Map, a comparison) reuse the hash V8 caches on the string.
   */
  internedString(end: number): string {
    const valueEnd = this.lengthEnd(end);
    const start = this.pos;
    this.pos = valueEnd;
    const length = valueEnd - start;
    if (length === 0) return '';
    if (length > MAX_INTERNED_LENGTH) return this.buffer.toString('utf8', start, valueEnd);
    const buf = this.buf;
    // FNV-1a over the bytes.
    let hash = 0x811c9dc5;
    for (let i = start; i < valueEnd; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    const slot = (hash >>> 0) & (INTERNED_SLOTS - 1);
    const known = internedBytes[slot];
    if (known !== undefined && known.length === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (known[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return internedStrings[slot]!;
    }
    const value = this.buffer.toString('utf8', start, valueEnd);
    // A slot holds the latest key that hashed to it: a burst of distinct keys (junk) evicts, and never grows, the table.
    // A copy: a view would keep the whole request buffer alive.
    internedBytes[slot] = new Uint8Array(buf.subarray(start, valueEnd));
    internedStrings[slot] = value;
    return value;
  }

  /** A view (not a copy) of a `bytes` field: the decoded model shares the request buffer. */
  bytes(end: number): Uint8Array {
    const valueEnd = this.lengthEnd(end);
    const value = this.buf.subarray(this.pos, valueEnd);
    this.pos = valueEnd;
    return value;
  }

  /** Skips a field this decoder does not know, as proto3 requires. Groups are deprecated and never valid in OTLP. */
  skip(wireType: number, end: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint64(end);
        return;
      case WireType.I64:
        if (this.pos + 8 > end) throw truncated(this.pos);
        this.pos += 8;
        return;
      case WireType.LEN:
        this.pos = this.lengthEnd(end);
        return;
      case WireType.I32:
        if (this.pos + 4 > end) throw truncated(this.pos);
        this.pos += 4;
        return;
      default:
        throw new OtlpDecodeError(`unsupported wire type ${wireType} at offset ${this.pos}`);
    }
  }
}

/** Keys longer than this are rare and not worth hashing. */
const MAX_INTERNED_LENGTH = 96;
const INTERNED_SLOTS = 4096;
const internedBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(INTERNED_SLOTS).fill(undefined);
const internedStrings: (string | undefined)[] = new Array<string | undefined>(INTERNED_SLOTS).fill(undefined);

function truncated(offset: number): OtlpDecodeError {
  return new OtlpDecodeError(`truncated message at offset ${offset}`);
}

/**
 * The slow path of every message decoder's `switch (tag)`: a tag that matched no case is either a known field with the
 * wrong wire type (an error) or an unknown field (skipped).
 */
export function unexpectedTag(reader: ProtoReader, tag: number, end: number, knownFields: readonly (string | undefined)[]): void {
  const field = tag >>> 3;
  const wireType = tag & 7;
  if (field === 0) throw new OtlpDecodeError(`invalid field number 0 at offset ${reader.pos}`);
  const name = knownFields[field];
  if (name !== undefined) throw new OtlpDecodeError(`wire type ${wireType} not valid for field ${field} (${name})`);
  reader.skip(wireType, end);
}

/**
 * `unexpectedTag` for a message that keeps its unknown fields (`UnknownFieldsKept`): an unknown field is skipped and
 * its bytes, from its tag (which began at `fieldStart`) to the end of its value, added to `kept` as a view of the
 * buffer. Returns `kept`, or a new list when it was undefined (the first one).
 */
export function keepUnknownField(
  reader: ProtoReader,
  fieldStart: number,
  tag: number,
  end: number,
  knownFields: readonly (string | undefined)[],
  kept: Uint8Array[] | undefined,
): Uint8Array[] {
  unexpectedTag(reader, tag, end, knownFields);
  const field = reader.buf.subarray(fieldStart, reader.pos);
  if (kept === undefined) return [field];
  kept.push(field);
  return kept;
}
