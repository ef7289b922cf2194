/**
 * Reads a few top-level fields of a JSON object attribute without parsing all of it. MLflow and OpenInference put
 * whole LangChain `metadata` and `invocation_params` objects on every model-call span (hundreds of bytes, nested
 * tool schemas); `JSON.parse` of them was most of recognition's time, and we only ever need a handful of scalars.
 *
 * A flat object (no nested object, no escapes: LangGraph metadata, token counts) is read by searching for its keys
 * with one regular expression. Anything else is scanned: strings are jumped with `indexOf`, nested values by bracket
 * depth, so nested keys of the same name (a `model` property inside a tool's JSON schema) are never mistaken for
 * top-level ones. Values not read are not validated beyond their brackets and quotes (a flat object only needs its
 * closing brace); the fields read are decoded exactly as `JSON.parse` would. Malformed input that is scanned reads as
 * no object at all.
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
/** In `slotByLength`: more than one wanted key has this length. */
const SHARED_LENGTH = -2;

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
  // Inside a nested value only quotes and brackets matter: strings are jumped over with indexOf, the rest is a plain
  // character loop (a regex search per bracket cost more than the whole loop).
  let depth = 0;
  for (let i = pos; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
    } else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
}

/**
 * A reader for a fixed set of top-level keys, reused span after span (recognition is synchronous): reading fills
 * one slot per key and allocates only the strings it returns.
 */
export class JsonFields<K extends string> {
  private readonly values: (string | number | undefined)[];

  /** Any wanted key in quotes, then the colon: one native search finds the next candidate of them all. */
  private readonly keyPattern: RegExp;

  /**
   * The slot of each key length (-1: no wanted key is that long; SHARED_LENGTH: several are). A key the pattern
   * matched is one of ours, so its length alone names it unless another wanted key is as long: comparing the key's
   * characters against every wanted key cost more than the pattern search itself.
   */
  private readonly slotByLength: number[] = [];

  constructor(private readonly keys: readonly K[]) {
    this.values = new Array<string | number | undefined>(keys.length).fill(undefined);
    const longest = Math.max(0, ...keys.map((key) => key.length));
    for (let length = 0; length <= longest; length++) {
      const slots = keys.flatMap((key, slot) => (key.length === length ? [slot] : []));
      this.slotByLength.push(slots.length === 0 ? -1 : slots.length === 1 ? slots[0]! : SHARED_LENGTH);
    }
    const alternatives = keys.map((key) => key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    this.keyPattern = new RegExp(`"(${alternatives})"[ \\t\\n\\r]*:[ \\t\\n\\r]*`, 'g');
  }

  /** Reads the fields of a JSON object string (once or twice encoded, as MLflow sends it) or a kvlist; returns whether it was an object. */
  read(value: AnyValue | undefined): boolean {
    this.clear();
    if (value === undefined) return false;
    if (value.kind === 'kvlist') return this.readObject(decodeObject(value));
    if (value.kind !== 'string') return false;
    let text = value.value;
    // MLflow may JSON-encode an already JSON-encoded string: unwrap at most twice, as `decodeObject` does.
    for (let depth = 0; depth < 2; depth++) {
      const start = skipSpace(text, 0);
      if (text.charCodeAt(start) === OPEN_BRACE) return isFlat(text, start) ? this.find(text, start) : this.scan(text, start);
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

  /**
   * Reads a flat object (see `isFlat`) by searching for the wanted keys: with no nested object and no escape, every
   * `"key":` after `{` or `,` is a top-level key. One regular-expression search finds them all (a string search per
   * key costs more: V8 runs `lastIndexOf` as a character loop and sets up a skip table for each `indexOf`); a later
   * duplicate overwrites an earlier one, as in JSON.parse.
   */
  private find(text: string, open: number): boolean {
    const pattern = this.keyPattern;
    pattern.lastIndex = open + 1;
    // `test` rather than `exec`: no match array or substrings; the key is recognised from where the match ends.
    while (pattern.test(text)) {
      const start = pattern.lastIndex;
      let close = start - 1;
      while (text.charCodeAt(close) !== COLON) close--;
      do close--;
      while (text.charCodeAt(close) !== QUOTE);
      // No quote inside a matched key: the previous quote opens it.
      let keyOpen = close - 1;
      while (text.charCodeAt(keyOpen) !== QUOTE) keyOpen--;
      if (!isKeyStart(text, keyOpen)) continue;
      let slot = this.slotByLength[close - keyOpen - 1]!;
      if (slot === SHARED_LENGTH) slot = this.slotOf(text, keyOpen, close);
      if (slot < 0) continue;
      if (text.charCodeAt(start) === QUOTE) {
        // No backslash in a flat object: a string ends at the next quote and has nothing to unescape.
        const closingQuote = text.indexOf('"', start + 1);
        if (closingQuote > 0) this.values[slot] = text.slice(start + 1, closingQuote);
      } else {
        const end = valueEnd(text, start);
        if (end > start) this.values[slot] = scalar(text, start, end);
      }
    }
    return true;
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
    this.clear();
    return false;
  }

  /** A plain loop: `Array.prototype.fill` is a call into the runtime that costs more than a span's whole read. */
  private clear(): void {
    const values = this.values;
    for (let slot = 0; slot < values.length; slot++) values[slot] = undefined;
  }
}

/**
 * Whether the object opening at `open` can be read by key search: no nested object and no backslash anywhere (so no
 * quote inside a string), and a closing brace at the end. LangGraph metadata (strings, numbers, arrays of strings)
 * is; objects with tool schemas are scanned.
 */
function isFlat(text: string, open: number): boolean {
  let last = text.length - 1;
  while (last > open && isSpace(text.charCodeAt(last))) last--;
  return text.charCodeAt(last) === CLOSE_BRACE && text.indexOf('{', open + 1) < 0 && text.indexOf('\\') < 0;
}

/** Whether the quote at `at` starts a key: `{` or `,` before it (spaces aside). */
function isKeyStart(text: string, at: number): boolean {
  let before = at - 1;
  while (before > 0 && isSpace(text.charCodeAt(before))) before--;
  const code = text.charCodeAt(before);
  return code === OPEN_BRACE || code === COMMA;
}

/** A string or number value between `start` and `end`; other JSON values (objects, arrays, literals) read as undefined. */
function scalar(text: string, start: number, end: number): string | number | undefined {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return stringBetween(text, start, end - 1);
  if (first === 45 /* - */ || (first >= 48 && first <= 57)) {
    // Token counts are small non-negative integers: add up their digits rather than slicing a string to convert.
    if (end - start <= 15) {
      let integer = 0;
      let i = start;
      for (let code = first; i < end && code >= 48 && code <= 57; code = text.charCodeAt(++i)) integer = integer * 10 + (code - 48);
      if (i === end) return integer;
    }
    const number = Number(text.slice(start, end));
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}
