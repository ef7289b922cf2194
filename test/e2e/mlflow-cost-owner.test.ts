/**
 * Cost has one owner (contract.md): MLflow >= 3.10, which prices on ingest every span with usage and a model that
 * carries no cost, must show our totals, whether it adds up every span's cost (3.10 to 3.14) or takes the outermost
 * span of each chain that carries one (3.15 on). Real parts: the model calls of instrumented_calls.py traced by MLflow 3.9's autologs (nested calls among
 * them: LangChain's ChatOpenAI over the openai autolog's span, the two spans the gemini autolog makes of one call, the
 * OpenAI Agents SDK's over the client's) against the provider stand-in, through the tokenmeter CLI
 * (costestimator → traceassembly → two MLflow exporters) into the newest MLflow (3.17) and into 3.14, the last whose
 * trace cost adds up every span's.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiStandIn } from '../conformance/provider-stand-in.js';
import { createUniqueExperiment, getTrace, rootSpan, searchAllTraces, spanAttribute } from '../harness/mlflow-client.js';
import type { MlflowSpan, Trace } from '../harness/mlflow-client.js';
import { startLatestMlflowServer, startSummingMlflowServer } from '../harness/mlflow-other-server.js';
import type { OtherMlflowServer } from '../harness/mlflow-other-server.js';
import { getFreePort } from '../harness/ports.js';
import { INSTRUMENTED_TRACES, runInstrumentedCalls } from '../harness/python-app.js';
import { runTokenmeterCommand, startTokenmeter } from './tokenmeter-process.js';
import type { TokenmeterProcess } from './tokenmeter-process.js';

/** A cost as MLflow keeps it: the JSON text sent, or the object it stored. */
function costOf(value: unknown): { total_cost: number } | undefined {
  if (typeof value === 'string') return JSON.parse(value) as { total_cost: number };
  return value !== null && typeof value === 'object' ? (value as { total_cost: number }) : undefined;
}

const counted = (span: MlflowSpan) => spanAttribute(span, 'tokenmeter.cost.counted');

/** Our total of a trace: its enriched root's, or, when the root is itself the counted call, that call's cost as MLflow was given it. */
function ourTotal(root: MlflowSpan): number {
  return counted(root) === true ? (costOf(spanAttribute(root, 'mlflow.llm.cost'))?.total_cost ?? 0) : (spanAttribute(root, 'tokenmeter.cost.total_usd') as number);
}

const pico = (usd: number) => Math.round(usd * 1e12);

/**
 * Every trace of the run once MLflow has stored it with its enriched root (trace assembly writes the call count last).
 * MLflow 3.14 and 3.17 cannot read back a trace whose span holds an integer beyond 64 bits (one trace of this run has
 * one): their own bug, with or without tokenmeter. Such a trace is left out.
 */
async function storedTraces(url: string, experimentId: string): Promise<Trace[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const infos = await searchAllTraces(url, experimentId);
    if (infos.length >= INSTRUMENTED_TRACES.mlflow) {
      const read = await Promise.all(infos.map((info) => getTrace(url, info.trace_id).catch(() => undefined)));
      const stored = read.filter((trace): trace is Trace => trace !== undefined);
      if (stored.every((trace) => spanAttribute(rootSpan(trace) ?? trace.spans[0]!, 'tokenmeter.llm.calls') !== undefined)) return stored;
    }
    if (Date.now() > deadline) throw new Error(`traces not all stored in ${url} in time: ${infos.length} of ${INSTRUMENTED_TRACES.mlflow}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Each server, the rollup the MLflow exporter finds for it, and the traces it stored. */
const servers: Record<'newest' | 'summing', { server: OtherMlflowServer; experimentId: string; rollup: string; traces: Trace[] }> = {} as never;
let api: { server: Server; baseUrl: string };
let tokenmeter: TokenmeterProcess;

beforeAll(async () => {
  const [newest, summing] = await Promise.all([startLatestMlflowServer(), startSummingMlflowServer()]);
  api = await startApiStandIn();
  servers.newest = { server: newest, experimentId: await createUniqueExperiment(newest.url, 'e2e-cost-owner'), rollup: 'outermost', traces: [] };
  servers.summing = { server: summing, experimentId: await createUniqueExperiment(summing.url, 'e2e-cost-owner'), rollup: 'sum', traces: [] };
  const port = await getFreePort();
  // One pipeline to both servers, as a deployment that forwards to two MLflows would run it.
  tokenmeter = await startTokenmeter({
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
    processors: { costestimator: {}, traceassembly: { root_wait: '1s' } },
    exporters: Object.fromEntries(
      Object.entries(servers).map(([name, { server, experimentId }]) => [`mlflow/${name}`, { tracking_uri: server.url, experiment_id: experimentId }]),
    ),
    service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['mlflow/newest', 'mlflow/summing'] } } },
  });
  await runInstrumentedCalls({ endpoint: `http://127.0.0.1:${port}/v1/traces`, instrumentation: 'mlflow', apiBaseUrl: api.baseUrl });
  for (const entry of Object.values(servers)) entry.traces = await storedTraces(entry.server.url, entry.experimentId);
}, 300_000);

afterAll(async () => {
  expect(await tokenmeter?.stop()).toBe(0);
  api?.server.close();
  await Promise.all(Object.values(servers).map(({ server }) => server?.stop()));
});

describe.each([
  { name: 'newest', addsUp: 'from 3.15 the outermost span of each chain that carries a cost' },
  { name: 'summing', addsUp: 'from 3.10 to 3.14 every span' },
] as const)('MLflow $name (whose trace cost adds up $addsUp) shows our cost of every trace, nested calls included', ({ name }) => {
  it('is the release the exporter found, and the rollup it writes the spans for', () => {
    const { server, rollup } = servers[name];
    const [major, minor] = server.version.split('.').map(Number);
    expect(major === 3 && (name === 'newest' ? minor! >= 15 : minor === 14)).toBe(true);
    expect(tokenmeter.logs()).toContain(`"version":"${server.version}","costRollup":"${rollup}"`);
  });

  it('mlflow.trace.cost is our total on every trace whose calls we priced', () => {
    const { traces } = servers[name];
    const priced = traces.filter((trace) => spanAttribute(rootSpan(trace)!, 'tokenmeter.llm.unpriced_calls') === 0);
    // The calls left unpriced (Groq's Llama, not in the catalog; a Bedrock Converse call whose usage does not tell its
    // cache reads from its writes), which MLflow prices itself, and the trace MLflow cannot read back.
    expect(traces.length).toBe(INSTRUMENTED_TRACES.mlflow - 1);
    expect(priced.length).toBe(traces.length - 2);
    for (const trace of priced) {
      const root = rootSpan(trace)!;
      const mlflowTotal = costOf(trace.trace_info.trace_metadata?.['mlflow.trace.cost'])?.total_cost ?? 0;
      expect(pico(mlflowTotal), `${root.name}: MLflow's trace cost against ours`).toBe(pico(ourTotal(root)));
    }
  });

  it('`report cost` prices the traces again from MLflow, leaving out (and naming) the one MLflow cannot serve', async () => {
    const { server, experimentId, traces } = servers[name];
    const run = await runTokenmeterCommand(['report', 'cost', '--since', '1h', '--tracking-uri', server.url, '--experiment', experimentId, '--format', 'json'], tokenmeter.dir);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { traces: number; traces_skipped: number; traces_with_llm_calls: number };
    // The traces with calls are those that counted one live: a copy of a call counted in another trace (MLflow's litellm
    // autolog span and its openai one) is told apart by the response id in the outputs MLflow hands back.
    const withCalls = traces.filter((trace) => (spanAttribute(rootSpan(trace)!, 'tokenmeter.llm.calls') as number) > 0);
    expect(withCalls.length).toBeLessThan(traces.length);
    expect(report).toMatchObject({ traces: INSTRUMENTED_TRACES.mlflow, traces_skipped: 1, traces_with_llm_calls: withCalls.length });
    expect(run.stderr).toMatch(/left out trace tr-[0-9a-f]+: MLflow could not serve it/);
  });

  it('an outer span of a nested call carries no price of MLflow’s own: the cost of the call below it where MLflow takes the outermost, else zero', () => {
    const { traces } = servers[name];
    const outerSpans = traces.flatMap((trace) =>
      trace.spans
        .filter((span) => counted(span) === false)
        .map((outer) => ({ outer, inner: trace.spans.filter((span) => span.parent_span_id === outer.span_id && counted(span) === true) }))
        .filter(({ inner }) => inner.length > 0),
    );
    // LangChain's ChatOpenAI over the openai autolog's span (OpenRouter's and Azure's calls), the gemini autolog's two spans.
    expect(outerSpans.length).toBeGreaterThanOrEqual(3);
    // Those MLflow would price itself (usage and a model it reads: the gemini autolog's) carry a cost; MLflow 3.9's
    // LangChain spans name their model only in LangChain's metadata, which MLflow does not read, and carry none.
    const withCost = outerSpans.filter(({ outer }) => spanAttribute(outer, 'mlflow.llm.cost') !== undefined);
    expect(withCost.map(({ outer }) => outer.name)).toContain('Models.generate_content');
    for (const { outer, inner } of withCost) {
      const innerTotal = inner.reduce((sum, span) => sum + pico(costOf(spanAttribute(span, 'mlflow.llm.cost'))!.total_cost), 0);
      expect(pico(costOf(spanAttribute(outer, 'mlflow.llm.cost'))!.total_cost), outer.name).toBe(name === 'newest' ? innerTotal : 0);
    }
  });
});
