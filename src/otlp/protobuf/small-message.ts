/**
 * Bottom-up encoding for the few small, rare messages (export responses, google.rpc.Status): each field becomes its own
 * byte chunk and nested messages are concatenated. Simple and obviously correct; the traces hot path uses the
 * two-pass writer instead.
 */

const textEncoder = new TextEncoder();

function varint(value: number | bigint): number[] {
  let remaining = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (remaining >= 0x80n) {
    out.push(Number(remaining & 0x7fn) | 0x80);
    remaining >>= 7n;
  }
  out.push(Number(remaining));
  return out;
}

/** A varint field, omitted at its default (0) as proto3 does. */
export function varintField(fieldNumber: number, value: number | bigint): Uint8Array {
  if (value === 0 || value === 0n) return new Uint8Array(0);
  return Uint8Array.from([...varint(fieldNumber << 3), ...varint(value)]);
}

/** A length-delimited field, always written (callers decide presence). */
export function bytesField(fieldNumber: number, value: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varint((fieldNumber << 3) | 2), ...varint(value.length)]), value]);
}

/** A string field, omitted when empty as proto3 does. */
export function stringField(fieldNumber: number, value: string): Uint8Array {
  return value === '' ? new Uint8Array(0) : bytesField(fieldNumber, textEncoder.encode(value));
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
