import type { CostSplit, TokenUsage } from './types.js';

/** A price per million tokens, optionally stepping up once a request's input exceeds a threshold. */
export interface TieredRate {
  base: number;
  /** Ascending by `above`; a tier applies to the whole request when its total input is strictly greater than `above`. */
  tiers: readonly { above: number; rate: number }[];
}

export type Rate = number | TieredRate;

/** USD per million tokens for each token type we price. Cache and reasoning rates fall back as documented in `rateCard`. */
export interface RateCard {
  input: Rate;
  output: Rate;
  cacheRead?: Rate | undefined;
  cacheWrite?: Rate | undefined;
  reasoning?: Rate | undefined;
}

const PER_MILLION = 1_000_000;

/** The rate that applies to a request with `inputTokens` of input: the highest tier it exceeds, else the base. */
function rateFor(rate: Rate, inputTokens: number): number {
  if (typeof rate === 'number') return rate;
  let resolved = rate.base;
  for (const tier of rate.tiers) if (inputTokens > tier.above) resolved = tier.rate;
  return resolved;
}

function isTiered(rate: Rate | undefined): rate is TieredRate {
  return rate !== undefined && typeof rate !== 'number';
}

/** The highest long-context threshold a request exceeds on this rate, if any. */
function thresholdFor(rate: Rate | undefined, inputTokens: number): number | undefined {
  if (!isTiered(rate)) return undefined;
  let threshold: number | undefined;
  for (const tier of rate.tiers) if (inputTokens > tier.above) threshold = tier.above;
  return threshold;
}

export interface CostComputation {
  costs: CostSplit;
  /** The highest long-context threshold crossed, if any (for provenance). */
  contextThreshold: number | undefined;
}

/**
 * Prices a usage against a rate card. A token type without its own rate is billed at its parent's rate (cache read
 * and write at the input rate, reasoning at the output rate): that is what a price list without a cache discount
 * means, and it is how genai-prices treats an absent key.
 */
export function computeCost(card: RateCard, usage: TokenUsage, multiplier = 1): CostComputation {
  const inputTokens = usage.input;
  const input = rateFor(card.input, inputTokens);
  const output = rateFor(card.output, inputTokens);
  const cacheRead = card.cacheRead === undefined ? input : rateFor(card.cacheRead, inputTokens);
  const cacheWrite = card.cacheWrite === undefined ? input : rateFor(card.cacheWrite, inputTokens);
  const reasoning = card.reasoning === undefined ? output : rateFor(card.reasoning, inputTokens);

  const uncachedInput = Math.max(0, usage.input - usage.cacheRead - usage.cacheWrite);
  const reasoningTokens = Math.min(usage.reasoning, usage.output);
  const plainOutput = usage.output - reasoningTokens;

  const scale = multiplier / PER_MILLION;
  const costs: CostSplit = {
    input: uncachedInput * input * scale,
    cacheRead: usage.cacheRead * cacheRead * scale,
    cacheWrite: usage.cacheWrite * cacheWrite * scale,
    output: plainOutput * output * scale,
    reasoning: reasoningTokens * reasoning * scale,
    total: 0,
  };
  costs.total = costs.input + costs.cacheRead + costs.cacheWrite + costs.output + costs.reasoning;
  let contextThreshold: number | undefined;
  // Most cards are flat: no threshold to look for.
  if (isTiered(card.input) || isTiered(card.output) || isTiered(card.cacheRead) || isTiered(card.cacheWrite) || isTiered(card.reasoning)) {
    for (const rate of [card.input, card.output, card.cacheRead, card.cacheWrite, card.reasoning]) {
      const threshold = thresholdFor(rate, inputTokens);
      if (threshold !== undefined && (contextThreshold === undefined || threshold > contextThreshold)) contextThreshold = threshold;
    }
  }
  return { costs, contextThreshold };
}
