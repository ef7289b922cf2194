/**
 * DeepSeek's own API, where the catalog (genai-prices 0.1.8) falls short of what DeepSeek bills
 * (api-docs.deepseek.com/quick_start/pricing):
 *  - since 16:00 UTC on 16 August 2026, a peak price and an off-peak one (half of it). Peak is 09:00–12:00 and
 *    14:00–18:00 Beijing time (01:00–04:00 and 06:00–10:00 UTC), "Monday through Friday", public holidays excepted;
 *    weekends are off-peak all day from 00:00 on 23 August, Beijing time (DeepSeek's notice: "Effective 00:00
 *    (Beijing Time) on Sunday, August 23, 2026 … off-peak rates applying throughout the day on weekends"). The
 *    catalog lays its V4 entries out as [the flat price before, off-peak from 2026-08-17, peak 01–04 UTC, peak 06–10
 *    UTC]: a period there is dated or timed, never both, and knows no weekday
 *    (github.com/pydantic/genai-prices/issues/582). So it bills a weekend or holiday call in those hours at the peak
 *    price, and a call before 17 August in those hours at the new peak price instead of the flat one. Recognised by
 *    that layout: the correction stops applying when the catalog's periods change;
 *  - `deepseek-flash` (DeepSeek-V4.1-Flash), the model name DeepSeek's page says to use, which the catalog lacks;
 *  - the legacy `deepseek-v4-flash` names, which the page says "are served by DeepSeek-V4.1-Flash … and billed at
 *    Flash price".
 */
import type { ConditionalPrice, ModelInfo, ModelPrice } from '@pydantic/genai-prices';
import type { CatalogEntry } from './genaiPrices.js';
import type { PricesInForce } from './supplements.js';
import { WeeklyHours } from './weeklyHours.js';

const PEAK_BILLING_FROM = Date.parse('2026-08-16T16:00:00Z');
/** 23 August 2026, 00:00 Beijing time. */
const WEEKENDS_OFF_PEAK_FROM = Date.parse('2026-08-22T16:00:00Z');
const PEAK_HOURS = [
  { from: '09:00', until: '12:00' },
  { from: '14:00', until: '18:00' },
];
// Module-wide, as the catalog data is: each remembers the clock of the last quarter hour it read, nothing else.
const PEAK_EVERY_DAY = new WeeklyHours(PEAK_HOURS, 'Asia/Shanghai');
const PEAK_ON_WEEKDAYS = new WeeklyHours(
  PEAK_HOURS.map((window) => ({ ...window, days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const })),
  'Asia/Shanghai',
);

/**
 * Peak hours exclude Chinese public holidays ("Monday through Friday, excluding Chinese public holidays. All other hours
 * are off-peak, including weekends and Chinese public holidays in full", on the page by 21 September 2026). The
 * holidays of the State Council's 2026 schedule (国务院办公厅, 4 November 2025) since peak billing began: Mid-Autumn
 * Festival 25–27 September, National Day 1–7 October; dates in Beijing. 2027's schedule is not here yet: a call in
 * peak hours on one of its holidays is priced at peak, an upper bound, until it is added.
 */
const PUBLIC_HOLIDAYS: ReadonlySet<string> = new Set([
  ...['25', '26', '27'].map((day) => `2026-09-${day}`),
  ...['01', '02', '03', '04', '05', '06', '07'].map((day) => `2026-10-${day}`),
]);
const BEIJING_OFFSET_MS = 8 * 3600_000; // UTC+8 all year: China keeps no daylight saving time

/** deepseek-flash: $0.15 in (cache miss) / $0.003 cache hit / $0.60 out per 1M off-peak, twice that at peak. */
const FLASH_OFF_PEAK: ModelPrice = { input_mtok: 0.15, cache_read_mtok: 0.003, output_mtok: 0.6 };
const FLASH_PEAK: ModelPrice = { input_mtok: 0.3, cache_read_mtok: 0.006, output_mtok: 1.2 };
const FLASH: PeakPeriods = { offPeak: { prices: FLASH_OFF_PEAK, band: 'off-peak' }, peak: { prices: FLASH_PEAK, band: 'peak' } };
/**
 * When the legacy V4 Flash names began to be billed as Flash: 00:00 on 10 September 2026, Beijing time (the notes of
 * dsh-meter 0.5.0, a DeepSeek bill meter checked against DeepSeek's bills; one other account says 04:00 UTC that day).
 */
const LEGACY_FLASH_BILLED_AS_FLASH_FROM = Date.parse('2026-09-09T16:00:00Z');

const FLASH_ENTRY = 'deepseek/deepseek-flash';
const LEGACY_FLASH_ENTRY = 'deepseek/deepseek-v4-flash';
const V4_ENTRIES: ReadonlySet<string> = new Set([LEGACY_FLASH_ENTRY, 'deepseek/deepseek-v4-pro']);

/** deepseek-flash in the catalog's own shape; its peak periods, by UTC time alone, are read by weekday below. */
export const DEEPSEEK_MODELS: readonly CatalogEntry[] = [
  {
    providerId: 'deepseek',
    model: {
      id: 'deepseek-flash',
      name: 'DeepSeek V4.1 Flash',
      match: { equals: 'deepseek-flash' },
      prices: [
        { prices: FLASH_OFF_PEAK },
        { constraint: { type: 'time_of_date', start_time: '01:00:00Z', end_time: '04:00:00Z' }, prices: FLASH_PEAK },
        { constraint: { type: 'time_of_date', start_time: '06:00:00Z', end_time: '10:00:00Z' }, prices: FLASH_PEAK },
      ],
    },
  },
];

/** An entry's prices by band, and its flat price before peak billing; made once per entry, shared by its calls. */
interface PeakPeriods {
  readonly flat?: PricesInForce;
  readonly offPeak: PricesInForce;
  readonly peak: PricesInForce;
}
/** Per catalog entry: the layout is checked once, not on every call. */
const peakPeriodsOf = new WeakMap<ModelInfo, PeakPeriods | null>();

function catalogPeakPeriods(model: ModelInfo): PeakPeriods | null {
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
  if (!laidOut) return null;
  return { flat: { prices: flat.prices }, offPeak: { prices: offPeak.prices, band: 'off-peak' }, peak: { prices: earlyPeak.prices, band: 'peak' } };
}

function isPeak(at: number): boolean {
  if (at < WEEKENDS_OFF_PEAK_FROM) return PEAK_EVERY_DAY.contains(at);
  return PEAK_ON_WEEKDAYS.contains(at) && !PUBLIC_HOLIDAYS.has(new Date(at + BEIJING_OFFSET_MS).toISOString().slice(0, 10));
}

/** The prices DeepSeek bills for a catalog entry's call at `at` (ms), where they differ from the catalog's; else undefined. */
export function deepSeekPricesAt(entry: string, model: ModelInfo, at: number): PricesInForce | undefined {
  if (entry === FLASH_ENTRY) return isPeak(at) ? FLASH.peak : FLASH.offPeak;
  if (!V4_ENTRIES.has(entry)) return undefined;
  let periods = peakPeriodsOf.get(model);
  if (periods === undefined) {
    periods = catalogPeakPeriods(model);
    peakPeriodsOf.set(model, periods);
  }
  if (periods === null) return undefined;
  if (at < PEAK_BILLING_FROM) return periods.flat;
  const billed = entry === LEGACY_FLASH_ENTRY && at >= LEGACY_FLASH_BILLED_AS_FLASH_FROM ? FLASH : periods;
  return isPeak(at) ? billed.peak : billed.offPeak;
}
