/** Dollar amounts as the pipeline writes them: rounded to 1e-12 USD, and printed as JSON.stringify prints them. */

/** Rounded to 1e-12 USD, so that binary-float noise (0.7474999999999999) stays off the wire and out of comparisons. */
export function roundUsd(amount: number): number {
  return Math.round(amount * 1e12) / 1e12;
}

export const PICO_PER_USD = 1e12;

/**
 * Amounts rounded by `roundUsd` are whole pico-USD, so integers hold them exactly, and sums of them never drift: plain
 * numbers, exact up to 2^53 pico-USD (over $9,000). Past it each addition may round to the nearest double again, a
 * few pico-USD a time (100,000 additions past $10,000 were off by 3e-10 USD).
 */
export function toPicoUsd(usd: number): number {
  return Math.round(usd * PICO_PER_USD);
}

export function fromPicoUsd(pico: number): number {
  return pico / PICO_PER_USD;
}

/**
 * `total + amount` for amounts rounded by `roundUsd`, added as pico-USD: a running total of doubles drifts (30,000
 * calls at $0.00045 summed to 13.500000000006839), where the total of whole pico-USD is exact.
 */
export function addUsd(total: number, amount: number): number {
  return fromPicoUsd(toPicoUsd(total) + toPicoUsd(amount));
}

const ZERO = 48;
const DOT = 46;

/**
 * Writes an amount rounded by `roundUsd` as `String(amount)` prints it, one byte per character, into `target` at `at`;
 * returns where it ends. Callers build a whole text in bytes and make one flat string of it: a double printed afresh
 * goes through V8's search for its shortest digits (~100 ns, and every call costs a different amount, so V8's cache
 * of printed numbers rarely helps), and joining printed parts makes strings of strings that are copied again when
 * encoded. A number of at most 15 significant digits prints as exactly those digits: from 1e-6 (below that
 * JavaScript prints an exponent) to under $1000, a multiple of 1e-12 has at most 15, so it is written digit by digit
 * as whole dollars, then twelve decimals with the trailing zeros dropped. Anything else (zero, tiny, negative, $1000
 * and more) is printed by `String`. `target` needs room for 24 bytes.
 */
export function writeUsdText(target: Uint8Array, at: number, amount: number): number {
  if (!(amount >= 1e-6 && amount < 1000)) return writeAscii(target, at, String(amount));
  const picos = Math.round(amount * 1e12);
  const dollars = Math.floor(picos / 1e12);
  const decimals = picos - dollars * 1e12;
  at = writeDigits(target, at, dollars, dollars < 10 ? 1 : dollars < 100 ? 2 : 3);
  if (decimals === 0) return at;
  target[at++] = DOT;
  const high = Math.floor(decimals / 1e6) | 0;
  at = writeDigits(target, writeDigits(target, at, high, 6), (decimals - high * 1e6) | 0, 6);
  while (target[at - 1] === ZERO) at--;
  return at;
}

/** Writes `value` (a non-negative integer below 10^width) as `width` digits, zero-padded; returns where they end. */
function writeDigits(target: Uint8Array, at: number, value: number, width: number): number {
  for (let place = at + width - 1; place >= at; place--) {
    const rest = (value / 10) | 0;
    target[place] = ZERO + value - rest * 10;
    value = rest;
  }
  return at + width;
}

/** Writes ASCII text one byte per character; returns where it ends. */
export function writeAscii(target: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) target[at + i] = text.charCodeAt(i);
  return at + text.length;
}
