import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTokenmeterCommand } from '../../test/e2e/tokenmeter-process.js';
import { durationOption } from './options.js';

describe('duration options (--timeout, --shutdown-timeout)', () => {
  it('reads a duration as the config writes one, or bare digits as milliseconds', () => {
    expect(durationOption('30s')).toBe(30_000);
    expect(durationOption('500ms')).toBe(500);
    expect(durationOption('5000')).toBe(5000);
    for (const bad of ['5x', 'abc', '', '0', '0s', '-5']) expect(() => durationOption(bad), bad).toThrow('expected a duration above 0');
  });

  it('refuses a bad value before the command runs, naming the option, with no stack trace', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tokenmeter-options-'));
    for (const args of [
      ['report', 'cost', '--source', 'ledger', '--timeout', '5x'],
      ['status', '--timeout', 'abc'],
      ['serve', '--shutdown-timeout', '30x'],
    ]) {
      const run = await runTokenmeterCommand(args, dir);
      const [flag, value] = args.slice(-2);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr).toContain(`option '${flag} <duration>' argument '${value}' is invalid. expected a duration above 0`);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stdout).toBe('');
    }
  });
});
