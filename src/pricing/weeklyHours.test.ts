import { describe, expect, it } from 'vitest';
import { isTimeZone, minutesOfClock, WeeklyHours } from './weeklyHours.js';

const at = (iso: string): number => Date.parse(iso);

describe('WeeklyHours', () => {
  it('reads weekdays and hours on the zone’s clock: DeepSeek’s peak, Beijing time', () => {
    const peak = new WeeklyHours(
      [
        { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', until: '12:00' },
        { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '14:00', until: '18:00' },
      ],
      'Asia/Shanghai',
    );
    // Monday 7 December 2026: 01:00 UTC is 09:00 in Beijing, the first minute of peak; 04:00 UTC is 12:00, off-peak again.
    expect(peak.contains(at('2026-12-07T00:59:59Z'))).toBe(false);
    expect(peak.contains(at('2026-12-07T01:00:00Z'))).toBe(true);
    expect(peak.contains(at('2026-12-07T03:59:59.999Z'))).toBe(true);
    expect(peak.contains(at('2026-12-07T04:00:00Z'))).toBe(false);
    expect(peak.contains(at('2026-12-07T06:30:00Z'))).toBe(true);
    expect(peak.contains(at('2026-12-07T10:00:00Z'))).toBe(false);
    // Friday 16:00 UTC is Saturday 00:00 in Beijing; Sunday 23:00 UTC is Monday 07:00 there, before peak.
    expect(peak.contains(at('2026-12-11T02:00:00Z'))).toBe(true);
    expect(peak.contains(at('2026-12-12T02:00:00Z'))).toBe(false);
    expect(peak.contains(at('2026-12-13T02:00:00Z'))).toBe(false);
    expect(peak.contains(at('2026-12-13T23:00:00Z'))).toBe(false);
  });

  it('takes the day of the zone, not of UTC, where the two differ', () => {
    // 02:00–05:00 Beijing time on Mondays is 18:00–21:00 UTC on Sundays.
    const mondayNight = new WeeklyHours([{ days: ['mon'], from: '02:00', until: '05:00' }], 'Asia/Shanghai');
    expect(mondayNight.contains(at('2026-12-06T19:00:00Z'))).toBe(true);
    expect(mondayNight.contains(at('2026-12-07T19:00:00Z'))).toBe(false);
  });

  it('is UTC when no zone is named, and every day when no days are', () => {
    const lateUtc = new WeeklyHours([{ from: '22:00', until: '24:00' }]);
    expect(lateUtc.contains(at('2026-12-05T23:59:00Z'))).toBe(true);
    expect(lateUtc.contains(at('2026-12-06T00:00:00Z'))).toBe(false);
    expect(lateUtc.contains(at('2026-12-09T22:00:00Z'))).toBe(true);
  });

  it('follows daylight saving time across the change, instant by instant', () => {
    // New York moved from UTC-5 to UTC-4 at 07:00 UTC on 8 March 2026: 9:00 local was 14:00 UTC before, 13:00 UTC after.
    const morning = new WeeklyHours([{ from: '09:00', until: '10:00' }], 'America/New_York');
    expect(morning.contains(at('2026-03-07T14:30:00Z'))).toBe(true);
    expect(morning.contains(at('2026-03-07T13:30:00Z'))).toBe(false);
    expect(morning.contains(at('2026-03-09T13:30:00Z'))).toBe(true);
    expect(morning.contains(at('2026-03-09T14:30:00Z'))).toBe(false);
    // Both sides of the change, a minute apart: 01:59 EST, then 03:00 EDT.
    const night = new WeeklyHours([{ from: '01:00', until: '02:00' }], 'America/New_York');
    expect(night.contains(at('2026-03-08T06:59:00Z'))).toBe(true);
    expect(night.contains(at('2026-03-08T07:00:00Z'))).toBe(false);
  });

  it('answers the same for instants out of order (its memory of the clock is per quarter hour, not per call)', () => {
    const peak = new WeeklyHours([{ days: ['mon'], from: '09:00', until: '09:20' }], 'Asia/Kathmandu');
    // Kathmandu is UTC+05:45: 09:00 there is 03:15 UTC.
    const instants = ['2026-12-07T03:14:59Z', '2026-12-07T03:15:00Z', '2026-12-07T03:34:59Z', '2026-12-07T03:35:00Z'];
    const inOrder = instants.map((instant) => peak.contains(at(instant)));
    expect(inOrder).toEqual([false, true, true, false]);
    expect([...instants].reverse().map((instant) => peak.contains(at(instant)))).toEqual([...inOrder].reverse());
  });

  it('refuses a window that does not end after it starts', () => {
    expect(() => new WeeklyHours([{ from: '18:00', until: '09:00' }])).toThrow(/until must be after from/);
  });
});

describe('clock times and zones', () => {
  it('reads HH:MM, 24:00 included, and nothing else', () => {
    expect(minutesOfClock('00:00')).toBe(0);
    expect(minutesOfClock('09:30')).toBe(570);
    expect(minutesOfClock('24:00')).toBe(1440);
    for (const bad of ['9:30', '24:01', '12:60', '25:00', '12:00:00', '']) expect(minutesOfClock(bad), bad).toBeNaN();
  });

  it('knows the zones of the time zone database', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Beijing')).toBe(false);
  });
});
