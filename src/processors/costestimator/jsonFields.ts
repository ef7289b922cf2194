/**
 * Reads a few top-level fields of a JSON object attribute without parsing all of it. MLflow and OpenInference put
 * whole LangChain `metadata` and `invocation_params` objects on every model-call span (hundreds of bytes, nested
 * tool schemas); `JSON.parse` of them was most of recognition's time, and we only ever need a handful of scalars.
 *
 * The scanner jumps over strings with `indexOf` and over nested values by bracket depth, so nested keys of the same
 * name (a `model` property inside a tool's JSON schema) are never mistaken for top-level ones. Values it skips are
 * not validated beyond their brackets and quotes; the fields it reads are decoded exactly as `JSON.parse` would.
 * Malformed input reads as no object at all, as `decodeObject` does.
 */
import type { AnyValue } from '../../otlp/index.js';
import { decodeObject, toNumber } from './values.js';

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COLON = 58;
const COMMA = 44;

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

function skipSpace(text: string, pos: number): number {
  while (pos < text.length && isSpace(text.charCodeAt(pos))) pos++;
  return pos;
}

function hasBackslash(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === BACKSLASH) return true;
  return false;
}

/** Index of the quote closing the string that opens at `open`, or -1. */
function stringEnd(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close > 0) {
    let backslashes = 0;
    for (let i = close - 1; text.charCodeAt(i) === BACKSLASH; i--) backslashes++;
    if (backslashes % 2 === 0) return close;
    close = text.indexOf('"', close + 1);
  }
  return -1;
}

/** The string between `open` and `close` (the quotes), unescaped; undefined when the escapes are invalid. */
function stringBetween(text: string, open: number, close: number): string | undefined {
  const inner = text.slice(open + 1, close);
  if (inner.indexOf('\\') < 0) return inner;
  try {
    return JSON.parse(text.slice(open, close + 1)) as string;
  } catch {
    return undefined;
  }
}

/** The next quote or bracket; inside a nested value nothing else matters, and the regex engine skips to it natively. */
const STRUCTURAL = /["{}[\]]/g;

/** Index just past the value starting at `pos` (a scalar, or a whole nested object or array), or -1. */
function valueEnd(text: string, pos: number): number {
  const first = text.charCodeAt(pos);
  if (first === QUOTE) {
    const close = stringEnd(text, pos);
    return close < 0 ? -1 : close + 1;
  }
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number or a literal: up to the next delimiter.
    let i = pos;
    for (let code = first; i < text.length && code !== COMMA && code !== CLOSE_BRACE && code !== CLOSE_BRACKET && !isSpace(code); code = text.charCodeAt(++i));
    return i;
  }
  let depth = 0;
  for (let i = pos; ; ) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
    } else if (--depth === 0) {
      return i + 1;
    }
    STRUCTURAL.lastIndex = i + 1;
    if (!STRUCTURAL.test(text)) return -1;
    i = STRUCTURAL.lastIndex - 1;
  }
}

/**
 * A reader for a fixed set of top-level keys, reused span after span (recognition is synchronous): reading fills
 * one slot per key and allocates only the strings it returns.
 */
export class JsonFields<K extends string> {
  private readonly values: (string | number | undefined)[];

  constructor(private readonly keys: readonly K[]) {
    this.values = new Array<string | number | undefined>(keys.length).fill(undefined);
  }

  /** Reads the fields of a JSON object string (once or twice encoded, as MLflow sends it) or a kvlist; returns whether it was an object. */
  read(value: AnyValue | undefined): boolean {
    this.values.fill(undefined);
    if (value === undefined) return false;
    if (value.kind === 'kvlist') return this.readObject(decodeObject(value));
    if (value.kind !== 'string') return false;
    let text = value.value;
    // MLflow may JSON-encode an already JSON-encoded string: unwrap at most twice, as `decodeObject` does.
    for (let depth = 0; depth < 2; depth++) {
      const start = skipSpace(text, 0);
      if (text.charCodeAt(start) === OPEN_BRACE) return this.scan(text, start);
      if (text.charCodeAt(start) !== QUOTE) return false;
      try {
        const decoded: unknown = JSON.parse(text);
        if (typeof decoded !== 'string') return false;
        text = decoded;
      } catch {
        return false;
      }
    }
    return false;
  }

  /** A non-empty string field. */
  string(key: K): string | undefined {
    const value = this.values[this.keys.indexOf(key)];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  }

  /** A finite number field, or a numeric string field. */
  number(key: K): number | undefined {
    return toNumber(this.values[this.keys.indexOf(key)]);
  }

  private readObject(object: Record<string, unknown> | undefined): boolean {
    if (object === undefined) return false;
    this.keys.forEach((key, slot) => {
      const field = object[key];
      this.values[slot] = typeof field === 'string' || typeof field === 'number' ? field : undefined;
    });
    return true;
  }

  private scan(text: string, open: number): boolean {
    let pos = skipSpace(text, open + 1);
    if (text.charCodeAt(pos) === CLOSE_BRACE) return this.finish(text, pos);
    for (;;) {
      if (text.charCodeAt(pos) !== QUOTE) return this.fail();
      const keyClose = stringEnd(text, pos);
      if (keyClose < 0) return this.fail();
      const slot = this.slotOf(text, pos, keyClose);
      pos = skipSpace(text, keyClose + 1);
      if (text.charCodeAt(pos) !== COLON) return this.fail();
      pos = skipSpace(text, pos + 1);
      const end = valueEnd(text, pos);
      if (end <= pos) return this.fail();
      // Duplicate keys: the last one wins, as in JSON.parse.
      if (slot >= 0) this.values[slot] = scalar(text, pos, end);
      pos = skipSpace(text, end);
      const next = text.charCodeAt(pos);
      if (next === CLOSE_BRACE) return this.finish(text, pos);
      if (next !== COMMA) return this.fail();
      pos = skipSpace(text, pos + 1);
    }
  }

  /** The slot of the key quoted between `open` and `close`, or -1 when it is not one we read. */
  private slotOf(text: string, open: number, close: number): number {
    const length = close - open - 1;
    for (let slot = 0; slot < this.keys.length; slot++) {
      const key = this.keys[slot]!;
      if (key.length === length && text.startsWith(key, open + 1)) return slot;
    }
    // An escaped key can spell a wanted one only with backslashes inside: rare, so decode it only then.
    if (hasBackslash(text, open + 1, close)) {
      const key = stringBetween(text, open, close);
      return key === undefined ? -1 : this.keys.indexOf(key as K);
    }
    return -1;
  }

  /** Only whitespace may follow the closing brace. */
  private finish(text: string, close: number): boolean {
    return skipSpace(text, close + 1) === text.length || this.fail();
  }

  private fail(): false {
    this.values.fill(undefined);
    return false;
  }
}

/** A string or number value between `start` and `end`; other JSON values (objects, arrays, literals) read as undefined. */
function scalar(text: string, start: number, end: number): string | number | undefined {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return stringBetween(text, start, end - 1);
  if (first === 45 /* - */ || (first >= 48 && first <= 57)) {
    const number = Number(text.slice(start, end));
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}
