/**
 * The reports against a real MLflow 3.9 server holding, in one experiment:
 * - LangGraph app runs that went through tokenmeter (priced in flight: spans carry `mlflow.llm.cost`, and the
 *   exporter logged a `cost_usd` assessment),
 * - LangGraph app runs the MLflow SDK exported straight to MLflow (stored under JSON-quoted trace ids),
 * - a failed trace with a call to a model no catalog knows, and a trace whose root never arrived.
 * Every command runs as a real child process (`node --import tsx src/cli/main.ts …`) and its JSON output is checked
 * against numbers computed here, independently, from MLflow's REST answers and from what the app reported.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeTracesProtobuf, intValue, stringValue } from '../../src/otlp/index.js';
import type { KeyValue, Span } from '../../src/otlp/index.js';
import { PriceCatalog } from '../../src/pricing/index.js';
import type { PriceRequest } from '../../src/pricing/index.js';
import {
  createUniqueExperiment,
  rootSpan,
  searchAllTraces,
  spanAttribute,
  spanTokenUsage,
  spanType,
  waitForTrace,
} from '../harness/mlflow-client.js';
import type { MlflowSpan, Trace } from '../harness/mlflow-client.js';
import { getFreePort } from '../harness/ports.js';
import { repoRoot } from '../harness/paths.js';
import { runLanggraphApp } from '../harness/python-app.js';
import type { AppRun } from '../harness/python-app.js';
import { startTokenmeter } from './tokenmeter-process.js';
import type { TokenmeterProcess } from './tokenmeter-process.js';

const mlflowUrl = inject('mlflowUrl');
const WORKFLOW = 'tokenmeter_test_workflow';
const UNKNOWN_MODEL = 'acme-private-llm-1';

// ---- the CLI as a child process ---------------------------------------------------------------------------------

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function runCli(args: readonly string[]): Promise<CliResult> {
  return await new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
      cwd: repoRoot,
      // The target comes from MLflow's own variables, as a user's shell would set them.
      env: { ...process.env, MLFLOW_TRACKING_URI: mlflowUrl, MLFLOW_EXPERIMENT_ID: experimentId, MLFLOW_EXPERIMENT_NAME: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runCliJson<T>(args: readonly string[]): Promise<T> {
  const result = await runCli([...args, '--since', '1h', '--format', 'json']);
  if (result.code !== 0) throw new Error(`tokenmeter ${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  // Not a terminal: no progress bar may leak into what a script reads.
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as T;
}

// ---- the traces ------------------------------------------------------------------------------------------------

let experimentId: string;
let tokenmeter: TokenmeterProcess;
let adminUrl: string;
let viaTokenmeter: AppRun[];
let direct: AppRun[];
/** Every trace of the experiment as MLflow's REST API returns it, by `tr-<hex>` id. */
const traces = new Map<string, Trace>();
let failedTraceId: string;
let unfinishedTraceId: string;

function randomId(bytes: number): Uint8Array {
  return Uint8Array.from({ length: bytes }, () => Math.floor(Math.random() * 256));
}

function otlpSpan(traceId: Uint8Array, parentSpanId: Uint8Array, name: string, startMs: number, durationMs: number, attributes: KeyValue[], statusCode = 1): Span {
  const start = BigInt(startMs) * 1_000_000n;
  return {
    traceId, spanId: randomId(8), traceState: '', parentSpanId, flags: 0, name, kind: 1,
    startTimeUnixNano: start, endTimeUnixNano: start + BigInt(durationMs) * 1_000_000n,
    attributes, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
    status: { code: statusCode, message: '' },
  };
}

/** Posts spans straight to MLflow's OTLP endpoint, as any OTel SDK would. */
async function postSpans(spans: Span[]): Promise<void> {
  const body = encodeTracesProtobuf({ resourceSpans: [{ resource: undefined, scopeSpans: [{ scope: undefined, spans, schemaUrl: '' }], schemaUrl: '' }] });
  const response = await fetch(`${mlflowUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'x-mlflow-experiment-id': experimentId },
    body,
  });
  expect(response.status).toBe(200);
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A failed run whose one model call names a model no price list has, and a run whose root never arrives. */
async function postHandMadeTraces(): Promise<void> {
  const now = Date.now();
  const failed = randomId(16);
  const root = otlpSpan(failed, new Uint8Array(0), 'ingest_workflow', now - 5000, 400, [], 2);
  const call = otlpSpan(failed, root.spanId, 'chat acme', now - 4900, 100, [
    { key: 'gen_ai.operation.name', value: stringValue('chat') },
    { key: 'gen_ai.provider.name', value: stringValue('openai') },
    { key: 'gen_ai.request.model', value: stringValue(UNKNOWN_MODEL) },
    { key: 'gen_ai.usage.input_tokens', value: intValue(40) },
    { key: 'gen_ai.usage.output_tokens', value: intValue(9) },
  ]);
  await postSpans([call, root]);
  failedTraceId = `tr-${hex(failed)}`;

  const unfinished = randomId(16);
  await postSpans([otlpSpan(unfinished, randomId(8), 'orphan step', now - 3000, 50, [])]);
  unfinishedTraceId = `tr-${hex(unfinished)}`;
}

beforeAll(async () => {
  experimentId = await createUniqueExperiment(mlflowUrl, 'reports');
  const port = await getFreePort();
  adminUrl = `http://127.0.0.1:${await getFreePort()}`;
  tokenmeter = await startTokenmeter({
    admin: { endpoint: adminUrl.slice('http://'.length) },
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
    processors: { costestimator: {}, traceassembly: {} },
    exporters: { mlflow: { tracking_uri: mlflowUrl, experiment_id: experimentId } },
    service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['mlflow'] } } },
  });
  [viaTokenmeter, direct] = await Promise.all([
    runLanggraphApp({ endpoint: `http://127.0.0.1:${port}/v1/traces`, runs: 2, threadId: 'via-tokenmeter', strictExport: true }),
    runLanggraphApp({
      endpoint: `${mlflowUrl}/v1/traces`,
      headers: { 'x-mlflow-experiment-id': experimentId },
      runs: 2,
      threadId: 'direct',
      strictExport: true,
    }),
  ]);
  await postHandMadeTraces();
  for (const run of [...viaTokenmeter, ...direct]) {
    traces.set(run.mlflow_trace_id, await waitForTrace(mlflowUrl, run.mlflow_trace_id, (trace) => trace.trace_info.state === 'OK' && trace.spans.length === 9));
  }
  traces.set(failedTraceId, await waitForTrace(mlflowUrl, failedTraceId, (trace) => trace.trace_info.state === 'ERROR'));
  traces.set(unfinishedTraceId, await waitForTrace(mlflowUrl, unfinishedTraceId, () => true));
}, 240_000);

afterAll(async () => {
  expect(await tokenmeter?.stop()).toBe(0);
});

// ---- what the numbers must be, computed here from MLflow's REST answers -----------------------------------------

const catalog = new PriceCatalog();

interface ExpectedCall {
  traceId: string;
  node: string;
  model: string;
  provider: string;
  input: number;
  output: number;
  costUsd: number;
}

function chatCalls(traceId: string, trace: Trace, prices: PriceCatalog = catalog): ExpectedCall[] {
  return trace.spans
    .filter((span) => spanType(span) === 'CHAT_MODEL')
    .map((span) => {
      const usage = spanTokenUsage(span)!;
      const metadata = spanAttribute(span, 'metadata') as Record<string, string>;
      const model = (spanAttribute(span, 'invocation_params') as Record<string, string>)['model']!;
      const provider = metadata['ls_provider']!;
      const request: PriceRequest = {
        model,
        provider,
        usage: { input: usage.input_tokens, output: usage.output_tokens, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
        at: new Date(Number(BigInt(span.start_time_unix_nano) / 1_000_000n)),
      };
      const price = prices.price(request);
      if (price.status !== 'priced') throw new Error(`the test expects ${model} to be priced: ${price.reason}`);
      return { traceId, node: metadata['langgraph_node']!, model, provider, input: usage.input_tokens, output: usage.output_tokens, costUsd: price.costs.total };
    });
}

function allAppCalls(prices: PriceCatalog = catalog): ExpectedCall[] {
  return [...viaTokenmeter, ...direct].flatMap((run) => chatCalls(run.mlflow_trace_id, traces.get(run.mlflow_trace_id)!, prices));
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);

interface CostRowJson {
  workflow?: string;
  node?: string;
  model?: string;
  provider?: string;
  day?: string;
  calls: number;
  unpriced: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  recorded_usd?: number | null;
  difference_usd?: number | null;
}

interface CostJson {
  experiment_id: string;
  traces: number;
  traces_with_llm_calls: number;
  [section: string]: unknown;
}

describe('report cost', () => {
  it('finds every trace, SDK-direct ones under their quoted ids included, and the app\'s calls with the tokens it reported', async () => {
    expect((await searchAllTraces(mlflowUrl, experimentId)).filter((info) => info.trace_id.startsWith('"'))).toHaveLength(direct.length);
    const report = await runCliJson<CostJson>(['report', 'cost', '--by', 'workflow']);
    expect(report.experiment_id).toBe(experimentId);
    expect(report.traces).toBe(traces.size);
    expect(report.traces_with_llm_calls).toBe(viaTokenmeter.length + direct.length + 1);
    const { rows } = report['cost_by_workflow'] as { rows: CostRowJson[] };
    const app = rows.find((row) => row.workflow === WORKFLOW)!;
    const reported = [...viaTokenmeter, ...direct].flatMap((run) => run.usages);
    expect(app.calls).toBe(reported.length);
    expect(app.input_tokens).toBe(sum(reported.map((usage) => usage.input_tokens)));
    expect(app.output_tokens).toBe(sum(reported.map((usage) => usage.output_tokens)));
    expect(app.unpriced).toBe(0);
    expect(rows.find((row) => row.workflow === 'ingest_workflow')).toMatchObject({ calls: 1, unpriced: 1, cost_usd: 0, input_tokens: 40 });
  });

  it('totals equal the sum of the priced spans, and every group holds exactly its calls', async () => {
    const expected = allAppCalls();
    const report = await runCliJson<CostJson>(['report', 'cost', '--by', 'node,model,provider']);
    const { rows, total } = report['cost_by_node_model_provider'] as { rows: CostRowJson[]; total: CostRowJson };
    expect(total.cost_usd).toBeCloseTo(sum(expected.map((call) => call.costUsd)), 12);
    expect(total.calls).toBe(expected.length + 1);
    expect(total.unpriced).toBe(1);

    const groups = new Map<string, ExpectedCall[]>();
    for (const call of expected) {
      const key = `${call.node}|${call.model}|${call.provider}`;
      groups.set(key, [...(groups.get(key) ?? []), call]);
    }
    const appRows = rows.filter((row) => row.node !== '(none)');
    expect(appRows.map((row) => `${row.node}|${row.model}|${row.provider}`).sort()).toEqual([...groups.keys()].sort());
    for (const row of appRows) {
      const calls = groups.get(`${row.node}|${row.model}|${row.provider}`)!;
      expect(row.calls).toBe(calls.length);
      expect(row.input_tokens).toBe(sum(calls.map((call) => call.input)));
      expect(row.output_tokens).toBe(sum(calls.map((call) => call.output)));
      expect(row.cost_usd).toBeCloseTo(sum(calls.map((call) => call.costUsd)), 12);
    }
    // Sorted by spend, most expensive first.
    expect(rows.map((row) => row.cost_usd)).toEqual([...rows.map((row) => row.cost_usd)].sort((a, b) => b - a));
  });

  it('shows the cost tokenmeter wrote on the spans beside ours, and no difference under the same prices', async () => {
    const report = await runCliJson<CostJson>(['report', 'cost', '--by', 'workflow,day']);
    const { total } = report['cost_by_workflow_day'] as { total: CostRowJson };
    // Only the calls that went through tokenmeter carry `mlflow.llm.cost`.
    const recorded = allAppCalls().filter((call) => viaTokenmeter.some((run) => run.mlflow_trace_id === call.traceId));
    expect(recorded.length).toBeGreaterThan(0);
    expect(total.recorded_usd).toBeCloseTo(sum(recorded.map((call) => call.costUsd)), 12);
    expect(total.difference_usd).toBeCloseTo(0, 12);
  });

  it('prints an aligned table for people', async () => {
    const result = await runCli(['report', 'cost', '--since', '1h', '--by', 'model']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const header = lines.findIndex((line) => line.startsWith('model'));
    const rule = lines[header + 1]!;
    expect(rule).toMatch(/^-+( +-+)+$/);
    // Every row of the table is as wide as its rule: the columns line up.
    const tableRows = lines.slice(header, lines.indexOf('', header) === -1 ? undefined : lines.indexOf('', header));
    for (const line of tableRows) expect(line.length).toBeLessThanOrEqual(rule.length);
    expect(lines.some((line) => line.startsWith('gpt-4o-mini'))).toBe(true);
  });

  it('writes CSV with raw numbers', async () => {
    const result = await runCli(['report', 'cost', '--since', '1h', '--by', 'provider', '--format', 'csv']);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trim().split('\n');
    expect(header).toBe('provider,calls,unpriced,input_tokens,output_tokens,cost_usd,recorded_usd,difference_usd');
    const openai = rows.find((row) => row.startsWith('openai,'))!.split(',');
    const expected = allAppCalls().filter((call) => call.provider === 'openai');
    expect(Number(openai[5])).toBeCloseTo(sum(expected.map((call) => call.costUsd)), 12);
  });

  it('names what is wrong instead of printing a stack', async () => {
    const result = await runCli(['report', 'cost', '--by', 'colour']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot group by "colour"');
  });
});

// ---- profile --------------------------------------------------------------------------------------------------

interface TimingJson {
  workflow: string;
  node?: string;
  runs: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  total_ms: number;
  self_ms: number;
  llm_share: number;
}

const durationMs = (span: MlflowSpan): number => Number(BigInt(span.end_time_unix_nano) - BigInt(span.start_time_unix_nano)) / 1e6;

function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

describe('report profile', () => {
  it('matches the span timestamps: per node and per workflow durations, self time, LLM share, bottlenecks', async () => {
    const report = await runCliJson<Record<string, { rows: TimingJson[] }> & { traces_profiled: number }>(['report', 'profile']);
    // The unfinished trace has no root yet, so no duration.
    expect(report.traces_profiled).toBe(traces.size - 1);

    const appTraces = [...viaTokenmeter, ...direct].map((run) => traces.get(run.mlflow_trace_id)!);
    const workflow = report['workflows']!.rows.find((row) => row.workflow === WORKFLOW)!;
    const rootDurations = appTraces.map((trace) => durationMs(rootSpan(trace)!));
    expect(workflow.runs).toBe(appTraces.length);
    expect(workflow.max_ms).toBeCloseTo(Math.max(...rootDurations), 6);
    expect(workflow.p50_ms).toBeCloseTo(nearestRank(rootDurations, 50), 6);
    expect(workflow.total_ms).toBeCloseTo(sum(rootDurations), 6);

    const bottleneckCount = new Map<string, number>();
    for (const node of ['plan', 'research', 'write']) {
      const spans = appTraces.flatMap((trace) => trace.spans.filter((span) => span.name === node));
      const durations = spans.map(durationMs);
      const children = (span: MlflowSpan, trace: Trace) => trace.spans.filter((child) => child.parent_span_id === span.span_id);
      // The app's node spans hold only sequential chat-model calls, so children never overlap.
      const childTime = sum(appTraces.flatMap((trace) => trace.spans.filter((span) => span.name === node).flatMap((span) => children(span, trace).map(durationMs))));
      const row = report['nodes']!.rows.find((entry) => entry.workflow === WORKFLOW && entry.node === node)!;
      expect(row.runs).toBe(appTraces.length);
      expect(row.p50_ms).toBeCloseTo(nearestRank(durations, 50), 6);
      expect(row.p95_ms).toBeCloseTo(nearestRank(durations, 95), 6);
      expect(row.max_ms).toBeCloseTo(Math.max(...durations), 6);
      expect(row.self_ms).toBeCloseTo(sum(durations) - childTime, 6);
      expect(row.llm_share).toBeCloseTo(childTime / sum(durations), 9);
    }
    for (const trace of appTraces) {
      const [slowest] = ['plan', 'research', 'write']
        .map((node) => [node, durationMs(trace.spans.find((span) => span.name === node)!)] as const)
        .sort((a, b) => b[1] - a[1]);
      bottleneckCount.set(slowest![0], (bottleneckCount.get(slowest![0]) ?? 0) + 1);
    }
    const bottlenecks = report['bottlenecks']!.rows as unknown as { workflow: string; node: string; traces: number }[];
    expect(new Map(bottlenecks.filter((row) => row.workflow === WORKFLOW).map((row) => [row.node, row.traces]))).toEqual(bottleneckCount);
  });
});

// ---- status ---------------------------------------------------------------------------------------------------

describe('status', () => {
  it('counts traces by state, the spend, and the unpriced calls by model; reports MLflow\'s version', async () => {
    const infos = await searchAllTraces(mlflowUrl, experimentId);
    const count = (state: string) => infos.filter((info) => info.state === state).length;
    const status = await runCliJson<Record<string, unknown> & { unpriced_calls_by_model: { rows: unknown[] } }>(['status', '--admin-url', adminUrl]);
    expect(status).toMatchObject({
      mlflow: 'reachable',
      mlflow_version: '3.9.0',
      traces: traces.size,
      traces_ok: count('OK'),
      traces_error: count('ERROR'),
      traces_in_progress: count('IN_PROGRESS'),
      unpriced_calls: 1,
    });
    expect([status['traces_ok'], status['traces_error'], status['traces_in_progress']]).toEqual([viaTokenmeter.length + direct.length, 1, 1]);
    expect(status['spend_usd']).toBeCloseTo(sum(allAppCalls().map((call) => call.costUsd)), 12);
    expect(status['tokenmeter']).toBe('healthy (200 ok)');
    expect(status.unpriced_calls_by_model.rows).toEqual([
      { model: UNKNOWN_MODEL, provider: 'openai', calls: 1, reason: expect.stringContaining(UNKNOWN_MODEL) as unknown },
    ]);
  });

  it('says what is unreachable, and exits non-zero when MLflow is', async () => {
    const port = await getFreePort();
    const result = await runCli(['status', '--tracking-uri', `http://127.0.0.1:${port}`, '--admin-url', `http://127.0.0.1:${port}`, '--format', 'json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      mlflow: `UNREACHABLE: MLflow unreachable at http://127.0.0.1:${port}: ECONNREFUSED`,
      mlflow_version: null,
      tokenmeter: `not reachable at http://127.0.0.1:${port}/healthz (ECONNREFUSED)`,
    });
  });
});

// ---- reprice --------------------------------------------------------------------------------------------------

interface RepriceJson {
  mode: string;
  traces_to_change: number;
  traces_written?: number;
  traces_that_would_be_repriced?: { rows: { trace_id: string; old_usd: number | null; new_usd: number; delta_usd: number }[]; total: { delta_usd: number } };
}

interface AssessmentJson {
  assessment_id: string;
  assessment_name: string;
  valid?: boolean;
  overrides?: string;
  feedback?: { value?: number };
}

function costAssessments(info: object): AssessmentJson[] {
  return ((info as { assessments?: AssessmentJson[] }).assessments ?? []).filter((assessment) => assessment.assessment_name === 'cost_usd');
}

describe('reprice', () => {
  it('dry-run shows the exact delta of a changed price, --write overrides the assessments, then nothing is left to change', async () => {
    // The exporter assessed the traces that went through tokenmeter at the catalog's prices: nothing to change there.
    const viaTokenmeterIds = viaTokenmeter.map((run) => run.mlflow_trace_id);
    await expect.poll(async () => (await searchAllTraces(mlflowUrl, experimentId)).filter((info) => viaTokenmeterIds.includes(info.trace_id) && costAssessments(info).length > 0).length, { timeout: 20_000 }).toBe(viaTokenmeterIds.length);
    const first = await runCliJson<RepriceJson>(['reprice']);
    const unassessed = first.traces_that_would_be_repriced!.rows;
    expect(unassessed.map((row) => row.trace_id).sort()).toEqual([...direct.map((run) => run.mlflow_trace_id), failedTraceId].sort());
    expect(unassessed.every((row) => row.old_usd === null)).toBe(true);
    // Then the catalog's prices become the assessed cost of the others.
    await runCliJson(['reprice', '--write']);
    const before = await runCliJson<RepriceJson>(['reprice']);
    expect(before.traces_to_change).toBe(0);

    // A negotiated price for gpt-4o-mini: $1 / $2 per million input / output tokens.
    const dir = mkdtempSync(path.join(tmpdir(), 'tokenmeter-reprice-'));
    const config = path.join(dir, 'tokenmeter.yaml');
    writeFileSync(
      config,
      'processors:\n  costestimator:\n    pricing:\n      overrides:\n        - name: negotiated\n          match: { exact: gpt-4o-mini }\n          prices: { input: 1, output: 2 }\n',
    );
    const overridden = (call: ExpectedCall): number => (call.model === 'gpt-4o-mini' ? (call.input * 1 + call.output * 2) / 1e6 : call.costUsd);
    const calls = allAppCalls();
    const dryRun = await runCliJson<RepriceJson>(['reprice', '--dry-run', '--config', config]);
    expect(dryRun.mode).toBe('dry-run');
    const appTraceIds = [...viaTokenmeter, ...direct].map((run) => run.mlflow_trace_id);
    expect(dryRun.traces_to_change).toBe(appTraceIds.length);
    for (const row of dryRun.traces_that_would_be_repriced!.rows) {
      const ofTrace = calls.filter((call) => call.traceId === row.trace_id);
      expect(row.old_usd).toBeCloseTo(sum(ofTrace.map((call) => call.costUsd)), 12);
      expect(row.new_usd).toBeCloseTo(sum(ofTrace.map(overridden)), 12);
      expect(row.delta_usd).toBeCloseTo(sum(ofTrace.map((call) => overridden(call) - call.costUsd)), 12);
    }
    expect(dryRun.traces_that_would_be_repriced!.total.delta_usd).toBeCloseTo(sum(calls.map((call) => overridden(call) - call.costUsd)), 12);
    // A dry run changes nothing.
    expect((await runCliJson<RepriceJson>(['reprice', '--config', config])).traces_to_change).toBe(appTraceIds.length);

    expect((await runCliJson<RepriceJson>(['reprice', '--write', '--config', config])).traces_written).toBe(appTraceIds.length);
    expect((await runCliJson<RepriceJson>(['reprice', '--config', config])).traces_to_change).toBe(0);

    // MLflow shows the new cost and keeps the old one as overridden history.
    for (const info of (await searchAllTraces(mlflowUrl, experimentId)).filter((entry) => appTraceIds.includes(entry.trace_id.replace(/"/g, '')))) {
      const costs = costAssessments(info);
      const valid = costs.filter((assessment) => assessment.valid !== false);
      expect(valid).toHaveLength(1);
      const traceId = info.trace_id.replace(/"/g, '');
      expect(valid[0]!.feedback?.value).toBeCloseTo(sum(calls.filter((call) => call.traceId === traceId).map(overridden)), 12);
      const previous = costs.find((assessment) => assessment.assessment_id === valid[0]!.overrides);
      expect(previous?.valid).toBe(false);
    }
  });
});
