/**
 * The whole path with real parts: a LangGraph app traced by mlflow.langchain.autolog() exports OTLP/HTTP protobuf to
 * the tokenmeter CLI, which forwards to a real MLflow 3.9 server; MLflow's REST API must then show the trace whole.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  base64ToHex,
  createUniqueExperiment,
  rootSpan,
  spanAttribute,
  searchTraces,
  spanTokenUsage,
  spanType,
  waitForTrace,
} from '../harness/mlflow-client.js';
import type { Trace } from '../harness/mlflow-client.js';
import { getFreePort } from '../harness/ports.js';
import { runLanggraphApp } from '../harness/python-app.js';
import type { AppRun } from '../harness/python-app.js';
import { startTokenmeter } from './tokenmeter-process.js';
import type { TokenmeterProcess } from './tokenmeter-process.js';

const mlflowUrl = inject('mlflowUrl');

/**
 * Published list prices in USD per million tokens, for the models the test app calls.
 * gpt-4o-mini: openai.com/api/pricing — $0.15 input, $0.60 output.
 * claude-3-5-haiku-20241022: anthropic.com/pricing (Claude Haiku 3.5) — $0.80 input, $4.00 output.
 */
const PUBLISHED_PRICE_PER_MTOK: Record<string, { input: number; output: number }> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'claude-3-5-haiku-20241022': { input: 0.8, output: 4.0 },
};

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
      processors: { costestimator: {} },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator'], exporters: ['mlflow'] } } },
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

  it('prices every chat-model span: mlflow.llm.cost equals the published price of its usage', () => {
    for (const run of runs) {
      const chatSpans = traces.get(run.trace_id)!.spans.filter((span) => spanType(span) === 'CHAT_MODEL');
      const seen = chatSpans.map((span) => {
        const usage = spanTokenUsage(span)!;
        const model = spanAttribute(span, 'mlflow.llm.model') as string;
        const price = PUBLISHED_PRICE_PER_MTOK[model]!;
        expect(price, `a published price for ${model}`).toBeDefined();
        // Sent as a JSON string; MLflow strips one JSON layer when it stores attributes, so it may come back as an object.
        const stored = spanAttribute(span, 'mlflow.llm.cost');
        const cost = (typeof stored === 'string' ? JSON.parse(stored) : stored) as Record<string, number>;
        const input = (usage.input_tokens * price.input) / 1e6;
        const output = (usage.output_tokens * price.output) / 1e6;
        expect(cost.input_cost).toBeCloseTo(input, 12);
        expect(cost.output_cost).toBeCloseTo(output, 12);
        expect(cost.total_cost).toBeCloseTo(input + output, 12);
        expect(spanAttribute(span, 'tokenmeter.cost.status')).toBe('priced');
        return { model, input_tokens: usage.input_tokens, output_tokens: usage.output_tokens };
      });
      // The spans priced are exactly the calls the app made.
      const key = (u: { model: string; input_tokens: number; output_tokens: number }) => `${u.model}/${u.input_tokens}/${u.output_tokens}`;
      expect(seen.map(key).sort()).toEqual(run.usages.map(key).sort());
    }
  });

  it('writes a cost only on the leaf LLM spans', () => {
    for (const run of runs) {
      const priced = traces.get(run.trace_id)!.spans.filter((span) => spanAttribute(span, 'mlflow.llm.cost') !== undefined);
      expect(priced.map(spanType)).toEqual(run.usages.map(() => 'CHAT_MODEL'));
    }
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
