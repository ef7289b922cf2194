import { describe, expect, it } from 'vitest';
import { LogThrottle } from './logThrottle.js';

describe('LogThrottle', () => {
  it('lets a repeated warning through once per interval, with how many it held back meanwhile', () => {
    let now = 1_000;
    const throttle = new LogThrottle(30_000, () => now);
    expect(throttle.pass()).toEqual({ suppressed: 0 });
    for (const at of [1_001, 10_000, 30_999]) {
      now = at;
      expect(throttle.pass()).toBeUndefined();
    }
    now = 31_000;
    expect(throttle.pass()).toEqual({ suppressed: 3 });
    now = 100_000;
    expect(throttle.pass()).toEqual({ suppressed: 0 });
  });
});
