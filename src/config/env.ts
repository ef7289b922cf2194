/**
 * `${VAR}`, `${env:VAR}` and `${VAR:-default}` in the string values of a parsed config. Substituting after YAML
 * parsing (not in the text) means a variable's value can never change the structure of the document.
 */
const REFERENCE = /\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$/g;
const WHOLE_REFERENCE = /^\s*\$\{[^}]+\}\s*$/;

/**
 * A YAML scalar written in quotes (or as a block) that is exactly one reference. YAML makes such a scalar a string,
 * so its value stays text: `"${TENANT}"` with TENANT=42 is "42", where a plain `${TENANT}` would be the number 42.
 */
export class QuotedReference {
  constructor(readonly text: string) {}

  static isWhole(text: string): boolean {
    return WHOLE_REFERENCE.test(text);
  }
}

export class MissingEnvironmentVariableError extends Error {
  constructor(readonly problems: string[]) {
    // One problem a line, as ConfigError lists them, for a caller that reports the whole message as one problem.
    super(problems.join('\n  - '));
  }
}

/** A document path as a map key. */
export const pathKey = (path: readonly PropertyKey[]): string => JSON.stringify(path.map(String));

export interface Substitution {
  value: unknown;
  /** Each reference to an unset variable without a default, as a problem, by the path of the value holding it. */
  missing: Map<string, string[]>;
  /**
   * Where a plain value that is exactly one reference became a number or boolean, the text it was: a key that wants
   * a string takes that back (`experiment_id: ${MLFLOW_EXPERIMENT_ID}` is "12", not 12).
   */
  typed: Map<string, string>;
}

/** Substitutes every reference, collecting every missing variable rather than stopping at the first. */
export function substituteReferences(document: unknown, env: NodeJS.ProcessEnv = process.env): Substitution {
  const substitution: Substitution = { value: undefined, missing: new Map(), typed: new Map() };
  substitution.value = substituteValue(document, env, [], substitution);
  return substitution;
}

/** The document with its references substituted; throws every missing variable at once. */
export function substituteEnvironment(document: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  const { value, missing } = substituteReferences(document, env);
  if (missing.size > 0) throw new MissingEnvironmentVariableError([...missing.values()].flat());
  return value;
}

function substituteValue(value: unknown, env: NodeJS.ProcessEnv, path: string[], substitution: Substitution): unknown {
  if (value instanceof QuotedReference) return substituteInString(value.text, env, path, substitution);
  if (typeof value === 'string') {
    const replaced = substituteInString(value, env, path, substitution);
    // A value that is exactly one reference keeps the type YAML would have given it, so `port: ${PORT}` is a number.
    if (!QuotedReference.isWhole(value)) return replaced;
    const typed = typedScalar(replaced);
    if (typed !== replaced) substitution.typed.set(pathKey(path), replaced);
    return typed;
  }
  if (Array.isArray(value)) return value.map((item, index) => substituteValue(item, env, [...path, String(index)], substitution));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteValue(item, env, [...path, key], substitution)]),
    );
  }
  return value;
}

function substituteInString(text: string, env: NodeJS.ProcessEnv, path: string[], substitution: Substitution): string {
  return text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const found = env[name!];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    const key = pathKey(path);
    const problem = `${path.join('.') || '(root)'}: environment variable ${name} is not set (write \${${name}:-default} to give a default)`;
    substitution.missing.set(key, [...(substitution.missing.get(key) ?? []), problem]);
    return match;
  });
}

function typedScalar(text: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}
