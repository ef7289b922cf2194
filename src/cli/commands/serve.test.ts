import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTokenmeterCommand } from '../../../test/e2e/tokenmeter-process.js';

const savedLevel = process.env.TOKENMETER_LOG_LEVEL;
afterEach(() => {
  if (savedLevel === undefined) delete process.env.TOKENMETER_LOG_LEVEL;
  else process.env.TOKENMETER_LOG_LEVEL = savedLevel;
});

describe('tokenmeter serve', () => {
  it('refuses an unknown TOKENMETER_LOG_LEVEL as a configuration error, exit code 2, no stack trace', async () => {
    process.env.TOKENMETER_LOG_LEVEL = 'verbose';
    const run = await runTokenmeterCommand(['serve'], mkdtempSync(path.join(tmpdir(), 'tokenmeter-serve-')));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('tokenmeter: invalid configuration:');
    expect(run.stderr).toContain('service.telemetry.logs.level: got "verbose", expected one of "trace", "debug", "info"');
    expect(run.stderr).toContain('(from TOKENMETER_LOG_LEVEL)');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
