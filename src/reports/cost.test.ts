import { describe, expect, it } from 'vitest';
import { CostAggregator, parseDimensions } from './cost.js';
import { costReport } from './costReport.js';
import type { PricedCall } from './priceTrace.js';
import { StatusCollector } from './status.js';

function call(overrides: Partial<PricedCall>): PricedCall {
  return {
    traceId: 'tr-1', spanId: 's', workflow: 'wf', node: 'plan', model: 'gpt-4o', provider: 'openai',
    startMs: Date.UTC(2026, 10, 28, 23, 59), tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    costUsd: 0.01, unpricedReason: undefined, recorded: undefined, ...overrides,
  };
}

describe('CostAggregator', () => {
  it('groups by any combination of dimensions and keeps the totals', () => {
    const aggregator = new CostAggregator(['node', 'day']);
    aggregator.add(call({}));
    aggregator.add(call({ traceId: 'tr-2', startMs: Date.UTC(2026, 10, 29, 0, 1), costUsd: 0.02 }));
    aggregator.add(call({ node: undefined, costUsd: undefined, unpricedReason: 'unknown model' }));
    expect(aggregator.rows().map((row) => [row.group, row.calls, row.costUsd, row.unpricedCalls])).toEqual([
      [{ node: 'plan', day: '2026-11-29' }, 1, 0.02, 0],
      [{ node: 'plan', day: '2026-11-28' }, 1, 0.01, 0],
      [{ node: '(none)', day: '2026-11-28' }, 1, 0, 1],
    ]);
    expect(aggregator.total).toMatchObject({ calls: 3, unpricedCalls: 1, inputTokens: 30, costUsd: 0.03 });
    expect(aggregator.tracesWithCalls).toBe(2);
  });

  it('compares with the cost a span already carried, only over the calls that carried one', () => {
    const aggregator = new CostAggregator(['model']);
    aggregator.add(call({ costUsd: 0.01, recorded: { usd: 0.012, source: 'mlflow' } }));
    aggregator.add(call({ costUsd: 0.05 }));
    expect(aggregator.total).toMatchObject({ recordedCalls: 1, recordedUsd: 0.012 });
    expect(aggregator.total.differenceUsd).toBe(-0.002);
  });

  it('adds costs exactly, as whole pico-USD: a running total of doubles drifted into the reports and status', () => {
    const aggregator = new CostAggregator(['model']);
    const status = new StatusCollector();
    for (let index = 0; index < 30_000; index++) {
      aggregator.add(call({ costUsd: 0.00045, recorded: { usd: 0.0003, source: 'mlflow' } }));
      status.addCall(call({ costUsd: 0.00045 }));
    }
    expect(aggregator.total).toMatchObject({ costUsd: 13.5, recordedUsd: 9, differenceUsd: 4.5 });
    expect(aggregator.rows()[0]!.costUsd).toBe(13.5);
    expect(status.spendUsd).toBe(13.5);
  });

  it('says its days are UTC days', () => {
    const aggregator = new CostAggregator(['day', 'model']);
    aggregator.add(call({}));
    expect(costReport(aggregator, {}).sections[0]!.columns.slice(0, 2).map((column) => column.header)).toEqual(['day (UTC)', 'model']);
  });

  it('rejects an unknown dimension by name', () => {
    expect(parseDimensions('workflow, model,workflow')).toEqual(['workflow', 'model']);
    expect(() => parseDimensions('workflow,colour')).toThrow('cannot group by "colour"');
  });
});
