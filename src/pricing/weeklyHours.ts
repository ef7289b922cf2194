/**
 * Hours of the week on a time zone's clock, for prices that depend on when a call started. DeepSeek bills twice its
 * off-peak price from 9:00 to 12:00 and 14:00 to 18:00, Monday to Friday, Beijing time (api-docs.deepseek.com/
 * quick_start/pricing): a rule of weekdays and local hours, which a UTC time of day alone cannot say.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `from` and `until` as `HH:MM` on the zone's clock (`until` may be `24:00`); every day when `days` is absent. */
export interface HoursWindow {
  days?: readonly Weekday[] | undefined;
  from: string;
  until: string;
}

const MINUTE_MS = 60_000;
export const DAY_MINUTES = 24 * 60;
const WEEK_MINUTES = 7 * DAY_MINUTES;
/**
 * Every UTC offset change of the time zone database happens at a quarter hour, so the local clock is one
 * translation of the UTC clock within each quarter hour: read the zone once per quarter hour, not once per call.
 */
const QUARTER_HOUR_MS = 15 * MINUTE_MS;

/** Minutes since midnight of an `HH:MM` time, `24:00` included; NaN for anything else. */
export function minutesOfClock(time: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) return Number.NaN;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) return Number.NaN;
  return hours * 60 + minutes;
}

/** Whether `timeZone` is a zone the runtime's time zone database knows (`UTC`, `Asia/Shanghai`, `America/New_York`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export class WeeklyHours {
  /** Half-open [start, end) minutes of the week, Monday 00:00 being 0. */
  private readonly ranges: ReadonlyArray<readonly [number, number]>;
  private readonly clock: Intl.DateTimeFormat;
  private quarter = Number.NaN;
  private quarterMinuteOfWeek = 0;

  constructor(windows: readonly HoursWindow[], timeZone = 'UTC') {
    this.clock = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    this.ranges = windows.flatMap((window) => {
      const from = minutesOfClock(window.from);
      const until = minutesOfClock(window.until);
      if (!(from < until)) throw new RangeError(`hours window ${window.from}–${window.until}: until must be after from`);
      return (window.days ?? WEEKDAYS).map((day) => {
        const midnight = WEEKDAYS.indexOf(day) * DAY_MINUTES;
        return [midnight + from, midnight + until] as const;
      });
    });
  }

  /** Whether the instant `at` (ms since the epoch) falls in one of the windows. */
  contains(at: number): boolean {
    const minute = this.minuteOfWeek(at);
    for (const [start, end] of this.ranges) if (minute >= start && minute < end) return true;
    return false;
  }

  private minuteOfWeek(at: number): number {
    const quarter = Math.floor(at / QUARTER_HOUR_MS);
    if (quarter !== this.quarter) {
      this.quarter = quarter;
      this.quarterMinuteOfWeek = this.localMinuteOfWeek(quarter * QUARTER_HOUR_MS);
    }
    return (this.quarterMinuteOfWeek + Math.floor((at - quarter * QUARTER_HOUR_MS) / MINUTE_MS)) % WEEK_MINUTES;
  }

  private localMinuteOfWeek(at: number): number {
    let day = 0;
    let hour = 0;
    let minute = 0;
    for (const part of this.clock.formatToParts(at)) {
      if (part.type === 'weekday') day = WEEKDAYS.indexOf(part.value.toLowerCase() as Weekday);
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
    }
    return day * DAY_MINUTES + hour * 60 + minute;
  }
}
