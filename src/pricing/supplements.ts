/**
 * Corrections to the bundled catalog where it disagrees with the provider's published price. Each one names its
 * source; remove it once genai-prices carries the same numbers (the catalog test fails when it does).
 */
import type { Rate, RateCard } from './rates.js';

interface LongContextTier {
  above: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * Claude Sonnet 4 bills a request whose input exceeds 200k tokens (1M-context beta) at $6 in / $22.50 out /
 * $0.60 cache read / $7.50 cache write per 1M (anthropic.com/pricing "Long context"; the same on Bedrock and Vertex).
 * genai-prices 0.1.8 has this tier for Sonnet 4.5 and 4.6 but not for Sonnet 4.
 */
const SONNET_4_LONG_CONTEXT: LongContextTier = { above: 200_000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5 };

const LONG_CONTEXT_TIERS: Readonly<Record<string, LongContextTier>> = {
  'anthropic/claude-sonnet-4-0': SONNET_4_LONG_CONTEXT,
  'aws/global.anthropic.claude-sonnet-4-20250514-v1:0': SONNET_4_LONG_CONTEXT,
  'aws/regional.anthropic.claude-sonnet-4-20250514-v1:0': SONNET_4_LONG_CONTEXT,
  'google/claude-4-sonnet': SONNET_4_LONG_CONTEXT,
};

/** The catalog's card for `entry`, with a missing long-context tier added when we know it. */
export function supplementRateCard(entry: string, card: RateCard): RateCard {
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
    reasoning: card.reasoning,
  };
}
