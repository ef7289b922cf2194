/** The time window of a report: `--since 24h` / `--since 2026-11-01`, `--until …` (default now). */
import { durationMs } from '../config/units.js';

export interface TimeWindow {
  /** Inclusive, ms since the epoch. */
  fromMs: number;
  /** Exclusive. */
  untilMs: number;
}

const DAYS = /^\s*(\d+(?:\.\d+)?)\s*d\s*$/i;

/**
 * An ISO date or date-time, its zone optional. Anything else is refused rather than left to `Date.parse`, which reads
 * `0` as the year 2000 and `Dec 7` as the local day.
 */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A point in time: a duration back from `now` (`90m`, `24h`, `7d`) or an ISO date/date-time. A date-time without a
 * zone is UTC, as a date alone is in JavaScript: `2026-12-07` and `2026-12-07T00:00` are the same instant on every
 * machine, and the same as `--by day`'s UTC days.
 */
export function parseInstant(text: string, now: number): number {
  const days = DAYS.exec(text);
  if (days) return now - Number(days[1]) * 86_400_000;
  const ago = durationMs.safeParse(text);
  if (ago.success) return now - ago.data;
  const iso = ISO_INSTANT.exec(text.trim());
  const at = iso === null || !isCalendarDate(iso[1]!) ? NaN : Date.parse(iso[2] === undefined ? iso[1]! : `${iso[1]}T${iso[2]}${iso[3] ?? 'Z'}`);
  if (Number.isNaN(at)) {
    throw new Error(`expected a duration such as 24h or 7d, or a date such as 2026-11-01 or 2026-11-01T09:30 (UTC unless it ends with an offset such as +02:00), got ${JSON.stringify(text)}`);
  }
  return at;
}

/** Whether `YYYY-MM-DD` names a day of the calendar: `Date.parse` reads 2026-02-30 as March 2 rather than refusing it. */
function isCalendarDate(date: string): boolean {
  const day = Date.parse(date);
  return !Number.isNaN(day) && new Date(day).toISOString().slice(0, 10) === date;
}

export function parseWindow(since: string, until: string | undefined, now = Date.now()): TimeWindow {
  const window = { fromMs: parseInstant(since, now), untilMs: until === undefined ? now : parseInstant(until, now) };
  if (window.fromMs >= window.untilMs) throw new Error(`--since must be before --until (${new Date(window.fromMs).toISOString()} ≥ ${new Date(window.untilMs).toISOString()})`);
  return window;
}

/** MLflow's trace search filter for the window (mlflow-wire.md §7). */
export function windowFilter(window: TimeWindow): string {
  return `trace.timestamp_ms >= ${Math.floor(window.fromMs)} AND trace.timestamp_ms < ${Math.ceil(window.untilMs)}`;
}
