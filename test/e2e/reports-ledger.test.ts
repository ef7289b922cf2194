/**
 * The reports over tokenmeter's ledger against the same reports over MLflow, and reprice keeping both in step. One
 * tokenmeter (`serve` as a child process) prices the LangGraph app's runs and a failed run calling a model no catalog
 * knows, and exports every trace both to a real MLflow 3.9 server and to its ledger. Then:
 * - `report cost --source ledger` and `status --source ledger` give the same traces, groups and totals as MLflow;
 * - `reprice --write` writes a trace's first assessments exactly as the exporter did (same ids, values, metadata);
 * - `reprice --write` under a negotiated price reprices the ledger too, so both sources agree again.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeTracesProtobuf, intValue, stringValue } from '../../src/otlp/index.js';
import type { KeyValue, Span } from '../../src/otlp/index.js';
import { createUniqueExperiment, getTrace, waitForTrace } from '../harness/mlflow-client.js';
import { getFreePort } from '../harness/ports.js';
import { repoRoot } from '../harness/paths.js';
import { runLanggraphApp } from '../harness/python-app.js';
import type { AppRun } from '../harness/python-app.js';
import { readLedger, waitFor } from './ledger-sidecar.js';
import { startTokenmeter } from './tokenmeter-process.js';
import type { TokenmeterProcess } from './tokenmeter-process.js';

const mlflowUrl = inject('mlflowUrl');
const UNKNOWN_MODEL = 'acme-private-llm-2';

let experimentId: string;
let tokenmeter: TokenmeterProcess;
let ledgerPath: string;
let runs: AppRun[];
let failedTraceId: string;

async function runCli(args: readonly string[]): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args, '--since', '1h', '--format', 'json'], {
      cwd: repoRoot,
      env: { ...process.env, MLFLOW_TRACKING_URI: mlflowUrl, MLFLOW_EXPERIMENT_ID: experimentId, MLFLOW_EXPERIMENT_NAME: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
  });
  if (code !== 0) throw new Error(`tokenmeter ${args.join(' ')} exited ${code}:\n${stderr}\n${stdout}`);
  return JSON.parse(stdout) as Record<string, unknown>;
}

function span(traceId: Uint8Array, parentSpanId: Uint8Array, name: string, startMs: number, attributes: KeyValue[], statusCode: number): Span {
  const start = BigInt(startMs) * 1_000_000n;
  return {
    traceId, spanId: Uint8Array.from({ length: 8 }, () => Math.floor(Math.random() * 256)), traceState: '', parentSpanId, flags: 0, name, kind: 1,
    startTimeUnixNano: start, endTimeUnixNano: start + 100_000_000n,
    attributes, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
    status: { code: statusCode, message: '' },
  };
}

/** A failed run whose one call names a model no price list has, sent through tokenmeter like the app's runs. */
async function postFailedRun(otlpUrl: string): Promise<string> {
  const traceId = Uint8Array.from({ length: 16 }, () => Math.floor(Math.random() * 256));
  const root = span(traceId, new Uint8Array(0), 'ingest_workflow', Date.now() - 5000, [], 2);
  const call = span(traceId, root.spanId, 'chat acme', Date.now() - 4900, [
    { key: 'gen_ai.operation.name', value: stringValue('chat') },
    { key: 'gen_ai.provider.name', value: stringValue('openai') },
    { key: 'gen_ai.request.model', value: stringValue(UNKNOWN_MODEL) },
    { key: 'gen_ai.usage.input_tokens', value: intValue(40) },
    { key: 'gen_ai.usage.output_tokens', value: intValue(9) },
  ], 0);
  const body = encodeTracesProtobuf({ resourceSpans: [{ resource: undefined, scopeSpans: [{ scope: undefined, spans: [call, root], schemaUrl: '' }], schemaUrl: '' }] });
  const response = await fetch(otlpUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body });
  expect(response.status).toBe(200);
  return `tr-${Buffer.from(traceId).toString('hex')}`;
}

interface StoredAssessment {
  assessment_id: string;
  assessment_name: string;
  valid?: boolean;
  source?: unknown;
  feedback?: { value?: unknown };
  rationale?: string;
  metadata?: Record<string, string>;
}

async function assessmentsOf(traceId: string): Promise<StoredAssessment[]> {
  const trace = await getTrace(mlflowUrl, traceId);
  return ((trace?.trace_info as unknown as { assessments?: StoredAssessment[] }).assessments ?? []).sort((a, b) => a.assessment_name.localeCompare(b.assessment_name));
}

beforeAll(async () => {
  experimentId = await createUniqueExperiment(mlflowUrl, 'reports-ledger');
  ledgerPath = path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-reports-ledger-')), 'tokenmeter.db');
  const port = await getFreePort();
  tokenmeter = await startTokenmeter({
    admin: { endpoint: `127.0.0.1:${await getFreePort()}` },
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
    processors: { costestimator: {}, traceassembly: {} },
    exporters: { mlflow: { tracking_uri: mlflowUrl, experiment_id: experimentId }, ledger: { path: ledgerPath } },
    service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['mlflow', 'ledger'] } } },
  });
  runs = await runLanggraphApp({ endpoint: `http://127.0.0.1:${port}/v1/traces`, runs: 2, threadId: 'reports-ledger', strictExport: true });
  failedTraceId = await postFailedRun(`http://127.0.0.1:${port}/v1/traces`);
  const calls = runs.reduce((sum, run) => sum + run.usages.length, 0) + 1;
  await waitFor('every call and trace in the ledger', () => {
    const ledger = readLedger(ledgerPath);
    return ledger.calls.length === calls && ledger.traces.length === runs.length + 1 ? true : undefined;
  });
  for (const run of runs) await waitForTrace(mlflowUrl, run.mlflow_trace_id, (trace) => trace.trace_info.state === 'OK' && trace.spans.length === 9);
  await waitForTrace(mlflowUrl, failedTraceId, (trace) => trace.trace_info.state === 'ERROR');
  // The exporter's four assessments on every trace.
  for (const traceId of [...runs.map((run) => run.mlflow_trace_id), failedTraceId]) {
    await waitFor(`the exporter's assessments on ${traceId}`, async () => ((await assessmentsOf(traceId)).length === 4 ? true : undefined));
  }
}, 240_000);

afterAll(async () => {
  expect(await tokenmeter?.stop()).toBe(0);
});

interface CostRow {
  calls: number;
  unpriced: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  [group: string]: unknown;
}

const GROUPS = ['workflow', 'node', 'model', 'provider', 'day'];

/** The groups and totals of a cost report, costs to 1e-12 USD; sources differ only in how their numbers were read. */
function comparable(report: Record<string, unknown>, section: string): unknown {
  const { rows, total } = report[section] as { rows: CostRow[]; total: CostRow };
  const shape = (row: CostRow) => ({
    group: Object.fromEntries(GROUPS.filter((key) => key in row).map((key) => [key, row[key]])),
    numbers: [row.calls, row.unpriced, row.input_tokens, row.output_tokens, Math.round(row.cost_usd * 1e12)],
  });
  return { traces: report['traces'], traces_with_llm_calls: report['traces_with_llm_calls'], rows: rows.map(shape), total: shape(total) };
}

describe('the ledger as a report source', () => {
  it('report cost gives the same traces, groups and totals from the ledger as from MLflow', async () => {
    for (const by of ['node,model,provider', 'workflow,day']) {
      const section = `cost_by_${by.replace(/,/g, '_')}`;
      const fromMlflow = await runCli(['report', 'cost', '--by', by]);
      const fromLedger = await runCli(['report', 'cost', '--by', by, '--source', 'ledger', '--ledger', ledgerPath]);
      expect(fromLedger).toMatchObject({ source: 'ledger', ledger: ledgerPath, traces: runs.length + 1 });
      expect(comparable(fromLedger, section)).toEqual(comparable(fromMlflow, section));
      expect((fromLedger[section] as { total: CostRow }).total).toMatchObject({ calls: runs.reduce((sum, run) => sum + run.usages.length, 0) + 1, unpriced: 1 });
    }
  });

  it('status counts the same traces by state, spend and unpriced calls from the ledger as from MLflow', async () => {
    const fields = ['traces', 'traces_ok', 'traces_error', 'traces_in_progress', 'llm_calls', 'unpriced_calls', 'unpriced_calls_by_model'];
    const pick = (status: Record<string, unknown>) => Object.fromEntries(fields.map((field) => [field, status[field]]));
    const fromMlflow = await runCli(['status']);
    const fromLedger = await runCli(['status', '--source', 'ledger', '--ledger', ledgerPath]);
    expect(pick(fromLedger)).toEqual(pick(fromMlflow));
    expect(fromLedger).toMatchObject({ traces_ok: runs.length, traces_error: 1, traces_in_progress: 0, unpriced_calls: 1 });
    expect(fromLedger['spend_usd']).toBeCloseTo(fromMlflow['spend_usd'] as number, 12);
  });

  it('says so when the ledger file does not exist, instead of reporting an empty new one', async () => {
    await expect(runCli(['report', 'cost', '--source', 'ledger', '--ledger', path.join(tmpdir(), 'no-such-dir', 'tokenmeter.db')])).rejects.toThrow(/no ledger at/);
  });
});

describe('reprice and the exporter, MLflow and the ledger', () => {
  it('creates a trace\'s first assessments exactly as the exporter did: the same ids, values, rationale and metadata', async () => {
    const traceId = runs[0]!.mlflow_trace_id;
    const byExporter = await assessmentsOf(traceId);
    for (const assessment of byExporter) {
      const response = await fetch(`${mlflowUrl}/api/3.0/mlflow/traces/${traceId}/assessments/${assessment.assessment_id}`, { method: 'DELETE' });
      expect(response.status).toBe(200);
    }
    expect(await assessmentsOf(traceId)).toEqual([]);

    const written = await runCli(['reprice', '--write', '--ledger', ledgerPath]);
    expect(written).toMatchObject({ traces_to_change: 1, ledger: ledgerPath, ledger_calls_repriced: 0 });
    const byReprice = await assessmentsOf(traceId);
    const content = (assessment: StoredAssessment) => [assessment.assessment_id, assessment.assessment_name, assessment.source, assessment.feedback, assessment.rationale, assessment.metadata, assessment.valid];
    expect(byReprice.map(content)).toEqual(byExporter.map(content));
  });

  it('--write under a negotiated price reprices the ledger too: both sources then agree on the new costs', async () => {
    const config = path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-reprice-')), 'tokenmeter.yaml');
    writeFileSync(
      config,
      'processors:\n  costestimator:\n    pricing:\n      overrides:\n        - name: negotiated\n          match: { exact: gpt-4o-mini }\n          prices: { input: 1, output: 2 }\n',
    );
    const miniCalls = runs.flatMap((run) => run.usages).filter((usage) => usage.model === 'gpt-4o-mini').length;
    expect(miniCalls).toBeGreaterThan(0);
    const written = await runCli(['reprice', '--write', '--config', config, '--ledger', ledgerPath]);
    expect(written).toMatchObject({ traces_to_change: runs.length, ledger_calls_repriced: miniCalls, ledger_traces_repriced: runs.length });

    const section = 'cost_by_node_model_provider';
    const fromMlflow = await runCli(['report', 'cost', '--by', 'node,model,provider', '--config', config]);
    const fromLedger = await runCli(['report', 'cost', '--by', 'node,model,provider', '--source', 'ledger', '--ledger', ledgerPath]);
    expect(comparable(fromLedger, section)).toEqual(comparable(fromMlflow, section));
    // The ledger's trace rows were added up again from their repriced calls.
    const ledger = readLedger(ledgerPath);
    for (const run of runs) {
      const trace = ledger.traces.find((row) => `tr-${row.trace_id}` === run.mlflow_trace_id)!;
      const callCosts = ledger.calls.filter((row) => row.trace_id === trace.trace_id).map((row) => row.cost_usd ?? 0);
      expect(trace.cost_usd).toBeCloseTo(callCosts.reduce((sum, cost) => sum + cost, 0), 12);
    }
    // Nothing left to change in either.
    expect(await runCli(['reprice', '--write', '--config', config, '--ledger', ledgerPath])).toMatchObject({ traces_to_change: 0, ledger_calls_repriced: 0 });
  });
});
