import JSONbig from 'json-bigint';

/**
 * MLflow writes span times as JSON numbers above 2^53, which `JSON.parse` silently rounds. json-bigint keeps every
 * number longer than 15 characters as its text; `useNativeBigInt` is not an option because it also applies to long
 * decimals (`0.000123456789012`), on which `BigInt()` throws. Callers know which fields are integers.
 */
const parser = JSONbig({ storeAsString: true });

/** Parses MLflow's answer; text that is not JSON throws a SyntaxError (json-bigint throws a plain object). */
export function parseMlflowJson<T>(text: string): T {
  try {
    return parser.parse(text) as T;
  } catch (error) {
    const { message, at } = error as { message?: string; at?: number };
    const where = at === undefined ? '' : ` at character ${at}`;
    throw new SyntaxError(`MLflow's answer is not JSON (${message ?? String(error)}${where}): ${text.slice(0, 80)}`, { cause: error });
  }
}
