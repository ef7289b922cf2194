/**
 * Recognition (genai-conventions.md §7): is this span a model call, which model and provider, how many tokens,
 * which LangGraph node, any cost the provider already reported. Pure and allocation-light: it runs on every span.
 *
 * JSON-encoded values are decoded wherever they appear rather than only on MLflow-origin spans (§7 step 0): an
 * unquoted string decodes to itself, so one rule serves every convention and no origin check is needed.
 */
import type { InstrumentationScope, Resource, Span } from '../../otlp/index.js';
import type { TokenUsage } from '../../pricing/index.js';
import { normaliseProvider } from './providers.js';
import { SpanView } from './spanView.js';
import type { Key } from './spanView.js';
import { hasUsage, normaliseTokens, readTokenCounts } from './tokens.js';
import { decodeNumber, decodeObject, decodeString, stringField, toNumber } from './values.js';
import type { JsonObject } from './values.js';

export type SpanClass = 'llm' | 'embedding' | 'structural' | 'other';

export interface ReportedCost {
  /** Where it was found: `mlflow.llm.cost` or OpenInference `llm.cost.*`. */
  source: 'mlflow' | 'openinference';
  inputUsd: number | undefined;
  outputUsd: number | undefined;
  totalUsd: number;
}

/** One model call as recognised on one span. */
export interface LlmCall {
  operation: 'chat' | 'embeddings';
  /** As on the wire, response model over request model. */
  model: string | undefined;
  /** Canonical OTel `gen_ai.provider.name`. */
  provider: string | undefined;
  /** Inclusive token counts; undefined when the span reports no usage (e.g. streaming without usage). */
  tokens: TokenUsage | undefined;
  serviceTier: string | undefined;
  reportedCost: ReportedCost | undefined;
  /** The LangGraph node the call ran in, from inherited metadata. */
  node: string | undefined;
  responseId: string | undefined;
  /** Whether the span already carries `mlflow.llm.model` / `mlflow.llm.provider`. */
  hasMlflowModel: boolean;
  hasMlflowProvider: boolean;
  /** The span was already priced by a tokenmeter (a replay): leave it alone. */
  alreadyPriced: boolean;
}

const view = new SpanView();

const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'completion', 'generate', 'response']);
const STRUCTURAL_OPERATIONS = new Set([
  'invoke_agent', 'create_agent', 'agent_step', 'plan', 'invoke_workflow', 'handle_conversation_turn',
  'execute_tool', 'execute_task', 'retrieval', 'vector_db_retrieve', 'rerank',
  'search_memory', 'create_memory', 'update_memory', 'upsert_memory', 'delete_memory', 'create_memory_store', 'delete_memory_store',
]);
const AI_SDK_WRAPPERS = new Set([
  'ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject', 'ai.embed', 'ai.embedMany', 'ai.toolCall',
]);

/** A kind named by an MLflow span type, OpenInference kind or LangSmith run type (case-insensitive). */
function classifyNamedKind(kind: string): SpanClass {
  switch (kind.toUpperCase()) {
    case 'LLM':
    case 'CHAT_MODEL':
      return 'llm';
    case 'EMBEDDING':
      return 'embedding';
    default:
      return 'structural';
  }
}

/** §7 step 1: the first rule that fires wins. */
export function classify(current: SpanView): SpanClass {
  const openinference = decodeString(current.get('openinference.span.kind'));
  if (openinference !== undefined) return classifyNamedKind(openinference);
  const mlflow = decodeString(current.get('mlflow.spanType'));
  if (mlflow !== undefined) return classifyNamedKind(mlflow);
  const langsmith = decodeString(current.get('langsmith.span.kind'));
  if (langsmith !== undefined) return classifyNamedKind(langsmith);
  const traceloop = decodeString(current.get('traceloop.span.kind'));
  if (traceloop !== undefined && traceloop !== 'unknown') return 'structural';

  const operationId = decodeString(current.get('ai.operationId'));
  if (operationId !== undefined) {
    if (operationId.endsWith('.doGenerate') || operationId.endsWith('.doStream')) return 'llm';
    if (operationId.endsWith('.doEmbed')) return 'embedding';
    if (AI_SDK_WRAPPERS.has(operationId)) return 'structural';
  }

  const operation = decodeString(current.get('gen_ai.operation.name'));
  if (operation !== undefined) {
    if (LLM_OPERATIONS.has(operation)) return 'llm';
    if (operation === 'embeddings') return 'embedding';
    if (STRUCTURAL_OPERATIONS.has(operation)) return 'structural';
    // MLflow's GenAI-semconv mode passes its other span types through upper-case (`CHAIN`, `RETRIEVER`).
    if (operation === operation.toUpperCase()) return classifyNamedKind(operation);
  }

  const requestType = decodeString(current.get('llm.request.type'));
  if (requestType === 'chat' || requestType === 'completion') return 'llm';
  if (requestType === 'embedding') return 'embedding';

  // Fallback (Langfuse's model-based mapper): a model and some usage make a model call.
  return modelOf(current, undefined, undefined) !== undefined && hasUsage(readTokenCounts(current)) ? 'llm' : 'other';
}

const MODEL_KEYS_BEFORE_METADATA: readonly Key[] = [
  'gen_ai.response.model', 'llm.response.model_name', 'llm.model_name', 'ai.response.model',
  'gen_ai.request.model', 'llm.request.model_name', 'ai.model.id', 'mlflow.llm.model',
];

/** §7 step 2, model: response over request, then LangChain metadata and invocation params. */
function modelOf(current: SpanView, metadata: JsonObject | undefined, invocation: JsonObject | undefined): string | undefined {
  for (const key of MODEL_KEYS_BEFORE_METADATA) {
    const model = decodeString(current.get(key));
    if (model !== undefined) return model;
  }
  return (
    stringField(metadata, 'ls_model_name') ??
    stringField(invocation, 'model') ??
    stringField(invocation, 'model_name') ??
    decodeString(current.get('langsmith.metadata.ls_model_name'))
  );
}

/** §7 step 2, provider: the first source that names a real provider (frameworks like `langchain` are skipped). */
function providerOf(current: SpanView, metadata: JsonObject | undefined): string | undefined {
  const candidates = [
    decodeString(current.get('gen_ai.provider.name')),
    decodeString(current.get('gen_ai.system')),
    decodeString(current.get('llm.provider')) ?? decodeString(current.get('llm.system')),
    decodeString(current.get('mlflow.llm.provider')),
    stringField(metadata, 'ls_provider'),
    decodeString(current.get('langsmith.metadata.ls_provider')),
    decodeString(current.get('ai.model.provider')),
  ];
  for (const raw of candidates) {
    if (raw === undefined) continue;
    const provider = normaliseProvider(raw);
    if (provider !== undefined) return provider;
  }
  return undefined;
}

function serviceTierOf(current: SpanView, invocation: JsonObject | undefined, openinferenceParams: JsonObject | undefined): string | undefined {
  return (
    decodeString(current.get('openai.response.service_tier')) ??
    decodeString(current.get('gen_ai.openai.response.service_tier')) ??
    decodeString(current.get('openai.request.service_tier')) ??
    decodeString(current.get('gen_ai.openai.request.service_tier')) ??
    stringField(invocation, 'service_tier') ??
    stringField(openinferenceParams, 'service_tier')
  );
}

function reportedCostOf(current: SpanView): ReportedCost | undefined {
  const mlflowCost = current.get('mlflow.llm.cost');
  if (mlflowCost !== undefined) {
    const cost = decodeObject(mlflowCost);
    const total = toNumber(cost?.['total_cost']);
    if (cost !== undefined && total !== undefined) {
      return { source: 'mlflow', inputUsd: toNumber(cost['input_cost']), outputUsd: toNumber(cost['output_cost']), totalUsd: total };
    }
  }
  const total = decodeNumber(current.get('llm.cost.total'));
  if (total !== undefined) {
    return {
      source: 'openinference',
      inputUsd: decodeNumber(current.get('llm.cost.prompt')),
      outputUsd: decodeNumber(current.get('llm.cost.completion')),
      totalUsd: total,
    };
  }
  return undefined;
}

/** Parses a JSON attribute only when it might hold what we look for (metadata can be large). */
function objectIfMentions(current: SpanView, key: Key, needle: string): JsonObject | undefined {
  const value = current.get(key);
  if (value === undefined) return undefined;
  if (value.kind === 'string' && !value.value.includes(needle)) return undefined;
  return decodeObject(value);
}

/**
 * The model call on a span, or undefined when the span is not an LLM or embedding call. Resource and scope are
 * accepted for callers that identify the source (§8); recognition itself does not need them.
 */
export function recognizeSpan(span: Span, _resource?: Resource, _scope?: InstrumentationScope): LlmCall | undefined {
  view.load(span.attributes);
  const spanClass = classify(view);
  if (spanClass !== 'llm' && spanClass !== 'embedding') return undefined;

  const metadata = decodeObject(view.get('metadata'));
  const invocation = decodeObject(view.get('invocation_params'));
  const openinferenceParams = objectIfMentions(view, 'llm.invocation_parameters', 'service_tier');
  const counts = readTokenCounts(view);
  return {
    operation: spanClass === 'llm' ? 'chat' : 'embeddings',
    model: modelOf(view, metadata, invocation),
    provider: providerOf(view, metadata),
    tokens: hasUsage(counts) ? normaliseTokens(counts) : undefined,
    serviceTier: serviceTierOf(view, invocation, openinferenceParams),
    reportedCost: reportedCostOf(view),
    node:
      stringField(metadata, 'langgraph_node') ??
      decodeString(view.get('langsmith.metadata.langgraph_node')) ??
      decodeString(view.get('traceloop.association.properties.langgraph_node')),
    responseId: decodeString(view.get('gen_ai.response.id')) ?? decodeString(view.get('ai.response.id')),
    hasMlflowModel: view.has('mlflow.llm.model'),
    hasMlflowProvider: view.has('mlflow.llm.provider'),
    alreadyPriced: view.has('tokenmeter.cost.status'),
  };
}
