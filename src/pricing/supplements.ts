/**
 * Corrections to the bundled catalog where it disagrees with the provider's published price. Each one names its
 * source; remove it once genai-prices carries the same numbers (the catalog test fails when it does).
 */
import type { ConditionalPrice, ModelInfo, ModelPrice } from '@pydantic/genai-prices';
import type { Rate, RateCard } from './rates.js';
import { WeeklyHours } from './weeklyHours.js';

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
 * "Long context"; the same on Bedrock and Vertex). genai-prices 0.1.8 has this tier for Sonnet 4.5 and 4.6 but not
 * for Sonnet 4.
 */
const SONNET_4_LONG_CONTEXT: LongContextTier = { above: 200_000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5, cacheWrite1h: 12 };

const LONG_CONTEXT_TIERS: Readonly<Record<string, LongContextTier>> = {
  'anthropic/claude-sonnet-4-0': SONNET_4_LONG_CONTEXT,
  'aws/global.anthropic.claude-sonnet-4-20250514-v1:0': SONNET_4_LONG_CONTEXT,
  'aws/regional.anthropic.claude-sonnet-4-20250514-v1:0': SONNET_4_LONG_CONTEXT,
  'google/claude-4-sonnet': SONNET_4_LONG_CONTEXT,
};

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
    cacheWrite1h: step(card.cacheWrite1h, tier.cacheWrite1h),
    reasoning: card.reasoning,
  };
}

/**
 * DeepSeek's own API bills a peak and an off-peak price (half of it) since 16:00 UTC on 16 August 2026. Peak is
 * 09:00–12:00 and 14:00–18:00 Beijing time (01:00–04:00 and 06:00–10:00 UTC), Monday to Friday; weekends are
 * off-peak all day from 23 August (api-docs.deepseek.com/quick_start/pricing: "Peak hours are 01:00 - 04:00 and
 * 06:00 - 10:00 UTC, Monday through Friday"; the date from genai-prices' own note on these entries).
 * genai-prices 0.1.8 lays its V4 entries out as [the flat price before, off-peak from 2026-08-17, peak 01–04 UTC,
 * peak 06–10 UTC]. A period there is dated or timed, never both, and knows no weekday
 * (github.com/pydantic/genai-prices/issues/582). So it bills a weekend call in those hours at the peak price, and a
 * call before 17 August in those hours at the new peak price instead of the flat one. Recognised by that layout:
 * the correction stops applying when the catalog's periods change.
 */
const DEEPSEEK_PEAK_PRICED: ReadonlySet<string> = new Set(['deepseek/deepseek-v4-flash', 'deepseek/deepseek-v4-pro']);
const DEEPSEEK_PEAK_BILLING_FROM = Date.parse('2026-08-16T16:00:00Z');
/** 23 August 2026, 00:00 Beijing time. */
const DEEPSEEK_WEEKENDS_OFF_PEAK_FROM = Date.parse('2026-08-22T16:00:00Z');
const DEEPSEEK_PEAK_HOURS = [
  { from: '09:00', until: '12:00' },
  { from: '14:00', until: '18:00' },
];
// Module-wide, as the catalog data is: each remembers the clock of the last quarter hour it read, nothing else.
const DEEPSEEK_PEAK_EVERY_DAY = new WeeklyHours(DEEPSEEK_PEAK_HOURS, 'Asia/Shanghai');
const DEEPSEEK_PEAK_ON_WEEKDAYS = new WeeklyHours(
  DEEPSEEK_PEAK_HOURS.map((window) => ({ ...window, days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const })),
  'Asia/Shanghai',
);

/** An entry's flat, off-peak and peak prices, when the catalog lays DeepSeek's peak hours out as 0.1.8 does. */
type PeakPeriods = readonly [flat: ModelPrice, offPeak: ModelPrice, peak: ModelPrice];
/** Per catalog entry: the layout is checked once, not on every call. */
const peakPeriodsOf = new WeakMap<ModelInfo, PeakPeriods | null>();

function deepSeekPeakPeriods(model: ModelInfo): PeakPeriods | null {
  const periods = model.prices;
  if (!Array.isArray(periods) || periods.length !== 4) return null;
  const [flat, offPeak, earlyPeak, latePeak] = periods as [ConditionalPrice, ConditionalPrice, ConditionalPrice, ConditionalPrice];
  const timed = (period: ConditionalPrice, start: string, end: string): boolean =>
    period.constraint?.type === 'time_of_date' && period.constraint.start_time === start && period.constraint.end_time === end;
  const laidOut =
    flat.constraint === undefined &&
    offPeak.constraint?.type === 'start_date' &&
    offPeak.constraint.start_date === '2026-08-17' &&
    timed(earlyPeak, '01:00:00Z', '04:00:00Z') &&
    timed(latePeak, '06:00:00Z', '10:00:00Z') &&
    JSON.stringify(earlyPeak.prices) === JSON.stringify(latePeak.prices);
  return laidOut ? [flat.prices, offPeak.prices, earlyPeak.prices] : null;
}

/** The prices of a catalog entry in force at `at` (ms), where the catalog's own periods get them wrong; else undefined. */
export function supplementPricesAt(entry: string, model: ModelInfo, at: number): ModelPrice | undefined {
  if (!DEEPSEEK_PEAK_PRICED.has(entry)) return undefined;
  let periods = peakPeriodsOf.get(model);
  if (periods === undefined) {
    periods = deepSeekPeakPeriods(model);
    peakPeriodsOf.set(model, periods);
  }
  if (periods === null) return undefined;
  const [flat, offPeak, peak] = periods;
  if (at < DEEPSEEK_PEAK_BILLING_FROM) return flat;
  const peakHours = at < DEEPSEEK_WEEKENDS_OFF_PEAK_FROM ? DEEPSEEK_PEAK_EVERY_DAY : DEEPSEEK_PEAK_ON_WEEKDAYS;
  return peakHours.contains(at) ? peak : offPeak;
}
