/**
 * The whole path with real parts: a LangGraph app traced by mlflow.langchain.autolog() exports OTLP/HTTP protobuf to
 * the tokenmeter CLI, which forwards to a real MLflow 3.9 server; MLflow's REST API must then show the trace whole.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  base64ToHex,
  createUniqueExperiment,
  rootSpan,
  searchTraces,
  spanType,
  waitForTrace,
} from '../harness/mlflow-client.js';
import type { Trace } from '../harness/mlflow-client.js';
import { getFreePort } from '../harness/mlflow-server.js';
import { runLanggraphApp } from '../harness/python-app.js';
import type { AppRun } from '../harness/python-app.js';
import { startTokenmeter } from './tokenmeter-process.js';
import type { TokenmeterProcess } from './tokenmeter-process.js';

const mlflowUrl = inject('mlflowUrl');

describe('LangGraph app → tokenmeter → MLflow 3.9', () => {
  let experimentId: string;
  let tokenmeter: TokenmeterProcess;
  let runs: AppRun[];
  const traces = new Map<string, Trace>();

  beforeAll(async () => {
    experimentId = await createUniqueExperiment(mlflowUrl, 'e2e-langgraph');
    const port = await getFreePort();
    tokenmeter = await startTokenmeter({
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
      exporters: { mlflow: { tracking_uri: mlflowUrl, experiment_id: experimentId } },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['mlflow'] } } },
    });
    runs = await runLanggraphApp({ endpoint: `http://127.0.0.1:${port}/v1/traces`, runs: 2, threadId: 'thread-e2e' });
    for (const run of runs) {
      // Wait for the whole trace: the root is exported last, after its children.
      traces.set(run.trace_id, await waitForTrace(mlflowUrl, run.mlflow_trace_id, (trace) => trace.trace_info.state === 'OK'));
    }
  }, 240_000);

  afterAll(async () => {
    const code = await tokenmeter?.stop();
    expect(code).toBe(0);
  });

  it('stores each trace under its plain id: the JSON-quoted mlflow.traceRequestId the SDK sends is dropped', () => {
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      const trace = traces.get(run.trace_id)!;
      expect(trace.trace_info.trace_id).toBe(`tr-${run.trace_id}`);
      expect(trace.trace_info.state).toBe('OK');
      expect(rootSpan(trace)?.name).toBeTruthy();
    }
  });

  it('keeps every span with the right parent links', () => {
    for (const run of runs) {
      const trace = traces.get(run.trace_id)!;
      const ids = new Set(trace.spans.map((span) => base64ToHex(span.span_id)));
      const roots = trace.spans.filter((span) => !span.parent_span_id);
      expect(roots).toHaveLength(1);
      for (const span of trace.spans) {
        expect(base64ToHex(span.trace_id)).toBe(run.trace_id);
        if (span.parent_span_id) expect(ids.has(base64ToHex(span.parent_span_id))).toBe(true);
      }
      // One chat-model span per LLM call the app made, each under the node that made it.
      const chatSpans = trace.spans.filter((span) => spanType(span) === 'CHAT_MODEL');
      expect(chatSpans).toHaveLength(run.usages.length);
      const byId = new Map(trace.spans.map((span) => [span.span_id, span]));
      const nodesOfChatSpans = chatSpans.map((span) => {
        let current = span;
        while (current.parent_span_id && !run.usages.some((usage) => usage.node === current.name)) {
          current = byId.get(current.parent_span_id)!;
        }
        return current.name;
      });
      expect(nodesOfChatSpans.sort()).toEqual(run.usages.map((usage) => usage.node).sort());
    }
  });

  it('stores span types as plain strings: MLflow finds the chat-model spans by type', async () => {
    const found = await searchTraces(mlflowUrl, experimentId, { filter: "span.type = 'CHAT_MODEL'" });
    expect(found.traces.map((trace) => trace.trace_id).sort()).toEqual(runs.map((run) => `tr-${run.trace_id}`).sort());
    const workflowRoots = await searchTraces(mlflowUrl, experimentId, { filter: "span.type = 'WORKFLOW'" });
    expect(workflowRoots.traces).toHaveLength(2);
  });

  it('keeps the token usage MLflow needs for its own totals', () => {
    for (const run of runs) {
      const trace = traces.get(run.trace_id)!;
      const totalInput = run.usages.reduce((sum, usage) => sum + usage.input_tokens, 0);
      const usage = JSON.parse(trace.trace_info.trace_metadata?.['mlflow.trace.tokenUsage'] ?? '{}') as { input_tokens?: number };
      expect(usage.input_tokens).toBe(totalInput);
    }
  });
});
