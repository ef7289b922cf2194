import type { z } from 'zod';

/** A configuration that cannot be used. The message names the key, the value found and what was expected. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function describeZodIssues(error: z.ZodError, input: unknown, pathPrefix: readonly string[] = []): string[] {
  return error.issues.map((issue) => {
    const path = [...pathPrefix, ...issue.path.map(String)];
    const key = path.join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${key}: unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    }
    // A value the input does not hold (a key filled from the environment) is carried by its issue.
    const value = issue.code === 'custom' && issue.params !== undefined && 'value' in issue.params ? issue.params['value'] : valueAt(input, issue.path);
    return `${key}: got ${describeValue(value)}, ${expectation(issue)}`;
  });
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `expected ${issue.origin === 'string' ? 'length ' : ''}${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`;
    case 'too_big':
      return `expected ${issue.origin === 'string' ? 'length ' : ''}${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}`;
    case 'invalid_union': {
      // A union such as "number or duration string": explain with the branch whose type matched, if one did.
      const matched = issue.errors.find((branch) => branch[0] && branch[0].code !== 'invalid_type')?.[0];
      if (matched) return expectation(matched);
      const types = issue.errors.flatMap((branch) => (branch[0]?.code === 'invalid_type' ? [branch[0].expected] : []));
      return types.length > 0 ? `expected ${types.join(' or ')}` : issue.message;
    }
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
