import { describe, expect, it } from 'vitest';
import { parseWindow, windowFilter } from './window.js';

const NOW = Date.UTC(2026, 10, 29, 12);

describe('report windows', () => {
  it('reads durations back from now, days included, and dates', () => {
    expect(parseWindow('24h', undefined, NOW)).toEqual({ fromMs: NOW - 86_400_000, untilMs: NOW });
    expect(parseWindow('7d', '1d', NOW)).toEqual({ fromMs: NOW - 7 * 86_400_000, untilMs: NOW - 86_400_000 });
    expect(parseWindow('2026-11-01', '2026-11-02T00:00:00Z', NOW)).toEqual({ fromMs: Date.UTC(2026, 10, 1), untilMs: Date.UTC(2026, 10, 2) });
  });

  it('refuses an empty or unreadable window', () => {
    expect(() => parseWindow('1h', '2h', NOW)).toThrow('--since must be before --until');
    expect(() => parseWindow('yesterday', undefined, NOW)).toThrow('expected a duration');
  });

  it('becomes MLflow\'s trace search filter', () => {
    expect(windowFilter({ fromMs: 1000, untilMs: 2000 })).toBe('trace.timestamp_ms >= 1000 AND trace.timestamp_ms < 2000');
  });
});
