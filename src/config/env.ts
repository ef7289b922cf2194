/**
 * `${VAR}`, `${env:VAR}` and `${VAR:-default}` in the string values of a parsed config. Substituting after YAML
 * parsing (not in the text) means a variable's value can never change the structure of the document.
 */
const REFERENCE = /\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$/g;

export class MissingEnvironmentVariableError extends Error {}

export function substituteEnvironment(
  value: unknown,
  env: NodeJS.ProcessEnv = process.env,
  path: string[] = [],
): unknown {
  if (typeof value === 'string') return substituteInString(value, env, path);
  if (Array.isArray(value)) return value.map((item, index) => substituteEnvironment(item, env, [...path, String(index)]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteEnvironment(item, env, [...path, key])]),
    );
  }
  return value;
}

function substituteInString(text: string, env: NodeJS.ProcessEnv, path: string[]): string | number | boolean {
  let whole: string | undefined;
  const replaced = text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const found = env[name!];
    if (found !== undefined && found !== '') return (whole = found);
    if (fallback !== undefined) return (whole = fallback);
    throw new MissingEnvironmentVariableError(
      `${path.join('.') || '(root)'}: environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
    );
  });
  // A value that is exactly one reference keeps the type YAML would have given it, so `port: ${PORT}` is a number.
  if (whole !== undefined && replaced === whole && /^\$\{[^}]+\}$/.test(text.trim())) return typedScalar(whole);
  return replaced;
}

function typedScalar(text: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}
