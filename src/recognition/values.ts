/**
 * Decoding attribute values as instrumentations really send them (genai-conventions.md §7 step 0): numbers as ints,
 * doubles or numeric strings; MLflow-origin values JSON-encoded (`"\"gpt-4o\""`, `"12"`); objects as JSON strings or
 * kvlists; LangSmith token details as Python `str(dict)`.
 */
import type { AnyValue } from '../otlp/index.js';

export type JsonObject = Record<string, unknown>;

/** A string value; a JSON-encoded string (MLflow) is unquoted. */
export function decodeString(value: AnyValue | undefined): string | undefined {
  if (value === undefined || value.kind !== 'string') return undefined;
  const text = value.value;
  if (text.length >= 2 && text.charCodeAt(0) === 34 /* " */) {
    // Most JSON-encoded strings (`"CHAT_MODEL"`, `"gpt-4o"`) have no escapes: unquote them without the parser.
    if (text.indexOf('"', 1) === text.length - 1 && text.indexOf('\\') < 0) return text.length > 2 ? text.slice(1, -1) : undefined;
    try {
      const decoded: unknown = JSON.parse(text);
      if (typeof decoded === 'string') return decoded;
    } catch {
      // Not JSON after all: a plain string that happens to start with a quote.
    }
  }
  return text.length > 0 ? text : undefined;
}

/** A finite non-negative number from an int, a double, or a (possibly JSON-quoted) numeric string. */
export function decodeNumber(value: AnyValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  switch (value.kind) {
    case 'int':
      return Number(value.value);
    case 'double':
      return Number.isFinite(value.value) ? value.value : undefined;
    case 'string':
      return toNumber(value.value.charCodeAt(0) === 34 ? value.value.slice(1, -1) : value.value);
    default:
      return undefined;
  }
}

export function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw !== 'string' || raw.trim().length === 0) return undefined;
  const parsed = Number(raw);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** An object from a JSON string (once or twice encoded) or a kvlist. */
export function decodeObject(value: AnyValue | undefined): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (value.kind === 'kvlist') {
    const object: JsonObject = {};
    for (const entry of value.values) object[entry.key] = plain(entry.value);
    return object;
  }
  if (value.kind !== 'string') return undefined;
  let decoded: unknown = value.value;
  // MLflow may JSON-encode an already JSON-encoded string: unwrap at most twice.
  for (let depth = 0; depth < 2 && typeof decoded === 'string'; depth++) {
    const text = decoded.trimStart();
    if (text[0] !== '{' && text[0] !== '"') return undefined;
    try {
      decoded = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  return isObject(decoded) ? decoded : undefined;
}

function plain(value: AnyValue): unknown {
  switch (value.kind) {
    case 'array':
      return value.values.map(plain);
    case 'kvlist':
      return Object.fromEntries(value.values.map((entry) => [entry.key, plain(entry.value)]));
    case 'int':
      return Number(value.value);
    case 'empty':
      return undefined;
    default:
      return value.value;
  }
}

/** Whether a JSON attribute may hold a key: a string without `part` of it certainly does not. */
export function mayHold(value: AnyValue | undefined, part: string): value is AnyValue {
  return value !== undefined && (value.kind !== 'string' || value.value.includes(part));
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

const REPR_NUMBER_ENTRY = /['"]([^'"]+)['"]\s*:\s*(\d+(?:\.\d+)?)/g;

/**
 * Integer entries of a Python `str(dict)` or JSON object (`"{'cache_read': 10, 'audio': 0}"`), as LangSmith sends
 * `gen_ai.usage.*_token_details`. Nested dicts and `None` values are skipped, which is all we need of them.
 */
export function decodeTokenDetails(value: AnyValue | undefined): Record<string, number> | undefined {
  if (value === undefined) return undefined;
  if (value.kind === 'kvlist') {
    const details: Record<string, number> = {};
    for (const entry of value.values) {
      const number = decodeNumber(entry.value);
      if (number !== undefined) details[entry.key] = number;
    }
    return details;
  }
  if (value.kind !== 'string') return undefined;
  const details: Record<string, number> = {};
  for (const match of value.value.matchAll(REPR_NUMBER_ENTRY)) details[match[1]!] = Number(match[2]);
  return details;
}
