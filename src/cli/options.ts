/** Option values the commands share, parsed as commander reads them: a bad one is refused, naming the option, before the command runs. */
import { InvalidArgumentError } from 'commander';
import { positiveDurationMs } from '../config/units.js';

/** A duration as the config writes one (`30s`, `500ms`), or bare digits as milliseconds (`5000`). */
export function durationOption(text: string): number {
  const parsed = positiveDurationMs.safeParse(/^\d+$/.test(text) ? Number(text) : text);
  if (!parsed.success) throw new InvalidArgumentError('expected a duration above 0 such as 30s, or milliseconds such as 5000');
  return parsed.data;
}
