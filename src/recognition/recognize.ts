/**
 * Recognition (genai-conventions.md §7): is this span a model call, which model and provider, how many tokens,
 * which LangGraph node, any cost the provider already reported. Pure and allocation-light: it runs on every span.
 *
 * JSON-encoded values are decoded wherever they appear rather than only on MLflow-origin spans (§7 step 0): an
 * unquoted string decodes to itself, so one rule serves every convention and no origin check is needed.
 */
import { PRICING_ATTRIBUTES } from '../contract/attributes.js';
import { findAttribute } from '../otlp/index.js';
import type { AnyValue, InstrumentationScope, Resource, Span } from '../otlp/index.js';
import type { TokenUsage } from '../pricing/index.js';
import { normaliseProvider, providerOfModelId, providerOfRoute, providerOfServer } from './providers.js';
import { keyGroup, SLOTS, slotsOf, SpanView } from './spanView.js';
import { JsonFields, lastObject, lastString } from './jsonFields.js';
import { MlflowClientCall } from './mlflowClients.js';
import {
  CACHE_WRITE_MAY_BE_OUTSIDE_INPUT,
  hasUsage,
  invalidTokenCount,
  isLiteLlmSpan,
  langSmithCompletion,
  normaliseTokens,
  ONLY_ZERO_COUNTS,
  onlyZeroCounts,
  readAnthropicCompactionsFromMetadata,
  readAnthropicUsageFromOutput,
  readLangSmithUsageFromCompletion,
  readLiteLlmUsageObject,
  readMlflowClientUsage,
  readOpenRouterCostFromOutput,
  readOpenRouterCostFromProviderMetadata,
  readTokenCounts,
  readVercelProviderUsage,
  REASONING_OUTSIDE_OUTPUT,
  reasoningCountedByAiSdk,
  THINKING_MAY_BE_LEFT_OUT,
  unclassifiedTokens,
  usageCost,
  withUnclassifiedAsInput,
} from './tokens.js';
import { decodeNumber, decodeString, mayHold } from './values.js';

export type SpanClass = 'llm' | 'embedding' | 'structural' | 'other';

export interface ReportedCost {
  /**
   * Where it was found: `mlflow.llm.cost`, OpenInference `llm.cost.*`, LiteLLM's `response_cost` (its MLflow spans), or
   * the usage of the provider's response the span keeps (OpenRouter's `usage.cost`).
   */
  source: 'mlflow' | 'openinference' | 'litellm' | 'response';
  inputUsd: number | undefined;
  outputUsd: number | undefined;
  totalUsd: number;
}

export type CallLayer = 'framework' | 'client';

/** One model call as recognised on one span. */
export interface LlmCall {
  operation: 'chat' | 'embeddings';
  /** As on the wire, response model over request model. */
  model: string | undefined;
  /** Canonical OTel `gen_ai.provider.name`. */
  provider: string | undefined;
  /**
   * Inclusive token counts; undefined when the span reports no usage (e.g. streaming without usage), or counts that are
   * not whole numbers of tokens.
   */
  tokens: TokenUsage | undefined;
  /**
   * Why the usage the span reports cannot be priced, when it cannot: a negative or fractional count (no `tokens`
   * then), or tokens no count classifies (`tokens` then count them in the input, where cache reads and writes are).
   */
  invalidUsage: string | undefined;
  serviceTier: string | undefined;
  reportedCost: ReportedCost | undefined;
  /** The LangGraph node the call ran in, from inherited metadata. */
  node: string | undefined;
  responseId: string | undefined;
  /**
   * For an OpenInference span, which of a call's two spans it is when a framework and the provider's client are both
   * instrumented: `framework` when its output is LangChain's result, `client` otherwise (see `CallMemory.claim`).
   */
  layer: CallLayer | undefined;
  /** Whether the span already carries `mlflow.llm.model` / `mlflow.llm.provider`. */
  hasMlflowModel: boolean;
  hasMlflowProvider: boolean;
  /** The span was already priced by a tokenmeter (a replay): leave it alone. */
  alreadyPriced: boolean;
  /** Not a model call but an agent, workflow or wrapper span reporting usage for everything below it (§7 step 3.4). */
  aggregate: boolean;
}

const view = new SpanView();
/** LangChain callback metadata (MLflow, OpenInference): model, provider and LangGraph node. */
const metadata = new JsonFields(['ls_model_name', 'ls_provider', 'langgraph_node']);
/**
 * LangChain `invocation_params` (MLflow) and OpenInference `llm.invocation_parameters`. Often large (tool schemas),
 * and needed only for a model nothing else names or a service tier they mention: read on demand.
 */
const invocation = new JsonFields(['model', 'model_name', 'service_tier']);
const openinferenceParams = new JsonFields(['model', 'service_tier']);
let invocationRead = false;
let openinferenceParamsRead = false;
/** The MLflow client autolog's call on the span (model and provider only in its inputs, outputs and format). */
const mlflowClient = new MlflowClientCall();

function invocationParams(): JsonFields<'model' | 'model_name' | 'service_tier'> {
  if (!invocationRead) invocation.read(view.at(SLOTS['invocation_params']));
  invocationRead = true;
  return invocation;
}

/** OpenInference's `llm.invocation_parameters`, read on demand as `invocationParams` is. */
function openInferenceParams(): JsonFields<'model' | 'service_tier'> {
  if (!openinferenceParamsRead) openinferenceParams.read(view.at(SLOTS['llm.invocation_parameters']));
  openinferenceParamsRead = true;
  return openinferenceParams;
}

/**
 * The part of `service_tier` looked for in invocation parameters (hundreds of bytes on every LangChain model call):
 * V8 finds a short pattern by its first character, and `_` is rare in JSON where `s` is everywhere (~2.5× faster).
 */
const TIER_PART = '_tier';
const mlflowCost = new JsonFields(['input_cost', 'output_cost', 'total_cost']);

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
  const upper = kind.toUpperCase();
  return classifyKindIn(upper, 0, upper.length);
}

/** The class of the ASCII kind in `text[start, end)`, ignoring case. */
function classifyKindIn(text: string, start: number, end: number): SpanClass {
  if (sameLetters(text, start, end, 'LLM') || sameLetters(text, start, end, 'CHAT_MODEL')) return 'llm';
  if (sameLetters(text, start, end, 'EMBEDDING')) return 'embedding';
  return 'structural';
}

/**
 * `classifyNamedKind(decodeString(value))`, read in place for the common spellings: a kind on every span, often
 * JSON-quoted (MLflow's `"CHAIN"`), needs no unquoted or upper-cased copy. Escaped or non-ASCII text takes the
 * general path, so the answer is always the same.
 */
function namedKindOf(value: AnyValue | undefined): SpanClass | undefined {
  if (value === undefined || value.kind !== 'string') return undefined;
  const text = value.value;
  let start = 0;
  let end = text.length;
  if (end >= 2 && text.charCodeAt(0) === 34 /* " */) {
    if (end === 2 || text.indexOf('"', 1) !== end - 1 || text.indexOf('\\') >= 0) return namedKindOfDecoded(value);
    start = 1;
    end--;
  }
  if (end === start) return undefined;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) > 127) return namedKindOfDecoded(value);
  return classifyKindIn(text, start, end);
}

function namedKindOfDecoded(value: AnyValue): SpanClass | undefined {
  const decoded = decodeString(value);
  return decoded === undefined ? undefined : classifyNamedKind(decoded);
}

/** Whether `text[start, end)` is `upper`, ASCII letters compared ignoring case. */
function sameLetters(text: string, start: number, end: number, upper: string): boolean {
  if (end - start !== upper.length) return false;
  for (let i = start; i < end; i++) {
    let code = text.charCodeAt(i);
    if (code >= 97 && code <= 122) code -= 32;
    if (code !== upper.charCodeAt(i - start)) return false;
  }
  return true;
}

/** §7 step 1: the first rule that fires wins. */
export function classify(current: SpanView): SpanClass {
  const openInferenceKind = current.at(SLOTS['openinference.span.kind']);
  const named =
    namedKindOf(openInferenceKind) ??
    namedKindOf(current.at(SLOTS['mlflow.spanType'])) ??
    namedKindOf(current.at(SLOTS['langsmith.span.kind']));
  if (named === 'structural' && current.hasAny(OPENINFERENCE_COUNT_KEYS) && isModelRunNamedAgent(current, openInferenceKind)) return 'llm';
  if (named !== undefined) return named;
  const traceloop = decodeString(current.at(SLOTS['traceloop.span.kind']));
  if (traceloop !== undefined && traceloop !== 'unknown') return 'structural';

  const operationId = decodeString(current.at(SLOTS['ai.operationId']));
  if (operationId !== undefined) {
    if (operationId.endsWith('.doGenerate') || operationId.endsWith('.doStream')) return 'llm';
    if (operationId.endsWith('.doEmbed')) return 'embedding';
    if (AI_SDK_WRAPPERS.has(operationId)) return 'structural';
  }

  const operation = decodeString(current.at(SLOTS['gen_ai.operation.name']));
  if (operation !== undefined) {
    if (LLM_OPERATIONS.has(operation)) return 'llm';
    if (operation === 'embeddings') return 'embedding';
    if (STRUCTURAL_OPERATIONS.has(operation)) return 'structural';
    // MLflow's GenAI-semconv mode passes its other span types through upper-case (`CHAIN`, `RETRIEVER`).
    if (operation === operation.toUpperCase()) return classifyNamedKind(operation);
  }

  const requestType = decodeString(current.at(SLOTS['llm.request.type']));
  if (requestType === 'chat' || requestType === 'completion') return 'llm';
  if (requestType === 'embedding') return 'embedding';

  // Fallback (Langfuse's model-based mapper): a model and some usage make a model call.
  const model = modelBeforeMetadata(current) ?? decodeString(current.at(SLOTS['langsmith.metadata.ls_model_name']));
  return model !== undefined && hasUsage(readTokenCounts(current)) ? 'llm' : 'other';
}

/** OpenInference's token counts, which its LangChain instrumentor writes on model runs only (from their `LLMResult`). */
const OPENINFERENCE_COUNT_KEYS = keyGroup(slotsOf(['llm.token_count.prompt', 'llm.token_count.completion', 'llm.token_count.total']));

/**
 * Whether an OpenInference span with token counts is a model run its LangChain instrumentor calls an agent: it names
 * any run `AGENT` whose name contains "agent" (§5.3), a chat model's (`planner_agent_llm`) too. Such a span has a
 * model as well; an agent's own counts come without one (smolagents' run span: the run's totals).
 */
function isModelRunNamedAgent(current: SpanView, openInferenceKind: AnyValue | undefined): boolean {
  return decodeString(openInferenceKind)?.toUpperCase() === 'AGENT' && modelBeforeMetadata(current) !== undefined;
}

const MODEL_SLOTS_BEFORE_METADATA: readonly number[] = slotsOf([
  'gen_ai.response.model', 'llm.response.model_name', 'llm.model_name', 'embedding.model_name', 'ai.response.model',
  'gen_ai.request.model', 'llm.request.model_name', 'ai.model.id', 'mlflow.llm.model',
]);

const MODEL_KEYS = keyGroup(MODEL_SLOTS_BEFORE_METADATA);

function modelBeforeMetadata(current: SpanView): string | undefined {
  if (!current.hasAny(MODEL_KEYS)) return undefined;
  for (const slot of MODEL_SLOTS_BEFORE_METADATA) {
    const model = known(decodeString(current.at(slot)));
    if (model !== undefined) return model;
  }
  return undefined;
}

/**
 * OpenLLMetry's LangChain handler writes `unknown` as the request and response model when it cannot tell (and puts
 * LangChain's `ls_model_name` in its association properties): no model at all, so the next source is read.
 */
function known(model: string | undefined): string | undefined {
  return model !== undefined && model.length === 7 && model.toLowerCase() === 'unknown' ? undefined : model;
}

/** §7 step 2, model: response over request, then LangChain metadata (read already) and invocation params. */
function modelOf(current: SpanView): string | undefined {
  return boundedName(
    modelBeforeMetadata(current) ??
      known(metadata.string('ls_model_name')) ??
      known(invocationParams().string('model')) ??
      known(invocationParams().string('model_name')) ??
      known(decodeString(current.at(SLOTS['langsmith.metadata.ls_model_name']))) ??
      known(decodeString(current.at(SLOTS['traceloop.association.properties.ls_model_name']))) ??
      known(decodeString(current.at(SLOTS['model']))) ??
      known(mlflowClient.model()) ??
      // OpenInference's client span of a call that failed names the model asked for only here.
      (current.at(SLOTS['llm.invocation_parameters']) === undefined ? undefined : known(openInferenceParams().string('model'))),
  );
}

/**
 * Longer than any model or provider name (a Bedrock inference-profile ARN is ~100 characters). A longer one is something
 * else in the wrong attribute (a prompt, say): cut, so that nothing downstream holds it whole. Whole, such names stayed
 * in the price lookups' cache for the life of the process, and in the ledger and the metric labels: ad hoc, 600 calls
 * of 1 MB names made a 480 MB /metrics page and a 1.8 GB ledger.
 */
export const MAX_NAME_LENGTH = 256;

function boundedName(name: string | undefined): string | undefined {
  return name === undefined || name.length <= MAX_NAME_LENGTH ? name : `${name.slice(0, MAX_NAME_LENGTH)}…`;
}

/**
 * The model that answered, where an MLflow span names only the one asked for but keeps the response: on Azure OpenAI
 * the one asked for is a deployment's name (`prod-chat`) that no price list knows. MLflow's LangChain autolog keeps
 * LangChain's result, whose `llm_output` names it (`model_name`; ChatAnthropic's `model`); its openai autolog keeps
 * OpenAI's response (chat, Responses API, embeddings), whose top-level `model` does. For the CostEstimator to price such
 * a call by: read only when the model asked for has no price, since finding it costs a search of the outputs.
 */
export function answeringModelOf(span: Span): string | undefined {
  const outputs = findAttribute(span.attributes, 'mlflow.spanOutputs');
  if (outputs?.kind !== 'string') return undefined;
  let model: unknown;
  if (LANGCHAIN_RESULT_ENDS.some((end) => outputs.value.endsWith(end))) {
    const llmOutput = lastObject<{ model_name?: unknown; model?: unknown }>(outputs.value, '"llm_output"');
    model = llmOutput?.model_name ?? llmOutput?.model;
  } else if (responseModel.read(outputs)) {
    model = responseModel.string('model');
  }
  return typeof model === 'string' && model.length > 0 ? boundedName(model) : undefined;
}

const responseModel = new JsonFields(['model']);

/** Where conventions that name the model that answered keep, beside it, the one asked for. */
const REQUEST_MODEL_KEYS = ['gen_ai.request.model', 'llm.request.model_name', 'ai.model.id'] as const;

/**
 * The model asked for, where the span also names the one that answered: a provider may answer with the name of a
 * snapshot newer than the price lists (a dated or versioned name) for a model asked for by the name it is priced
 * under. For the CostEstimator to price such a call by: read only when the model that answered has no price.
 */
export function requestedModelOf(span: Span): string | undefined {
  for (const key of REQUEST_MODEL_KEYS) {
    // JSON-encoded as any value may be (MLflow's GenAI-semconv mode), decoded as recognition reads it.
    const model = known(decodeString(findAttribute(span.attributes, key)));
    if (model !== undefined) return boundedName(model);
  }
  return undefined;
}

/**
 * Whether the span names the server the call went to (OpenTelemetry's `server.address`, OpenLLMetry's base URL) and it
 * is no provider's API that `providerOfServer` knows: a local server (Ollama, vLLM), or a gateway. For the CostEstimator,
 * read only for a call whose model has no price: what such a server runs is nobody's API model, whatever its name.
 */
export function namesOtherServer(span: Span): boolean {
  const server =
    decodeString(findAttribute(span.attributes, 'server.address')) ?? hostOf(decodeString(findAttribute(span.attributes, 'gen_ai.openai.api_base')));
  return server !== undefined && providerOfServer(server) === undefined;
}

const PROVIDER_KEYS = keyGroup(
  slotsOf([
    'gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'mlflow.llm.provider', 'langsmith.metadata.ls_provider', 'ai.model.provider',
    'traceloop.association.properties.ls_provider',
  ]),
);

/**
 * §7 step 2, provider: the first source that names a real provider (frameworks like `langchain` are skipped). A call
 * the openai client made (named `openai`, or not named) to the API of another provider that serves OpenAI's API is
 * that provider's, when the span records the server (OpenTelemetry's own instrumentation) or the client's base URL
 * (OpenLLMetry's): see `providerOfServer`. A span that names neither is the provider's its model is routed to, when it
 * names the model LiteLLM's way (`groq/llama-3.3-70b-versatile`): see `providerOfRoute`.
 */
function providerOf(current: SpanView, model: string | undefined): string | undefined {
  const declared = declaredProviderOf(current);
  if (declared !== undefined && declared !== 'openai') return declared;
  return (
    providerOfServer(decodeString(current.at(SLOTS['server.address'])) ?? hostOf(decodeString(current.at(SLOTS['gen_ai.openai.api_base'])))) ??
    declared ??
    providerOfRoute(model) ??
    providerOfModelId(model)
  );
}

/** The host of a URL (`https://api.groq.com/openai/v1/` → `api.groq.com`), without parsing all of it. */
function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const scheme = url.indexOf('://');
  const start = scheme < 0 ? 0 : scheme + 3;
  let end = start;
  while (end < url.length && url[end] !== '/' && url[end] !== ':' && url[end] !== '?') end++;
  return end > start ? url.slice(start, end) : undefined;
}

function declaredProviderOf(current: SpanView): string | undefined {
  if (!current.hasAny(PROVIDER_KEYS)) return canonicalProvider(metadata.string('ls_provider')) ?? mlflowClient.provider();
  return (
    langSmithProviderOf(current) ??
    canonicalProvider(decodeString(current.at(SLOTS['gen_ai.provider.name']))) ??
    canonicalProvider(decodeString(current.at(SLOTS['gen_ai.system']))) ??
    canonicalProvider(decodeString(current.at(SLOTS['llm.provider'])) ?? decodeString(current.at(SLOTS['llm.system']))) ??
    canonicalProvider(decodeString(current.at(SLOTS['mlflow.llm.provider']))) ??
    canonicalProvider(metadata.string('ls_provider')) ??
    canonicalProvider(decodeString(current.at(SLOTS['langsmith.metadata.ls_provider']))) ??
    canonicalProvider(decodeString(current.at(SLOTS['ai.model.provider']))) ??
    canonicalProvider(decodeString(current.at(SLOTS['traceloop.association.properties.ls_provider']))) ??
    mlflowClient.provider()
  );
}

/**
 * On LangSmith's spans (`langsmith.span.kind`, its run type), the provider its LangChain integration declares
 * (`ls_provider`). LangSmith's `gen_ai.system` is a guess from the model's name (langsmith-sdk `_set_gen_ai_system`:
 * "claude" is anthropic, "gpt" openai, "deepseek" deepseek), wrong for a model another provider serves: Groq's
 * `openai/gpt-oss-120b` was priced as OpenAI's, Bedrock's Claude as Anthropic's own.
 */
function langSmithProviderOf(current: SpanView): string | undefined {
  if (current.at(SLOTS['langsmith.span.kind']) === undefined) return undefined;
  return canonicalProvider(decodeString(current.at(SLOTS['langsmith.metadata.ls_provider'])));
}

function canonicalProvider(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : normaliseProvider(boundedName(raw)!);
}

const TIER_KEYS = keyGroup(
  slotsOf([
    'openai.response.service_tier', 'gen_ai.openai.response.service_tier', 'openai.request.service_tier', 'gen_ai.openai.request.service_tier',
    'anthropic.response.service_tier', 'invocation_params', 'llm.invocation_parameters', 'ai.response.providerMetadata',
  ]),
);

function serviceTierOf(current: SpanView): string | undefined {
  if (!current.hasAny(TIER_KEYS)) return undefined;
  return (
    decodeString(current.at(SLOTS['openai.response.service_tier'])) ??
    decodeString(current.at(SLOTS['gen_ai.openai.response.service_tier'])) ??
    decodeString(current.at(SLOTS['openai.request.service_tier'])) ??
    decodeString(current.at(SLOTS['gen_ai.openai.request.service_tier'])) ??
    // The tier that served the call, in Anthropic's usage (`standard`, `priority`), on the Anthropic client's own spans.
    decodeString(current.at(SLOTS['anthropic.response.service_tier'])) ??
    (mayHold(current.at(SLOTS['invocation_params']), TIER_PART) ? invocationParams().string('service_tier') : undefined) ??
    (mayHold(current.at(SLOTS['llm.invocation_parameters']), TIER_PART) ? openInferenceParams().string('service_tier') : undefined) ??
    openAiTierOfProviderMetadata(current.at(SLOTS['ai.response.providerMetadata']))
  );
}

/** How the Vercel AI SDK's provider metadata of an OpenAI call starts, as it writes it (`JSON.stringify`). */
const OPENAI_METADATA_START = '{"openai":';

/**
 * The tier that served an OpenAI call made with the Vercel AI SDK, whose spans keep OpenAI's `service_tier` only in
 * the provider metadata (@ai-sdk/openai's Responses API model: `{"openai":{"responseId":…,"serviceTier":"flex"}}`):
 * a flex call was priced at the standard price, twice what it cost. Found by one search from the end (past any
 * logprobs before it), not parsed; the metadata of other providers is not searched.
 */
function openAiTierOfProviderMetadata(metadata: AnyValue | undefined): string | undefined {
  return metadata?.kind === 'string' && metadata.value.startsWith(OPENAI_METADATA_START) ? lastString(metadata.value, '"serviceTier"') : undefined;
}

const COST_KEYS = keyGroup(slotsOf(['mlflow.llm.cost', 'llm.cost.total', 'llm.cost.prompt', 'llm.cost.completion', 'response_cost']));

/** The amounts of an `mlflow.llm.cost` value in any JSON spelling, or undefined without a total. */
export function readMlflowCost(value: AnyValue | undefined): ReportedCost | undefined {
  if (!mlflowCost.read(value)) return undefined;
  const total = mlflowCost.number('total_cost');
  if (total === undefined) return undefined;
  return costIfValid({ source: 'mlflow', inputUsd: mlflowCost.number('input_cost'), outputUsd: mlflowCost.number('output_cost'), totalUsd: total });
}

/** A negative amount is no cost anyone was charged: such a report is ignored, and the call priced from its usage. */
function costIfValid(cost: ReportedCost): ReportedCost | undefined {
  return cost.totalUsd >= 0 && !((cost.inputUsd ?? 0) < 0) && !((cost.outputUsd ?? 0) < 0) ? cost : undefined;
}

function reportedCostOf(current: SpanView): ReportedCost | undefined {
  if (!current.hasAny(COST_KEYS)) return responseCost();
  const mlflow = readMlflowCost(current.at(SLOTS['mlflow.llm.cost']));
  if (mlflow !== undefined) return mlflow;
  const total = decodeNumber(current.at(SLOTS['llm.cost.total']));
  if (total === undefined) return liteLlmCostOf(current) ?? responseCost();
  return costIfValid({
    source: 'openinference',
    inputUsd: decodeNumber(current.at(SLOTS['llm.cost.prompt'])),
    outputUsd: decodeNumber(current.at(SLOTS['llm.cost.completion'])),
    totalUsd: total,
  });
}

/** The cost in the usage of the response the span keeps, as reading the span's counts found it (`usageCost`). */
function responseCost(): ReportedCost | undefined {
  const { totalUsd, inputUsd } = usageCost;
  return totalUsd === undefined ? undefined : costIfValid({ source: 'response', inputUsd, outputUsd: undefined, totalUsd });
}

/**
 * LiteLLM's own price of the call, `response_cost`, on the spans its MLflow integration makes (`mlflow.litellm.autolog`,
 * LiteLLM 1.74): it knows the cache counts its usage there leaves out. Read on MLflow spans only: the key is LiteLLM's.
 */
function liteLlmCostOf(current: SpanView): ReportedCost | undefined {
  if (current.at(SLOTS['mlflow.spanType']) === undefined) return undefined;
  const total = decodeNumber(current.at(SLOTS['response_cost']));
  return total === undefined ? undefined : costIfValid({ source: 'litellm', inputUsd: undefined, outputUsd: undefined, totalUsd: total });
}

/**
 * The model call on a span, or undefined when the span is not an LLM or embedding call. Resource and scope are
 * accepted for callers that identify the source (§8); recognition itself does not need them.
 */
export function recognizeSpan(span: Span, _resource?: Resource, _scope?: InstrumentationScope): LlmCall | undefined {
  view.load(span.attributes, span.events);
  const spanClass = classify(view);
  if (spanClass !== 'llm' && spanClass !== 'embedding') return undefined;
  return callInView(spanClass === 'llm' ? 'chat' : 'embeddings', false);
}

/**
 * For the CostEstimator, one read of each span: its model call, or, for a root span (no parent), the usage it reports
 * as an agent, workflow or wrapper aggregate (§7 step 3.4, flagged `aggregate`; counted only as a last resort).
 */
export function recognizeCallOrRootAggregate(span: Span): LlmCall | undefined {
  view.load(span.attributes, span.events);
  const spanClass = classify(view);
  if (spanClass === 'llm' || spanClass === 'embedding') {
    const call = callInView(spanClass === 'llm' ? 'chat' : 'embeddings', false);
    recentCalls.add(span, call);
    return call;
  }
  if (spanClass !== 'structural' || span.parentSpanId.length !== 0) return undefined;
  // Counts of only zeros are no usage: the aggregate is no fallback.
  const counts = readTokenCounts(view);
  if (hasUsage(counts) && !onlyZeroCounts(counts)) return callInView('chat', true);
  return undefined;
}

/** How far from where the last answer was found a span is looked for among the recent calls. */
const RECENT_WINDOW = 8;

/**
 * The model calls of the batch the CostEstimator is reading or read last, in batch order. Trace assembly and the
 * ledger ask for the context of the same span objects right after it, in the same order: a cursor finds each one
 * in a comparison or two, where recognising the span again cost them as much as pricing it. A span not found near
 * the cursor or at the start (another batch, another pipeline's CostEstimator, a replay, a report) is recognised
 * afresh. Spans are compared by identity, so the answer is the reading of the span as it arrived: the attributes the
 * CostEstimator adds do not change it (a test reads every real-world case both ways), and no later stage edits the
 * attributes recognition reads.
 */
class RecentCalls {
  private readonly spans: (Span | undefined)[] = [];
  private readonly calls: (LlmCall | undefined)[] = [];
  private length = 0;
  private cursor = 0;

  /** Forgets the previous batch (its spans are not kept alive by this memory). */
  clear(): void {
    for (let at = 0; at < this.length; at++) {
      this.spans[at] = undefined;
      this.calls[at] = undefined;
    }
    this.length = 0;
    this.cursor = 0;
  }

  add(span: Span, call: LlmCall): void {
    this.spans[this.length] = span;
    this.calls[this.length++] = call;
  }

  find(span: Span): LlmCall | undefined {
    const found = this.indexFrom(span, this.cursor);
    const at = found >= 0 ? found : this.indexFrom(span, 0);
    if (at < 0) return undefined;
    this.cursor = at + 1;
    return this.calls[at];
  }

  private indexFrom(span: Span, from: number): number {
    const end = Math.min(this.length, from + RECENT_WINDOW);
    for (let at = from; at < end; at++) if (this.spans[at] === span) return at;
    return -1;
  }
}

const recentCalls = new RecentCalls();

/** Called by the CostEstimator before it reads a batch: the calls it recognises next replace those remembered. */
export function forgetRememberedCalls(): void {
  recentCalls.clear();
}

/** Who made a model call and where: what the stages after the CostEstimator need besides the numbers it wrote. */
export interface CallContext {
  operation: LlmCall['operation'];
  model: string | undefined;
  provider: string | undefined;
  node: string | undefined;
}

/**
 * The model, provider and LangGraph node of a model-call span (undefined when the span is not one) as
 * `recognizeSpan` would give them, without reading usage, tier or cost: trace assembly and the ledger take those from
 * the attributes the CostEstimator wrote, and recognising a call again for three names cost them as much as pricing.
 */
export function recognizeCallContext(span: Span): CallContext | undefined {
  const recent = recentCalls.find(span);
  if (recent !== undefined) return recent;
  view.load(span.attributes, span.events);
  const spanClass = classify(view);
  if (spanClass !== 'llm' && spanClass !== 'embedding') return undefined;
  startCall();
  const model = modelOf(view);
  return { operation: spanClass === 'llm' ? 'chat' : 'embeddings', model, provider: providerOf(view, model), node: nodeInView() };
}

/**
 * The LangGraph node a span names (LangChain's metadata, MLflow's and OpenInference's; LangSmith's; OpenLLMetry's
 * association properties), model call or not: for a call that names none, from a span around it (a tool's).
 */
export function graphNodeOf(span: Span): string | undefined {
  view.load(span.attributes, span.events);
  metadata.read(view.at(SLOTS['metadata']));
  return nodeInView();
}

/** Starts reading the call on the span loaded in `view`: what is read on demand is read afresh. */
function startCall(): void {
  metadata.read(view.at(SLOTS['metadata']));
  invocationRead = false;
  openinferenceParamsRead = false;
  mlflowClient.reset(view);
}

function nodeInView(): string | undefined {
  return (
    metadata.string('langgraph_node') ??
    decodeString(view.at(SLOTS['langsmith.metadata.langgraph_node'])) ??
    decodeString(view.at(SLOTS['traceloop.association.properties.langgraph_node']))
  );
}

/** Where Gemini models are served; their total counts thinking tokens that an instrumentation may leave out. */
const GEMINI_PROVIDERS: ReadonlySet<string> = new Set(['gcp.gemini', 'gcp.gen_ai', 'gcp.vertex_ai']);

/**
 * What the counts of a call may hide, from who served it and who counted them (see `normaliseTokens`). A call is
 * LiteLLM's when its span is (its MLflow integration's or its OpenTelemetry callback's), or when it names the model as LiteLLM does, by its provider
 * and the provider's name for it (`anthropic/claude-3-5-haiku-20241022`). An xAI call's output count is xAI's own,
 * reasoning left out, unless the AI SDK counted it.
 */
function usageQuirks(current: SpanView, model: string | undefined, provider: string | undefined): number {
  if (isLiteLlmSpan(current)) return CACHE_WRITE_MAY_BE_OUTSIDE_INPUT;
  if (provider === undefined) return 0;
  if (GEMINI_PROVIDERS.has(provider)) return THINKING_MAY_BE_LEFT_OUT;
  if (provider === 'x_ai') return reasoningCountedByAiSdk(current) ? 0 : REASONING_OUTSIDE_OUTPUT;
  return provider === 'anthropic' && model?.startsWith('anthropic/') === true ? CACHE_WRITE_MAY_BE_OUTSIDE_INPUT : 0;
}

/**
 * Where a response kept as JSON output starts, when its first key is its id (OpenAI's and Anthropic's responses),
 * written compact or as Python's `json.dumps` writes it.
 */
const OUTPUT_ID_PREFIXES = ['{"id":"', '{"id": "'];

/**
 * Instrumentations that write no response id but keep what the call returned (`output.value`, `mlflow.spanOutputs`,
 * LiteLLM's `raw_llm_response` on the spans of its MLflow integration, LangSmith's `gen_ai.completion`):
 *  - a provider client's span, the provider's response (OpenInference's Anthropic instrumentor 3.1.0 the whole message
 *    of a stream too, `{"id":"msg_…",…}`): the id is read when it is the response's first key, which a top-level id of
 *    these providers' responses is, so that no nested id (a tool call's) is taken;
 *  - a LangChain model's span (OpenInference's, MLflow's LangChain autolog's, LangSmith's), LangChain's result, whose
 *    `llm_output` (at its end) carries the provider's response id: looked for only in a text that ends as LangChain's
 *    result does, from the end.
 * With the id, the two spans of one call are told to be one where two instrumentations put them in two traces:
 * OpenInference's LangChain and OpenAI instrumentors (0.1.80, 0.1.66), MLflow's LangChain autolog or LangSmith beside
 * OpenInference's or OpenLLMetry's OpenAI instrumentor (each call was counted twice), MLflow's litellm and openai autologs.
 */
function responseIdOfOutput(output: AnyValue | undefined): string | undefined {
  return output?.kind === 'string' ? responseIdOfText(output.value) : undefined;
}

function responseIdOfText(text: string): string | undefined {
  for (const prefix of OUTPUT_ID_PREFIXES) {
    if (!text.startsWith(prefix)) continue;
    const end = text.indexOf('"', prefix.length);
    return end > prefix.length ? text.slice(prefix.length, end) : undefined;
  }
  if (!LANGCHAIN_RESULT_ENDS.some((end) => text.endsWith(end))) return undefined;
  const id = lastObject<{ id: unknown }>(text, '"llm_output"')?.id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** The response id in LangSmith's completion of a LangChain model's call (see `responseIdOfOutput`). */
function responseIdOfLangSmithCompletion(current: SpanView): string | undefined {
  if (current.at(SLOTS['langsmith.span.kind']) === undefined || current.at(SLOTS['gen_ai.completion']) === undefined) return undefined;
  const completion = langSmithCompletion(current);
  return completion === undefined ? undefined : responseIdOfText(completion);
}

/** How LangChain's serialised result ends (`LLMResult.type`), as OpenInference writes it (`json.dumps`) or compact. */
const LANGCHAIN_RESULT_ENDS = ['"type": "LLMResult"}', '"type":"LLMResult"}'];

/**
 * Which span of a call an OpenInference span is, from what it kept as output; undefined without output. The client
 * instrumentors (OpenAI, Anthropic, Bedrock, Google GenAI, Groq, the OpenAI Agents SDK) keep the provider's response,
 * JSON; a framework keeps its own result: LangChain's serialised `LLMResult`, or text (LlamaIndex's `assistant: …`,
 * LiteLLM's message content).
 */
function layerOfOutput(output: AnyValue | undefined): CallLayer | undefined {
  if (output?.kind !== 'string') return undefined;
  const text = output.value;
  if (LANGCHAIN_RESULT_ENDS.some((end) => text.endsWith(end))) return 'framework';
  const first = text.charCodeAt(0);
  return first === 123 /* { */ || first === 91 /* [ */ ? 'client' : 'framework';
}

/** The call described by the span loaded in `view`. */
function callInView(operation: LlmCall['operation'], aggregate: boolean): LlmCall {
  startCall();
  const counts = readTokenCounts(view);
  // MLflow's client autologs: what their token usage leaves out is in the response they keep.
  readMlflowClientUsage(view, mlflowClient, operation === 'embeddings');
  readLangSmithUsageFromCompletion(view);
  readVercelProviderUsage(view);
  readLiteLlmUsageObject(view);
  readAnthropicUsageFromOutput(view);
  readOpenRouterCostFromProviderMetadata(view);
  const model = modelOf(view);
  const provider = providerOf(view, model);
  readAnthropicCompactionsFromMetadata(view, model);
  readOpenRouterCostFromOutput(view, model);
  const notCounts = hasUsage(counts) ? (invalidTokenCount(counts) ?? (onlyZeroCounts(counts) ? ONLY_ZERO_COUNTS : undefined)) : undefined;
  const unclassified = hasUsage(counts) && notCounts === undefined ? unclassifiedTokens(counts, provider) : undefined;
  return {
    operation,
    model,
    provider,
    tokens:
      hasUsage(counts) && notCounts === undefined
        ? normaliseTokens(unclassified === undefined ? counts : withUnclassifiedAsInput(counts), usageQuirks(view, model, provider))
        : undefined,
    invalidUsage: notCounts ?? unclassified,
    serviceTier: serviceTierOf(view),
    reportedCost: reportedCostOf(view),
    node: nodeInView(),
    responseId:
      decodeString(view.at(SLOTS['gen_ai.response.id'])) ??
      decodeString(view.at(SLOTS['ai.response.id'])) ??
      responseIdOfOutput(view.at(SLOTS['output.value'])) ??
      responseIdOfOutput(view.at(SLOTS['mlflow.spanOutputs'])) ??
      responseIdOfOutput(view.at(SLOTS['raw_llm_response'])) ??
      responseIdOfLangSmithCompletion(view),
    layer: view.at(SLOTS['openinference.span.kind']) === undefined ? undefined : layerOfOutput(view.at(SLOTS['output.value'])),
    hasMlflowModel: (view.at(SLOTS['mlflow.llm.model']) !== undefined),
    hasMlflowProvider: (view.at(SLOTS['mlflow.llm.provider']) !== undefined),
    alreadyPriced: (view.at(SLOTS[PRICING_ATTRIBUTES.status]) !== undefined),
    aggregate,
  };
}
