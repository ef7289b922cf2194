/** The time window of a report: `--since 24h` / `--since 2026-11-01`, `--until …` (default now). */
import { durationMs } from '../config/units.js';

export interface TimeWindow {
  /** Inclusive, ms since the epoch. */
  fromMs: number;
  /** Exclusive. */
  untilMs: number;
}

const DAYS = /^\s*(\d+(?:\.\d+)?)\s*d\s*$/i;

/** A point in time: a duration back from `now` (`90m`, `24h`, `7d`) or an ISO date/date-time. */
export function parseInstant(text: string, now: number): number {
  const days = DAYS.exec(text);
  if (days) return now - Number(days[1]) * 86_400_000;
  const ago = durationMs.safeParse(text);
  if (ago.success) return now - ago.data;
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new Error(`expected a duration such as 24h or 7d, or a date such as 2026-11-01, got ${JSON.stringify(text)}`);
  return at;
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
