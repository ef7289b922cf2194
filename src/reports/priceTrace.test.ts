import { describe, expect, it } from 'vitest';
import { findAttribute, stringValue } from '../otlp/index.js';
import { attributes, makeSpan } from '../recognition/testSpans.js';
import { TracePricer } from './priceTrace.js';
import type { ReportTrace } from './trace.js';

function trace(spans: ReportTrace['spans']): ReportTrace {
  return { storedId: '"tr-1"', traceId: 'tr-1', state: 'OK', startMs: 0, durationMs: 0, workflow: 'wf', tags: {}, assessments: [], spans };
}

const chat = (id: string, parent: string | undefined, extra: Record<string, string | number | boolean> = {}) =>
  makeSpan({
    id,
    parent,
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 100,
      ...extra,
    }),
  });

describe('TracePricer', () => {
  it('counts a call seen by two nested layers once, as the pipeline does', () => {
    const calls = new TracePricer().price(trace([chat('outer', 'root'), chat('inner', 'outer'), makeSpan({ id: 'root', attributes: [] })]));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ model: 'gpt-4o', provider: 'openai', tokens: { input: 1000, output: 100 } });
    expect(calls[0]!.costUsd).toBeGreaterThan(0);
  });

  it('prices a span tokenmeter priced before from scratch, under the overrides given, and keeps the old cost to compare', () => {
    const priced = chat('s1', undefined, {
      'tokenmeter.cost.status': 'priced',
      'tokenmeter.cost.total_usd': 99,
      'mlflow.llm.cost': JSON.stringify({ input_cost: 0.0025, output_cost: 0.001, total_cost: 0.0035 }),
    });
    const pricer = new TracePricer({ overrides: [{ match: { exact: 'gpt-4o' }, prices: { input: 1, output: 10 } }] });
    const [call] = pricer.price(trace([priced]));
    expect(call!.costUsd).toBeCloseTo((1000 * 1 + 100 * 10) / 1e6, 15);
    expect(call!.recorded).toEqual({ usd: 0.0035, source: 'tokenmeter' });
    // Its own earlier mlflow.llm.cost is not mistaken for a provider's report: the span is priced, at the new price.
    expect(findAttribute(priced.attributes, 'tokenmeter.cost.status')).toEqual(stringValue('priced'));
    const written = findAttribute(priced.attributes, 'mlflow.llm.cost');
    expect(written?.kind === 'string' && (JSON.parse(written.value) as { total_cost: number }).total_cost).toBeCloseTo(0.002, 15);
  });

  it('takes no cost MLflow put on a call tokenmeter left unpriced, or on a span it did not count, for a provider’s report', () => {
    // MLflow >= 3.10 prices on ingest a call that carries no cost; the MLflow exporter gives an outer span of a nested
    // call (tokenmeter.cost.counted false) the cost of the call below it. Neither is what the provider charged.
    const mlflowCost = JSON.stringify({ input_cost: 0.0025, output_cost: 0.001, total_cost: 0.0035 });
    const unpriced = chat('s1', undefined, { 'tokenmeter.cost.status': 'unpriced', 'mlflow.llm.cost': mlflowCost });
    const outer = chat('outer', undefined, { 'tokenmeter.cost.counted': false, 'mlflow.llm.cost': mlflowCost });
    const inner = chat('inner', 'outer', { 'gen_ai.request.model': 'acme-1' });
    const pricer = new TracePricer({ overrides: [{ match: { exact: 'gpt-4o' }, prices: { input: 1, output: 10 } }] });
    const [call] = pricer.price(trace([unpriced]));
    expect(call).toMatchObject({ costUsd: (1000 * 1 + 100 * 10) / 1e6 });
    expect(findAttribute(unpriced.attributes, 'tokenmeter.cost.status')).toEqual(stringValue('priced'));
    // The inner call counts (unpriced: no price list knows its model), the outer one not, and keeps no cost.
    const calls = pricer.price(trace([outer, inner]));
    expect(calls.map((priced) => [priced.spanId, priced.costUsd])).toEqual([[calls[0]!.spanId, undefined]]);
    expect(findAttribute(outer.attributes, 'mlflow.llm.cost')).toBeUndefined();

    // Live, the parent came first and counted; the child got MLflow 3.14's zero from the exporter. Priced again as one
    // batch the child counts, and its zero is no cost it was recorded at.
    const zero = JSON.stringify({ input_cost: 0, output_cost: 0, total_cost: 0 });
    const parent = chat('parent', undefined, { 'tokenmeter.cost.counted': true, 'tokenmeter.cost.status': 'priced', 'mlflow.llm.cost': mlflowCost });
    const child = chat('child', 'parent', { 'tokenmeter.cost.counted': false, 'mlflow.llm.cost': zero });
    const [again] = new TracePricer().price(trace([parent, child]));
    expect(again).toMatchObject({ recorded: undefined });
    expect(again!.costUsd).toBeGreaterThan(0);
  });

  it('reports a call that reports no usage (a failed call, a stream without it) as unpriced with no tokens, the reason said', () => {
    const withoutUsage = makeSpan({ id: 's1', attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' }) });
    const [call] = new TracePricer().price(trace([withoutUsage]));
    expect(call).toMatchObject({ costUsd: undefined, tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 } });
    expect(call!.unpricedReason).toBe('no token usage reported');
  });

  it('reports a call no price list knows as unpriced, with the reason', () => {
    const [call] = new TracePricer().price(trace([chat('s1', undefined, { 'gen_ai.request.model': 'acme-1' })]));
    expect(call!.costUsd).toBeUndefined();
    expect(call!.unpricedReason).toContain('acme-1');
  });
});
