import { describe, expect, it } from 'vitest';
import { spanKey } from '../../otlp/index.js';
import { CallMemory, responseKey } from './callMemory.js';
import type { TraceMemoryState } from './callMemory.js';

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

describe('CallMemory across a restart', () => {
  /** Trace `trace`: span 2 is a call with usage under span 1, under root 0. */
  function rememberCall(memory: CallMemory, trace: number): void {
    const tracked = memory.track(trace);
    memory.link(tracked, 2, 1);
    memory.link(tracked, 1, 0);
    expect(memory.claim(tracked, trace, 2, 'resp-1', true)).toBe(true);
  }

  it('does not keep the cost of the calls counted before: a span around one, arriving after the restart, wraps a cost it cannot know', () => {
    const before = new CallMemory(10);
    rememberCall(before, 7);
    before.recordCost(before.track(7), 7, 2, { input: 0.25, output: 0.5, total: 0.75 });
    const into = { input: 0, output: 0, total: 0 };
    expect(before.wrappedCost(before.track(7), 7, 1, undefined, into)).toBe(true);
    expect(into).toEqual({ input: 0.25, output: 0.5, total: 0.75 });

    // Room for one trace, whose memory the restored one reuses: what it kept for its own call must not stand in.
    const after = new CallMemory(1);
    rememberCall(after, 9);
    after.recordCost(after.track(9), 9, 2, { input: 1, output: 2, total: 3 });
    after.restore(JSON.parse(JSON.stringify(before.toState())) as TraceMemoryState[]);
    const tracked = after.track(7);
    expect(after.claim(tracked, 7, 1, undefined, true)).toBe(false);
    expect(after.wrappedCost(tracked, 7, 1, undefined, into)).toBe(false);
  });

  it('restores what it decided: a covered ancestor, a response id, the calls with usage, and the order of recency', () => {
    const before = new CallMemory(10);
    for (const trace of [7, 8, 9]) rememberCall(before, trace);
    before.tracked(7);
    const stored = JSON.parse(JSON.stringify(before.toState())) as TraceMemoryState[];
    expect(stored.map(([trace]) => trace)).toEqual([8, 9, 7]);

    const after = new CallMemory(10);
    expect(after.restore(stored)).toBe(3);
    expect(after.toState()).toEqual(stored);
    const tracked = after.track(8);
    expect(after.hasCallWithUsage(8)).toBe(true);
    expect(after.claim(tracked, 8, 1, undefined, true)).toBe(false);
    expect(after.claim(tracked, 8, 5, 'resp-1', true)).toBe(false);
    expect(after.claim(tracked, 8, 2, 'resp-1', true)).toBe(true);
    // A new call of the trace still counts.
    expect(after.claim(tracked, 8, 6, 'resp-2', true)).toBe(true);
  });

  it('keeps the most recent traces when restored into a smaller memory, and skips a stored trace that does not read back', () => {
    const before = new CallMemory(10);
    for (const trace of [1, 2, 3, 4]) rememberCall(before, trace);
    const stored = before.toState();
    const broken: unknown[] = [[5, 1, [10, 10], [-1, -1], [0, 0]], [6, 0, [10], [3], [0]], [7, 0, [10], [-1]], 'nonsense'];

    const after = new CallMemory(2);
    expect(after.restore([...stored, ...broken])).toBe(4);
    expect(after.openTraces).toBe(2);
    expect(after.toState().map(([trace]) => trace)).toEqual([3, 4]);
    expect(after.hasCallWithUsage(1)).toBe(false);
    expect(after.hasCallWithUsage(4)).toBe(true);
  });
});

describe('CallMemory, a call\'s framework and client spans in two traces', () => {
  const usage = (n: number) => ({ input: 1000 + n, output: 500, cacheRead: 0, reasoning: 0 });
  const claimLayer = (memory: CallMemory, trace: number, n: number, layer: 'framework' | 'client', startMs: number, endMs: number) =>
    memory.claim(memory.track(trace), trace, 1, undefined, true, usage(n), startMs, endMs, layer);

  it('remembers the last 4,096 client calls and forgets older ones, several of the same counts included', () => {
    const memory = new CallMemory(100_000);
    // Calls 0 … 4,999, each with counts of its own, and call 4,999's counts twice more.
    for (let n = 0; n < 5000; n++) expect(claimLayer(memory, n + 1, n, 'client', 10, 20)).toBe(true);
    for (let trace = 5001; trace <= 5002; trace++) expect(claimLayer(memory, trace, 4999, 'client', 10, 20)).toBe(true);
    // The oldest are forgotten: their framework spans count; the latest are matched.
    expect(claimLayer(memory, 10_001, 0, 'framework', 0, 30)).toBe(true);
    expect(claimLayer(memory, 10_002, 903, 'framework', 0, 30)).toBe(true);
    expect(claimLayer(memory, 10_003, 910, 'framework', 0, 30)).toBe(false);
    expect(claimLayer(memory, 10_004, 4999, 'framework', 0, 30)).toBe(false);
  });
});
