/**
 * `npm start` with no MLflow anywhere still meters: the real LangGraph app exports to the tokenmeter CLI running the
 * embedded default pipeline (pricing, trace assembly, ledger; no MLflow exporter), and the ledger, `/metrics` and
 * `/v1/live` all show what the app's reported usage costs at catalog prices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceCatalog } from '../../src/pricing/index.js';
import { runLanggraphApp } from '../harness/python-app.js';
import type { AppRun, AppUsage } from '../harness/python-app.js';
import { readLedger, SseClient, startLedgerSidecar, waitFor } from './ledger-sidecar.js';
import type { LedgerCallRow, LedgerSidecar, LedgerTraceRow, SseEvent } from './ledger-sidecar.js';

const catalog = new PriceCatalog();

/** What one call of the app costs at catalog prices, from the usage the app itself reported. */
function catalogCost(usage: AppUsage): number {
  const result = catalog.price({
    model: usage.model,
    provider: usage.provider,
    usage: { input: usage.input_tokens, output: usage.output_tokens, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    at: new Date(),
  });
  if (result.status !== 'priced') throw new Error(`the catalog cannot price ${usage.model}: ${result.reason}`);
  return result.costs.total;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const byUsage = (a: { input_tokens: number; node: string | null }, b: { input_tokens: number; node: string | null }) =>
  a.input_tokens - b.input_tokens || String(a.node).localeCompare(String(b.node));

describe('LangGraph app → tokenmeter (no MLflow) → ledger, /metrics, /v1/live', () => {
  let sidecar: LedgerSidecar;
  let live: SseClient;
  let runs: AppRun[];
  let calls: LedgerCallRow[];
  let traces: LedgerTraceRow[];

  beforeAll(async () => {
    sidecar = await startLedgerSidecar();
    live = await SseClient.connect(`${sidecar.adminUrl}/v1/live`);
    runs = await runLanggraphApp({ endpoint: sidecar.otlpTracesUrl, runs: 2, threadId: 'thread-ledger', strictExport: true });
    const expectedCalls = sum(runs.map((run) => run.usages.length));
    // Trace assembly holds each root for root_wait before it reaches the ledger.
    ({ calls, traces } = await waitFor('every call and trace in the ledger', () => {
      const ledger = readLedger(sidecar.ledgerPath);
      return ledger.calls.length === expectedCalls && ledger.traces.length === runs.length ? ledger : undefined;
    }));
    await waitFor('the live stream to deliver every event', () =>
      live.events.length >= expectedCalls + runs.length ? true : undefined,
    );
  }, 240_000);

  afterAll(async () => {
    live?.close();
    const code = await sidecar?.process.stop();
    expect(code).toBe(0);
  });

  it('says in its log that it runs without MLflow', () => {
    expect(sidecar.process.logs()).not.toContain('exporter/mlflow');
    expect(sidecar.process.logs()).toContain('"msg":"ledger ready"');
  });

  it('records one row per LLM call, priced at catalog prices from the app’s reported usage', () => {
    for (const run of runs) {
      const rows = calls.filter((row) => row.trace_id === run.trace_id).sort(byUsage);
      const usages = [...run.usages].sort(byUsage);
      expect(rows.map((row) => [row.node, row.model, row.provider, row.input_tokens, row.output_tokens, row.status])).toEqual(
        usages.map((usage) => [usage.node, usage.model, usage.provider, usage.input_tokens, usage.output_tokens, 'priced']),
      );
      rows.forEach((row, index) => expect(row.cost_usd).toBeCloseTo(catalogCost(usages[index]!), 12));
      expect(new Set(rows.map((row) => row.workflow))).toEqual(new Set(['tokenmeter_test_workflow']));
    }
  });

  it('records one row per finished trace with the totals trace assembly wrote on the root', () => {
    for (const run of runs) {
      const trace = traces.find((row) => row.trace_id === run.trace_id)!;
      expect(trace).toMatchObject({ workflow: 'tokenmeter_test_workflow', source: 'root_span', calls: run.usages.length });
      expect(trace.cost_usd).toBeCloseTo(sum(run.usages.map(catalogCost)), 12);
      expect(['plan', 'research', 'write']).toContain(trace.bottleneck_node);
    }
  });

  it('serves the same costs on /metrics, with the pipeline’s own health', async () => {
    const text = await (await fetch(`${sidecar.adminUrl}/metrics`)).text();
    const series = (name: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`))
        .map((line) => ({ labels: line.slice(line.indexOf('{'), line.lastIndexOf('}') + 1), value: Number(line.slice(line.lastIndexOf(' ') + 1)) }));
    const ledgerTotal = sum(calls.map((row) => row.cost_usd ?? 0));
    expect(sum(series('tokenmeter_llm_cost_usd_total').map((entry) => entry.value))).toBeCloseTo(ledgerTotal, 12);
    const haiku = series('tokenmeter_llm_cost_usd_total').filter((entry) => entry.labels.includes('model="claude-3-5-haiku-20241022"'));
    expect(sum(haiku.map((entry) => entry.value))).toBeCloseTo(
      sum(calls.filter((row) => row.model === 'claude-3-5-haiku-20241022').map((row) => row.cost_usd ?? 0)),
      12,
    );
    expect(sum(series('tokenmeter_llm_calls_total').map((entry) => entry.value))).toBe(calls.length);
    expect(series('tokenmeter_llm_unpriced_calls_total')).toEqual([]);
    expect(series('tokenmeter_workflow_runs_total')).toEqual([
      { labels: '{service="unknown",workflow="tokenmeter_test_workflow",status="ok"}', value: runs.length },
    ]);
    expect(sum(series('tokenmeter_workflow_cost_usd_total').map((entry) => entry.value))).toBeCloseTo(ledgerTotal, 12);
    expect(series('tokenmeter_workflow_duration_seconds_count')[0]?.value).toBe(runs.length);
    expect(series('tokenmeter_receiver_accepted_spans_total')[0]?.value).toBeGreaterThan(calls.length);
    expect(series('tokenmeter_exporter_sent_spans_total').map((entry) => entry.labels)).toEqual(['{exporter="ledger"}']);
    expect(text).toContain('tokenmeter_open_traces{component="traceassembly@traces"}');
  });

  it('streamed every call and trace on /v1/live with the ledger’s costs', () => {
    const payloads = (type: string) => live.events.filter((event) => event.event === type).map((event) => JSON.parse(event.data) as Record<string, unknown>);
    const streamedCalls = payloads('call');
    expect(streamedCalls).toHaveLength(calls.length);
    for (const row of calls) {
      expect(streamedCalls.find((call) => call['spanId'] === row.span_id)).toMatchObject({ costUsd: row.cost_usd, model: row.model, node: row.node });
    }
    const streamedTraces = payloads('trace');
    for (const row of traces) {
      const latest = streamedTraces.filter((trace) => trace['traceId'] === row.trace_id).at(-1);
      expect(latest).toMatchObject({ costUsd: row.cost_usd, workflow: row.workflow, calls: row.calls });
    }
  });

  it('resumes from the ledger after Last-Event-ID, and filters by model', async () => {
    const first = live.events[0]!;
    const resumed = await SseClient.connect(`${sidecar.adminUrl}/v1/live`, { 'last-event-id': first.id });
    const filtered = await SseClient.connect(`${sidecar.adminUrl}/v1/live?model=gpt-4o-mini&last_event_id=0`);
    try {
      const ids = (events: readonly SseEvent[]) => events.map((event) => event.id);
      await waitFor('the replay', () => (resumed.events.length >= live.events.length - 1 ? true : undefined));
      expect(ids(resumed.events)).toEqual(ids(live.events.slice(1)));
      const gptCalls = calls.filter((row) => row.model === 'gpt-4o-mini');
      await waitFor('the filtered replay', () => (filtered.events.length >= gptCalls.length + traces.length ? true : undefined));
      const filteredCalls = filtered.events.filter((event) => event.event === 'call').map((event) => JSON.parse(event.data) as { model: string });
      expect(filteredCalls).toHaveLength(gptCalls.length);
      expect(new Set(filteredCalls.map((call) => call.model))).toEqual(new Set(['gpt-4o-mini']));
    } finally {
      resumed.close();
      filtered.close();
    }
  });

  it('answers its probes', async () => {
    expect((await fetch(`${sidecar.adminUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${sidecar.adminUrl}/readyz`)).status).toBe(200);
  });
});
