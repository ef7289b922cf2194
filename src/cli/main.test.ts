import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTokenmeterCommand } from '../../test/e2e/tokenmeter-process.js';

describe('tokenmeter --version', () => {
  it('prints the version of its package', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, stdout } = await runTokenmeterCommand(['--version'], mkdtempSync(path.join(tmpdir(), 'tokenmeter-version-')));
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });
});
