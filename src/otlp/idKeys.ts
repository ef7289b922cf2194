/**
 * Span and trace ids as numbers, to key maps by: a number key is hashed and compared in place, where a hex string
 * made per span was an allocation that every young-generation collection then copied. Used wherever spans are
 * remembered per trace (the CostEstimator's memory of calls, trace assembly's placement of calls in nodes).
 */

const TWO_POW_32 = 2 ** 32;

/**
 * A span id (8 bytes) as a map key: 53 of its 64 bits, the top 11 bits of the high half folded into the low half.
 * Ids that differ in only one half always get different keys; two random ids of one trace collide with probability
 * 2^-53 (a trace of 10,000 spans: about 1 in 10^8).
 */
export function spanKey(id: Uint8Array): number {
  // Ids of another length (malformed, passed through by the decoders) read missing bytes as 0.
  return fold53(word(id, 0), word(id, 4));
}

/** 64 bits (two 32-bit words) as a 53-bit number: the top 11 bits of the high word folded into the low word. */
export function fold53(high: number, low: number): number {
  return (high & 0x1fffff) * TWO_POW_32 + ((low ^ (high >>> 21)) >>> 0);
}

/** Reads 4 bytes big-endian; bytes past the end of a malformed id read as 0. */
function word(id: Uint8Array, at: number): number {
  if (at + 4 <= id.length) return ((id[at]! << 24) | (id[at + 1]! << 16) | (id[at + 2]! << 8) | id[at + 3]!) >>> 0;
  return (((id[at] ?? 0) << 24) | ((id[at + 1] ?? 0) << 16) | ((id[at + 2] ?? 0) << 8) | (id[at + 3] ?? 0)) >>> 0;
}

/**
 * A trace id (16 bytes) as a map key: its two halves xor-ed, then folded to 53 bits as in `spanKey`. Two of the
 * open traces (10,000 by default) share a key with probability about 10^8 / 2^53 ≈ 1 in 10^8; they would then share
 * one de-duplication memory, which can only matter if their span keys collide too.
 */
export function traceKey(id: Uint8Array): number {
  return fold53((word(id, 0) ^ word(id, 8)) >>> 0, (word(id, 4) ^ word(id, 12)) >>> 0);
}
