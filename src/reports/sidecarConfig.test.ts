import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSidecarConfig } from './sidecarConfig.js';

describe('the settings reports take from the sidecar config', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ['MLFLOW_TRACKING_URI', 'FEEDBACK_SOURCE']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('needs no valid MLFLOW_TRACKING_URI without a file: a ledger report does not talk to MLflow', () => {
    process.env.MLFLOW_TRACKING_URI = 'localhost:5000';
    expect(loadSidecarConfig(undefined).feedback.source_id).toBe('cost_estimator');
  });

  it('reads a file as the sidecar does: a reference giving digits stays text where the key wants text', () => {
    process.env.FEEDBACK_SOURCE = '42';
    const path = join(mkdtempSync(join(tmpdir(), 'tokenmeter-reports-')), 'tokenmeter.yaml');
    writeFileSync(path, 'exporters:\n  mlflow:\n    feedback:\n      source_id: ${FEEDBACK_SOURCE}\n');
    expect(loadSidecarConfig(path).feedback.source_id).toBe('42');
  });
});
