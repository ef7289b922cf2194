/**
 * One pass over a span's attributes that keeps only the keys recognition reads. A scratch table is reused between
 * spans (recognition is synchronous), so reading a span allocates nothing.
 */
import { PRICING_ATTRIBUTES } from '../contract/attributes.js';
import { findAttribute } from '../otlp/index.js';
import type { AnyValue, KeyValue, SpanEvent } from '../otlp/index.js';

export const KEYS = [
  // Span kind (§1)
  'openinference.span.kind',
  'mlflow.spanType',
  'langsmith.span.kind',
  'traceloop.span.kind',
  'ai.operationId',
  'gen_ai.operation.name',
  'llm.request.type',
  // Model (§2), in precedence order
  'gen_ai.response.model',
  'llm.response.model_name',
  'llm.model_name',
  // OpenInference embedding spans name their model here only
  'embedding.model_name',
  'ai.response.model',
  'gen_ai.request.model',
  'llm.request.model_name',
  'ai.model.id',
  'mlflow.llm.model',
  'langsmith.metadata.ls_model_name',
  'traceloop.association.properties.ls_model_name',
  // MLflow's OpenAI autolog (3.9) names the model in a plain `model` attribute, and nowhere else
  'model',
  // Provider (§2), in precedence order
  'gen_ai.provider.name',
  'gen_ai.system',
  'llm.provider',
  'llm.system',
  'mlflow.llm.provider',
  'langsmith.metadata.ls_provider',
  'ai.model.provider',
  'traceloop.association.properties.ls_provider',
  // The server called, which tells an OpenAI-compatible provider from OpenAI (OpenLLMetry records the client's base URL)
  'server.address',
  'gen_ai.openai.api_base',
  // JSON context
  'metadata',
  'mlflow.spanOutputs',
  'gen_ai.completion',
  'output.value',
  'mlflow.message.format',
  'invocation_params',
  'llm.invocation_parameters',
  'langsmith.metadata.langgraph_node',
  'traceloop.association.properties.langgraph_node',
  // Tokens (§3)
  'mlflow.chat.tokenUsage',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.token_count.prompt',
  'ai.usage.inputTokens',
  'ai.usage.promptTokens',
  'ai.usage.tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.token_count.completion',
  'ai.usage.outputTokens',
  'ai.usage.completionTokens',
  'gen_ai.usage.total_tokens',
  'llm.usage.total_tokens',
  'llm.token_count.total',
  'ai.usage.totalTokens',
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'llm.token_count.prompt_details.cache_read',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.cachedInputTokens',
  // Pydantic AI: its usage's details, each under `gen_ai.usage.details.`
  'gen_ai.usage.details.cache_read_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  // Strands Agents' spelling, beside its `gen_ai.usage.cache_read_input_tokens`
  'gen_ai.usage.cache_write_input_tokens',
  'llm.token_count.prompt_details.cache_write',
  'llm.token_count.prompt_details.cache_input',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
  'gen_ai.usage.details.cache_write_tokens',
  // The Anthropic SDK's own OpenTelemetry spans: of the cache writes, those kept for an hour
  'anthropic.usage.cache_creation.ephemeral_1h_input_tokens',
  // …and the tokens of the context compactions a beta request let the server make, which its usage leaves out
  'anthropic.usage.compaction.input_tokens',
  'anthropic.usage.compaction.output_tokens',
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'llm.usage.reasoning_tokens',
  'llm.token_count.completion_details.reasoning',
  'ai.usage.outputTokenDetails.reasoningTokens',
  'ai.usage.reasoningTokens',
  'gen_ai.usage.details.reasoning_tokens',
  // Audio tokens (parts of the counts above): OpenInference's, and OpenTelemetry's per-modality counts (unreleased)
  'llm.token_count.prompt_details.audio',
  'llm.token_count.completion_details.audio',
  'gen_ai.usage.audio.input_tokens',
  'gen_ai.usage.audio.cache_read.input_tokens',
  'gen_ai.usage.audio.output_tokens',
  'gen_ai.usage.input_token_details',
  'gen_ai.usage.output_token_details',
  // The Vercel AI SDK's provider metadata (JSON): Anthropic's own usage, cache counts included
  'ai.response.providerMetadata',
  // LiteLLM's MLflow integration (mlflow.litellm.autolog): its usage and its response, dicts MLflow sends as JSON
  'usage',
  'raw_llm_response',
  // LiteLLM's own OpenTelemetry callback: the whole usage LiteLLM made of the provider's, as Python's str() of the dict
  'metadata.usage_object',
  // Provider-reported cost
  'mlflow.llm.cost',
  'llm.cost.total',
  'llm.cost.prompt',
  'llm.cost.completion',
  'response_cost',
  // Service tier
  'openai.response.service_tier',
  'gen_ai.openai.response.service_tier',
  'openai.request.service_tier',
  'gen_ai.openai.request.service_tier',
  'anthropic.response.service_tier',
  // De-duplication
  'gen_ai.response.id',
  'ai.response.id',
  // Already priced by us (a replay, or a second tokenmeter in the path)
  PRICING_ATTRIBUTES.status,
] as const;

export type Key = (typeof KEYS)[number];

const SLOT = new Map<string, number>(KEYS.map((key, index) => [key, index]));

/**
 * Every key's slot, to be read with a literal key (`view.at(SLOTS['gen_ai.system'])`): each such read site is a
 * fixed property load the compiler folds to a constant, where a lookup by key string (a Map) costs a hash probe,
 * and recognition reads some 70 keys per model call.
 */
export const SLOTS: Readonly<Record<Key, number>> = Object.freeze(Object.fromEntries(KEYS.map((key, index) => [key, index])) as Record<Key, number>);

/** The slots of some keys, in their order. */
export function slotsOf(keys: readonly Key[]): number[] {
  return keys.map((key) => SLOTS[key]);
}

/** The bits of the key groups (see `keyGroup`) each slot belongs to. */
const GROUP_BITS = new Int32Array(KEYS.length);
let groupCount = 0;

/**
 * Registers keys that are read together (say the ~30 usage keys of all conventions) and returns the group's bit.
 * After `load`, `view.hasAny(group)` tells at once whether the span carries any of them, so that a reader skips a
 * group the span lacks instead of reading every slot of it: a span speaks one convention, and reading the empty
 * slots of the others was a tenth of recognising an MLflow model call.
 */
export function keyGroup(slots: readonly number[]): number {
  if (groupCount === 31) throw new Error('SpanView: no room for another key group');
  const bit = 1 << groupCount++;
  for (const slot of slots) GROUP_BITS[slot]! |= bit;
  return bit;
}

/**
 * The keys of a span seen recently and where recognition's keys are among them. Spans of one instrumentation carry
 * the same keys in the same order call after call (and the protobuf decoder hands out the same key strings), so a
 * span whose keys are those of a remembered one reuses its slots: one string comparison per attribute, where the
 * slot lookup by key (a Map) was about a tenth of the CostEstimator's own time on model calls. The comparison is of values, so a match is
 * always right, whichever decoder made the strings.
 */
class Layout {
  private readonly keys: string[] = [];
  readonly positions: number[] = [];
  readonly slots: number[] = [];
  groups = 0;

  matches(attributes: readonly KeyValue[]): boolean {
    const keys = this.keys;
    if (keys.length !== attributes.length || keys.length === 0) return false;
    for (let i = 0; i < keys.length; i++) if (attributes[i]!.key !== keys[i]) return false;
    return true;
  }

  /** Rewrites the arrays in place: spans that keep missing (other keys, same length) allocate nothing. */
  remember(attributes: readonly KeyValue[], positions: readonly number[], slots: readonly number[], count: number, groups: number): void {
    const keys = this.keys;
    keys.length = attributes.length;
    for (let position = 0; position < attributes.length; position++) keys[position] = attributes[position]!.key;
    for (let i = 0; i < count; i++) {
      this.positions[i] = positions[i]!;
      this.slots[i] = slots[i]!;
    }
    this.positions.length = count;
    this.slots.length = count;
    this.groups = groups;
  }
}

/** Remembered layouts, one per span length modulo this: spans of other kinds (chain, model call, tool) differ in length. */
const LAYOUT_ENTRIES = 16;
const layouts = Array.from({ length: LAYOUT_ENTRIES }, () => new Layout());

export class SpanView {
  private readonly values: (AnyValue | undefined)[] = new Array<AnyValue | undefined>(KEYS.length).fill(undefined);
  /** Slots filled by the last `load` (the first `touchedCount` entries), to be cleared by the next. */
  private readonly touched: number[] = [];
  private touchedCount = 0;
  /** Where in the attributes each touched slot's value was, for the layout remembered. */
  private readonly positions: number[] = [];
  /** The key groups with a value on the span loaded. */
  private groups = 0;

  /** The attributes loaded, for `find`. */
  private attributes: readonly KeyValue[] = [];
  /** The events of the span loaded, for `eventAttribute`. */
  private events: readonly SpanEvent[] = NO_EVENTS;

  load(attributes: readonly KeyValue[], events: readonly SpanEvent[] = NO_EVENTS): void {
    this.attributes = attributes;
    this.events = events;
    const values = this.values;
    const touched = this.touched;
    for (let i = 0; i < this.touchedCount; i++) values[touched[i]!] = undefined;
    const layout = layouts[attributes.length & (LAYOUT_ENTRIES - 1)]!;
    if (layout.matches(attributes)) {
      const { positions, slots } = layout;
      const count = slots.length;
      for (let i = 0; i < count; i++) {
        const slot = slots[i]!;
        values[slot] = attributes[positions[i]!]!.value;
        touched[i] = slot;
      }
      this.touchedCount = count;
      this.groups = layout.groups;
      return;
    }
    const positions = this.positions;
    let count = 0;
    let groups = 0;
    for (let position = 0; position < attributes.length; position++) {
      const attribute = attributes[position]!;
      // The protobuf decoder interns keys, so the key's hash is computed once, not on every span.
      const slot = SLOT.get(attribute.key);
      if (slot === undefined) continue;
      values[slot] = attribute.value;
      positions[count] = position;
      touched[count++] = slot;
      groups |= GROUP_BITS[slot]!;
    }
    this.touchedCount = count;
    this.groups = groups;
    layout.remember(attributes, positions, touched, count, groups);
  }

  /** Whether the span loaded has a value for any key of a group from `keyGroup`. */
  hasAny(group: number): boolean {
    return (this.groups & group) !== 0;
  }

  /** The value in a slot from `SLOTS`. */
  at(slot: number): AnyValue | undefined {
    return this.values[slot];
  }

  /**
   * The value of a key that has no slot: one read on few spans (a fallback) is looked for there and then, rather than
   * kept in a slot on every span that has it.
   */
  find(key: string): AnyValue | undefined {
    for (const attribute of this.attributes) if (attribute.key === key) return attribute.value;
    return undefined;
  }

  /**
   * The value of `key` on the span's first event named `name`. Events are read on few spans, as a last resort: MLflow
   * keeps the chunks of a stream it traces as events, and some of what a stream reports is only there.
   */
  eventAttribute(name: string, key: string): AnyValue | undefined {
    for (const event of this.events) if (event.name === name) return findAttribute(event.attributes, key);
    return undefined;
  }
}

const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);
