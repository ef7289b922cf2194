/**
 * The two-pass protobuf writer: a sizing pass records the length of every length-delimited value in pre-order into
 * `LengthSlots`, then the writing pass replays those lengths in the same order while filling one buffer allocated to the
 * exact size. No intermediate buffers, no copying of nested messages, no per-field closures.
 *
 * Rule for every encoder built on this: the sizing function and the writing function must visit length-delimited values
 * in exactly the same order and skip exactly the same defaults, or the slots go out of step.
 */

/** Lengths recorded by the sizing pass. One shared instance: encoding is synchronous, so calls never interleave. */
export class LengthSlots {
  private lengths = new Int32Array(4096);
  count = 0;

  reset(): void {
    this.count = 0;
  }

  /** Reserves the next slot, to be filled once the nested value's size is known (its children take later slots). */
  reserve(): number {
    if (this.count === this.lengths.length) {
      const grown = new Int32Array(this.lengths.length * 2);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    return this.count++;
  }

  set(slot: number, length: number): void {
    this.lengths[slot] = length;
  }

  get(slot: number): number {
    return this.lengths[slot]!;
  }
}

export function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Size of a length-delimited field with a one-byte tag, given the value's length. */
export function lengthFieldSize(length: number): number {
  return 1 + varint32Size(length) + length;
}

const TWO_POW_32 = 4294967296;

/** Splits an int64 into the unsigned halves of its two's complement, the form varints are written from. */
export function int64Halves(value: number | bigint, out: { lo: number; hi: number }): void {
  if (typeof value === 'number') {
    const hi = Math.floor(value / TWO_POW_32);
    out.lo = (value - hi * TWO_POW_32) >>> 0;
    out.hi = hi >>> 0;
  } else {
    const unsigned = BigInt.asUintN(64, value);
    out.lo = Number(unsigned & 0xffffffffn);
    out.hi = Number(unsigned >> 32n);
  }
}

export function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo);
  // 35 bits fit in 5 bytes; every further 7 bits of `hi` beyond its first 3 adds a byte.
  if (hi < 0x8) return 5;
  if (hi < 0x400) return 6;
  if (hi < 0x20000) return 7;
  if (hi < 0x1000000) return 8;
  if (hi < 0x80000000) return 9;
  return 10;
}

/** UTF-8 byte length of a JS string, counting lone surrogates as U+FFFD (3 bytes) as every UTF-8 encoder writes them. */
export function utf8Length(value: string): number {
  const length = value.length;
  if (length > 64) return Buffer.byteLength(value, 'utf8');
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A surrogate pair is 2 UTF-16 units and 4 UTF-8 bytes.
        bytes += 2;
        i++;
      } else {
        bytes += 2;
      }
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

export class ProtoWriter {
  readonly buf: Buffer;
  pos = 0;
  private readonly view: DataView;
  private nextSlot = 0;
  private readonly slots: LengthSlots;
  private readonly halves = { lo: 0, hi: 0 };

  constructor(size: number, slots: LengthSlots) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.slots = slots;
  }

  /** The length the sizing pass recorded for the next length-delimited value. */
  takeLength(): number {
    return this.slots.get(this.nextSlot++);
  }

  /** Writes the next recorded length as a varint prefix and returns it. */
  lengthPrefix(): number {
    const length = this.takeLength();
    this.varint32(length);
    return length;
  }

  byte(value: number): void {
    this.buf[this.pos++] = value;
  }

  varint32(value: number): void {
    const buf = this.buf;
    let pos = this.pos;
    let remaining = value >>> 0;
    while (remaining >= 0x80) {
      buf[pos++] = (remaining & 0x7f) | 0x80;
      remaining >>>= 7;
    }
    buf[pos++] = remaining;
    this.pos = pos;
  }

  int64(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value < TWO_POW_32) {
      this.varint32(value);
      return;
    }
    const halves = this.halves;
    int64Halves(value, halves);
    let lo = halves.lo;
    let hi = halves.hi;
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0 || lo >= 0x80) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  fixed32(value: number): void {
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(value: bigint): void {
    this.view.setBigUint64(this.pos, value, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** Writes a string whose UTF-8 length the sizing pass recorded (ASCII when that length equals the UTF-16 length). */
  string(value: string): void {
    const length = this.lengthPrefix();
    const buf = this.buf;
    let pos = this.pos;
    if (length === value.length && length < 64) {
      for (let i = 0; i < length; i++) buf[pos++] = value.charCodeAt(i);
      this.pos = pos;
      return;
    }
    this.pos = pos + buf.write(value, pos, length, 'utf8');
  }

  bytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Writes bytes verbatim, without a length prefix (raw splice of an already-encoded message). */
  verbatim(value: Uint8Array): void {
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }
}
