import { OtlpDecodeError } from '../protobuf/decode-error.js';

// Scalar readers for OTLP/JSON. proto3 JSON writes 64-bit integers as strings and everything else as numbers, but
// real senders mix them up, so every integer reader takes either. `null` means "default", as in proto3 JSON.

export type JsonObject = Record<string, unknown>;

const INTEGER = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Reads `camel` or, for generic proto3-JSON writers, `snake`; returns undefined when absent or null. */
export function field(object: JsonObject, camel: string, snake: string): unknown {
  const value = object[camel];
  if (value !== undefined && value !== null) return value;
  const snakeValue = object[snake];
  return snakeValue === null ? undefined : snakeValue;
}

/** Objects are checked where they are decoded, so the caller's path (added as the error propagates) locates them. */
export function asObject(value: unknown): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OtlpDecodeError(`must be an object, got ${describe(value)}`);
  }
  return value as JsonObject;
}

export function asArray(value: unknown, name: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`must be an array, got ${describe(value)}`, name);
  return value;
}

export function asString(value: unknown, name: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new OtlpDecodeError(`must be a string, got ${describe(value)}`, name);
  return value;
}

export function asUint32(value: unknown, name: string): number {
  if (value === undefined || value === null) return 0;
  const number = typeof value === 'string' && INTEGER.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 0xffffffff) {
    throw new OtlpDecodeError(`must be a uint32, got ${describe(value)}`, name);
  }
  return number;
}

/** fixed64 (timestamps) as an exact bigint. Numbers beyond 2^53 have already lost precision in JSON.parse; taken as they are. */
export function asUint64(value: unknown, name: string): bigint {
  if (value === undefined || value === null) return 0n;
  let result: bigint | undefined;
  if (typeof value === 'string' && INTEGER.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) result = BigInt(value);
  if (result === undefined || result < 0n || result > UINT64_MAX) {
    throw new OtlpDecodeError(`must be a uint64 (decimal string or integer), got ${describe(value)}`, name);
  }
  return result;
}

/** int64 as a number when safe, else a bigint (the model's `int` AnyValue rule). */
export function asInt64(value: unknown, name: string): number | bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  let result: bigint | undefined;
  if (typeof value === 'string' && INTEGER.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) result = BigInt(value);
  if (result === undefined || result < INT64_MIN || result > INT64_MAX) {
    throw new OtlpDecodeError(`must be an int64 (decimal string or integer), got ${describe(value)}`, name);
  }
  const asNumber = Number(result);
  return Number.isSafeInteger(asNumber) ? asNumber : result;
}

export function asDouble(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  throw new OtlpDecodeError(`must be a number, got ${describe(value)}`, name);
}

export function asBool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new OtlpDecodeError(`must be a boolean, got ${describe(value)}`, name);
  return value;
}

/**
 * Enums: integers per OTLP/JSON; names ("SPAN_KIND_CLIENT") accepted from generic proto3-JSON writers. A protobuf enum
 * is an int32: a number beyond it is refused as proto3-JSON parsers refuse it, since no encoding of it is one every
 * reader (and our encoder's size pass) agrees on.
 */
export function asEnum(value: unknown, names: readonly string[], name: string): number {
  if (value === undefined || value === null) return 0;
  let number: number | undefined;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    const index = names.indexOf(value);
    if (index >= 0) return index;
    if (INTEGER.test(value)) number = Number(value);
  }
  if (number !== undefined && Number.isInteger(number) && number >= INT32_MIN && number <= INT32_MAX) return number;
  throw new OtlpDecodeError(`must be an enum number (int32) or one of ${names.join(', ')}, got ${describe(value)}`, name);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/** Parses a JSON body (bytes are UTF-8, a leading BOM is dropped), turning syntax errors into OtlpDecodeError. */
export function parseJson(body: string | Uint8Array): unknown {
  const text = typeof body === 'string' ? body : utf8.decode(body);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
}
