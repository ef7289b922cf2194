import { describe, expect, it } from 'vitest';
import { responseKey, spanKey } from './callMemory.js';

describe('responseKey', () => {
  it('tells apart the response ids of a very long trace, in every format providers use', () => {
    const ids: string[] = [];
    for (let n = 0; n < 50_000; n++) {
      ids.push(`chatcmpl-${n.toString(36).padStart(8, 'A')}`, `msg_01${n.toString(16)}`, `resp_${n}`, String(n));
    }
    const keys = new Set(ids.map(responseKey));
    expect(keys.size).toBe(ids.length);
  });

  it('is the same for the same id, and never a span key (those are not negative)', () => {
    expect(responseKey('chatcmpl-abc')).toBe(responseKey('chatcmpl-abc'));
    for (const id of ['', 'a', 'chatcmpl-abc', 'é🙂']) {
      const key = responseKey(id);
      expect(key).toBeLessThan(0);
      expect(Number.isSafeInteger(key)).toBe(true);
    }
    expect(spanKey(new Uint8Array(8).fill(255))).toBeGreaterThanOrEqual(0);
  });
});
