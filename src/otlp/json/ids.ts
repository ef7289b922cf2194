import { MALFORMED_ID } from '../model.js';
import { OtlpDecodeError } from '../protobuf/decode-error.js';

const EMPTY_BYTES = new Uint8Array(0);

/** Hex digit values by char code; -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Decodes a trace or span id from OTLP/JSON. The spec says hex (any case); base64 is accepted too because several SDKs
 * have shipped it (otlp-protocol.md §6). The two are told apart by length: 32/16 hex characters vs 24/12 (padded) or
 * 22/11 (unpadded) base64 characters. Absent or empty means "no id" (a root span's parent), as in the Collector.
 * Other hex is decoded to bytes of whatever length it has, and anything else gives `MALFORMED_ID`: either way the
 * receivers reject that span alone, as a partial success, instead of the whole request.
 */
export function decodeJsonId(value: unknown, byteLength: number): Uint8Array {
  if (value === undefined || value === null || value === '') return EMPTY_BYTES;
  if (typeof value !== 'string') return MALFORMED_ID;
  const paddedLength = Math.ceil(byteLength / 3) * 4;
  const unpaddedLength = Math.ceil((byteLength * 4) / 3);
  if (value.length !== byteLength * 2 && (value.length === paddedLength || value.length === unpaddedLength) && BASE64.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === byteLength) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  return decodeHex(value) ?? MALFORMED_ID;
}

function decodeHex(value: string): Uint8Array | undefined {
  if (value.length % 2 !== 0) return undefined;
  const bytes = new Uint8Array(value.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const high = HEX_VALUE[value.charCodeAt(2 * i)] ?? -1;
    const low = HEX_VALUE[value.charCodeAt(2 * i + 1)] ?? -1;
    if (high < 0 || low < 0) return undefined;
    bytes[i] = (high << 4) | low;
  }
  return bytes;
}

/** `bytes` fields other than ids are standard proto3-JSON base64; the URL-safe alphabet is accepted as proto3 JSON parsers do. */
export function decodeBase64(value: unknown): Uint8Array {
  if (typeof value !== 'string') throw new OtlpDecodeError(`expected a base64 string, got ${typeof value}`);
  if (value !== '' && !BASE64.test(value)) throw new OtlpDecodeError('invalid base64');
  const bytes = Buffer.from(value, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
