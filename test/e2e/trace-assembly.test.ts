/**
 * Trace assembly end to end, with real parts: the LangGraph app (plan → research (two calls) → write, two models of
 * two providers) exports to the tokenmeter CLI running the default-like pipeline costestimator → traceassembly →
 * mlflow; MLflow's REST API must then show the whole story on each trace: root totals equal to the sum of the leaf
 * costs, the per-node breakdown and bottleneck, the cost feedback, the trace name and the session. Then the same
 * against the newest MLflow 3.x, whose own `mlflow.trace.cost` must equal ours with nothing counted twice.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mlflowExporterConfigSchema } from '../../src/exporters/mlflow/config.js';
import { MlflowExporter } from '../../src/exporters/mlflow/exporter.js';
import { doubleValue, intValue, stringValue } from '../../src/otlp/index.js';
import type { AnyValue, Span } from '../../src/otlp/index.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { createUniqueExperiment, getTrace, rootSpan, spanAttribute, spanTokenUsage, spanType, waitForTrace } from '../harness/mlflow-client.js';
import type { AnyValue as StoredValue, MlflowSpan, Trace } from '../harness/mlflow-client.js';
import { startLatestMlflowServer } from '../harness/mlflow-other-server.js';
import type { OtherMlflowServer } from '../harness/mlflow-other-server.js';
import { getFreePort } from '../harness/ports.js';
import { runLanggraphApp } from '../harness/python-app.js';
import type { AppRun } from '../harness/python-app.js';
import { startTokenmeter } from './tokenmeter-process.js';
import type { TokenmeterProcess } from './tokenmeter-process.js';

interface Assessment {
  assessment_id: string;
  assessment_name: string;
  source: { source_type: string; source_id: string };
  feedback: { value: number };
  rationale?: string;
  metadata?: Record<string, string>;
}

interface Observed {
  run: AppRun;
  /** Whether the app put `session.id` on its root itself. */
  sessionFromApp: boolean;
  trace: Trace;
  root: MlflowSpan;
  assessments: Record<string, Assessment>;
}

const THREAD_ID = 'thread-assembly';
const NODES = ['plan', 'research', 'write'] as const;

/**
 * Runs the app twice through a fresh tokenmeter into `mlflowUrl` and waits until MLflow shows everything: once
 * setting `session.id` on its root, once leaving it to tokenmeter (LangGraph's `thread_id`), as most apps do.
 */
async function runThroughTokenmeter(mlflowUrl: string): Promise<{ observed: Observed[]; tokenmeter: TokenmeterProcess }> {
  const experimentId = await createUniqueExperiment(mlflowUrl, 'e2e-trace-assembly');
  const port = await getFreePort();
  const tokenmeter = await startTokenmeter({
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
    processors: { costestimator: {}, traceassembly: { root_wait: '1s' } },
    exporters: { mlflow: { tracking_uri: mlflowUrl, experiment_id: experimentId } },
    service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['mlflow'] } } },
  });
  const endpoint = `http://127.0.0.1:${port}/v1/traces`;
  const runs = [
    ...(await runLanggraphApp({ endpoint, runs: 1, threadId: THREAD_ID })).map((run) => ({ run, sessionFromApp: true })),
    ...(await runLanggraphApp({ endpoint, runs: 1, threadId: THREAD_ID, sessionAttribute: false })).map((run) => ({ run, sessionFromApp: false })),
  ];
  const observed: Observed[] = [];
  for (const { run, sessionFromApp } of runs) {
    // Done when the enriched root is stored and its follow-ups (tag, four assessments) have landed.
    const trace = await waitForTrace(mlflowUrl, run.mlflow_trace_id, (candidate) => {
      const root = rootSpan(candidate);
      const info = candidate.trace_info as Trace['trace_info'] & { assessments?: Assessment[] };
      return (
        root !== undefined &&
        spanAttribute(root, 'tokenmeter.llm.calls') !== undefined &&
        info.tags?.['mlflow.traceName'] !== undefined &&
        (info.assessments?.length ?? 0) === 4
      );
    });
    const info = trace.trace_info as Trace['trace_info'] & { assessments: Assessment[] };
    observed.push({
      run,
      sessionFromApp,
      trace,
      root: rootSpan(trace)!,
      assessments: Object.fromEntries(info.assessments.map((assessment) => [assessment.assessment_name, assessment])),
    });
  }
  return { observed, tokenmeter };
}

/** A value MLflow may hand back decoded (kvlist) or as the JSON string it was sent as. */
function decoded(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string') return JSON.parse(value) as Record<string, unknown>;
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** The chat-model spans that carry a cost: the leaves tokenmeter priced. */
const pricedLeaves = (trace: Trace) => trace.spans.filter((span) => spanAttribute(span, 'mlflow.llm.cost') !== undefined);

const leafCost = (span: MlflowSpan) => decoded(spanAttribute(span, 'mlflow.llm.cost'))!['total_cost'] as number;

/** Sums in integer pico-USD, as tokenmeter does: the costs are rounded to 1e-12 USD, so this is exact. */
const picoSum = (amounts: number[]) => amounts.reduce((sum, amount) => sum + Math.round(amount * 1e12), 0) / 1e12;

const nodeOf = (span: MlflowSpan) => decoded(spanAttribute(span, 'metadata'))?.['langgraph_node'];

const durationMs = (span: MlflowSpan) => Number(BigInt(span.end_time_unix_nano) - BigInt(span.start_time_unix_nano)) / 1e6;

/** The enriched root as trace assembly sends it again after a late child: its id, name, times and tokenmeter.* attributes. */
function resentRoot(stored: MlflowSpan): Span {
  const value = (stored: StoredValue | undefined): AnyValue =>
    stored?.double_value !== undefined
      ? doubleValue(stored.double_value)
      : stored?.int_value !== undefined
        ? intValue(Number(stored.int_value))
        : stringValue(stored?.string_value ?? '');
  return {
    traceId: Buffer.from(stored.trace_id, 'base64'),
    spanId: Buffer.from(stored.span_id, 'base64'),
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 0,
    name: stored.name,
    kind: 1,
    startTimeUnixNano: BigInt(stored.start_time_unix_nano),
    endTimeUnixNano: BigInt(stored.end_time_unix_nano),
    attributes: (stored.attributes ?? []).filter(({ key }) => key.startsWith('tokenmeter.')).map(({ key, value: stored }) => ({ key, value: value(stored) })),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 1, message: '' },
  };
}

const rows = (root: MlflowSpan, key: string) => JSON.parse(spanAttribute(root, key) as string) as Array<Record<string, number | string>>;

describe('trace assembly: LangGraph app → tokenmeter (costestimator → traceassembly → mlflow) → MLflow 3.9', () => {
  const mlflowUrl = inject('mlflowUrl');
  let observed: Observed[];
  let tokenmeter: TokenmeterProcess;

  beforeAll(async () => {
    ({ observed, tokenmeter } = await runThroughTokenmeter(mlflowUrl));
  }, 240_000);

  afterAll(async () => {
    expect(await tokenmeter?.stop()).toBe(0);
  });

  it('writes root totals equal to the sum of the leaf costs, and tokens equal to what the app used', () => {
    expect(observed).toHaveLength(2);
    for (const { run, trace, root } of observed) {
      const leaves = pricedLeaves(trace);
      expect(leaves).toHaveLength(run.usages.length);
      expect(leaves.every((span) => spanType(span) === 'CHAT_MODEL')).toBe(true);
      const total = picoSum(leaves.map(leafCost));
      expect(total).toBeGreaterThan(0);
      expect(spanAttribute(root, 'tokenmeter.cost.total_usd')).toBe(total);
      const inputUsd = spanAttribute(root, 'tokenmeter.cost.input_usd') as number;
      const outputUsd = spanAttribute(root, 'tokenmeter.cost.output_usd') as number;
      expect(picoSum([inputUsd, outputUsd])).toBe(total);

      const input = run.usages.reduce((sum, usage) => sum + usage.input_tokens, 0);
      const output = run.usages.reduce((sum, usage) => sum + usage.output_tokens, 0);
      expect(spanAttribute(root, 'tokenmeter.tokens.input')).toBe(input);
      expect(spanAttribute(root, 'tokenmeter.tokens.output')).toBe(output);
      expect(spanAttribute(root, 'tokenmeter.tokens.total')).toBe(input + output);
      expect(spanAttribute(root, 'tokenmeter.llm.calls')).toBe(4);
      expect(spanAttribute(root, 'tokenmeter.llm.unpriced_calls')).toBe(0);
      // The root carries no per-call cost or usage of its own: MLflow would add it to its trace totals.
      expect(spanAttribute(root, 'mlflow.llm.cost')).toBeUndefined();
      expect(spanTokenUsage(root)).toBeUndefined();
    }
  });

  it('breaks the trace down by node, model and provider, and names the bottleneck node from span timestamps', () => {
    for (const { run, trace, root } of observed) {
      const leaves = pricedLeaves(trace);
      const nodes = rows(root, 'tokenmeter.breakdown.nodes');
      expect(nodes.map((row) => row['name']).sort()).toEqual([...NODES].sort());
      for (const node of NODES) {
        const usages = run.usages.filter((usage) => usage.node === node);
        const nodeSpans = trace.spans.filter((span) => span.name === node && nodeOf(span) === node);
        expect(nodeSpans).toHaveLength(1);
        const row = nodes.find((candidate) => candidate['name'] === node)!;
        expect(row['calls']).toBe(usages.length);
        expect(row['tokens']).toBe(usages.reduce((sum, usage) => sum + usage.input_tokens + usage.output_tokens, 0));
        expect(row['cost_usd']).toBe(picoSum(leaves.filter((span) => nodeOf(span) === node).map(leafCost)));
        expect(row['wall_ms']).toBeCloseTo(durationMs(nodeSpans[0]!), 2);
      }
      expect(nodes.find((row) => row['name'] === 'research')!['calls']).toBe(2);

      const slowest = [...NODES].sort(
        (a, b) => durationMs(trace.spans.find((span) => span.name === b)!) - durationMs(trace.spans.find((span) => span.name === a)!),
      )[0]!;
      expect(spanAttribute(root, 'tokenmeter.bottleneck.node')).toBe(slowest);
      const slowestMs = durationMs(trace.spans.find((span) => span.name === slowest)!);
      expect(spanAttribute(root, 'tokenmeter.bottleneck.share')).toBeCloseTo(slowestMs / durationMs(root), 3);

      const models = rows(root, 'tokenmeter.breakdown.models');
      expect(Object.fromEntries(models.map((row) => [row['name'], row['calls']]))).toEqual({ 'gpt-4o-mini': 2, 'claude-3-5-haiku-20241022': 2 });
      const providers = rows(root, 'tokenmeter.breakdown.providers');
      expect(Object.fromEntries(providers.map((row) => [row['name'], row['calls']]))).toEqual({ openai: 2, anthropic: 2 });
      expect(picoSum(providers.map((row) => row['cost_usd'] as number))).toBe(spanAttribute(root, 'tokenmeter.cost.total_usd'));
    }
  });

  it('logs the cost feedback on each trace: values of the root, source CODE / cost_estimator, the rationale', () => {
    for (const { root, assessments } of observed) {
      const total = spanAttribute(root, 'tokenmeter.tokens.total') as number;
      expect(assessments['cost_usd']).toMatchObject({
        source: { source_type: 'CODE', source_id: 'cost_estimator' },
        feedback: { value: spanAttribute(root, 'tokenmeter.cost.total_usd') },
        rationale: `${total} tokens across 2 provider(s)`,
      });
      expect(JSON.parse(assessments['cost_usd']!.metadata!['nodes']!)).toEqual(rows(root, 'tokenmeter.breakdown.nodes'));
      expect(assessments['total_tokens']?.feedback.value).toBe(total);
      expect(assessments['input_tokens']?.feedback.value).toBe(spanAttribute(root, 'tokenmeter.tokens.input'));
      expect(assessments['output_tokens']?.feedback.value).toBe(spanAttribute(root, 'tokenmeter.tokens.output'));
    }
  });

  it('restores the trace name tag and the session that MLflow’s OTLP ingest does not set on its own', () => {
    // One app set session.id itself; for the other, tokenmeter took it from LangGraph's thread_id.
    expect(observed.map(({ sessionFromApp }) => sessionFromApp).sort()).toEqual([false, true]);
    for (const { trace, root } of observed) {
      expect(trace.trace_info.tags?.['mlflow.traceName']).toBe('tokenmeter_test_workflow');
      expect(root.name).toBe('tokenmeter_test_workflow');
      expect(spanAttribute(root, 'session.id')).toBe(THREAD_ID);
      // Where tokenmeter takes the session from when an app does not set it: LangGraph's metadata on every node span.
      const nodeSpans = trace.spans.filter((span) => NODES.some((node) => span.name === node));
      expect(nodeSpans.map((span) => decoded(spanAttribute(span, 'metadata'))?.['thread_id'])).toEqual(nodeSpans.map(() => THREAD_ID));
      // MLflow 3.9 stores the session JSON-encoded, whatever it is sent (newer versions store it plain).
      expect(trace.trace_info.trace_metadata?.['mlflow.trace.session']).toBe(JSON.stringify(THREAD_ID));
    }
  });
});

describe('trace assembly against the newest MLflow 3.x: MLflow’s own trace cost equals ours', () => {
  let server: OtherMlflowServer;
  let observed: Observed[];
  let tokenmeter: TokenmeterProcess;

  beforeAll(async () => {
    server = await startLatestMlflowServer();
    ({ observed, tokenmeter } = await runThroughTokenmeter(server.url));
  }, 240_000);

  afterAll(async () => {
    expect(await tokenmeter?.stop()).toBe(0);
    await server?.stop();
  });

  it('runs a server of at least 3.10, the first with cost tracking', () => {
    const [major, minor] = server.version.split('.').map(Number);
    expect(major === 3 && minor! >= 10).toBe(true);
  });

  it('mlflow.trace.cost equals our total: only the leaves carry mlflow.llm.cost, nothing is counted twice', () => {
    for (const { run, trace, root } of observed) {
      const ours = spanAttribute(root, 'tokenmeter.cost.total_usd') as number;
      const leaves = pricedLeaves(trace);
      expect(leaves).toHaveLength(run.usages.length);
      expect(leaves).not.toContain(root);
      const traceCost = decoded(trace.trace_info.trace_metadata?.['mlflow.trace.cost'])!;
      expect(picoSum([traceCost['total_cost'] as number])).toBe(ours);
      expect(picoSum([traceCost['input_cost'] as number])).toBe(spanAttribute(root, 'tokenmeter.cost.input_usd'));
      expect(picoSum([traceCost['output_cost'] as number])).toBe(spanAttribute(root, 'tokenmeter.cost.output_usd'));
      const tokenUsage = decoded(trace.trace_info.trace_metadata?.['mlflow.trace.tokenUsage'])!;
      expect(tokenUsage['input_tokens']).toBe(spanAttribute(root, 'tokenmeter.tokens.input'));
      expect(tokenUsage['output_tokens']).toBe(spanAttribute(root, 'tokenmeter.tokens.output'));
    }
  });

  it('a re-sent root (as after a late child) adds nothing to MLflow’s totals and updates the feedback in place', async () => {
    const { trace, root } = observed[0]!;
    const exporter = new MlflowExporter(
      mlflowExporterConfigSchema.parse({
        tracking_uri: server.url,
        experiment_id: trace.trace_info.trace_location!.mlflow_experiment!.experiment_id,
      }),
      silentLogger(),
    );
    await exporter.start();
    // A fresh exporter remembers nothing: its create meets the stored id (MLflow 3.17 answers 500), so it updates.
    const span = resentRoot(root);
    await exporter.consume({ resourceSpans: [{ resource: undefined, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [span] }] }] });
    await exporter.shutdown(20_000);
    expect(exporter.stats.delivered.spans).toBe(1);
    expect(exporter.stats.followUps).toMatchObject({ assessmentsCreated: 0, assessmentsUpdated: 4, failed: 0 });

    const after = (await getTrace(server.url, trace.trace_info.trace_id))!;
    expect((after.trace_info as Trace['trace_info'] & { assessments: unknown[] }).assessments).toHaveLength(4);
    expect(after.trace_info.trace_metadata?.['mlflow.trace.cost']).toBe(trace.trace_info.trace_metadata?.['mlflow.trace.cost']);
    expect(after.trace_info.trace_metadata?.['mlflow.trace.tokenUsage']).toBe(trace.trace_info.trace_metadata?.['mlflow.trace.tokenUsage']);
  });

  it('logs the same feedback, trace name and session there', () => {
    for (const { trace, root, assessments } of observed) {
      expect(assessments['cost_usd']?.feedback.value).toBe(spanAttribute(root, 'tokenmeter.cost.total_usd'));
      expect(trace.trace_info.tags?.['mlflow.traceName']).toBe('tokenmeter_test_workflow');
      expect(trace.trace_info.trace_metadata?.['mlflow.trace.session']).toBe(THREAD_ID);
    }
  });
});
