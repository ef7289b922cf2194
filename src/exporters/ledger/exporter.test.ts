import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../../test/e2e/ledger-sidecar.js';
import { getFreePort } from '../../../test/harness/ports.js';
import { components } from '../../components.js';
import { validateConfig } from '../../config/load.js';
import { encodeTracesProtobuf, findAttribute, intValue, setAttribute, stringValue } from '../../otlp/index.js';
import type { Span, TracesData } from '../../otlp/index.js';
import type { LiveEvent } from '../../ledger/index.js';
import { CostEstimatorProcessor } from '../../processors/costestimator/processor.js';
import { attributes, makeSpan, mlflowAttributes, tracesData } from '../../recognition/testSpans.js';
import { traceAssemblyConfigSchema } from '../../processors/traceassembly/config.js';
import { TraceAssemblyProcessor } from '../../processors/traceassembly/processor.js';
import { Service } from '../../pipeline/service.js';
import { silentLogger } from '../../telemetry/logger.js';
import { telemetry } from '../../telemetry/metrics.js';
import { ledgerExporterConfigSchema } from './config.js';
import { LedgerExporter } from './exporter.js';
import { Ledger } from '../../ledger/index.js';

const exporters: LedgerExporter[] = [];
afterEach(async () => {
  for (const exporter of exporters.splice(0)) await exporter.shutdown();
});

async function openExporter(file = ':memory:'): Promise<LedgerExporter> {
  const exporter = new LedgerExporter(ledgerExporterConfigSchema.parse({ path: file }), silentLogger());
  // As the service makes the ledger the admin listener reads.
  exporter.feedCostMetrics();
  await exporter.start();
  exporters.push(exporter);
  return exporter;
}

function chatSpan(trace: string, id: string, node: string, model: string, provider: string, input: number, output: number): Span {
  return makeSpan({
    trace,
    id,
    parent: `${node}-${trace}`,
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.chat.tokenUsage': { input_tokens: input, output_tokens: output, total_tokens: input + output },
      invocation_params: { model },
      metadata: { langgraph_node: node, ls_provider: provider, ls_model_name: model },
    }),
  });
}

/** Prices a batch with the real CostEstimator, as the pipeline does before the ledger. */
async function priced(spans: Span[], service = 'shop'): Promise<TracesData> {
  const data = tracesData(spans);
  data.resourceSpans[0]!.resource = { attributes: [{ key: 'service.name', value: stringValue(service) }], droppedAttributesCount: 0, entityRefs: [] };
  new CostEstimatorProcessor({}, { consume: async () => {} }).process(data);
  return data;
}

const totalUsd = (span: Span): number => {
  const value = findAttribute(span.attributes, 'tokenmeter.cost.total_usd');
  if (value?.kind !== 'double') throw new Error('span was not priced');
  return value.value;
};

describe('ledger exporter', () => {
  it('records one row per priced call and sums a finished trace from its calls', async () => {
    const exporter = await openExporter();
    const events: LiveEvent[] = [];
    exporter.subscribe((batch) => events.push(...batch));
    // openai.com/api/pricing, gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens.
    const plan = chatSpan('t1', 'c1', 'plan', 'gpt-4o-mini', 'openai', 1000, 200);
    const write = chatSpan('t1', 'c2', 'write', 'gpt-4o-mini', 'openai', 3000, 100);
    const root = makeSpan({ trace: 't1', id: 'root', name: 'answer_question', attributes: [] });
    const batch = await priced([plan, write, root]);
    await exporter.consume(batch);

    const calls = exporter.ledger.eventsAfter(0, 100).filter((event) => event.type === 'call');
    expect(calls.map((event) => event.call.costUsd)).toEqual([totalUsd(plan), totalUsd(write)]);
    expect(totalUsd(plan)).toBeCloseTo(0.00027, 12);
    const trace = events.find((event) => event.type === 'trace');
    expect(trace?.type === 'trace' && trace.trace).toMatchObject({
      workflow: 'answer_question',
      service: 'shop',
      source: 'calls',
      calls: 2,
      unpricedCalls: 0,
      models: ['gpt-4o-mini'],
      tokens: { input: 4000, output: 300 },
    });
    expect(trace?.type === 'trace' && trace.trace.costUsd).toBeCloseTo(totalUsd(plan) + totalUsd(write), 12);
  });

  it('names the service from a service.name sent as a number, against the spec, rather than leaving it blank', async () => {
    const exporter = await openExporter();
    const batch = await priced([chatSpan('t1', 'c1', 'plan', 'gpt-4o-mini', 'openai', 1000, 200), makeSpan({ trace: 't1', id: 'root', attributes: [] })]);
    batch.resourceSpans[0]!.resource!.attributes = [{ key: 'service.name', value: intValue(42) }];
    await exporter.consume(batch);
    const services = exporter.ledger.eventsAfter(0, 100).map((event) => (event.type === 'call' ? event.call.service : event.trace.service));
    expect(services).toEqual(['42', '42']);
  });

  it('is idempotent: a retried export records and counts nothing twice', async () => {
    const exporter = await openExporter();
    const spans = [chatSpan('t2', 'c1', 'plan', 'gpt-4o-mini', 'openai', 500, 50), makeSpan({ trace: 't2', id: 'root', name: 'retry_flow', attributes: [] })];
    await exporter.consume(await priced(spans));
    const before = exporter.ledger.eventsAfter(0, 100).length;
    const metricsBefore = await telemetry.registry.getSingleMetricAsString('tokenmeter_workflow_runs_total');
    await exporter.consume(await priced(spans.map((span) => ({ ...span, attributes: span.attributes.filter((kv) => !kv.key.startsWith('tokenmeter.')) }))));
    expect(exporter.ledger.eventsAfter(0, 100)).toHaveLength(before);
    expect(await telemetry.registry.getSingleMetricAsString('tokenmeter_workflow_runs_total')).toBe(metricsBefore);
  });

  it('adds a call that arrives after its root span to the trace and names its workflow', async () => {
    const exporter = await openExporter();
    await exporter.consume(await priced([makeSpan({ trace: 't3', id: 'root', name: 'late_flow', attributes: [] })]));
    const late = chatSpan('t3', 'c9', 'research', 'gpt-4o-mini', 'openai', 2000, 0);
    await exporter.consume(await priced([late]));
    const events = exporter.ledger.eventsAfter(0, 100);
    const last = events.at(-1);
    expect(last?.type === 'trace' && last.trace).toMatchObject({ calls: 1, costUsd: totalUsd(late), bottleneckNode: 'research', bottleneckShare: 1 });
    const call = events.find((event) => event.type === 'call');
    expect(call?.type === 'call' && call.call.workflow).toBe('late_flow');
  });

  it('takes the totals trace assembly wrote on the root span when it is there', async () => {
    const exporter = await openExporter();
    const root = makeSpan({ trace: 't4', id: 'root', name: 'assembled', attributes: [] });
    setAttribute(root, 'tokenmeter.llm.calls', intValue(3));
    setAttribute(root, 'tokenmeter.llm.unpriced_calls', intValue(1));
    setAttribute(root, 'tokenmeter.cost.total_usd', { kind: 'double', value: 0.5 });
    setAttribute(root, 'tokenmeter.tokens.input', intValue(10));
    setAttribute(root, 'tokenmeter.breakdown.models', stringValue(JSON.stringify([{ name: 'b-model' }, { name: 'a-model' }])));
    setAttribute(root, 'tokenmeter.bottleneck.node', stringValue('plan'));
    setAttribute(root, 'tokenmeter.bottleneck.share', { kind: 'double', value: 0.75 });
    await exporter.consume(tracesData([root]));
    const [event] = exporter.ledger.eventsAfter(0, 10);
    expect(event?.type === 'trace' && event.trace).toMatchObject({
      source: 'root_span',
      calls: 3,
      unpricedCalls: 1,
      costUsd: 0.5,
      models: ['a-model', 'b-model'],
      bottleneckNode: 'plan',
      bottleneckShare: 0.75,
    });
  });

  it('records an unpriced call with no cost, never $0, and flags it in the summary', async () => {
    const exporter = await openExporter();
    await exporter.consume(await priced([chatSpan('t5', 'c1', 'plan', 'no-such-model-xyz', 'openai', 100, 10)]));
    const [event] = exporter.ledger.eventsAfter(0, 10);
    expect(event?.type === 'call' && event.call).toMatchObject({ status: 'unpriced', costUsd: null, model: 'no-such-model-xyz' });
    expect(exporter.ledger.summaries.summary(3_600_000).unpricedModels).toMatchObject([{ model: 'no-such-model-xyz', calls: 1 }]);
    expect(await telemetry.registry.getSingleMetricAsString('tokenmeter_llm_unpriced_calls_total')).toContain('model="no-such-model-xyz"');
  });

  it('records a call alone in its trace (its own root, which trace assembly gives the trace\'s totals) with its own cost and split', async () => {
    const exporter = await openExporter();
    const clock = { now: 0 };
    const assembly = new TraceAssemblyProcessor(traceAssemblyConfigSchema.parse({ root_wait: '10ms' }), exporter, silentLogger(), { now: () => clock.now });
    // A provider client's call traced alone: cache reads and reasoning, and a model no catalog has.
    const alone = (trace: string, model: string): Span =>
      makeSpan({
        trace,
        id: 'call',
        attributes: attributes({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': model,
          'gen_ai.usage.input_tokens': 1000,
          'gen_ai.usage.cache_read.input_tokens': 200,
          'gen_ai.usage.output_tokens': 500,
          'gen_ai.usage.reasoning.output_tokens': 100,
        }),
      });
    const pricedCall = alone('t9', 'gpt-4o-mini');
    const unpricedCall = alone('t10', 'no-such-model-xyz');
    await assembly.consume(await priced([pricedCall, unpricedCall]));
    clock.now += 20;
    await assembly.sweep();
    expect(findAttribute(pricedCall.attributes, 'tokenmeter.llm.calls')).toBeDefined();
    const calls = exporter.ledger.eventsAfter(0, 10).flatMap((event) => (event.type === 'call' ? [event.call] : []));
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.075 cached in / $0.60 out (reasoning is output).
    expect(calls.find((call) => call.model === 'gpt-4o-mini')).toMatchObject({
      costUsd: (800 * 0.15 + 200 * 0.075 + 500 * 0.6) / 1e6,
      split: { input: (800 * 0.15) / 1e6, cacheRead: (200 * 0.075) / 1e6, cacheWrite: 0, output: (400 * 0.6) / 1e6, reasoning: (100 * 0.6) / 1e6 },
    });
    expect(calls.find((call) => call.model === 'no-such-model-xyz')).toMatchObject({ status: 'unpriced', costUsd: null, split: null });
    await assembly.shutdown();
  });

  it('records the provider-reported cost in every spelling recognition accepts, beside our estimate', async () => {
    const exporter = await openExporter();
    const withCost = (id: string, cost: Span['attributes'][number]['value']): Span => {
      const span = chatSpan('t6', id, 'plan', 'gpt-4o-mini', 'openai', 1000, 200);
      span.attributes.push({ key: 'mlflow.llm.cost', value: cost });
      return span;
    };
    const costs = { input_cost: 0.0001, output_cost: 0.0002, total_cost: 0.0003 };
    const spans = [
      // As MLflow's Python SDK writes it, as JSON encoded once more, and as an OTLP kvlist from another SDK.
      withCost('json', stringValue(JSON.stringify(costs))),
      withCost('twice', stringValue(JSON.stringify(JSON.stringify(costs)))),
      withCost('kvlist', { kind: 'kvlist', values: Object.entries(costs).map(([key, usd]) => ({ key, value: { kind: 'double' as const, value: usd } })) }),
    ];
    await exporter.consume(await priced(spans));
    const calls = exporter.ledger.eventsAfter(0, 10).flatMap((event) => (event.type === 'call' ? [event.call] : []));
    expect(calls.map((call) => [call.spanId.length, call.status, call.reportedCostUsd])).toEqual(spans.map(() => [16, 'provider_reported', 0.0003]));
    expect(calls.map((call) => call.costUsd)).toEqual(spans.map(totalUsd));
  });

  it('counts a provider-reported call at what the provider reported, in every total, even for a model no catalog prices', async () => {
    // Per trace: a call whose reported charge is above our price (OpenRouter's fee with the app's own key), a call of a
    // model we cannot price that reported its cost, and a call with nothing reported.
    const reported = (span: Span, totalCost: number): Span => {
      span.attributes.push({ key: 'mlflow.llm.cost', value: stringValue(JSON.stringify({ input_cost: totalCost / 2, output_cost: totalCost / 2, total_cost: totalCost })) });
      return span;
    };
    const traceOf = (trace: string) => {
      const withFee = reported(chatSpan(trace, 'fee', 'plan', 'gpt-4o-mini', 'openai', 1000, 200), 0.0003);
      const uncatalogued = reported(chatSpan(trace, 'own', 'plan', 'reported-only-model-xyz', 'openai', 1000, 200), 0.0005);
      const plain = chatSpan(trace, 'plain', 'write', 'gpt-4o-mini', 'openai', 3000, 100);
      return { spans: [withFee, uncatalogued, plain, makeSpan({ trace, id: 'root', name: 'reported_flow', attributes: [] })], plain };
    };
    const exporter = await openExporter();
    const clock = { now: 0 };
    const assembly = new TraceAssemblyProcessor(traceAssemblyConfigSchema.parse({ root_wait: '10ms' }), exporter, silentLogger(), { now: () => clock.now });
    const summed = traceOf('t11');
    const assembled = traceOf('t12');
    // One trace straight to the ledger (summed from its call rows), one through trace assembly (totals on its root).
    await exporter.consume(await priced(summed.spans));
    await assembly.consume(await priced(assembled.spans));
    clock.now += 20;
    await assembly.sweep();

    const calls = exporter.ledger.eventsAfter(0, 100).flatMap((event) => (event.type === 'call' ? [event.call] : []));
    const own = calls.filter((call) => call.model === 'reported-only-model-xyz');
    expect(own.map((call) => [call.status, call.costUsd, call.reportedCostUsd])).toEqual([
      ['provider_reported', null, 0.0005],
      ['provider_reported', null, 0.0005],
    ]);
    // openai.com/api/pricing, gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens: our price stays beside the charge.
    expect(calls.filter((call) => call.reportedCostUsd === 0.0003).map((call) => call.costUsd)).toEqual([expect.closeTo(0.00027, 12), expect.closeTo(0.00027, 12)]);
    const perTrace = 0.0003 + 0.0005 + totalUsd(summed.plain);
    const traces = exporter.ledger.eventsAfter(0, 100).flatMap((event) => (event.type === 'trace' ? [event.trace] : []));
    expect(traces.map((trace) => trace.source).sort()).toEqual(['calls', 'root_span']);
    for (const trace of traces) expect(trace.costUsd, trace.source).toBeCloseTo(perTrace, 12);

    const summary = exporter.ledger.summaries.summary(3_600_000);
    expect(summary.totals.costUsd).toBeCloseTo(2 * perTrace, 12);
    expect(summary.perMinute.reduce((sum, minute) => sum + minute.costUsd, 0)).toBeCloseTo(2 * perTrace, 12);
    expect(summary.topModels.find((row) => row.name === 'reported-only-model-xyz')?.costUsd).toBeCloseTo(0.001, 12);
    expect(summary.topNodes.find((row) => row.name === 'plan')?.costUsd).toBeCloseTo(2 * 0.0008, 12);
    expect(summary.unpricedModels).toEqual([]);
    const costSeries = await telemetry.registry.getSingleMetricAsString('tokenmeter_llm_cost_usd_total');
    expect(costSeries).toMatch(/tokenmeter_llm_cost_usd_total\{[^}]*model="reported-only-model-xyz"[^}]*\} 0\.001\b/);
    await assembly.shutdown();
  });

  it('keeps rows across restarts in its SQLite file and prunes them by age', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ledger-')), 'nested', 'ledger.db');
    const first = await openExporter(file);
    await first.consume(await priced([chatSpan('t6', 'c1', 'plan', 'gpt-4o-mini', 'openai', 100, 10)]));
    await first.shutdown();
    const second = await openExporter(file);
    expect(second.ledger.eventsAfter(0, 10)).toHaveLength(1);
    expect(second.ledger.prune(Date.now() + 1)).toEqual({ calls: 1, traces: 0, events: 1 });
    expect(second.ledger.eventsAfter(0, 10)).toHaveLength(0);
  });

  it('prunes a backlog past retention in steps, the event loop running between them, until none is left', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ledger-')), 'ledger.db');
    const backlog = new Ledger(file);
    // Recorded a year ago, past the default retention: more traces (and their events) than one step deletes.
    const roots = Array.from({ length: 12_000 }, (_, index) => ({
      traceId: `old-${index}`, service: null, workflow: 'wf', status: 'unset' as const, totals: undefined, startMs: 0, endMs: 1,
    }));
    backlog.record([], roots, Date.now() - 365 * 86_400_000);
    backlog.close();
    // What another reader finds between two steps: some deleted, some not yet.
    let leftBetweenSteps: number | undefined;
    setImmediate(() => (leftBetweenSteps = readLedger(file).traces.length));
    const exporter = await openExporter(file);
    expect(leftBetweenSteps).toBeGreaterThan(0);
    expect(leftBetweenSteps).toBeLessThan(12_000);
    expect(readLedger(file).traces).toHaveLength(0);
    expect(exporter.ledger.eventsAfter(0, 10)).toHaveLength(0);
    // One step deletes at most that many of each table.
    const again = new Ledger(':memory:');
    again.record([], roots.slice(0, 30), 0);
    expect(again.prune(1, 20)).toEqual({ calls: 0, traces: 20, events: 20 });
    expect(again.prune(1, 20)).toEqual({ calls: 0, traces: 10, events: 10 });
    again.close();
  });
});

describe('several ledger exporters in one service', () => {
  /** The sum of a cost metric's series for one service.name, across its other labels. */
  const countOf = async (metric: string, service: string): Promise<number> =>
    (await telemetry.registry.getSingleMetric(metric)!.get()).values.filter((value) => value.labels['service'] === service).reduce((sum, value) => sum + value.value, 0);

  it('counts each call and run once in the cost metrics, from the ledger the admin listener reads, though each ledger records it', async () => {
    for (const adminLedger of [undefined, 'ledger/archive']) {
      const service = `two-ledgers-${adminLedger ?? 'default'}`;
      const port = await getFreePort();
      const dir = mkdtempSync(path.join(tmpdir(), 'ledgers-'));
      const ledgerPaths = [path.join(dir, 'ledger.db'), path.join(dir, 'archive.db')];
      const config = validateConfig(
        {
          receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
          processors: { costestimator: {} },
          exporters: { ledger: { path: ledgerPaths[0] }, 'ledger/archive': { path: ledgerPaths[1] } },
          // The cost metrics are pushed with the listener off too: the choice cannot depend on it.
          admin: { enabled: false, ...(adminLedger === undefined ? {} : { ledger: adminLedger }) },
          storage: { mode: 'memory' },
          service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator'], exporters: ['ledger', 'ledger/archive'] } } },
        },
        components,
        {},
      );
      const running = new Service(config, components, silentLogger());
      await running.start();
      try {
        const data = tracesData([chatSpan('t20', 'c1', 'plan', 'gpt-4o-mini', 'openai', 1000, 200), makeSpan({ trace: 't20', id: 'root', name: 'two_ledgers', attributes: [] })]);
        data.resourceSpans[0]!.resource = { attributes: [{ key: 'service.name', value: stringValue(service) }], droppedAttributesCount: 0, entityRefs: [] };
        const response = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: encodeTracesProtobuf(data) });
        expect(response.status).toBe(200);
        for (const ledgerPath of ledgerPaths) expect(readLedger(ledgerPath).calls, ledgerPath).toHaveLength(1);
        expect(await countOf('tokenmeter_llm_calls_total', service), adminLedger).toBe(1);
        expect(await countOf('tokenmeter_workflow_runs_total', service), adminLedger).toBe(1);
      } finally {
        await running.shutdown(2000);
      }
    }
  });
});
