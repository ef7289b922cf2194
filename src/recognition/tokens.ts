/**
 * Token normalisation (genai-conventions.md §3 and §7 "Token normalisation"): whatever the convention, produce the
 * inclusive OTel view — input includes cache read and write, output includes reasoning.
 */
import type { TokenUsage } from '../pricing/index.js';
import { keyGroup, SLOTS, slotsOf } from './spanView.js';
import type { SpanView } from './spanView.js';
import { JsonFields, lastObject, lastObjectText } from './jsonFields.js';
import { messageFormatOf } from './mlflowClients.js';
import type { MlflowClientCall } from './mlflowClients.js';
import { decodeNumber, decodeObject, decodeTokenDetails, toNumber } from './values.js';

/** Within a span, the current OTel key wins over older OTel keys, which win over vendor keys (as view slots). */
const INPUT = slotsOf(['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.token_count.prompt', 'ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens']);
const OUTPUT = slotsOf(['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.token_count.completion', 'ai.usage.outputTokens', 'ai.usage.completionTokens']);
const TOTAL = slotsOf(['gen_ai.usage.total_tokens', 'llm.usage.total_tokens', 'llm.token_count.total', 'ai.usage.totalTokens']);
const CACHE_READ = slotsOf(['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens', 'llm.token_count.prompt_details.cache_read', 'ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens', 'gen_ai.usage.details.cache_read_tokens']);
const CACHE_WRITE = slotsOf(['gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens', 'gen_ai.usage.cache_write_input_tokens', 'llm.token_count.prompt_details.cache_write', 'llm.token_count.prompt_details.cache_input', 'ai.usage.inputTokenDetails.cacheWriteTokens', 'gen_ai.usage.details.cache_write_tokens']);
const REASONING = slotsOf(['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'llm.usage.reasoning_tokens', 'llm.token_count.completion_details.reasoning', 'ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens', 'gen_ai.usage.details.reasoning_tokens']);

const AUDIO_INPUT = slotsOf(['gen_ai.usage.audio.input_tokens', 'llm.token_count.prompt_details.audio']);
const AUDIO_OUTPUT = slotsOf(['gen_ai.usage.audio.output_tokens', 'llm.token_count.completion_details.audio']);
const AUDIO_KEYS = keyGroup([...AUDIO_INPUT, ...AUDIO_OUTPUT, SLOTS['gen_ai.usage.audio.cache_read.input_tokens']]);

/** Every count key above: a span of a convention that puts its usage elsewhere (MLflow) has none of them. */
const USAGE_KEYS = keyGroup([...INPUT, ...OUTPUT, ...TOTAL, ...CACHE_READ, ...CACHE_WRITE, ...REASONING]);

/**
 * Keys that only some instrumentations write, each read by one of the readers below that recover counts an
 * instrumentation leaves out: one test of the span's key groups skips them all on the spans of every other one.
 */
const LEFT_OUT_COUNT_KEYS = keyGroup(slotsOf(['gen_ai.completion', 'ai.response.providerMetadata', 'usage', 'metadata.usage_object', 'output.value']));

/**
 * Whether the span is one LiteLLM's MLflow integration made: an MLflow span with LiteLLM's `usage` key, and not one of
 * the OpenAI Agents SDK's model spans (MLflow's openai autolog) or of LlamaIndex's LLMs (its llama_index autolog),
 * which keep their own usage under the same key.
 */
export function isLiteLlmMlflowSpan(view: SpanView): boolean {
  if (view.at(SLOTS['usage']) === undefined || view.at(SLOTS['mlflow.spanType']) === undefined) return false;
  const format = messageFormatOf(view.at(SLOTS['mlflow.message.format']));
  return format !== 'openai-agent' && format !== 'llamaindex';
}

/**
 * Whether LiteLLM counted the span's tokens: its MLflow integration's spans, and those of its own OpenTelemetry
 * callback, which alone keep LiteLLM's whole usage as `metadata.usage_object`.
 */
export function isLiteLlmSpan(view: SpanView): boolean {
  return view.at(SLOTS['metadata.usage_object']) !== undefined || isLiteLlmMlflowSpan(view);
}

/** The OpenAI Agents SDK's usage (`agents.usage.Usage`, OpenAI's meaning: the input includes the cached tokens). */
interface AgentsUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  total_tokens?: unknown;
  input_tokens_details?: { cached_tokens?: unknown } | null;
  output_tokens_details?: { reasoning_tokens?: unknown } | null;
}

/**
 * The Agents SDK's model spans keep its usage as `usage` (a `Response` span: the response's usage, details included;
 * a `Generation` span of a model it calls through LiteLLM or Chat Completions: input and output only). Read as
 * LiteLLM's, whose keys are others, their output tokens were priced as input, or the call read as having no usage.
 * The provider's client span below, when traced too, is the call counted; these count when it is not.
 */
function fillFromAgentsUsage(view: SpanView): void {
  const usage = decodeObject(view.at(SLOTS['usage'])) as AgentsUsage | undefined;
  if (usage === undefined) return;
  counts.input = toNumber(usage.input_tokens);
  counts.output = toNumber(usage.output_tokens);
  counts.total ??= toNumber(usage.total_tokens);
  counts.cacheRead ??= toNumber(usage.input_tokens_details?.cached_tokens);
  counts.reasoning ??= toNumber(usage.output_tokens_details?.reasoning_tokens);
}

/**
 * LiteLLM's MLflow integration (`mlflow.litellm.autolog`, LiteLLM 1.74) writes the call's usage as `usage`, a dict
 * that MLflow sends as JSON (`{"completion_tokens": 50, "prompt_tokens": 700, "total_tokens": 750}`; both quote styles
 * are read), and no token usage MLflow reads: its calls were unpriced. Its cache counts are only in the usage of the response it keeps
 * (`raw_llm_response`). Read on MLflow spans that report their usage no other way.
 */
function fillFromLiteLlmUsage(view: SpanView): void {
  if (!isLiteLlmMlflowSpan(view)) return;
  const response = view.at(SLOTS['raw_llm_response']);
  // JSON on the wire (MLflow encodes the dict), a repr where it was written as text.
  const responseUsage = response?.kind === 'string' ? (lastObjectText(response.value, '"usage"') ?? lastObjectText(response.value, "'usage'")) : undefined;
  const usage = decodeTokenDetails(responseUsage === undefined ? view.at(SLOTS['usage']) : { kind: 'string', value: responseUsage });
  if (usage === undefined) return;
  counts.input = usage['prompt_tokens'];
  counts.output = usage['completion_tokens'];
  counts.total ??= usage['total_tokens'];
  counts.cacheRead ??= usage['cache_read_input_tokens'] ?? usage['cached_tokens'];
  counts.cacheWrite ??= usage['cache_creation_input_tokens'];
  counts.reasoning ??= usage['reasoning_tokens'];
}

function first(view: SpanView, slots: readonly number[]): number | undefined {
  for (const slot of slots) {
    const value = decodeNumber(view.at(slot));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Raw counts as reported, before deciding inclusive or exclusive. */
export interface RawTokenCounts {
  input: number | undefined;
  output: number | undefined;
  total: number | undefined;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
  /** Of the cache writes, those kept for an hour (Anthropic's 1-hour TTL), where the span tells them apart. */
  cacheWrite1h: number | undefined;
  reasoning: number | undefined;
  /** The context compactions counted in the above, which the response's usage leaves out (`addCompaction`). */
  compactions: TokenUsage[] | undefined;
  /** Of the input, the cache reads and the output, the audio tokens (see `TokenUsage.audioInput`). */
  audioInput: number | undefined;
  audioCacheRead: number | undefined;
  audioOutput: number | undefined;
}

/** The counts `readTokenCounts` returns, one object refilled for every span (recognition is synchronous). */
class ReadCounts implements RawTokenCounts {
  input: number | undefined = undefined;
  output: number | undefined = undefined;
  total: number | undefined = undefined;
  cacheRead: number | undefined = undefined;
  cacheWrite: number | undefined = undefined;
  cacheWrite1h: number | undefined = undefined;
  reasoning: number | undefined = undefined;
  compactions: TokenUsage[] | undefined = undefined;
  audioInput: number | undefined = undefined;
  audioCacheRead: number | undefined = undefined;
  audioOutput: number | undefined = undefined;
}

const counts = new ReadCounts();


/**
 * The counts of the span loaded in `view`, valid until the next span is read: callers turn them into a `TokenUsage`
 * (or a yes/no) at once. Read on every model call, and dead right after, they need no object of their own.
 */
export function readTokenCounts(view: SpanView): Readonly<RawTokenCounts> {
  const present = view.hasAny(USAGE_KEYS);
  counts.input = present ? first(view, INPUT) : undefined;
  counts.output = present ? first(view, OUTPUT) : undefined;
  counts.total = present ? first(view, TOTAL) : undefined;
  counts.cacheRead = present ? first(view, CACHE_READ) : undefined;
  counts.cacheWrite = present ? first(view, CACHE_WRITE) : undefined;
  // The Anthropic SDK's own spans (anthropic 2.x) split the writes by lifetime; no other convention does on its keys.
  counts.cacheWrite1h = present ? decodeNumber(view.at(SLOTS['anthropic.usage.cache_creation.ephemeral_1h_input_tokens'])) : undefined;
  counts.reasoning = present ? first(view, REASONING) : undefined;
  counts.compactions = undefined;
  const audio = view.hasAny(AUDIO_KEYS);
  counts.audioInput = audio ? first(view, AUDIO_INPUT) : undefined;
  counts.audioCacheRead = audio ? decodeNumber(view.at(SLOTS['gen_ai.usage.audio.cache_read.input_tokens'])) : undefined;
  counts.audioOutput = audio ? first(view, AUDIO_OUTPUT) : undefined;
  usageCost.totalUsd = undefined;
  usageCost.inputUsd = undefined;
  if (view.hasAny(COMPACTION_KEYS)) addAnthropicCompactions(view);
  if (mlflowUsage.read(view.at(SLOTS['mlflow.chat.tokenUsage']))) fillFromMlflow();
  else if (view.hasAny(LEFT_OUT_COUNT_KEYS) && view.at(SLOTS['usage']) !== undefined && counts.input === undefined && counts.output === undefined) {
    const format = messageFormatOf(view.at(SLOTS['mlflow.message.format']));
    if (format === 'openai-agent') fillFromAgentsUsage(view);
    else if (format === 'llamaindex') readLlamaIndexUsage(view);
    else fillFromLiteLlmUsage(view);
  }
  const inputDetails = view.at(SLOTS['gen_ai.usage.input_token_details']);
  const outputDetails = view.at(SLOTS['gen_ai.usage.output_token_details']);
  if (inputDetails !== undefined || outputDetails !== undefined) {
    const input = decodeTokenDetails(inputDetails);
    const output = decodeTokenDetails(outputDetails);
    counts.cacheRead ??= input?.['cache_read'];
    if (input !== undefined) fillLangChainCacheWrites(input);
    counts.reasoning ??= output?.['reasoning'];
    counts.audioInput ??= input?.['audio'];
    counts.audioOutput ??= output?.['audio'];
  }
  return counts;
}

const COMPACTION_KEYS = keyGroup(slotsOf(['anthropic.usage.compaction.input_tokens', 'anthropic.usage.compaction.output_tokens']));

/**
 * The context compactions of a beta request (`context_management`'s `compact_20260112` edit), from the Anthropic SDK's
 * own spans. Each compaction is a sampling iteration of its own: Anthropic bills its tokens, and its usage counts them
 * in `usage.iterations` only, not in the top-level counts the span's `gen_ai.usage.*` hold, so such a call was priced
 * without them. The span keeps only their sums, the compaction's input with any cache reads and writes in it, so that
 * input is priced as uncached input. That is exact when the compaction used no cache; it is too high by the difference
 * between the input and cache-read prices on what it read from the cache, and too low by a quarter of the input price
 * on what it wrote.
 */
function addAnthropicCompactions(view: SpanView): void {
  addCompaction(
    decodeNumber(view.at(SLOTS['anthropic.usage.compaction.input_tokens'])),
    undefined,
    undefined,
    undefined,
    decodeNumber(view.at(SLOTS['anthropic.usage.compaction.output_tokens'])),
  );
}

/**
 * Adds a compaction's tokens to the call's: its input (cache reads and writes included) to the inclusive input, its
 * output to the output (and both to a total the span reported without them), and lists what it added in
 * `compactions`, to be priced at its own size.
 */
function addCompaction(input: number | undefined, cacheRead: number | undefined, cacheWrite: number | undefined, cacheWrite1h: number | undefined, output: number | undefined): void {
  const compaction = new InclusiveTokens(0, 0, 0, 0, 0, 0, undefined);
  if (input !== undefined && counts.input !== undefined) {
    counts.input += input;
    if (counts.total !== undefined) counts.total += input;
    if (cacheRead) counts.cacheRead = (counts.cacheRead ?? 0) + cacheRead;
    if (cacheWrite) counts.cacheWrite = (counts.cacheWrite ?? 0) + cacheWrite;
    if (cacheWrite1h) counts.cacheWrite1h = (counts.cacheWrite1h ?? 0) + cacheWrite1h;
    compaction.input = input;
    compaction.cacheRead = cacheRead ?? 0;
    compaction.cacheWrite = cacheWrite ?? 0;
    compaction.cacheWrite1h = cacheWrite1h ?? 0;
  }
  if (output !== undefined && counts.output !== undefined) {
    counts.output += output;
    if (counts.total !== undefined) counts.total += output;
    compaction.output = output;
  }
  if (compaction.input > 0 || compaction.output > 0) (counts.compactions ??= []).push(compaction);
}

/** One entry of Anthropic's `usage.iterations`: a sampling iteration (`message`) or a context compaction. */
interface AnthropicIteration extends AnthropicUsage {
  type?: unknown;
  input_tokens?: unknown;
  output_tokens?: unknown;
}

/**
 * The context compactions of a beta request, from OpenInference's span of it: its Anthropic instrumentor (3.1.0)
 * counts the response's top-level usage, which leaves them out, and keeps the response's iterations in its
 * `metadata` (`usage_iterations`), each compaction's cache reads and writes told apart. Read on OpenInference spans
 * of Claude (`model`: the search of the metadata of every other model's span, LangGraph's for one, was a sixth of
 * recognising it) whose metadata names a compaction.
 */
export function readAnthropicCompactionsFromMetadata(view: SpanView, model: string | undefined): void {
  if (model === undefined || !model.includes('claude') || !hasUsage(counts) || view.at(SLOTS['openinference.span.kind']) === undefined) return;
  const metadata = view.at(SLOTS['metadata']);
  if (metadata?.kind !== 'string' || !metadata.value.includes('"compaction"')) return;
  const iterations = (decodeObject(metadata) as { usage_iterations?: unknown } | undefined)?.usage_iterations;
  if (!Array.isArray(iterations)) return;
  for (const iteration of iterations as AnthropicIteration[]) {
    if (iteration?.type !== 'compaction') continue;
    const cacheRead = toNumber(iteration.cache_read_input_tokens);
    const cacheWrite = toNumber(iteration.cache_creation_input_tokens);
    const input = toNumber(iteration.input_tokens);
    addCompaction(input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0), cacheRead, cacheWrite, hourLongWrites(iteration), toNumber(iteration.output_tokens));
  }
}

/**
 * `mlflow.chat.tokenUsage`; the cache-read count was first spelled `cached_input_tokens`. Newer MLflow (3.17) also
 * counts the writes kept for an hour (`cache_creation_input_tokens_above_1hr`: its anthropic autolog, for Claude).
 */
const mlflowUsage = new JsonFields([
  'input_tokens', 'output_tokens', 'total_tokens', 'cache_read_input_tokens', 'cached_input_tokens', 'cache_creation_input_tokens',
  'cache_creation_input_tokens_above_1hr',
]);

function fillFromMlflow(): void {
  counts.input ??= mlflowUsage.number('input_tokens');
  counts.output ??= mlflowUsage.number('output_tokens');
  counts.total ??= mlflowUsage.number('total_tokens');
  counts.cacheRead ??= mlflowUsage.number('cache_read_input_tokens') ?? mlflowUsage.number('cached_input_tokens');
  counts.cacheWrite ??= mlflowUsage.number('cache_creation_input_tokens');
  counts.cacheWrite1h ??= mlflowUsage.number('cache_creation_input_tokens_above_1hr');
}

/**
 * Why the counts cannot be priced: the first that is not a whole number of tokens (negative, fractional, or past 2^53,
 * where a double no longer holds it exactly), or undefined when they all are. A price made from one would be negative,
 * lost to rounding or absurd; the call counts as unpriced with this reason instead, so that it is seen.
 */
export function invalidTokenCount(counts: Readonly<RawTokenCounts>): string | undefined {
  return (
    notACount('input', counts.input) ??
    notACount('output', counts.output) ??
    notACount('total', counts.total) ??
    notACount('cache read', counts.cacheRead) ??
    notACount('cache write', counts.cacheWrite) ??
    notACount('1-hour cache write', counts.cacheWrite1h) ??
    notACount('reasoning', counts.reasoning) ??
    notACount('audio input', counts.audioInput) ??
    notACount('audio cache read', counts.audioCacheRead) ??
    notACount('audio output', counts.audioOutput)
  );
}

/**
 * Why counts that are all zero are not priced: no model call reads or writes no token at all, so such counts are an
 * instrumentation that recorded none (pydantic-ai 1.42 with genai-prices 0.2.5 counts nothing, and MLflow's
 * pydantic_ai autolog writes the run's usage as 0 in and 0 out). Priced, such a call was a silent $0, and it hid the
 * client's span of the same call, whose counts are real.
 */
export const ONLY_ZERO_COUNTS = 'token usage reported as 0 in and 0 out: the instrumentation recorded none';

/** Counts were reported, and every one is 0. */
export function onlyZeroCounts(counts: Readonly<RawTokenCounts>): boolean {
  return hasUsage(counts) && !counts.input && !counts.output && !counts.total && !counts.cacheRead && !counts.cacheWrite && !counts.reasoning;
}

function notACount(name: string, count: number | undefined): string | undefined {
  return count === undefined || (Number.isSafeInteger(count) && count >= 0) ? undefined : `token usage is not a whole number of tokens: ${name} ${count}`;
}

/** Providers whose input count leaves the cache out while their total holds it (Anthropic's, Bedrock's). */
const CACHE_OUTSIDE_INPUT = new Set(['anthropic', 'aws.bedrock']);

/**
 * Why counts that leave part of the call's tokens unclassified cannot be priced. A call of a provider whose input
 * count leaves the cache out, with a total past input and output and no cache count, read or wrote that difference
 * from the cache, at one tenth or one and a quarter times the input price: which, the span does not say. MLflow
 * 3.9's LangChain autolog keeps LangChain's input, output and total without their details, and langchain-aws 1.2.5
 * counts ChatBedrockConverse's input as Bedrock does, without the cache: priced from input and output alone, such
 * a call cost half or less of what it did. Said, rather than priced low.
 */
export function unclassifiedTokens(counts: Readonly<RawTokenCounts>, provider: string | undefined): string | undefined {
  if (provider === undefined || !CACHE_OUTSIDE_INPUT.has(provider) || counts.cacheRead !== undefined || counts.cacheWrite !== undefined) return undefined;
  const { input, output, total } = counts;
  if (input === undefined || output === undefined || total === undefined || total <= input + output) return undefined;
  return `${total - input - output} of the call's ${total} tokens are neither input nor output: cache reads or writes the span does not tell apart`;
}

/**
 * The counts with the tokens no count classifies (see `unclassifiedTokens`) in the input: cache reads or writes, which
 * the inclusive input holds. Such a call is not priced, but what it used is known.
 */
export function withUnclassifiedAsInput(counts: Readonly<RawTokenCounts>): RawTokenCounts {
  return { ...counts, input: (counts.total ?? 0) - (counts.output ?? 0) };
}

/**
 * What MLflow 3.9's client autologs leave out of their token usage, read from the provider's usage in the response
 * they keep as the span's outputs. The usage object is found from its last key on, so that what comes before (a
 * batch's vectors: hundreds of kilobytes) is searched, not parsed. Fills the counts `readTokenCounts` returned for
 * `view`, and only where MLflow's own usage has no cache count (a later MLflow may keep one):
 *  - OpenAI: an embedding span has no `mlflow.chat.tokenUsage` at all, its input and total come from here; a chat
 *    span's usage has no cache or reasoning count, so cached tokens were priced as plain input; so with smolagents'
 *    model spans, whose outputs keep the client's response as `raw`, and AG2's chat completions;
 *  - Anthropic and Bedrock: input, output and their sum only; their input leaves the cache out, so reads and writes
 *    went unpriced (most of a cached call's cost);
 *  - Gemini: the prompt (cache included), candidates and total; cached tokens were priced as plain input, and the
 *    thinking tokens, in the total only, are told apart here;
 *  - LangChain (its autolog, for any chat model): LangChain's input, output and total, without their details; a chat
 *    model of OpenAI's API (ChatOpenAI and the OpenAI-compatible ones) keeps OpenAI's usage in its result
 *    (`llm_output.token_usage`), cache and reasoning counts included, and ChatAnthropic Anthropic's (`llm_output.usage`).
 *    A stream's result keeps none.
 */
export function readMlflowClientUsage(view: SpanView, client: MlflowClientCall, embedding: boolean): void {
  if (embedding ? hasUsage(counts) : view.at(SLOTS['mlflow.chat.tokenUsage']) === undefined || counts.cacheRead !== undefined || counts.cacheWrite !== undefined) return;
  // OpenAI's embedding spans carry no format.
  const format = embedding ? 'openai' : client.format();
  // LlamaIndex's usage is an attribute of its own.
  if (format === 'llamaindex') return readLlamaIndexUsage(view);
  const outputs = view.at(SLOTS['mlflow.spanOutputs']);
  if (outputs?.kind !== 'string') return;
  const text = outputs.value;
  // smolagents keeps the response of the client its model calls as `raw` (OpenAI's, or LiteLLM's in OpenAI's shape);
  // AG2's chat completions are OpenAI's, or another provider's made into OpenAI's shape.
  switch (format) {
    case 'openai':
    case 'smolagents':
    case 'ag2':
      return readOpenAiUsage(lastObject<OpenAiUsage>(text, '"usage"'), embedding);
    case 'langchain':
      return readLangChainResultUsage(text);
    case 'anthropic':
      return addAnthropicCacheLeftOutOfInput(lastObject<AnthropicUsage>(text, '"usage"'));
    case 'bedrock':
      return readBedrockUsage(text, view);
    case 'gemini':
      return readGeminiUsage(text);
    default:
      return;
  }
}

/**
 * LangChain's result ends with `llm_output`, where a chat model keeps its provider's usage: OpenAI's (`token_usage`,
 * ChatOpenAI and the OpenAI-compatible models) or Anthropic's (`usage`, ChatAnthropic: langchain-anthropic keeps the
 * whole response there but its content). MLflow's counts are LangChain's, whose input holds the cache: only the cache
 * counts are read. Searched within `llm_output` alone, found from the end, so that the generations before it (a long
 * completion) are not searched for a key they do not have.
 */
function readLangChainResultUsage(text: string): void {
  const llmOutput = lastObjectText(text, '"llm_output"');
  if (llmOutput === undefined) return;
  const openAi = lastObject<OpenAiUsage>(llmOutput, '"token_usage"');
  if (openAi !== undefined) return readOpenAiUsage(openAi, false);
  fillAnthropicCache(lastObject<AnthropicUsage>(llmOutput, '"usage"'));
}

/**
 * MLflow's llama_index autolog keeps the usage of the provider's raw response as `usage` (JSON), and makes its token
 * usage from OpenAI's keys alone:
 *  - an OpenAI LLM (and the OpenAI-compatible ones): the counts are OpenAI's, the cache and reasoning counts only in
 *    `usage`, so cached tokens were priced as plain input;
 *  - Anthropic's LLM: Anthropic's usage has none of OpenAI's keys, so MLflow writes no token usage, and the call was
 *    unpriced ("no token usage reported"). Its counts are read from it, the cache added to the input that leaves it out.
 */
function readLlamaIndexUsage(view: SpanView): void {
  const usage = decodeObject(view.at(SLOTS['usage'])) as (Partial<OpenAiUsage> & Partial<AnthropicUsage> & { completion_tokens?: unknown; input_tokens?: unknown; output_tokens?: unknown }) | undefined;
  if (usage === undefined) return;
  if (usage.prompt_tokens !== undefined) {
    counts.input ??= toNumber(usage.prompt_tokens);
    counts.output ??= toNumber(usage.completion_tokens);
    counts.total ??= toNumber(usage.total_tokens);
    return readOpenAiUsage(usage, false);
  }
  if (counts.input !== undefined || counts.output !== undefined || usage.input_tokens === undefined) return;
  counts.input = toNumber(usage.input_tokens);
  counts.output = toNumber(usage.output_tokens);
  addAnthropicCacheLeftOutOfInput(usage);
}

/** OpenAI's `usage` (chat completions, embeddings and the Responses API name some fields differently). */
interface OpenAiUsage extends CostInUsage {
  prompt_tokens?: unknown;
  total_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown; audio_tokens?: unknown } | null;
  input_tokens_details?: { cached_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown; audio_tokens?: unknown } | null;
  output_tokens_details?: { reasoning_tokens?: unknown } | null;
}

function readOpenAiUsage(usage: Partial<OpenAiUsage> | undefined, embedding: boolean): void {
  if (usage === undefined) return;
  readCostInUsage(usage);
  if (embedding) {
    counts.input = toNumber(usage.prompt_tokens);
    counts.total = toNumber(usage.total_tokens);
  } else {
    counts.cacheRead = toNumber((usage.prompt_tokens_details ?? usage.input_tokens_details)?.cached_tokens);
    counts.reasoning ??= toNumber((usage.completion_tokens_details ?? usage.output_tokens_details)?.reasoning_tokens);
    // Chat Completions' audio models (gpt-audio, gpt-4o-audio-preview) count their audio apart, at several times the text price.
    counts.audioInput ??= toNumber(usage.prompt_tokens_details?.audio_tokens);
    counts.audioOutput ??= toNumber(usage.completion_tokens_details?.audio_tokens);
  }
}

/**
 * What a call cost as its provider counts it in the usage of its response (OpenRouter's, in OpenAI's shape: its
 * credits are US dollars). `cost` is what OpenRouter charged; a call made with the app's own provider key (`is_byok`)
 * was also charged by the provider, `cost_details.upstream_inference_cost`, which OpenRouter fills on its other calls
 * too, with what it paid out of `cost`.
 */
interface CostInUsage {
  cost?: unknown;
  is_byok?: unknown;
  cost_details?: { upstream_inference_cost?: unknown; upstream_inference_prompt_cost?: unknown } | null;
}

/** The cost `readTokenCounts`' readers found in the usage of the response the span keeps, reset with the counts. */
class UsageCost {
  totalUsd: number | undefined = undefined;
  /** The provider's price of the input, where it is told apart (OpenRouter's upstream prompt cost). */
  inputUsd: number | undefined = undefined;
}

export const usageCost = new UsageCost();

function readCostInUsage(usage: Partial<CostInUsage>): void {
  const charged = toNumber(usage.cost);
  if (charged === undefined) return;
  const details = usage.cost_details;
  const upstream = usage.is_byok === true ? toNumber(details?.upstream_inference_cost) : undefined;
  usageCost.totalUsd = charged + (upstream ?? 0);
  const input = toNumber(details?.upstream_inference_prompt_cost);
  usageCost.inputUsd = input !== undefined && input <= usageCost.totalUsd ? input : undefined;
}

/** OpenRouter's usage as its AI SDK provider (`@openrouter/ai-sdk-provider` 2.9) keeps it in the provider metadata. */
interface OpenRouterMetadataUsage {
  cost?: unknown;
  costDetails?: { upstreamInferenceCost?: unknown } | null;
}

/**
 * What OpenRouter charged for a call made with the Vercel AI SDK's OpenRouter provider, in the provider metadata the
 * SDK's spans keep (`{"openrouter":{"usage":{"cost":…,"costDetails":{"upstreamInferenceCost":…}}}}`). The provider
 * drops `is_byok`: a charge below what the model's provider was paid is OpenRouter's fee on a call made with the app's
 * own key, which that provider charged besides; on OpenRouter's other calls the two are equal (it passes prices
 * through), the charge all of it.
 */
export function readOpenRouterCostFromProviderMetadata(view: SpanView): void {
  if (!view.hasAny(LEFT_OUT_COUNT_KEYS) || !hasUsage(counts)) return;
  const metadata = view.at(SLOTS['ai.response.providerMetadata']);
  if (metadata?.kind !== 'string' || !metadata.value.startsWith('{"openrouter":')) return;
  const usage = lastObject<OpenRouterMetadataUsage>(metadata.value, '"usage"');
  const charged = toNumber(usage?.cost);
  if (charged === undefined) return;
  const upstream = toNumber(usage?.costDetails?.upstreamInferenceCost);
  usageCost.totalUsd = upstream !== undefined && upstream > charged ? charged + upstream : charged;
}

/**
 * How far from its end a response's usage is looked for: OpenRouter's ends the response (as OpenInference keeps it,
 * only its `provider` comes after), so that a long completion before it is not searched.
 */
const USAGE_WITHIN_LAST = 1024;

/**
 * What OpenRouter charged for a call, from OpenInference's span of the openai client's call: its OpenAI instrumentor
 * (0.1.66) keeps the response as output (a stream's too, put together), the usage's cost in it, and records no cost of
 * its own. OpenRouter names every model by its maker (`openai/gpt-4o-mini`): the output of a call whose `model` has no
 * `/` is not searched (the search was a sixth of recognising an OpenInference model call).
 */
export function readOpenRouterCostFromOutput(view: SpanView, model: string | undefined): void {
  if (model === undefined || model.indexOf('/') < 0) return;
  if (!view.hasAny(LEFT_OUT_COUNT_KEYS) || view.at(SLOTS['openinference.span.kind']) === undefined) return;
  const output = view.at(SLOTS['output.value']);
  if (output?.kind !== 'string' || output.value.charCodeAt(0) !== 123 /* { */) return;
  const text = output.value;
  const from = Math.max(0, text.length - USAGE_WITHIN_LAST);
  if (text.indexOf('"cost"', from) < 0) return;
  const usage = lastObject<CostInUsage>(from === 0 ? text : text.slice(from), '"usage"');
  if (usage !== undefined) readCostInUsage(usage);
}

/** Bedrock's cache counts: Converse's `usage`, and InvokeModel's response headers (the same for every model family). */
interface BedrockUsage {
  cacheReadInputTokens?: unknown;
  cacheWriteInputTokens?: unknown;
}
interface BedrockHeaders {
  'x-amzn-bedrock-cache-read-input-token-count'?: unknown;
  'x-amzn-bedrock-cache-write-input-token-count'?: unknown;
}

function readBedrockUsage(outputs: string, view: SpanView): void {
  const headers = lastObject<BedrockHeaders>(outputs, '"HTTPHeaders"');
  const read = headers?.['x-amzn-bedrock-cache-read-input-token-count'];
  const write = headers?.['x-amzn-bedrock-cache-write-input-token-count'];
  if (read !== undefined || write !== undefined) return addCacheLeftOutOfInput(read, write);
  const usage = lastObject<BedrockUsage>(outputs, '"usage"');
  if (usage?.cacheReadInputTokens !== undefined || usage?.cacheWriteInputTokens !== undefined) {
    return addCacheLeftOutOfInput(usage.cacheReadInputTokens, usage.cacheWriteInputTokens);
  }
  // InvokeModelWithResponseStream: the outputs keep no body and no count header. MLflow keeps each chunk of the stream
  // as an event; Claude's `message_start` holds Anthropic's usage, the cache counts included.
  const start = view.eventAttribute('message_start', 'json');
  addAnthropicCacheLeftOutOfInput(start?.kind === 'string' ? lastObject<AnthropicUsage>(start.value, '"usage"') : undefined);
}

/**
 * Cache counts of a provider whose input count leaves the cache out (Anthropic's `input_tokens`, Bedrock's
 * `inputTokens`): added to the input, which is then inclusive, as every other count read is made.
 */
function addCacheLeftOutOfInput(read: unknown, write: unknown): void {
  const cacheRead = toNumber(read);
  const cacheWrite = toNumber(write);
  if (cacheRead === undefined && cacheWrite === undefined) return;
  counts.cacheRead = cacheRead;
  counts.cacheWrite = cacheWrite;
  if (counts.input !== undefined) counts.input += (cacheRead ?? 0) + (cacheWrite ?? 0);
}

/** Gemini's `usage_metadata` as the google-genai client's response keeps it (snake case). */
interface GeminiUsage {
  cached_content_token_count?: unknown;
  thoughts_token_count?: unknown;
  tool_use_prompt_token_count?: unknown;
  prompt_tokens_details?: readonly GeminiModalityCount[] | null;
  cache_tokens_details?: readonly GeminiModalityCount[] | null;
  candidates_tokens_details?: readonly GeminiModalityCount[] | null;
}

/** One entry of Gemini's counts by modality (`TEXT`, `AUDIO`, `IMAGE`, `VIDEO`, `DOCUMENT`). */
interface GeminiModalityCount {
  modality?: unknown;
  token_count?: unknown;
}

/** The audio tokens of Gemini's counts by modality; undefined when it lists none. */
function geminiAudio(details: readonly GeminiModalityCount[] | null | undefined): number | undefined {
  if (!Array.isArray(details)) return undefined;
  const audio = (details as readonly GeminiModalityCount[]).find((entry) => entry?.modality === 'AUDIO');
  return audio === undefined ? undefined : toNumber(audio.token_count);
}

/**
 * The prompt count includes the cached tokens. Thinking and tool-use prompt tokens are counted apart from the
 * candidates and the prompt, and in the total: thinking is priced as output (`normaliseTokens` tells it exclusive by
 * the total), tool-use prompts as input.
 */
function readGeminiUsage(outputs: string): void {
  const usage = lastObject<GeminiUsage>(outputs, '"usage_metadata"');
  if (usage === undefined) return;
  counts.cacheRead = toNumber(usage.cached_content_token_count);
  counts.reasoning ??= toNumber(usage.thoughts_token_count);
  // Gemini Flash bills audio input at several times its text price (cached audio too).
  counts.audioInput ??= geminiAudio(usage.prompt_tokens_details);
  counts.audioCacheRead ??= geminiAudio(usage.cache_tokens_details);
  counts.audioOutput ??= geminiAudio(usage.candidates_tokens_details);
  const toolUsePrompt = toNumber(usage.tool_use_prompt_token_count);
  if (toolUsePrompt !== undefined && counts.input !== undefined) counts.input += toolUsePrompt;
}

/** LangChain's `usage_metadata` (the counts include the details). */
interface LangChainUsage {
  input_token_details?: LangChainInputDetails | null;
  output_token_details?: { reasoning?: unknown; audio?: unknown } | null;
}

interface LangChainInputDetails {
  audio?: unknown;
  cache_read?: unknown;
  cache_creation?: unknown;
  ephemeral_5m_input_tokens?: unknown;
  ephemeral_1h_input_tokens?: unknown;
}

/**
 * The cache writes of LangChain's input details. langchain-anthropic (1.x) names a Claude call's writes by their
 * lifetime as Anthropic's usage does (`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`) and then sets
 * `cache_creation` to 0, so that they are not counted twice: read as `cache_creation` alone, the writes were priced as
 * plain input.
 */
function fillLangChainCacheWrites(details: Readonly<LangChainInputDetails>): void {
  const fiveMinutes = toNumber(details.ephemeral_5m_input_tokens);
  const hour = toNumber(details.ephemeral_1h_input_tokens);
  const byLifetime = (fiveMinutes ?? 0) + (hour ?? 0);
  counts.cacheWrite ??= byLifetime > 0 ? byLifetime : toNumber(details.cache_creation);
  counts.cacheWrite1h ??= hour;
}

/**
 * What LangSmith's OpenTelemetry export (langsmith 0.6.6) leaves out of a LangChain model call's usage: its
 * `gen_ai.usage.*` has the input and output counts but, unlike its OpenAI wrapper's spans, no token details, so cached
 * tokens were priced as plain input. The message it returns, with LangChain's `usage_metadata` and its details, is in
 * `gen_ai.completion` (JSON, as bytes): read from its last `"usage_metadata"` key. Fills the counts `readTokenCounts`
 * returned for `view`, and only when the span is LangSmith's and gives no details itself.
 */
export function readLangSmithUsageFromCompletion(view: SpanView): void {
  if (!view.hasAny(LEFT_OUT_COUNT_KEYS) || !hasUsage(counts) || view.at(SLOTS['langsmith.span.kind']) === undefined) return;
  if (view.at(SLOTS['gen_ai.usage.input_token_details']) !== undefined || view.at(SLOTS['gen_ai.usage.output_token_details']) !== undefined) return;
  const json = langSmithCompletion(view);
  const usage = json === undefined ? undefined : lastObject<LangChainUsage>(json, '"usage_metadata"');
  if (usage === undefined) return;
  counts.cacheRead ??= toNumber(usage.input_token_details?.cache_read);
  if (usage.input_token_details) fillLangChainCacheWrites(usage.input_token_details);
  counts.reasoning ??= toNumber(usage.output_token_details?.reasoning);
  counts.audioInput ??= toNumber(usage.input_token_details?.audio);
  counts.audioOutput ??= toNumber(usage.output_token_details?.audio);
}

/** LangSmith's `gen_ai.completion` of the span loaded in `view`, as text (its OpenTelemetry export sends it as bytes). */
export function langSmithCompletion(view: SpanView): string | undefined {
  const completion = view.at(SLOTS['gen_ai.completion']);
  if (completion?.kind === 'bytes') return Buffer.from(completion.value.buffer, completion.value.byteOffset, completion.value.length).toString('utf8');
  return completion?.kind === 'string' ? completion.value : undefined;
}

/**
 * What LiteLLM's own OpenTelemetry callback (`litellm.integrations.opentelemetry`, LiteLLM 1.74) leaves out of a call's
 * usage: its `gen_ai.usage.*` has the prompt, completion and total counts LiteLLM makes of any provider's usage, not
 * their details, so cached tokens were priced as plain input, and Claude's cache writes (outside LiteLLM 1.74's prompt
 * count for Anthropic and Bedrock) went unpriced. The whole usage is in `metadata.usage_object`, Python's `str()` of
 * the dict (`{'prompt_tokens': 700, …, 'prompt_tokens_details': {'cached_tokens': 600, …}, 'cache_creation_input_tokens':
 * 300, 'cache_read_input_tokens': 600}`): the details are read from there. Its keys are distinct at any depth, so it is
 * read flat. Fills the counts `readTokenCounts` returned for `view`, and only when the span gives no cache count itself.
 */
export function readLiteLlmUsageObject(view: SpanView): void {
  if (!view.hasAny(LEFT_OUT_COUNT_KEYS) || !hasUsage(counts) || counts.cacheRead !== undefined || counts.cacheWrite !== undefined) return;
  const usage = decodeTokenDetails(view.at(SLOTS['metadata.usage_object']));
  if (usage === undefined) return;
  counts.cacheRead = usage['cache_read_input_tokens'] ?? usage['cached_tokens'];
  counts.cacheWrite = usage['cache_creation_input_tokens'];
  counts.cacheWrite1h = usage['ephemeral_1h_input_tokens'];
  counts.reasoning ??= usage['reasoning_tokens'];
}

/** Anthropic's cache counts in its `usage` (apart from its input count). */
interface AnthropicUsage {
  /** The input not read from or written to the cache. */
  input_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  /** The writes by cache lifetime (Anthropic's API since the 1-hour TTL). */
  cache_creation?: { ephemeral_1h_input_tokens?: unknown } | null;
}

/** Of an Anthropic usage's cache writes, those kept for an hour, billed at their own price. */
function hourLongWrites(usage: Partial<AnthropicUsage> | undefined): number | undefined {
  return toNumber(usage?.cache_creation?.ephemeral_1h_input_tokens);
}

/** Anthropic's cache counts, added to an input count that leaves them out (Anthropic's own `input_tokens`). */
function addAnthropicCacheLeftOutOfInput(usage: Partial<AnthropicUsage> | undefined): void {
  counts.cacheWrite1h = hourLongWrites(usage);
  addCacheLeftOutOfInput(usage?.cache_read_input_tokens, usage?.cache_creation_input_tokens);
}

/** Anthropic's cache counts the span lacks, and which writes were kept for an hour, for counts whose input holds the cache. */
function fillAnthropicCache(usage: Partial<AnthropicUsage> | undefined): void {
  if (usage === undefined) return;
  counts.cacheRead ??= toNumber(usage.cache_read_input_tokens);
  counts.cacheWrite ??= toNumber(usage.cache_creation_input_tokens);
  counts.cacheWrite1h = hourLongWrites(usage);
}

/** Whether Anthropic's usage can tell more than the counts read: a cache count they lack, or which writes were kept for an hour. */
function anthropicUsageTellsMore(): boolean {
  return counts.cacheRead === undefined || counts.cacheWrite === undefined || counts.cacheWrite > 0;
}

/** How Anthropic's message starts, kept as JSON (Anthropic's ids and Bedrock's for Claude: `msg_…`, `msg_bdrk_…`). */
const ANTHROPIC_MESSAGE_STARTS = ['{"id": "msg_', '{"id":"msg_'];

/**
 * What OpenInference leaves out of a Claude call's usage, read from Anthropic's message it keeps as output
 * (`output.value`):
 *  - its Bedrock instrumentor (0.1.61), of a streamed InvokeModel call: the prompt count holds the cache, but no cache
 *    count is written, so the reads and writes were priced as plain input;
 *  - any instrumentor (its Anthropic one's spans too): which writes were kept for an hour, billed at their own price.
 * Read on OpenInference spans whose output is Anthropic's message, lacking a cache count or with writes.
 */
export function readAnthropicUsageFromOutput(view: SpanView): void {
  if (!view.hasAny(LEFT_OUT_COUNT_KEYS) || !hasUsage(counts) || view.at(SLOTS['openinference.span.kind']) === undefined || !anthropicUsageTellsMore()) return;
  const output = view.at(SLOTS['output.value']);
  if (output?.kind !== 'string' || !ANTHROPIC_MESSAGE_STARTS.some((start) => output.value.startsWith(start))) return;
  fillAnthropicCache(lastObject<AnthropicUsage>(output.value, '"usage"'));
}

/**
 * What the Vercel AI SDK 5 (`ai` 5.0.285, `@ai-sdk/anthropic` 2.0.112) leaves out of a Claude call's usage: its
 * `ai.usage.promptTokens` is Anthropic's input without the cache, and it records no cache counts (a stream: the reads
 * only), so cache reads and writes went unpriced (more than half of a cached call's cost). Anthropic's own usage is in
 * `ai.response.providerMetadata` (`{"anthropic":{"usage":{…}}}`): the cache counts the span lacks are read from there,
 * and, by any AI SDK, which writes were kept for an hour. AI SDK 6 records the cache counts itself.
 */
export function readVercelProviderUsage(view: SpanView): void {
  // AI SDK 6 records the cache counts itself; the usage is still read for the writes kept for an hour.
  if (!view.hasAny(LEFT_OUT_COUNT_KEYS) || !hasUsage(counts) || !anthropicUsageTellsMore()) return;
  const metadata = view.at(SLOTS['ai.response.providerMetadata']);
  if (metadata?.kind !== 'string') return;
  const usage = lastObject<AnthropicUsage>(metadata.value, '"usage"');
  // The span's input is Anthropic's own when they are equal (AI SDK 5), the cache left out: added, whatever its size.
  // AI SDK 6's input holds the cache, so it differs from Anthropic's unless there is none to add.
  if (usage !== undefined && counts.input !== undefined && toNumber(usage.input_tokens) === counts.input) addAnthropicCacheLeftOutOfInput(usage);
  else fillAnthropicCache(usage);
}

/**
 * Whether the span's reasoning count is the Vercel AI SDK's (`ai.usage.*`), whose output count holds the reasoning
 * whoever served the call: xAI's too, since @ai-sdk/xai adds it there (vercel/ai#12425). Its AI SDK 7 GenAI spans
 * have no total to tell it by.
 */
export function reasoningCountedByAiSdk(view: SpanView): boolean {
  return view.at(SLOTS['ai.usage.outputTokenDetails.reasoningTokens']) !== undefined || view.at(SLOTS['ai.usage.reasoningTokens']) !== undefined;
}

export function hasUsage(counts: Readonly<RawTokenCounts>): boolean {
  return counts.input !== undefined || counts.output !== undefined || counts.total !== undefined;
}

/**
 * Counts made on every model call are made by a class, not an object literal. V8 shares one hidden-class tree among
 * literals whose keys start alike, so another shape's `input` holding another kind of value (a double cost,
 * `undefined`) deprecated the hidden class these counts were made with, and they kept being made with it: each read
 * of one in code not yet optimised (the price arithmetic) then fell back to the runtime, so that code never got
 * optimised, and pricing ran ~30% slower whenever recognition alone ran in the same process. A class has a tree
 * of its own.
 */
class InclusiveTokens implements TokenUsage {
  audioInput = 0;
  audioCacheRead = 0;
  audioOutput = 0;
  constructor(
    public input: number,
    public output: number,
    public cacheRead: number,
    public cacheWrite: number,
    public reasoning: number,
    public cacheWrite1h: number,
    public compactions: readonly TokenUsage[] | undefined,
  ) {}

  /** The audio parts of the counts, never more than what holds them (see `TokenUsage.audioInput`). */
  withAudio(counts: Readonly<RawTokenCounts>): InclusiveTokens {
    // Most calls report no audio at all.
    if (counts.audioInput === undefined && counts.audioOutput === undefined) return this;
    this.audioInput = Math.min(counts.audioInput ?? 0, this.input);
    this.audioCacheRead = Math.min(counts.audioCacheRead ?? 0, this.audioInput, this.cacheRead);
    this.audioOutput = Math.max(0, Math.min(counts.audioOutput ?? 0, this.output - this.reasoning));
    return this;
  }
}

/**
 * What the counts alone do not show about a call, known from where it came from (`normaliseTokens`' `quirks`, bits).
 *  - THINKING_MAY_BE_LEFT_OUT: the call is Gemini's, whose API counts thinking tokens apart from the candidates and in
 *    the total, and an instrumentation may pass the total on but not the thinking count (OpenLLMetry's
 *    google-generativeai 0.62.4 does). A total past input and output with no reasoning count reported is then that
 *    thinking, priced as output; it was left unpriced, often most of a thinking model's output.
 *  - CACHE_WRITE_MAY_BE_OUTSIDE_INPUT: an Anthropic (or Bedrock) call made through LiteLLM, whose input count of LiteLLM 1.74 holds
 *    the tokens read from the cache but not those written to it (1.110 holds both). Input at least the cache reads
 *    but under reads and writes together is then that count, and only the writes are added; read as exclusive of
 *    both, the cache reads were counted twice.
 *  - REASONING_OUTSIDE_OUTPUT: the call is xAI's, whose API counts reasoning tokens "separately from
 *    completion_tokens, but … in the total_tokens" (docs.x.ai, consumption and rate limits), and the output count is
 *    xAI's own (the openai client's instrumentations pass it on as it is). Without a total to tell, the reasoning is
 *    added to the output; it went unpriced, most of a Grok reasoning model's output.
 */
export const THINKING_MAY_BE_LEFT_OUT = 1;
export const CACHE_WRITE_MAY_BE_OUTSIDE_INPUT = 2;
export const REASONING_OUTSIDE_OUTPUT = 4;

/**
 * The inclusive view. Input is taken as exclusive of cache (and the cache added to it) when the cache alone exceeds
 * it, or when the total only adds up with the cache counted separately — raw Anthropic and Bedrock numbers, e.g. via
 * MLflow. Reasoning is taken as exclusive of output (Gemini-style, xAI-style) when it exceeds the output, which an
 * output holding it cannot, or when the total only adds up with it separately; without a total, when `quirks` say so.
 * `quirks`: see THINKING_MAY_BE_LEFT_OUT, CACHE_WRITE_MAY_BE_OUTSIDE_INPUT and REASONING_OUTSIDE_OUTPUT.
 */
export function normaliseTokens(counts: Readonly<RawTokenCounts>, quirks = 0): TokenUsage {
  let input = counts.input ?? 0;
  let output = counts.output ?? 0;
  const cacheRead = counts.cacheRead ?? 0;
  const cacheWrite = counts.cacheWrite ?? 0;
  const reasoning = counts.reasoning ?? 0;
  const total = counts.total;
  const cache = cacheRead + cacheWrite;
  const cacheWrite1h = Math.min(counts.cacheWrite1h ?? 0, cacheWrite);
  const compactions = counts.compactions;

  if (counts.input === undefined && total !== undefined) input = Math.max(0, total - output);
  else if ((quirks & CACHE_WRITE_MAY_BE_OUTSIDE_INPUT) !== 0 && cacheWrite > 0 && cacheRead <= input && input < cache) input += cacheWrite;
  else if (cache > 0 && (cache > input || total === input + output + cache)) input += cache;

  if (reasoning > 0 && reasoningOutsideOutput(counts, input, output, reasoning, quirks)) output += reasoning;
  if ((quirks & THINKING_MAY_BE_LEFT_OUT) !== 0 && counts.reasoning === undefined && total !== undefined && total > input + output) {
    const thinking = total - input - output;
    output += thinking;
    return new InclusiveTokens(input, output, cacheRead, cacheWrite, thinking, cacheWrite1h, compactions).withAudio(counts);
  }
  return new InclusiveTokens(input, output, cacheRead, cacheWrite, reasoning, cacheWrite1h, compactions).withAudio(counts);
}

/** Whether the output count leaves the reasoning out (see `normaliseTokens`); `input` is the inclusive input. */
function reasoningOutsideOutput(counts: Readonly<RawTokenCounts>, input: number, output: number, reasoning: number, quirks: number): boolean {
  if (reasoning > output) return true;
  const total = counts.total;
  if (total === undefined) return (quirks & REASONING_OUTSIDE_OUTPUT) !== 0;
  return total === (counts.input ?? 0) + output + reasoning && total !== input + output;
}
