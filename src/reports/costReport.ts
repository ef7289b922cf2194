/** `report cost`: from MLflow (search the window, fetch and price every trace) or from the ledger; group the calls. */
import { CostAggregator } from './cost.js';
import type { CostDimension, CostRow, CostTotals } from './cost.js';
import type { MlflowTarget } from './cli.js';
import type { Ledger } from '../ledger/index.js';
import { visitLedgerWindow } from './ledger/source.js';
import { searchTraceInfos, visitTraces } from './mlflow/source.js';
import type { Cell, Column, Report } from './output/report.js';
import type { TracePricer } from './priceTrace.js';
import type { FetchProgress, SkippedTrace } from './mlflow/source.js';
import type { TimeWindow } from './window.js';

export async function collectCosts(
  target: MlflowTarget,
  pricer: TracePricer,
  by: readonly CostDimension[],
  onProgress?: FetchProgress,
): Promise<{ aggregator: CostAggregator; traces: number; skipped: SkippedTrace[] }> {
  const aggregator = new CostAggregator(by);
  const infos = await searchTraceInfos(target.client, target);
  const skipped = await visitTraces(target.client, infos, (trace) => pricer.price(trace).forEach((call) => aggregator.add(call)), {
    concurrency: target.concurrency,
    ...(onProgress ? { onProgress } : {}),
  });
  return { aggregator, traces: infos.length, skipped };
}

/** The same report from the ledger's call rows (`--source ledger`). */
export function collectLedgerCosts(ledger: Ledger, window: TimeWindow, by: readonly CostDimension[]): { aggregator: CostAggregator; traces: number } {
  const aggregator = new CostAggregator(by);
  const states = visitLedgerWindow(ledger, window, (call) => aggregator.add(call));
  return { aggregator, traces: states.OK + states.ERROR + states.IN_PROGRESS };
}

function totalsCells(totals: CostTotals, withRecorded: boolean): Record<string, Cell> {
  return {
    calls: totals.calls,
    unpriced: totals.unpricedCalls,
    input_tokens: totals.inputTokens,
    output_tokens: totals.outputTokens,
    cost_usd: totals.costUsd,
    ...(withRecorded ? { recorded_usd: totals.recordedCalls === 0 ? null : totals.recordedUsd, difference_usd: totals.recordedCalls === 0 ? null : totals.differenceUsd } : {}),
  };
}

export function costReport(aggregator: CostAggregator, summary: Report['summary']): Report {
  const withRecorded = aggregator.total.recordedCalls > 0;
  const columns: Column[] = [
    // Days are UTC days (dayOf), whatever the zone of the machine running the report.
    ...aggregator.by.map((dimension): Column => ({ key: dimension, header: dimension === 'day' ? 'day (UTC)' : dimension, kind: 'text' })),
    { key: 'calls', header: 'calls', kind: 'int' },
    { key: 'unpriced', header: 'unpriced', kind: 'int' },
    { key: 'input_tokens', header: 'input tok', kind: 'int' },
    { key: 'output_tokens', header: 'output tok', kind: 'int' },
    { key: 'cost_usd', header: 'cost', kind: 'usd' },
    // Only when some span already carried a cost: that cost, and how far our price of the same calls is from it.
    ...(withRecorded
      ? [
          { key: 'recorded_usd', header: 'recorded', kind: 'usd' },
          { key: 'difference_usd', header: 'ours - recorded', kind: 'usd' },
        ] satisfies Column[]
      : []),
  ];
  const row = (entry: CostRow): Record<string, Cell> => ({ ...entry.group, ...totalsCells(entry, withRecorded) });
  // The totals line names itself in the first grouping column and leaves the others blank.
  const totalLabels = Object.fromEntries(aggregator.by.map((dimension, index) => [dimension, index === 0 ? 'total' : '']));
  return {
    summary: { ...summary, traces_with_llm_calls: aggregator.tracesWithCalls },
    sections: [
      {
        title: aggregator.by.length === 0 ? 'Cost' : `Cost by ${aggregator.by.join(', ')}`,
        columns,
        rows: aggregator.rows().map(row),
        total: { ...totalLabels, ...totalsCells(aggregator.total, withRecorded) },
      },
    ],
  };
}
