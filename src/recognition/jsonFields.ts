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
import type { AnyValue } from '../otlp/index.js';
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

  /**
   * Any wanted key in quotes after `{` or `,` and followed by a colon: one native search finds the next of them all.
   * Starting the search at the delimiter rather than the quote is also faster: JSON has fewer of them than quotes.
   */
  private readonly keyPattern: RegExp;

  private readonly endings: KeyEndings;

  constructor(private readonly keys: readonly K[]) {
    this.values = new Array<string | number | undefined>(keys.length).fill(undefined);
    this.endings = new KeyEndings(keys);
    const alternatives = keys.map((key) => key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    this.keyPattern = new RegExp(`[{,][ \\t\\n\\r]*"(?:${alternatives})"(?=[ \\t\\n\\r]*:)`, 'g');
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
    const value = this.values[this.slotOfKey(key)];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  }

  /** A finite number field, or a numeric string field. */
  number(key: K): number | undefined {
    return toNumber(this.values[this.slotOfKey(key)]);
  }

  /**
   * A plain loop rather than `indexOf`: callers name keys with literals, the same strings as `keys` holds, so each
   * comparison is one of identity, where the call into the `indexOf` builtin cost more than the whole read.
   */
  private slotOfKey(key: K): number {
    const keys = this.keys;
    for (let slot = 0; slot < keys.length; slot++) if (keys[slot] === key) return slot;
    return -1;
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
   * `"key":` after `{` or `,` is a top-level key (no string can hold a quote, so none is inside one). One
   * regular-expression search finds them all (a string search per key costs more: V8 runs `lastIndexOf` as a
   * character loop and sets up a skip table for each `indexOf`); a later duplicate overwrites an earlier one, as in
   * JSON.parse.
   */
  private find(text: string, open: number): boolean {
    const pattern = this.keyPattern;
    pattern.lastIndex = open;
    // `test` rather than `exec`: no match array or substrings; what matched is told from where the match ends.
    while (pattern.test(text)) {
      const close = pattern.lastIndex - 1;
      const slot = this.endings.slotEndingAt(text, close);
      if (slot < 0) continue;
      // The pattern saw the colon after the key: the value starts past it and any spaces around it.
      const start = skipSpace(text, skipSpace(text, close + 1) + 1);
      const first = text.charCodeAt(start);
      if (first === QUOTE) {
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

/**
 * The non-negative integer of at most 15 digits starting at `start` and ending at a delimiter, or -1 for any other
 * value: token counts are read digit by digit, with no slice to convert.
 */
function integerAt(text: string, start: number): number {
  let integer = 0;
  let i = start;
  for (let code = text.charCodeAt(i); code >= 48 && code <= 57; code = text.charCodeAt(++i)) integer = integer * 10 + (code - 48);
  const next = text.charCodeAt(i);
  const delimited = next === COMMA || next === CLOSE_BRACE || next === CLOSE_BRACKET || isSpace(next);
  return i > start && i - start <= 15 && delimited ? integer : -1;
}

/**
 * Tells which wanted key ends at a closing quote, reading backwards from it only the characters where the keys
 * differ (usually one or two). The key pattern matched one of our keys exactly, so that is enough to name it;
 * walking back to the opening quote and comparing whole keys cost more than the pattern search that found them.
 * A decision tree: node `n` reads the character `back[n]` places before the closing quote (a key's opening quote
 * when the key is that short) and follows the branch of that character code; a branch is a node index, or `~slot`.
 */
class KeyEndings {
  private readonly back: number[] = [];
  private readonly codes: number[][] = [];
  private readonly branches: number[][] = [];
  private readonly root: number;

  constructor(private readonly keys: readonly string[]) {
    if (keys.length === 0 || new Set(keys).size !== keys.length) throw new Error(`JsonFields needs distinct keys to read, got [${keys.join(', ')}]`);
    this.root = this.build(keys.map((_, slot) => slot), 0);
  }

  /** The slot of the wanted key whose closing quote is at `close`, or -1. */
  slotEndingAt(text: string, close: number): number {
    let branch = this.root;
    while (branch >= 0) {
      const code = text.charCodeAt(close - 1 - this.back[branch]!);
      const codes = this.codes[branch]!;
      let at = 0;
      while (at < codes.length && codes[at] !== code) at++;
      if (at === codes.length) return -1;
      branch = this.branches[branch]![at]!;
    }
    return ~branch;
  }

  private build(slots: readonly number[], back: number): number {
    if (slots.length === 1) return ~slots[0]!;
    let codes = slots.map((slot) => this.codeBack(slot, back));
    // Characters all the keys share tell nothing: read the first one where they differ.
    while (codes.every((code) => code === codes[0])) {
      back++;
      codes = slots.map((slot) => this.codeBack(slot, back));
    }
    const node = this.back.length;
    const distinct = [...new Set(codes)];
    this.back.push(back);
    this.codes.push(distinct);
    this.branches.push([]);
    this.branches[node] = distinct.map((code) => this.build(slots.filter((_, index) => codes[index] === code), back + 1));
    return node;
  }

  /** The character `back` places before a key's closing quote: its opening quote once past its start. */
  private codeBack(slot: number, back: number): number {
    const key = this.keys[slot]!;
    return back < key.length ? key.charCodeAt(key.length - 1 - back) : QUOTE;
  }
}

/** A string or number value between `start` and `end`; other JSON values (objects, arrays, literals) read as undefined. */
function scalar(text: string, start: number, end: number): string | number | undefined {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return stringBetween(text, start, end - 1);
  if (first === 45 /* - */ || (first >= 48 && first <= 57)) {
    const integer = integerAt(text, start);
    if (integer >= 0) return integer;
    const number = Number(text.slice(start, end));
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

/**
 * The object under the last `key` (quoted, `"usage"`) of a JSON text, as text: providers' responses and LangChain's
 * results end with their usage and metadata, so a search from the end finds them without parsing what comes before
 * (a batch's vectors, a long completion). Braces are matched without reading strings: meant for objects of numbers and
 * plain identifiers (usage, LangChain's `llm_output`), where no string holds a brace; what does not parse afterwards
 * is the caller's to drop.
 */
export function lastObjectText(text: string, key: string): string | undefined {
  const at = text.lastIndexOf(key);
  if (at < 0) return undefined;
  const open = text.indexOf('{', at);
  if (open < 0 || text.slice(at + key.length, open).trim() !== ':') return undefined;
  let depth = 0;
  for (let pos = open; pos < text.length; pos++) {
    const code = text.charCodeAt(pos);
    if (code === OPEN_BRACE) depth++;
    else if (code === CLOSE_BRACE && --depth === 0) return text.slice(open, pos + 1);
  }
  return undefined;
}

/**
 * The string under the last `key` (quoted) of a JSON text, found from the end as `lastObjectText` finds an object,
 * and nothing parsed; undefined when that value is no string.
 */
export function lastString(text: string, key: string): string | undefined {
  const at = text.lastIndexOf(key);
  if (at < 0) return undefined;
  const colon = skipSpace(text, at + key.length);
  if (text.charCodeAt(colon) !== COLON) return undefined;
  const open = skipSpace(text, colon + 1);
  if (text.charCodeAt(open) !== QUOTE) return undefined;
  const close = stringEnd(text, open);
  return close < 0 ? undefined : stringBetween(text, open, close);
}

/** The object under the last `key` of a JSON text (see `lastObjectText`), parsed; undefined when absent or malformed. */
export function lastObject<T extends object>(text: string, key: string): Partial<T> | undefined {
  const object = lastObjectText(text, key);
  if (object === undefined) return undefined;
  try {
    return JSON.parse(object) as Partial<T>;
  } catch {
    return undefined;
  }
}
