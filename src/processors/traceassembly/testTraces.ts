/** Builders for LangGraph traces as MLflow autolog exports them, shared by the tests and the memory benchmark. */
import type { Span } from '../../otlp/index.js';
import { makeSpan, mlflowAttributes } from '../../recognition/testSpans.js';

export interface SpanTiming {
  /** Milliseconds after the trace's start. */
  startMs: number;
  durationMs: number;
}

const TRACE_START_NS = BigInt(Date.parse('2025-09-01T12:00:00Z')) * 1_000_000n;

export function timed(span: Span, { startMs, durationMs }: SpanTiming): Span {
  span.startTimeUnixNano = TRACE_START_NS + BigInt(startMs) * 1_000_000n;
  span.endTimeUnixNano = span.startTimeUnixNano + BigInt(durationMs) * 1_000_000n;
  return span;
}

export function workflowRoot(trace: string, timing: SpanTiming, extra: Record<string, unknown> = {}): Span {
  return timed(
    makeSpan({ trace, id: 'root', name: 'tokenmeter_test_workflow', attributes: mlflowAttributes({ 'mlflow.spanType': 'WORKFLOW', ...extra }) }),
    timing,
  );
}

/** A LangGraph node span: its `langgraph_node` metadata equals its own name. */
export function nodeSpan(trace: string, node: string, timing: SpanTiming, threadId = 'thread-1'): Span {
  return timed(
    makeSpan({
      trace,
      id: `n-${node}`,
      parent: 'root',
      name: node,
      attributes: mlflowAttributes({ 'mlflow.spanType': 'CHAIN', metadata: { langgraph_node: node, langgraph_step: 1, thread_id: threadId } }),
    }),
    timing,
  );
}

export interface ChatCall {
  id: string;
  node: string;
  model: string;
  provider: string;
  input: number;
  output: number;
}

/** A chat-model span inside a node, as LangChain autolog writes it. */
export function chatSpan(trace: string, call: ChatCall, timing: SpanTiming, threadId = 'thread-1'): Span {
  return timed(
    makeSpan({
      trace,
      id: call.id,
      parent: `n-${call.node}`,
      name: `Chat ${call.model}`,
      attributes: mlflowAttributes({
        'mlflow.spanType': 'CHAT_MODEL',
        'mlflow.chat.tokenUsage': { input_tokens: call.input, output_tokens: call.output, total_tokens: call.input + call.output },
        invocation_params: { model: call.model, _type: `${call.provider}-chat` },
        metadata: { langgraph_node: call.node, thread_id: threadId, ls_provider: call.provider, ls_model_name: call.model },
      }),
    }),
    timing,
  );
}
