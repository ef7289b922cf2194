/**
 * Traces whose spans live only in their `traces.json` artifact, as MLflow's Python SDK logs them to a server older
 * than 3.4: the real SDK, told by its own version check that the server cannot take spans, creates the trace info
 * and uploads the spans as the artifact (MLflow 3.9 itself would store them as spans). The reports fetch them through
 * the tracking server and price them beside a trace whose spans are in the store, in the same batch.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { PriceCatalog } from '../../src/pricing/index.js';
import { createUniqueExperiment, searchAllTraces } from '../harness/mlflow-client.js';
import { noTelemetryEnv, repoRoot, venvPython } from '../harness/paths.js';
import { runLanggraphApp } from '../harness/python-app.js';
import type { AppRun } from '../harness/python-app.js';

const mlflowUrl = inject('mlflowUrl');
const run = promisify(execFile);

const LOG_ARTIFACT_TRACE = `
import sys
from packaging.version import Version
import mlflow
from mlflow.store.tracking.rest_store import RestStore

# What the SDK reads from /version on a pre-3.4 server; it then uploads the spans as traces.json itself.
RestStore._get_server_version = lambda self, host_creds: Version("3.3.0")
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment(experiment_id=sys.argv[2])
with mlflow.start_span(name=sys.argv[3]) as root:
    with mlflow.start_span(name="chat", span_type="CHAT_MODEL") as chat:
        chat.set_attribute("mlflow.chat.tokenUsage", {"input_tokens": 1200, "output_tokens": 300, "total_tokens": 1500})
        chat.set_attribute("invocation_params", {"model": "gpt-4o-mini"})
        chat.set_attribute("metadata", {"ls_provider": "openai", "ls_model_name": "gpt-4o-mini", "langgraph_node": "answer"})
print(root.trace_id)
`;

let experimentId: string;
let artifactTraceId: string;
let stored: AppRun[];

async function cli(args: readonly string[], experiment = experimentId): Promise<{ stdout: string; stderr: string }> {
  return await run(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args, '--since', '1h', '--format', 'json'], {
    cwd: repoRoot,
    env: { ...process.env, MLFLOW_TRACKING_URI: mlflowUrl, MLFLOW_EXPERIMENT_ID: experiment },
  });
}

async function cliJson(args: readonly string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await cli(args)).stdout) as Record<string, unknown>;
}

/** Logs a trace the way the SDK does for a pre-3.4 server (spans in traces.json); returns its id. */
async function logArtifactTrace(experiment: string, workflow: string): Promise<string> {
  const { stdout } = await run(venvPython, ['-c', LOG_ARTIFACT_TRACE, mlflowUrl, experiment, workflow], {
    env: { ...process.env, ...noTelemetryEnv, MLFLOW_ENABLE_ASYNC_TRACE_LOGGING: 'false' },
  });
  return stdout.trim().split('\n').at(-1)!;
}

beforeAll(async () => {
  experimentId = await createUniqueExperiment(mlflowUrl, 'reports-artifact');
  artifactTraceId = await logArtifactTrace(experimentId, 'artifact_workflow');
  // A trace whose spans are in the store, so that both kinds share one fetch batch.
  stored = await runLanggraphApp({ endpoint: `${mlflowUrl}/v1/traces`, headers: { 'x-mlflow-experiment-id': experimentId }, runs: 1, threadId: 'artifact', strictExport: true });
}, 120_000);

describe('traces kept as a traces.json artifact', () => {
  it('are what the SDK made: a trace info without spans in the store', async () => {
    const infos = await searchAllTraces(mlflowUrl, experimentId);
    const info = infos.find((entry) => entry.trace_id === artifactTraceId)!;
    expect((info as unknown as { tags: Record<string, string> }).tags['mlflow.trace.spansLocation']).toBeUndefined();
    const batchGet = await fetch(`${mlflowUrl}/api/3.0/mlflow/traces/batchGet?trace_ids=${artifactTraceId}`);
    expect(batchGet.ok).toBe(false);
  });

  it('are fetched from the artifact and priced, beside a trace whose spans are in the store', async () => {
    const report = await cliJson(['report', 'cost', '--by', 'workflow,node,model']);
    expect(report['traces']).toBe(2);
    const { rows } = report['cost_by_workflow_node_model'] as { rows: Record<string, unknown>[] };
    const price = new PriceCatalog().price({ model: 'gpt-4o-mini', provider: 'openai', usage: { input: 1200, output: 300, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, at: new Date() });
    if (price.status !== 'priced') throw new Error('gpt-4o-mini must be in the catalog');
    const artifactRow = rows.find((row) => row['workflow'] === 'artifact_workflow')!;
    expect(artifactRow).toMatchObject({ node: 'answer', model: 'gpt-4o-mini', calls: 1, unpriced: 0, input_tokens: 1200, output_tokens: 300 });
    expect(artifactRow['cost_usd']).toBeCloseTo(price.costs.total, 12);
    const appCalls = rows.filter((row) => row['workflow'] !== 'artifact_workflow').reduce((sum, row) => sum + (row['calls'] as number), 0);
    expect(appCalls).toBe(stored[0]!.usages.length);
  });

  it('have their span timestamps profiled like any other trace', async () => {
    const profile = await cliJson(['report', 'profile']);
    expect(profile['traces_profiled']).toBe(2);
    const { rows } = profile['workflows'] as { rows: { workflow: string; runs: number; llm_share: number }[] };
    const workflow = rows.find((row) => row.workflow === 'artifact_workflow')!;
    expect(workflow.runs).toBe(1);
    expect(workflow.llm_share).toBeGreaterThan(0);
  });
});

describe('a trace whose traces.json artifact is gone', () => {
  let experiment: string;
  let lostTraceId: string;

  beforeAll(async () => {
    experiment = await createUniqueExperiment(mlflowUrl, 'reports-artifact-lost');
    await logArtifactTrace(experiment, 'kept_workflow');
    lostTraceId = await logArtifactTrace(experiment, 'lost_workflow');
    // Lost from the artifact store (a cleanup job, a bucket policy): deleted through MLflow's own artifact proxy.
    const info = (await searchAllTraces(mlflowUrl, experiment)).find((entry) => entry.trace_id === lostTraceId)!;
    const location = (info as unknown as { tags: Record<string, string> }).tags['mlflow.artifactLocation']!;
    const artifactPath = location.replace(/^mlflow-artifacts:\//, '');
    const deleted = await fetch(`${mlflowUrl}/api/2.0/mlflow-artifacts/artifacts/${artifactPath}/traces.json`, { method: 'DELETE' });
    expect(deleted.ok, `${location}: ${deleted.status}`).toBe(true);
  }, 120_000);

  it('is left out of the report and named on stderr; the other traces are still priced', async () => {
    const { stdout, stderr } = await cli(['report', 'cost', '--by', 'workflow'], experiment);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report['traces']).toBe(2);
    expect(report['traces_skipped']).toBe(1);
    expect(stderr).toContain(`left out trace ${lostTraceId}: its spans artifact could not be read`);
    const { rows } = report['cost_by_workflow'] as { rows: Record<string, unknown>[] };
    expect(rows.map((row) => row['workflow'])).toEqual(['kept_workflow']);
    expect(rows[0]).toMatchObject({ calls: 1, input_tokens: 1200, output_tokens: 300 });
  });

  it('is left out of the profile too', async () => {
    const { stdout } = await cli(['report', 'profile'], experiment);
    const profile = JSON.parse(stdout) as Record<string, unknown>;
    expect(profile['traces_profiled']).toBe(1);
    expect(profile['traces_skipped']).toBe(1);
  });
});
