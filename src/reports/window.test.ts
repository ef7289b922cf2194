import { afterEach, describe, expect, it } from 'vitest';
import { parseWindow, windowFilter } from './window.js';

const NOW = Date.UTC(2026, 10, 29, 12);

describe('report windows', () => {
  it('reads durations back from now, days included, and dates', () => {
    expect(parseWindow('24h', undefined, NOW)).toEqual({ fromMs: NOW - 86_400_000, untilMs: NOW });
    expect(parseWindow('7d', '1d', NOW)).toEqual({ fromMs: NOW - 7 * 86_400_000, untilMs: NOW - 86_400_000 });
    expect(parseWindow('2026-11-01', '2026-11-02T00:00:00Z', NOW)).toEqual({ fromMs: Date.UTC(2026, 10, 1), untilMs: Date.UTC(2026, 10, 2) });
  });

  describe('on a machine whose local time is not UTC', () => {
    const zone = process.env.TZ;
    afterEach(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });

    it('reads a date-time without a zone as UTC, as a date alone, and honours a zone given', () => {
      process.env.TZ = 'America/Los_Angeles';
      expect(parseWindow('2026-11-07', '2026-11-07T12:00', NOW)).toEqual({ fromMs: Date.UTC(2026, 10, 7), untilMs: Date.UTC(2026, 10, 7, 12) });
      expect(parseWindow('2026-11-07 06:30:15.5', '2026-11-07T12:00+02:00', NOW)).toEqual({ fromMs: Date.UTC(2026, 10, 7, 6, 30, 15, 500), untilMs: Date.UTC(2026, 10, 7, 10) });
    });
  });

  it('refuses an empty or unreadable window, and what only Date.parse would make a date of', () => {
    expect(() => parseWindow('1h', '2h', NOW)).toThrow('--since must be before --until');
    for (const text of ['yesterday', '0', '2026', 'Nov 7 2026', '2026-11-07T25:00', '2026-02-30', '2026-02-29T10:00', '2026-13-01']) {
      expect(() => parseWindow(text, undefined, NOW), text).toThrow(`expected a duration such as 24h or 7d, or a date such as 2026-11-01 or 2026-11-01T09:30 (UTC unless it ends with an offset such as +02:00), got ${JSON.stringify(text)}`);
    }
  });

  it('becomes MLflow\'s trace search filter', () => {
    expect(windowFilter({ fromMs: 1000, untilMs: 2000 })).toBe('trace.timestamp_ms >= 1000 AND trace.timestamp_ms < 2000');
  });
});
