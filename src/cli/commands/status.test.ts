import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTokenmeterCommand } from '../../../test/e2e/tokenmeter-process.js';
import { adminConfigSchema } from '../../admin/config.js';
import { AdminServer } from '../../admin/server.js';
import { Ledger } from '../../ledger/index.js';
import { silentLogger } from '../../telemetry/logger.js';

describe('tokenmeter status', () => {
  it('checks the admin listener the --config file names, not the default address', async () => {
    const admin = new AdminServer(adminConfigSchema.parse({ endpoint: '127.0.0.1:0' }), undefined, silentLogger());
    await admin.start();
    admin.setReady(true);
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'tokenmeter-status-'));
      const ledgerPath = path.join(dir, 'ledger.db');
      new Ledger(ledgerPath).close();
      const config = path.join(dir, 'tokenmeter.yaml');
      // Listening on every address, as in a container: reached on loopback.
      writeFileSync(config, `exporters:\n  ledger:\n    path: ${ledgerPath}\nadmin:\n  endpoint: 0.0.0.0:${new URL(admin.url).port}\n`);
      const { code, stdout, stderr } = await runTokenmeterCommand(['status', '--config', config, '--source', 'ledger', '--format', 'json'], dir);
      expect(code, stderr).toBe(0);
      expect((JSON.parse(stdout) as { tokenmeter: string }).tokenmeter).toBe('healthy (200 ok)');
      // Draining to stop: alive, but taking no spans.
      admin.setReady(false);
      const draining = await runTokenmeterCommand(['status', '--config', config, '--source', 'ledger', '--format', 'json'], dir);
      expect((JSON.parse(draining.stdout) as { tokenmeter: string }).tokenmeter).toBe('alive, not ready (starting or stopping): 503 not ready');
    } finally {
      await admin.shutdown();
    }
  });
});
