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

function resolveRate(rate: Rate, inputTokens: number): { rate: number; threshold: number | undefined } {
  if (typeof rate === 'number') return { rate, threshold: undefined };
  let resolved = rate.base;
  let threshold: number | undefined;
  for (const tier of rate.tiers) {
    if (inputTokens > tier.above) {
      resolved = tier.rate;
      threshold = tier.above;
    }
  }
  return { rate: resolved, threshold };
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
  const input = resolveRate(card.input, usage.input);
  const output = resolveRate(card.output, usage.input);
  const cacheRead = card.cacheRead === undefined ? input : resolveRate(card.cacheRead, usage.input);
  const cacheWrite = card.cacheWrite === undefined ? input : resolveRate(card.cacheWrite, usage.input);
  const reasoning = card.reasoning === undefined ? output : resolveRate(card.reasoning, usage.input);

  const uncachedInput = Math.max(0, usage.input - usage.cacheRead - usage.cacheWrite);
  const reasoningTokens = Math.min(usage.reasoning, usage.output);
  const plainOutput = usage.output - reasoningTokens;

  const scale = multiplier / PER_MILLION;
  const costs: CostSplit = {
    input: uncachedInput * input.rate * scale,
    cacheRead: usage.cacheRead * cacheRead.rate * scale,
    cacheWrite: usage.cacheWrite * cacheWrite.rate * scale,
    output: plainOutput * output.rate * scale,
    reasoning: reasoningTokens * reasoning.rate * scale,
    total: 0,
  };
  costs.total = costs.input + costs.cacheRead + costs.cacheWrite + costs.output + costs.reasoning;
  let contextThreshold: number | undefined;
  for (const resolved of [input, output, cacheRead, cacheWrite, reasoning]) {
    if (resolved.threshold !== undefined && (contextThreshold === undefined || resolved.threshold > contextThreshold)) {
      contextThreshold = resolved.threshold;
    }
  }
  return { costs, contextThreshold };
}
