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
  cacheWrite1h: number;
}

/**
 * Claude Sonnet 4 bills a request whose input exceeds 200k tokens (1M-context beta) at $6 in / $22.50 out /
 * $0.60 cache read / $7.50 cache write ($12 kept for an hour: twice the input price) per 1M (anthropic.com/pricing
 * "Long context"; the same on Bedrock and Vertex, and on OpenRouter, which passes the maker's price through:
 * openrouter.ai/docs/faq). genai-prices 0.1.8 has this tier for Sonnet 4.5 and 4.6 but not for Sonnet 4.
 */
const SONNET_4_LONG_CONTEXT: LongContextTier = { above: 200_000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5, cacheWrite1h: 12 };

const LONG_CONTEXT_TIERS: Readonly<Record<string, LongContextTier>> = {
  'anthropic/claude-sonnet-4-0': SONNET_4_LONG_CONTEXT,
  'aws/global.anthropic.claude-sonnet-4-20250514-v1:0': SONNET_4_LONG_CONTEXT,
  'aws/regional.anthropic.claude-sonnet-4-20250514-v1:0': SONNET_4_LONG_CONTEXT,
  'google/claude-4-sonnet': SONNET_4_LONG_CONTEXT,
  'openrouter/anthropic/claude-sonnet-4': SONNET_4_LONG_CONTEXT,
};

/**
 * A Claude cache write kept for an hour costs twice the base input price (anthropic.com/pricing, "1h cache writes";
 * genai-prices' comment on Anthropic's entries). The catalog's Bedrock, Vertex and OpenRouter copies of Sonnet 4 give
 * no 1-hour price, so below the long-context threshold it is this multiple of their input price.
 */
const ONE_HOUR_WRITE_PER_INPUT = 2;

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

/** The catalog's card for `entry`, with a known wrong cache price corrected and a missing long-context tier added. */
export function supplementRateCard(entry: string, catalogCard: RateCard): RateCard {
  const correction = CACHED_INPUT_CORRECTIONS[entry];
  const card =
    correction !== undefined && catalogCard.input === correction.input && catalogCard.output === correction.output && catalogCard.cacheRead === correction.wrongCacheRead
      ? { ...catalogCard, cacheRead: correction.cacheRead }
      : catalogCard;
  const tier = LONG_CONTEXT_TIERS[entry];
  // Only a flat card is supplemented: once the catalog has tiers of its own, it wins.
  if (tier === undefined || typeof card.input !== 'number' || typeof card.output !== 'number') return card;
  const step = (base: Rate | undefined, rate: number): Rate | undefined =>
    typeof base === 'number' ? { base, tiers: [{ above: tier.above, rate }] } : base;
  return {
    input: { base: card.input, tiers: [{ above: tier.above, rate: tier.input }] },
    output: { base: card.output, tiers: [{ above: tier.above, rate: tier.output }] },
    cacheRead: step(card.cacheRead, tier.cacheRead),
    cacheWrite: step(card.cacheWrite, tier.cacheWrite),
    cacheWrite1h: step(card.cacheWrite1h ?? ONE_HOUR_WRITE_PER_INPUT * card.input, tier.cacheWrite1h),
    reasoning: card.reasoning,
    requests: card.requests,
  };
}

/** Models the catalog lacks, in its own shape, each under the provider whose price list has it. */
const SUPPLEMENT_MODELS: readonly CatalogEntry[] = [...DEEPSEEK_MODELS];

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
    const added = SUPPLEMENT_MODELS.filter((entry) => entry.providerId === provider.id).map((entry) => entry.model);
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
