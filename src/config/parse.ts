import { z } from 'zod';
import { pathKey } from './env.js';
import type { Substitution } from './env.js';
import { describeZodIssues } from './errors.js';

export type ParseResult<T> = { success: true; data: T } | { success: false; data?: undefined; problems: string[] };

/**
 * Parses one part (`input`, at `prefix`) of a substituted document. A number or boolean that a whole reference gave
 * goes back to its text where the key wants a string, and the part is parsed again; a value holding a missing
 * variable is left to that problem alone.
 */
export function parseSubstituted<T>(schema: z.ZodType<T>, input: unknown, prefix: readonly string[], substitution: Substitution): ParseResult<T> {
  for (;;) {
    const result = schema.safeParse(input);
    if (result.success) return { success: true, data: result.data };
    // Each pass turns at least one typed value back to text, and none twice, so this ends.
    const reverted = result.error.issues.filter((issue) => wantsText(issue) && revertToText(input, issue.path, prefix, substitution));
    if (reverted.length > 0) continue;
    const issues = result.error.issues.filter((issue) => !substitution.missing.has(pathKey([...prefix, ...issue.path])));
    return { success: false, problems: describeZodIssues(new z.ZodError(issues), input, prefix) };
  }
}

function wantsText(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'invalid_type') return issue.expected === 'string';
  if (issue.code === 'invalid_value') return issue.values.some((value) => typeof value === 'string');
  return false;
}

function revertToText(input: unknown, path: readonly PropertyKey[], prefix: readonly string[], substitution: Substitution): boolean {
  const key = pathKey([...prefix, ...path]);
  const text = substitution.typed.get(key);
  if (text === undefined || path.length === 0) return false;
  const parent = path.slice(0, -1).reduce<unknown>((value, segment) => (value as Record<PropertyKey, unknown>)[segment], input);
  (parent as Record<PropertyKey, unknown>)[path.at(-1)!] = text;
  substitution.typed.delete(key);
  return true;
}
