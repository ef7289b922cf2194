/**
 * Proves the real-parts harness: the LangGraph app, exporting straight to the shared MLflow 3.9 server's own
 * OTLP/HTTP endpoint (no tokenmeter in between), produces a trace whose CHAT_MODEL spans carry exactly the token
 * usage the app reported. The tokenmeter e2e suite runs the same app against tokenmeter's port instead.
 *
 * What MLflow 3.9.0 does on the wire, as observed here (see also mlflow-client.ts):
 * - The app's spans per run (9): tokenmeter_test_workflow (WORKFLOW, root, no parent_span_id) -> LangGraph (CHAIN)
 *   -> plan / research / write (CHAIN, one per node) -> PricedFakeChatModel (CHAT_MODEL; one under plan and write,
 *   two under research). Nodes that call a model directly produce no RunnableSequence spans.
 * - Every span carries `mlflow.traceRequestId` and `mlflow.spanType`; the SDK JSON-encodes both on export, the
 *   stored span shows them decoded (`CHAT_MODEL`, `tr-…`), but the trace's own id is stored WITH quotes
 *   (`"tr-…"`), because the SDK's JSON-encoded traceRequestId overrides the server's value.
 * - `mlflow.chat.tokenUsage` comes back as a kvlist of int_values; the trace's `mlflow.trace.tokenUsage` metadata
 *   is the server-side sum. `invocation_params` carries model/model_name/_type (`openai-chat`), `metadata`
 *   carries langgraph_node, thread_id, ls_provider, ls_model_name.
 * - `session.id` on the root span becomes `mlflow.trace.session` metadata, JSON quotes included (`"\"t\""`).
 * - Span ids/trace ids come back base64; times are int64 numbers beyond 2^53.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  base64ToHex,
  createUniqueExperiment,
  getTrace,
  rootSpan,
  searchTraces,
  spanAttribute,
  spanTokenUsage,
  spanType,
  toMlflowTraceId,
  waitForTrace,
} from './mlflow-client.js';
import type { Trace } from './mlflow-client.js';
import { startMlflowServer } from './mlflow-server.js';
import { startOtlpGrpcSink } from './otlp-grpc-sink.js';
import { runLanggraphApp, totalUsage } from './python-app.js';
import type { AppRun } from './python-app.js';

const SPANS_PER_RUN = 9;

describe('real-parts harness: LangGraph app -> MLflow 3.9 /v1/traces', () => {
  const mlflowUrl = inject('mlflowUrl');
  let experimentId: string;
  let runs: AppRun[];
  let traces: Trace[];

  beforeAll(async () => {
    experimentId = await createUniqueExperiment(mlflowUrl, 'harness');
    runs = await runLanggraphApp({
      endpoint: `${mlflowUrl}/v1/traces`,
      protocol: 'http/protobuf',
      headers: { 'x-mlflow-experiment-id': experimentId },
      runs: 2,
      threadId: 'harness-thread',
      strictExport: true,
    });
    traces = await Promise.all(
      runs.map((appRun) =>
        waitForTrace(
          mlflowUrl,
          appRun.mlflow_trace_id,
          (trace) => trace.trace_info.state === 'OK' && trace.spans.length >= SPANS_PER_RUN,
        ),
      ),
    );
  });

  it('reports consistent ids and four LLM calls per run', () => {
    expect(runs).toHaveLength(2);
    for (const appRun of runs) {
      expect(appRun.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(appRun.mlflow_trace_id).toBe(`tr-${appRun.trace_id}`);
      expect(appRun.usages.map((usage) => `${usage.node}:${usage.model}`)).toEqual([
        'plan:gpt-4o-mini',
        'research:claude-3-5-haiku-20241022',
        'research:claude-3-5-haiku-20241022',
        'write:gpt-4o-mini',
      ]);
    }
    expect(runs[0]?.trace_id).not.toBe(runs[1]?.trace_id);
  });

  it('stores the trace with the expected span tree', () => {
    for (const [index, trace] of traces.entries()) {
      const appRun = runs[index]!;
      expect(trace.spans).toHaveLength(SPANS_PER_RUN);
      // Quoted id: the SDK-sent mlflow.traceRequestId wins over the server's own value (MLflow issue #23051).
      expect(toMlflowTraceId(trace.trace_info.trace_id)).toBe(appRun.mlflow_trace_id);
      expect(trace.trace_info.trace_location?.mlflow_experiment?.experiment_id).toBe(experimentId);

      const root = rootSpan(trace);
      expect(root?.name).toBe('tokenmeter_test_workflow');
      expect(spanType(root!)).toBe('WORKFLOW');
      for (const span of trace.spans) {
        expect(base64ToHex(span.trace_id)).toBe(appRun.trace_id);
        expect(typeof span.start_time_unix_nano).toBe('bigint'); // > 2^53: only a BigInt-safe parser keeps it
      }

      const byId = new Map(trace.spans.map((span) => [span.span_id, span]));
      const parentName = (name: string): string[] =>
        trace.spans
          .filter((span) => span.name === name)
          .map((span) => byId.get(span.parent_span_id ?? '')?.name ?? '<none>');
      expect(parentName('LangGraph')).toEqual(['tokenmeter_test_workflow']);
      expect(parentName('plan')).toEqual(['LangGraph']);
      expect(parentName('research')).toEqual(['LangGraph']);
      expect(parentName('write')).toEqual(['LangGraph']);
      expect(parentName('PricedFakeChatModel').sort()).toEqual(['plan', 'research', 'research', 'write']);
    }
  });

  it('records mlflow.chat.tokenUsage on CHAT_MODEL spans equal to what the app reported', () => {
    for (const [index, trace] of traces.entries()) {
      const appRun = runs[index]!;
      const chatSpans = trace.spans
        .filter((span) => spanType(span) === 'CHAT_MODEL')
        .sort((a, b) => (BigInt(a.start_time_unix_nano) < BigInt(b.start_time_unix_nano) ? -1 : 1));
      const stored = chatSpans.map((span) => {
        const metadata = spanAttribute(span, 'metadata') as Record<string, unknown>;
        const invocationParams = spanAttribute(span, 'invocation_params') as Record<string, unknown>;
        const usage = spanTokenUsage(span);
        return {
          node: metadata['langgraph_node'],
          model: invocationParams['model'],
          provider: metadata['ls_provider'],
          input_tokens: usage?.input_tokens,
          output_tokens: usage?.output_tokens,
        };
      });
      expect(stored).toEqual(appRun.usages);

      for (const span of chatSpans) {
        const metadata = spanAttribute(span, 'metadata') as Record<string, unknown>;
        expect(metadata['ls_model_name']).toBe((spanAttribute(span, 'invocation_params') as Record<string, unknown>)['model']);
        expect(metadata['thread_id']).toBe('harness-thread');
      }

      // The server sums span usage into trace metadata on ingest.
      const traceUsage = JSON.parse(trace.trace_info.trace_metadata?.['mlflow.trace.tokenUsage'] ?? '{}') as Record<
        string,
        number
      >;
      const expected = totalUsage([appRun]);
      expect(traceUsage['input_tokens']).toBe(expected.input_tokens);
      expect(traceUsage['output_tokens']).toBe(expected.output_tokens);
      expect(trace.trace_info.trace_metadata?.['mlflow.trace.session']).toBe('"harness-thread"');
    }
  });

  it('finds the traces via search', async () => {
    const result = await searchTraces(mlflowUrl, experimentId);
    const found = result.traces.map((info) => toMlflowTraceId(info.trace_id)).sort();
    expect(found).toEqual(runs.map((appRun) => appRun.mlflow_trace_id).sort());
  });
});

describe('real-parts harness: LangGraph app -> OTLP/gRPC', () => {
  it('exports every span over grpc (MLflow serves no gRPC, so a recording sink stands in)', async () => {
    const sink = await startOtlpGrpcSink();
    try {
      const [appRun] = await runLanggraphApp({
        endpoint: sink.endpoint,
        protocol: 'grpc',
        threadId: 'grpc-thread',
        strictExport: true,
      });
      const spans = await sink.spans();
      expect(spans).toHaveLength(SPANS_PER_RUN);
      expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([appRun?.trace_id]));
      // On the wire, before MLflow's server decodes them, MLflow SDK attributes are JSON-encoded strings.
      const chatSpans = spans.filter((span) => span.attributes['mlflow.spanType'] === '"CHAT_MODEL"');
      expect(chatSpans).toHaveLength(4);
      expect(chatSpans.map((span) => JSON.parse(String(span.attributes['mlflow.chat.tokenUsage'])) as unknown)).toEqual(
        appRun?.usages.map((usage) => ({
          input_tokens: usage.input_tokens,
          output_tokens: usage.output_tokens,
          total_tokens: usage.input_tokens + usage.output_tokens,
        })),
      );
      const root = spans.find((span) => span.parentSpanId === '');
      expect(root?.attributes['mlflow.traceRequestId']).toBe(`"${appRun?.mlflow_trace_id}"`);
    } finally {
      await sink.close();
    }
  });
});

describe('real-parts harness: extra MLflow servers for fault tests', () => {
  // Two server starts: ~5 s each on an idle 2-core box, 12-17 s when the machine is busy -> generous timeout.
  it('kills and restarts a private server on the same port and data', { timeout: 180_000 }, async () => {
    const server = await startMlflowServer();
    try {
      const experimentId = await createUniqueExperiment(server.url, 'fault');
      const [appRun] = await runLanggraphApp({
        endpoint: `${server.url}/v1/traces`,
        headers: { 'x-mlflow-experiment-id': experimentId },
        strictExport: true,
      });
      await waitForTrace(server.url, appRun!.mlflow_trace_id);

      await server.kill();
      expect(server.isRunning()).toBe(false);
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();

      const restarted = await server.restart();
      expect(restarted.url).toBe(server.url);
      expect((await getTrace(restarted.url, appRun!.mlflow_trace_id))?.spans).toHaveLength(SPANS_PER_RUN);
      await restarted.stop({ removeDir: true });
    } finally {
      await server.stop({ removeDir: true });
    }
  });
});
