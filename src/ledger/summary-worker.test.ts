import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../telemetry/logger.js';
import { Ledger } from './ledger.js';
import type { CallRecord, RootRecord } from './records.js';
import { SummaryWorker } from './summary-worker.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function call(traceId: string, spanId: string, model: string, costUsd: number | null, node: string): CallRecord {
  return {
    traceId,
    spanId,
    service: 'svc',
    node,
    model,
    provider: 'openai',
    status: costUsd === null ? 'unpriced' : 'priced',
    unpricedReason: costUsd === null ? `model ${model} not in catalog` : null,
    tokens: { input: 1000, output: 100, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    costUsd,
    split: costUsd === null ? null : { input: costUsd / 2, cacheRead: 0, cacheWrite: 0, output: costUsd / 2, reasoning: 0 },
    reportedCostUsd: null,
    startMs: 1,
    endMs: 2,
  };
}

const root = (traceId: string, workflow: string): RootRecord => ({ traceId, service: 'svc', workflow, status: 'ok', startMs: 1, endMs: 3, totals: undefined });

function fileLedger(): { file: string; ledger: Ledger } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-summary-')), 'ledger.db');
  const ledger = new Ledger(file);
  cleanups.push(() => ledger.close());
  return { file, ledger };
}

function startWorker(file: string): SummaryWorker {
  const worker = SummaryWorker.start(file, silentLogger())!;
  cleanups.push(() => worker.stop());
  return worker;
}

describe('the summary worker', () => {
  it('gives the summary the ledger gives in its own thread, and reads what the writer commits meanwhile', async () => {
    const { file, ledger } = fileLedger();
    const now = Date.now();
    ledger.record([call('t1', 's1', 'gpt-4o-mini', 0.002, 'plan'), call('t1', 's2', 'acme-private', null, 'search')], [root('t1', 'checkout')], now - 120_000);
    const worker = startWorker(file);
    expect(await worker.summary(3_600_000, now)).toEqual(ledger.summaries.summary(3_600_000, now));
    // Written after the worker opened the file: its next summary has it.
    ledger.record([call('t2', 's1', 'gpt-4o', 0.01, 'plan')], [root('t2', 'research')], now - 60_000);
    const later = await worker.summary(3_600_000, now);
    expect(later).toEqual(ledger.summaries.summary(3_600_000, now));
    expect(later.totals).toMatchObject({ calls: 3, unpricedCalls: 1, traces: 2 });
    expect(later.topWorkflows.map((row) => [row.name, row.runs, row.calls])).toEqual([
      ['research', 1, 1],
      ['checkout', 1, 2],
    ]);
  });

  it('is not started for an in-memory ledger, and says it cannot answer once it failed', async () => {
    expect(SummaryWorker.start(':memory:', silentLogger())).toBeUndefined();
    const missing = path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-summary-')), 'none.db');
    const worker = startWorker(missing);
    await expect(worker.summary(3_600_000)).rejects.toThrow();
    expect(worker.alive).toBe(false);
  });
});
