import { describe, expect, it } from 'vitest';
import type { CallRow, CostStatus, LedgerUpdate, TokenCounts, TraceRow } from '../../ledger/index.js';
import { Telemetry, telemetry as sidecarTelemetry } from '../../telemetry/metrics.js';
import { CostMetrics } from './costMetrics.js';

function call(model: string, node: string, status: CostStatus, costUsd: number | null, tokens: Partial<TokenCounts>): CallRow {
  return {
    spanId: 's',
    traceId: 't',
    service: 'shop',
    node,
    model,
    provider: 'openai',
    status,
    unpricedReason: status === 'unpriced' ? 'unknown model' : null,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, ...tokens },
    costUsd,
    split: null,
    reportedCostUsd: null,
    startMs: 0,
    endMs: 1,
    workflow: null,
    recordedMs: 0,
  };
}

const update = (newCalls: CallRow[]): LedgerUpdate => ({ newCalls, newTraces: [], grownTraces: [], events: [] });

/** Every series of a metric as `label=value,…` → value. */
async function series(telemetry: Telemetry, name: string): Promise<Record<string, number>> {
  const metric = (await telemetry.registry.getMetricsAsJSON()).find((entry) => entry.name === name)!;
  return Object.fromEntries(
    (metric.values as Array<{ labels: Record<string, string>; value: number }>).map(({ labels, value }) => [
      Object.entries(labels)
        .map(([label, text]) => `${label}=${text}`)
        .join(','),
      value,
    ]),
  );
}

describe('cost metrics', () => {
  it('count each call of a batch once, its cost and tokens under its labels, with the labels bounded call by call', async () => {
    const telemetry = new Telemetry();
    telemetry.labels.maxValuesPerLabel = 2;
    const metrics = new CostMetrics(telemetry);
    metrics.observe(
      update([
        call('gpt-4o-mini', 'agent', 'priced', 0.001, { input: 100, output: 10 }),
        call('gpt-4o', 'tools', 'priced', 0.01, { input: 1000 }),
        call('gpt-4o-mini', 'agent', 'priced', 0.002, { input: 200, output: 20, cacheRead: 50 }),
        call('gpt-4o-mini', 'agent', 'unpriced', null, { input: 5 }),
        // A third model is past the bound of two: counted under `other`, as are both calls after it.
        call('o3', 'agent', 'unpriced', null, { input: 7 }),
        call('o4-mini', 'agent', 'priced', 0.5, { reasoning: 9 }),
      ]),
    );
    metrics.observe(update([call('gpt-4o-mini', 'agent', 'priced', 0.004, { input: 1 })]));

    const mini = 'service=shop,provider=openai,model=gpt-4o-mini,node=agent';
    const other = 'service=shop,provider=openai,model=other,node=agent';
    expect(await series(telemetry, 'tokenmeter_llm_calls_total')).toEqual({
      [`${mini},status=priced`]: 3,
      [`${mini},status=unpriced`]: 1,
      'service=shop,provider=openai,model=gpt-4o,node=tools,status=priced': 1,
      [`${other},status=unpriced`]: 1,
      [`${other},status=priced`]: 1,
    });
    const cost = await series(telemetry, 'tokenmeter_llm_cost_usd_total');
    expect(Object.keys(cost).sort()).toEqual([mini, other, 'service=shop,provider=openai,model=gpt-4o,node=tools'].sort());
    expect(cost[mini]).toBeCloseTo(0.007, 15);
    expect(cost[other]).toBe(0.5);
    expect(await series(telemetry, 'tokenmeter_llm_unpriced_calls_total')).toEqual({ 'provider=openai,model=gpt-4o-mini': 1, 'provider=openai,model=other': 1 });
    expect(await series(telemetry, 'tokenmeter_llm_tokens_total')).toEqual({
      [`${mini},type=input`]: 306,
      [`${mini},type=output`]: 30,
      [`${mini},type=cache_read`]: 50,
      'service=shop,provider=openai,model=gpt-4o,node=tools,type=input': 1000,
      [`${other},type=input`]: 7,
      [`${other},type=reasoning`]: 9,
    });
  });

  it('give a group of unpriced calls no cost series: their spend is unknown, not $0', async () => {
    const telemetry = new Telemetry();
    const metrics = new CostMetrics(telemetry);
    metrics.observe(update([call('no-such-model', 'agent', 'unpriced', null, { input: 3 }), call('no-such-model', 'agent', 'unpriced', null, { input: 4 })]));
    expect(await series(telemetry, 'tokenmeter_llm_cost_usd_total')).toEqual({});
    expect(await series(telemetry, 'tokenmeter_llm_unpriced_calls_total')).toEqual({ 'provider=openai,model=no-such-model': 2 });
  });

  it('name every family apart, as OpenMetrics parsers require, across all of /metrics', async () => {
    // The sidecar's registry, with the cost metrics the ledger exporter registers in it on import.
    const samplesOf: Record<string, readonly string[]> = { counter: ['_total', '_created'], gauge: [''], histogram: ['_bucket', '_count', '_sum', '_created'], summary: ['', '_count', '_sum', '_created'] };
    const metrics = await sidecarTelemetry.registry.getMetricsAsJSON();
    const owner = new Map<string, string>();
    for (const { name, type } of metrics) {
      const family = String(type) === 'counter' ? name.replace(/_total$/, '') : name;
      for (const sample of [family, ...samplesOf[String(type)]!.map((suffix) => family + suffix)]) {
        expect(`${sample} of ${owner.get(sample) ?? name}`).toBe(`${sample} of ${name}`);
        owner.set(sample, name);
      }
    }
    expect(metrics.map((metric) => metric.name)).toContain('tokenmeter_workflow_run_cost_usd');
  });

  it('observe a run in the histograms once, when its trace finishes; what it spends later adds to the counter only', async () => {
    const telemetry = new Telemetry();
    const metrics = new CostMetrics(telemetry);
    const trace = { traceId: 't', service: 'shop', workflow: 'checkout', status: 'ok', durationMs: 2000, costUsd: 0.01 } as TraceRow;
    metrics.observe({ newCalls: [], newTraces: [trace], grownTraces: [], events: [] });
    metrics.observe({ newCalls: [], newTraces: [], grownTraces: [{ trace: { ...trace, costUsd: 0.015 }, addedCostUsd: 0.005 }], events: [] });
    const labels = 'service=shop,workflow=checkout';
    expect((await series(telemetry, 'tokenmeter_workflow_cost_usd_total'))[labels]).toBeCloseTo(0.015, 15);
    expect(await series(telemetry, 'tokenmeter_workflow_runs_total')).toEqual({ [`${labels},status=ok`]: 1 });
    const histogram = (await telemetry.registry.getSingleMetric('tokenmeter_workflow_run_cost_usd')!.get()).values as Array<{ metricName?: string; value: number }>;
    expect(histogram.find((value) => value.metricName === 'tokenmeter_workflow_run_cost_usd_count')?.value).toBe(1);
    expect(histogram.find((value) => value.metricName === 'tokenmeter_workflow_run_cost_usd_sum')?.value).toBe(0.01);
  });
});
