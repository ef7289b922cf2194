/**
 * What trace assembly reads from one span: the call the CostEstimator counted on it (tokens and the cost it wrote),
 * whether it is a LangGraph node span, the LangGraph thread, and whether it is a local root. Reads only attributes,
 * so it works on spans of any convention the CostEstimator recognises.
 */
import { SpanFlags, findAttribute, numberOf } from '../../otlp/index.js';
import type { AnyValue, Span } from '../../otlp/index.js';
import { PRICING_ATTRIBUTES, TOKEN_ATTRIBUTES, USD_ATTRIBUTES } from '../../contract/attributes.js';
import { decodeNumber, decodeString, JsonFields, recognizeCallContext } from '../../recognition/index.js';
import { fromPicoUsd } from '../../pricing/index.js';
import { mlflowCostOf } from './mlflowCost.js';
import type { PicoCost } from './mlflowCost.js';

/** One model call as the CostEstimator counted it. */
export interface CountedCall {
  node: string | undefined;
  model: string | undefined;
  provider: string | undefined;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; reasoning: number };
  /** Undefined when the call is unpriced (no `mlflow.llm.cost` on the span). */
  cost: PicoCost | undefined;
  durationNs: number;
}

export function durationNs(span: Span): number {
  const duration = span.endTimeUnixNano - span.startTimeUnixNano;
  return duration > 0n ? Number(duration) : 0;
}

/**
 * A local root: no parent, or a parent in another process (flags bits 8 and 9, genai-conventions.md §7 step 4):
 * this sidecar sees only its own part of a distributed trace.
 */
export function isLocalRoot(span: Span): boolean {
  if (span.parentSpanId.length === 0) return true;
  const remoteMask = SpanFlags.CONTEXT_HAS_IS_REMOTE_MASK | SpanFlags.CONTEXT_IS_REMOTE_MASK;
  return (span.flags & remoteMask) === remoteMask;
}

/** The call the CostEstimator counted on this span (`tokenmeter.cost.counted = true`), if any. */
export function countedCallOf(span: Span): CountedCall | undefined {
  if (!isCountedCall(span)) return undefined;
  const written = writtenByCostEstimator(span);
  const call = recognizeCallContext(span);
  return {
    node: call?.node,
    // An aggregate root priced by the costestimator (no model-call span in its trace) is not recognised as a call:
    // the model and provider it was priced under are on the span.
    model: call?.model ?? decodeString(written.model),
    provider: call?.provider ?? decodeString(written.provider),
    tokens: written.tokens,
    cost: mlflowCostOf(written.cost),
    durationNs: durationNs(span),
  };
}

/** A trace's cost in USD: its total, and its input and output costs (cache in the input, reasoning in the output). */
export interface TraceCostUsd {
  total: number;
  input: number;
  output: number;
}

/**
 * The trace's cost on a root trace assembly enriched: the totals it wrote, or, on a root that is itself the trace's
 * counted call (which keeps its own split under the same keys, see `enrichRoot`), the call's cost as the trace's
 * summary counts it: MLflow's cost field (ours, or the provider's when it reported one; none when unpriced).
 */
export function rootCostUsd(span: Span): TraceCostUsd {
  const usd = (key: string): number => numberOf(findAttribute(span.attributes, key)) ?? 0;
  if (!isCountedCall(span)) return { total: usd(USD_ATTRIBUTES.total), input: usd(USD_ATTRIBUTES.input), output: usd(USD_ATTRIBUTES.output) };
  const cost = mlflowCostOf(findAttribute(span.attributes, 'mlflow.llm.cost'));
  return cost === undefined
    ? { total: 0, input: 0, output: 0 }
    : { total: fromPicoUsd(cost.totalPico), input: fromPicoUsd(cost.inputPico), output: fromPicoUsd(cost.outputPico) };
}

/** Whether the CostEstimator counted a call on this span (`tokenmeter.cost.counted = true`). */
export function isCountedCall(span: Span): boolean {
  const counted = findAttribute(span.attributes, PRICING_ATTRIBUTES.counted);
  return counted?.kind === 'bool' && counted.value;
}

/** The token count each `tokenmeter.tokens.*` key of a counted call holds. */
const TOKEN_FIELD_OF_KEY = new Map<string, keyof CountedCall['tokens']>(
  Object.entries(TOKEN_ATTRIBUTES).map(([field, key]) => [key, field as keyof CountedCall['tokens']]),
);

/**
 * What the CostEstimator wrote on a counted span, in one pass over its attributes (a model call carries ~35, and
 * looking each of eight keys up on its own compared ~280 keys).
 */
function writtenByCostEstimator(span: Span): { tokens: CountedCall['tokens']; model: AnyValue | undefined; provider: AnyValue | undefined; cost: AnyValue | undefined } {
  const written = {
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    model: undefined as AnyValue | undefined,
    provider: undefined as AnyValue | undefined,
    cost: undefined as AnyValue | undefined,
  };
  for (const { key, value } of span.attributes) {
    const field = TOKEN_FIELD_OF_KEY.get(key);
    if (field !== undefined) written.tokens[field] = decodeNumber(value) ?? 0;
    else if (key === 'mlflow.llm.model') written.model = value;
    else if (key === 'mlflow.llm.provider') written.provider = value;
    else if (key === 'mlflow.llm.cost') written.cost = value;
  }
  return written;
}

/** The LangGraph graph context of a span: the node it runs in and the thread (LangGraph `thread_id`). */
export interface GraphContext {
  node: string | undefined;
  threadId: string | undefined;
}

const NO_CONTEXT: GraphContext = { node: undefined, threadId: undefined };

/** The two LangGraph fields of a `metadata` object, read without parsing the rest (it runs on every span). */
const langGraphMetadata = new JsonFields(['langgraph_node', 'thread_id']);

/**
 * LangGraph puts `langgraph_node` and `thread_id` into the callback metadata of every span of a run: MLflow and
 * OpenInference as a `metadata` JSON object, LangSmith as `langsmith.metadata.*`, OpenLLMetry as
 * `traceloop.association.properties.*`. Metadata can be large, so only its two fields are read, and only when it
 * mentions LangGraph.
 */
export function graphContextOf(span: Span): GraphContext {
  let context = NO_CONTEXT;
  for (const { key, value } of span.attributes) {
    if (key === 'metadata') {
      if (value.kind === 'string' && !value.value.includes('langgraph_')) continue;
      langGraphMetadata.read(value);
      context = {
        node: langGraphMetadata.string('langgraph_node') ?? context.node,
        threadId: langGraphMetadata.string('thread_id') ?? context.threadId,
      };
    } else if (key === 'langsmith.metadata.langgraph_node' || key === 'traceloop.association.properties.langgraph_node') {
      context = { ...context, node: decodeString(value) ?? context.node };
    } else if (key === 'langsmith.metadata.thread_id' || key === 'traceloop.association.properties.thread_id') {
      context = { ...context, threadId: decodeString(value) ?? context.threadId };
    }
  }
  return context;
}

/** LangGraph's own start and end markers are not nodes of the workflow. */
const PSEUDO_NODES = new Set(['__start__', '__end__']);

/**
 * The node this span is the node span of: a span whose node equals its own name (metadata is inherited by every
 * span inside the node, so only this equality tells the node span itself), or OpenLLMetry's `execute_task {node}`.
 */
export function nodeSpanOf(span: Span, context: GraphContext): string | undefined {
  const node = context.node;
  if (node === undefined || PSEUDO_NODES.has(node)) return undefined;
  return span.name === node || span.name === `execute_task ${node}` ? node : undefined;
}

/**
 * Keys from which MLflow adds to its trace totals on ingest (mlflow-wire.md §2.5, §4): its own usage and cost, and
 * the token counts its OTel translators read on any span (`_TRANSLATORS` in `mlflow/tracing/otel/translation`, 3.9
 * and 3.17). A span carrying any of them must not be sent twice, or MLflow counts its tokens or cost twice. Each key
 * counts alone: 3.9 takes a translator's counts when input and output are both there, 3.17 when any one of input,
 * output or total is. Cache counts never count alone, and the AI SDK's `ai.usage.*` and OpenInference's `llm.cost.*`
 * are read by no translator.
 */
const ADDITIVE_KEYS: ReadonlySet<string> = new Set([
  'mlflow.chat.tokenUsage',
  'mlflow.llm.cost',
  // OpenInference
  'llm.token_count.prompt',
  'llm.token_count.completion',
  'llm.token_count.total',
  // OTel GenAI, Spring AI, Laminar
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  // OpenLLMetry
  'gen_ai.usage.prompt_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.usage.total_tokens',
  // VoltAgent
  'usage.prompt_tokens',
  'usage.completion_tokens',
  'usage.total_tokens',
  'llm.usage.prompt_tokens',
  'llm.usage.completion_tokens',
  // Claude Code (3.17): read only on its `llm_request` spans, taken on any span here, erring towards not re-sending
  'input_tokens',
  'output_tokens',
]);

export function carriesAdditiveTotals(span: Span): boolean {
  return span.attributes.some(({ key }) => ADDITIVE_KEYS.has(key));
}

/** Whether the span carries token usage that MLflow's translators read (the keys above but the cost). */
export function carriesMlflowTokenUsage(span: Span): boolean {
  return span.attributes.some(({ key }) => key !== 'mlflow.llm.cost' && ADDITIVE_KEYS.has(key));
}
