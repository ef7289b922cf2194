import JSONbig from 'json-bigint';

/**
 * MLflow writes span times as JSON numbers above 2^53, which `JSON.parse` silently rounds. json-bigint keeps every
 * number longer than 15 characters as its text; `useNativeBigInt` is not an option because it also applies to long
 * decimals (`0.000123456789012`), on which `BigInt()` throws. Callers know which fields are integers.
 */
const parser = JSONbig({ storeAsString: true });

export function parseMlflowJson<T>(text: string): T {
  return parser.parse(text) as T;
}
