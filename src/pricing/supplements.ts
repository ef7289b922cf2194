/**
 * Corrections to the bundled catalog where it disagrees with the provider's published price, and the models it lacks
 * (DeepSeek's in deepseek.ts). Each one names its source; remove it once genai-prices carries the same numbers (the
 * catalog test fails when it does).
 */
import type { ModelInfo, ModelPrice, Provider } from '@pydantic/genai-prices';
import { DEEPSEEK_MODELS, deepSeekPricesAt } from './deepseek.js';
import type { CatalogEntry } from './genaiPrices.js';
import type { Rate, RateCard } from './rates.js';

interface LongContextTier {
  above: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * Claude Sonnet 4 and 4.5 bill a request whose input exceeds 200k tokens (the 1M-context beta; genai-prices notes it
 * retired for Sonnet 4.5 on 2026-04-30, larger requests failing since, so the tier prices the calls from before) at $6
 * in / $22.50 out / $0.60 cache read / $7.50 cache write per 1M (anthropic.com/pricing "Long context"; the same on Bedrock's global endpoint, on Vertex, and on
 * OpenRouter, which passes the maker's price through: openrouter.ai/docs/faq). genai-prices 0.1.8 has this tier for
 * Anthropic's, Vertex's and OpenRouter's Sonnet 4.5 but not for Sonnet 4, nor for Bedrock's Sonnet 4.5.
 */
const SONNET_LONG_CONTEXT: LongContextTier = { above: 200_000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5 };

/**
 * Sonnet 4.5 past 200k input tokens on Bedrock's regional endpoints and geographic inference profiles: $6.60 in /
 * $24.75 out per 1M (aws.amazon.com/bedrock/pricing, "Claude Sonnet 4.5 - Long Context"), 10% over the global price as
 * every regional Claude 4.5 price is; cache read and write at the multiples of input every Bedrock Claude price has
 * (0.1× and 1.25×), $0.66 and $8.25.
 */
const SONNET_LONG_CONTEXT_BEDROCK_REGIONAL: LongContextTier = { above: 200_000, input: 6.6, output: 24.75, cacheRead: 0.66, cacheWrite: 8.25 };

const LONG_CONTEXT_TIERS: Readonly<Record<string, LongContextTier>> = {
  'anthropic/claude-sonnet-4-0': SONNET_LONG_CONTEXT,
  'aws/global.anthropic.claude-sonnet-4-20250514-v1:0': SONNET_LONG_CONTEXT,
  'aws/regional.anthropic.claude-sonnet-4-20250514-v1:0': SONNET_LONG_CONTEXT,
  'aws/global.anthropic.claude-sonnet-4-5-20250929-v1:0': SONNET_LONG_CONTEXT,
  'aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0': SONNET_LONG_CONTEXT_BEDROCK_REGIONAL,
  'google/claude-4-sonnet': SONNET_LONG_CONTEXT,
  'openrouter/anthropic/claude-sonnet-4': SONNET_LONG_CONTEXT,
};

/**
 * A Claude cache write kept for an hour costs twice the base input price, in each long-context tier too
 * (anthropic.com/pricing, "1h cache writes"; genai-prices' comment on each of Anthropic's entries). Bedrock and Vertex
 * bill it the same way against their own input price, and OpenRouter passes Anthropic's price through
 * (openrouter.ai/docs/faq).
 */
const ONE_HOUR_WRITE_PER_INPUT = 2;

/**
 * The price lists whose Claude entries follow Anthropic's multiples of input. genai-prices 0.1.8 gives most of
 * Bedrock's, Vertex's and OpenRouter's no 1-hour write price, which then fell back to the 5-minute one. Not GitHub
 * Copilot's nor resellers': their Claude prices are their own, and we know of no 1-hour price they publish.
 */
const CLAUDE_AT_ANTHROPIC_MULTIPLES: ReadonlySet<string> = new Set(['anthropic', 'aws', 'google', 'openrouter']);

/**
 * o3 before the 2025-06-10 price cut: $10 in / $2.50 cached in / $40 out per 1M (openai.com/api/pricing at the o3
 * launch, 2025-04-16; OpenAI's announcement of 2025-06-10 cut every o3 price by 80%, to $2 / $0.50 / $8, which is
 * $2.50 → $0.50 for cached input). genai-prices 0.1.8 gives the pre-cut period the post-cut cached price ($0.50),
 * so cached o3 input before the cut would be billed at a fifth of its price. Recognised by the pre-cut card itself,
 * so the correction stops applying if the catalog's period changes.
 */
const CACHED_INPUT_CORRECTIONS: Readonly<Record<string, { input: number; output: number; wrongCacheRead: number; cacheRead: number }>> = {
  'openai/o3': { input: 10, output: 40, wrongCacheRead: 0.5, cacheRead: 2.5 },
};

/**
 * o3 on OpenRouter, which passes OpenAI's price through (openrouter.ai/docs/faq): before the 2025-06-10 cut, OpenAI's
 * launch price above. genai-prices 0.1.8 gives OpenRouter's o3 only the price since the cut, with no period before
 * it; recognised by that flat price, so the correction stops applying once the catalog dates it.
 */
const PRICES_BEFORE: Readonly<Record<string, { until: number; prices: PricesInForce }>> = {
  'openrouter/openai/o3': { until: Date.parse('2025-06-10T00:00:00Z'), prices: { prices: { input_mtok: 10, cache_read_mtok: 2.5, output_mtok: 40 } } },
};

/**
 * The audio prices of OpenAI's audio previews, per 1M audio tokens (openai.com/api/pricing): gpt-4o-audio-preview $40
 * in / $80 out (since its 2024-12-17 snapshot, 60% under the launch's), gpt-4o-mini-audio-preview $10 / $20.
 * genai-prices 0.1.8 lists both at their text prices only, so their audio, most of such a call, was billed as text
 * (16× and 66× under). Added only to a card without audio prices: once the catalog has them, it wins.
 */
const AUDIO_PRICES: Readonly<Record<string, { inputAudio: number; outputAudio: number }>> = {
  'openai/gpt-4o-audio-preview': { inputAudio: 40, outputAudio: 80 },
  'openai/gpt-4o-mini-audio-preview': { inputAudio: 10, outputAudio: 20 },
};

/** The catalog's card for `entry`, with a known wrong cache price corrected and missing Claude and audio prices added. */
export function supplementRateCard(entry: string, catalogCard: RateCard): RateCard {
  return withAudioPrices(entry, withOneHourWrites(entry, withLongContextTier(entry, withCacheReadCorrected(entry, catalogCard))));
}

function withAudioPrices(entry: string, card: RateCard): RateCard {
  const audio = AUDIO_PRICES[entry];
  return audio === undefined || card.inputAudio !== undefined || card.outputAudio !== undefined ? card : { ...card, ...audio };
}

function withCacheReadCorrected(entry: string, card: RateCard): RateCard {
  const correction = CACHED_INPUT_CORRECTIONS[entry];
  return correction !== undefined && card.input === correction.input && card.output === correction.output && card.cacheRead === correction.wrongCacheRead
    ? { ...card, cacheRead: correction.cacheRead }
    : card;
}

function withLongContextTier(entry: string, card: RateCard): RateCard {
  const tier = LONG_CONTEXT_TIERS[entry];
  // Only a flat card is supplemented: once the catalog has tiers of its own, it wins.
  if (tier === undefined || typeof card.input !== 'number' || typeof card.output !== 'number') return card;
  const step = (base: Rate | undefined, rate: number): Rate | undefined =>
    typeof base === 'number' ? { base, tiers: [{ above: tier.above, rate }] } : base;
  return {
    // What the tier does not step (the entries with a supplemented tier are Claude's: no audio) stays as it is.
    ...card,
    input: { base: card.input, tiers: [{ above: tier.above, rate: tier.input }] },
    output: { base: card.output, tiers: [{ above: tier.above, rate: tier.output }] },
    cacheRead: step(card.cacheRead, tier.cacheRead),
    cacheWrite: step(card.cacheWrite, tier.cacheWrite),
    // A card without a 1-hour price gets one, tiers and all, from withOneHourWrites.
    cacheWrite1h: step(card.cacheWrite1h, ONE_HOUR_WRITE_PER_INPUT * tier.input),
  };
}

/**
 * A Claude card that prices cache writes but not those kept for an hour, with the 1-hour price at its multiple of the
 * card's input price. A card without a cache-write price prices no caching (Claude 2; Bedrock's Claude 3 Haiku and
 * Opus): it is left as it is.
 */
function withOneHourWrites(entry: string, card: RateCard): RateCard {
  if (card.cacheWrite1h !== undefined || card.cacheWrite === undefined || !isClaudeAtAnthropicMultiples(entry)) return card;
  return { ...card, cacheWrite1h: scaled(card.input, ONE_HOUR_WRITE_PER_INPUT) };
}

function isClaudeAtAnthropicMultiples(entry: string): boolean {
  const slash = entry.indexOf('/');
  return CLAUDE_AT_ANTHROPIC_MULTIPLES.has(entry.slice(0, slash)) && entry.slice(slash + 1).includes('claude');
}

function scaled(rate: Rate, factor: number): Rate {
  if (typeof rate === 'number') return rate * factor;
  return { base: rate.base * factor, tiers: rate.tiers.map((tier) => ({ above: tier.above, rate: tier.rate * factor })) };
}

/**
 * Mistral Small 3, 3.1 and 3.2 by their dated names (`mistral-small-2501`, `-2503`, `-2506`, as Mistral's API answers
 * and LangChain's ChatMistralAI names them): $0.10 in / $0.30 out per 1M (mistral.ai/pricing, each at its release).
 * genai-prices 0.1.8 knows only `mistral-small-latest`, at that price, and no dated name: such calls went unpriced.
 */
const MISTRAL_SMALL_3: readonly CatalogEntry[] = ['mistral-small-2501', 'mistral-small-2503', 'mistral-small-2506'].map((id) => ({
  providerId: 'mistral',
  model: { id, name: 'Mistral Small 3', match: { equals: id }, prices: { input_mtok: 0.1, output_mtok: 0.3 } },
}));

/** Models the catalog lacks, in its own shape, each under the provider whose price list has it. */
const SUPPLEMENT_MODELS: readonly CatalogEntry[] = [...DEEPSEEK_MODELS, ...MISTRAL_SMALL_3];

/**
 * Models the catalog prices as another by a pattern of the other's, each found by a part of its name before the
 * catalog is asked. Amazon Titan Text Embeddings V2 (`amazon.titan-embed-text-v2:0`, LangChain's BedrockEmbeddings'
 * default): $0.02 per 1M tokens (aws.amazon.com/bedrock/pricing, $0.00002 per 1,000), where genai-prices 0.1.8's V1
 * entry (`contains: amazon.titan-embed-text`) priced it at V1's $0.10, five times its price.
 */
const MISMATCHED_MODELS: readonly { part: string; entry: CatalogEntry }[] = [
  {
    // Gemini 1.5 Flash-8B: $0.0375 in / $0.01 cached / $0.15 out per 1M, twice each past 128k input tokens
    // (ai.google.dev/gemini-api/docs/pricing, while it was served). genai-prices 0.1.8 lists it nowhere, and Gemini
    // 1.5 Flash's `contains: gemini-1.5-flash` priced it at Flash's price, twice its own (reprices of old traces).
    part: 'gemini-1.5-flash-8b',
    entry: {
      providerId: 'google',
      model: {
        id: 'gemini-1.5-flash-8b',
        name: 'Gemini 1.5 Flash-8B',
        match: { contains: 'gemini-1.5-flash-8b' },
        prices: {
          input_mtok: { base: 0.0375, tiers: [{ start: 128_000, price: 0.075 }] },
          cache_read_mtok: { base: 0.01, tiers: [{ start: 128_000, price: 0.02 }] },
          output_mtok: { base: 0.15, tiers: [{ start: 128_000, price: 0.3 }] },
        },
      },
    },
  },
  {
    part: 'titan-embed-text-v2',
    entry: {
      providerId: 'aws',
      model: { id: 'amazon.titan-embed-text-v2:0', name: 'Titan Text Embeddings V2', match: { contains: 'titan-embed-text-v2' }, prices: { input_mtok: 0.02 } },
    },
  },
];

/** The entry of a model the catalog would price as another (see MISMATCHED_MODELS), listed by `providerId` (any when null). */
export function mismatchedEntry(model: string, providerId: string | null): CatalogEntry | undefined {
  const name = model.toLowerCase();
  return MISMATCHED_MODELS.find(({ part, entry }) => (providerId === null || entry.providerId === providerId) && name.includes(part))?.entry;
}

/**
 * The supplementary model named `model` exactly, listed by `providerId` (by any provider when null, as a model
 * named without its provider is looked up in its maker's own list).
 */
export function supplementEntry(model: string, providerId: string | null): CatalogEntry | undefined {
  const name = model.toLowerCase().trim();
  return SUPPLEMENT_MODELS.find((entry) => (providerId === null || entry.providerId === providerId) && entry.model.id === name);
}

/** The catalog's providers with the supplementary models added to their lists, for browsing. */
export function withSupplementModels(providers: readonly Provider[]): Provider[] {
  return providers.map((provider) => {
    const added = [...SUPPLEMENT_MODELS, ...MISMATCHED_MODELS.map(({ entry }) => entry)].filter((entry) => entry.providerId === provider.id).map((entry) => entry.model);
    return added.length === 0 ? provider : { ...provider, models: [...provider.models, ...added] };
  });
}

/** Which band of prices by the hour a call paid (DeepSeek's peak and off-peak). */
export type PriceBand = 'peak' | 'off-peak';

/** The prices of a catalog entry in force at an instant, and their band when they are by the hour. */
export interface PricesInForce {
  readonly prices: ModelPrice;
  readonly band?: PriceBand;
}

/** The prices of a catalog entry in force at `at` (ms), where the catalog's own periods get them wrong; else undefined. */
export function supplementPricesAt(entry: string, model: ModelInfo, at: number): PricesInForce | undefined {
  const before = PRICES_BEFORE[entry];
  if (before !== undefined && !Array.isArray(model.prices)) return at < before.until ? before.prices : undefined;
  return deepSeekPricesAt(entry, model, at);
}

/** Whether a catalog entry with one price has periods here (its card then depends on the call's time). */
export function supplementHasPeriods(entry: string, model: ModelInfo): boolean {
  return PRICES_BEFORE[entry] !== undefined && !Array.isArray(model.prices);
}
