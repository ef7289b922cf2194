/** Dollar amounts as the pipeline writes them: rounded to 1e-12 USD, and printed as JSON.stringify prints them. */

/** Rounded to 1e-12 USD, so that binary-float noise (0.7474999999999999) stays off the wire and out of comparisons. */
export function roundUsd(amount: number): number {
  return Math.round(amount * 1e12) / 1e12;
}

/** `ZEROS[n]` is n zeros. */
const ZEROS = Array.from({ length: 7 }, (_, n) => '0'.repeat(n));

/**
 * `String(amount)` of an amount rounded by `roundUsd`, printed from small integers. A double printed afresh goes
 * through V8's search for its shortest digits (~100 ns, and every call costs a different amount, so V8's cache of
 * printed numbers rarely helps), while a number of at most 15 significant digits prints as exactly those digits.
 * From 1e-6 (below that JavaScript prints an exponent) to under $1000, a multiple of 1e-12 has at most 15: whole
 * dollars, then the twelve decimals as two six-digit halves, the trailing zeros dropped. Anything else (zero, tiny,
 * negative, $1000 and more) takes `String`.
 */
export function usdText(amount: number): string {
  if (!(amount >= 1e-6 && amount < 1000)) return String(amount);
  const picos = Math.round(amount * 1e12);
  const dollars = Math.floor(picos / 1e12);
  const decimals = picos - dollars * 1e12;
  const high = Math.floor(decimals / 1e6) | 0;
  const low = (decimals - high * 1e6) | 0;
  if (low === 0 && high === 0) return String(dollars);
  const whole = dollars === 0 ? '0.' : `${dollars}.`;
  if (low === 0) return whole + lastDecimals(high);
  const highText = String(high);
  return whole + ZEROS[6 - highText.length]! + highText + lastDecimals(low);
}

/** Six decimal places holding `value` (0 < value < 1e6), trailing zeros dropped. */
function lastDecimals(value: number): string {
  let places = 6;
  while (value % 10 === 0) {
    value = (value / 10) | 0;
    places--;
  }
  const text = String(value);
  return ZEROS[places - text.length]! + text;
}
