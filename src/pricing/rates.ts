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
  /** Cache writes kept for an hour (`TokenUsage.cacheWrite1h`); at the cache-write rate when absent. */
  cacheWrite1h?: Rate | undefined;
  reasoning?: Rate | undefined;
  /**
   * Audio tokens (`TokenUsage.audioInput`, `audioCacheRead`, `audioOutput`), as genai-prices prices them: audio input
   * at the input rate when absent; cached audio at the cache-read rate, or at the audio input rate when only that is
   * given; audio output at the output rate.
   */
  inputAudio?: Rate | undefined;
  cacheAudioRead?: Rate | undefined;
  outputAudio?: Rate | undefined;
  /**
   * A fee per call, USD per thousand calls (genai-prices' `requests_kcount`: Perplexity's request fee). Counted in the
   * input part of the split: MLflow's cost has only input and output, and the fee is paid for sending a request.
   */
  requests?: Rate | undefined;
}

const PER_MILLION = 1_000_000;
const PER_THOUSAND = 1000;

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

/** The higher of `highest` and the highest long-context threshold a request exceeds on this rate, if any. */
function thresholdFor(rate: Rate | undefined, inputTokens: number, highest: number | undefined): number | undefined {
  if (!isTiered(rate)) return highest;
  for (const tier of rate.tiers) if (inputTokens > tier.above && (highest === undefined || tier.above > highest)) highest = tier.above;
  return highest;
}

/**
 * A split made by a class, not an object literal: literals whose keys start alike share V8's hidden classes, and this
 * one's parts turning from integers to doubles would deprecate the classes of other `{ input, … }` literals (see
 * `InclusiveTokens` in recognition).
 */
class CostAmounts implements CostSplit {
  input = 0;
  cacheRead = 0;
  cacheWrite = 0;
  output = 0;
  reasoning = 0;
  total = 0;
}

/** A split with every part zero, to be filled by `computeCost`. */
export function emptyCostSplit(): CostSplit {
  return new CostAmounts();
}

/**
 * A part of a call's usage priced at its own size (see `TokenUsage.compactions`). A class, as `CostAmounts` is.
 */
class UsagePart implements TokenUsage {
  constructor(
    public input: number,
    public cacheRead: number,
    public cacheWrite: number,
    public cacheWrite1h: number,
    public output: number,
    public reasoning: number,
    public audioInput: number,
    public audioCacheRead: number,
    public audioOutput: number,
  ) {}
}

/**
 * The usage of the call's message, the iteration that is not a compaction: the call's usage less its compactions'
 * (which have no audio: Anthropic's).
 */
function messageUsage(usage: TokenUsage, compactions: readonly TokenUsage[]): TokenUsage {
  const part = new UsagePart(
    usage.input,
    usage.cacheRead,
    usage.cacheWrite,
    usage.cacheWrite1h ?? 0,
    usage.output,
    usage.reasoning,
    usage.audioInput ?? 0,
    usage.audioCacheRead ?? 0,
    usage.audioOutput ?? 0,
  );
  for (const compaction of compactions) {
    part.input -= compaction.input;
    part.cacheRead -= compaction.cacheRead;
    part.cacheWrite -= compaction.cacheWrite;
    part.cacheWrite1h -= compaction.cacheWrite1h ?? 0;
    part.output -= compaction.output;
  }
  part.input = Math.max(0, part.input);
  part.cacheRead = Math.max(0, part.cacheRead);
  part.cacheWrite = Math.max(0, part.cacheWrite);
  part.cacheWrite1h = Math.max(0, part.cacheWrite1h);
  part.output = Math.max(0, part.output);
  return part;
}

/**
 * Prices a usage against a rate card, into `costs`, and returns the highest long-context threshold crossed, if any
 * (for provenance). A token type without its own rate is billed at its parent's rate (cache read and write at the
 * input rate, reasoning at the output rate): that is what a price list without a cache discount means, and it is how
 * genai-prices treats an absent key. The CostEstimator passes the same `costs` for every call it prices, since it
 * writes each call's amounts out before pricing the next: a split of six doubles per call was a tenth of what it
 * allocated, and every byte allocated while a decoded request is alive makes collections copy that request sooner.
 * A call with context compactions is priced iteration by iteration, each at the rates of its own input.
 */
export function computeCost(card: RateCard, usage: TokenUsage, multiplier: number, costs: CostSplit): number | undefined {
  costs.input = 0;
  costs.cacheRead = 0;
  costs.cacheWrite = 0;
  costs.output = 0;
  costs.reasoning = 0;
  const compactions = usage.compactions;
  let threshold: number | undefined;
  if (compactions === undefined || compactions.length === 0) threshold = addCost(card, usage, multiplier, costs, undefined);
  else {
    threshold = addCost(card, messageUsage(usage, compactions), multiplier, costs, undefined);
    for (const compaction of compactions) threshold = addCost(card, compaction, multiplier, costs, threshold);
  }
  // Once per call: its compactions are iterations of the one request.
  if (card.requests !== undefined) {
    costs.input += (rateFor(card.requests, usage.input) * multiplier) / PER_THOUSAND;
    threshold = thresholdFor(card.requests, usage.input, threshold);
  }
  costs.total = costs.input + costs.cacheRead + costs.cacheWrite + costs.output + costs.reasoning;
  return threshold;
}

/** Adds what `usage` costs at the rates of its own input to `costs`; returns the higher of `highest` and its threshold. */
function addCost(card: RateCard, usage: TokenUsage, multiplier: number, costs: CostSplit, highest: number | undefined): number | undefined {
  const inputTokens = usage.input;
  const input = rateFor(card.input, inputTokens);
  const output = rateFor(card.output, inputTokens);
  const cacheRead = card.cacheRead === undefined ? input : rateFor(card.cacheRead, inputTokens);
  const cacheWrite = card.cacheWrite === undefined ? input : rateFor(card.cacheWrite, inputTokens);
  const cacheWrite1h = card.cacheWrite1h === undefined ? cacheWrite : rateFor(card.cacheWrite1h, inputTokens);
  const reasoning = card.reasoning === undefined ? output : rateFor(card.reasoning, inputTokens);

  const uncachedInput = Math.max(0, usage.input - usage.cacheRead - usage.cacheWrite);
  const reasoningTokens = Math.min(usage.reasoning, usage.output);
  const plainOutput = usage.output - reasoningTokens;
  // Audio is a part of the input, of the cache reads and of the output that is not reasoning: never more than those.
  // Most calls have none: nothing to work out then.
  const audioInputTokens = usage.audioInput ?? 0;
  const audioOutputTokens = usage.audioOutput ?? 0;
  const hasAudio = audioInputTokens > 0 || audioOutputTokens > 0;
  const cachedAudio = hasAudio ? Math.max(0, Math.min(usage.audioCacheRead ?? 0, audioInputTokens, usage.cacheRead)) : 0;
  const uncachedAudio = hasAudio ? Math.max(0, Math.min(audioInputTokens - cachedAudio, uncachedInput)) : 0;
  const audioOutput = hasAudio ? Math.max(0, Math.min(audioOutputTokens, plainOutput)) : 0;

  const scale = multiplier / PER_MILLION;
  costs.input += (uncachedInput - uncachedAudio) * input * scale;
  costs.cacheRead += (usage.cacheRead - cachedAudio) * cacheRead * scale;
  if (hasAudio) addAudioCost(card, inputTokens, input, cacheRead, output, uncachedAudio, cachedAudio, audioOutput, scale, costs);
  // The hour-long writes are a part of the writes, at their own rate; never more than the writes the call reports.
  const cacheWrite1hTokens = Math.max(0, Math.min(usage.cacheWrite1h ?? 0, usage.cacheWrite));
  costs.cacheWrite += ((usage.cacheWrite - cacheWrite1hTokens) * cacheWrite + cacheWrite1hTokens * cacheWrite1h) * scale;
  costs.output += (plainOutput - audioOutput) * output * scale;
  costs.reasoning += reasoningTokens * reasoning * scale;
  // Most cards are flat: no threshold to look for.
  let threshold = thresholdFor(card.input, inputTokens, highest);
  threshold = thresholdFor(card.output, inputTokens, threshold);
  threshold = thresholdFor(card.cacheRead, inputTokens, threshold);
  threshold = thresholdFor(card.cacheWrite, inputTokens, threshold);
  threshold = thresholdFor(card.cacheWrite1h, inputTokens, threshold);
  threshold = thresholdFor(card.reasoning, inputTokens, threshold);
  if (card.inputAudio === undefined && card.cacheAudioRead === undefined && card.outputAudio === undefined) return threshold;
  threshold = thresholdFor(card.inputAudio, inputTokens, threshold);
  threshold = thresholdFor(card.cacheAudioRead, inputTokens, threshold);
  return thresholdFor(card.outputAudio, inputTokens, threshold);
}

/**
 * The audio tokens of a call at their own rates, into the input, cache-read and output parts (where MLflow's input and
 * output costs take them). Rates the card lacks fall back as genai-prices prices a unit it has no price for: as a part
 * of the nearest unit it has a price for (cached audio, of the cache reads, else of the audio input).
 */
function addAudioCost(
  card: RateCard,
  inputTokens: number,
  input: number,
  cacheRead: number,
  output: number,
  uncachedAudio: number,
  cachedAudio: number,
  audioOutput: number,
  scale: number,
  costs: CostSplit,
): void {
  const inputAudio = card.inputAudio === undefined ? input : rateFor(card.inputAudio, inputTokens);
  const cacheAudioRead =
    card.cacheAudioRead !== undefined ? rateFor(card.cacheAudioRead, inputTokens) : card.cacheRead === undefined && card.inputAudio !== undefined ? inputAudio : cacheRead;
  const outputAudio = card.outputAudio === undefined ? output : rateFor(card.outputAudio, inputTokens);
  costs.input += uncachedAudio * inputAudio * scale;
  costs.cacheRead += cachedAudio * cacheAudioRead * scale;
  costs.output += audioOutput * outputAudio * scale;
}
