import { describe, expect, it } from 'vitest';
import { QueueMap, RecentKeys } from './insertionOrder.js';

describe('QueueMap', () => {
  it('keeps insertion order, moves a key set again to the newest end, and finds the oldest after any deletion', () => {
    const queue = new QueueMap<string, number>();
    for (const [key, value] of [['a', 1], ['b', 2], ['c', 3], ['d', 4]] as const) queue.set(key, value);
    queue.set('a', 10);
    expect([...queue.values()]).toEqual([2, 3, 4, 10]);
    expect(queue.oldest()).toBe(2);

    expect(queue.delete('c')).toBe(true);
    expect(queue.delete('c')).toBe(false);
    expect([...queue.values()]).toEqual([2, 4, 10]);
    queue.delete('b');
    expect(queue.oldest()).toBe(4);
    queue.delete('a');
    expect([...queue.values()]).toEqual([4]);
    queue.delete('d');
    expect(queue.oldest()).toBeUndefined();
    expect(queue.size).toBe(0);
    queue.set('e', 5);
    expect([...queue.values()]).toEqual([5]);
  });

  it('lets the walk delete the entry it is on, as a sweep does', () => {
    const queue = new QueueMap<number, number>();
    for (let i = 0; i < 5; i++) queue.set(i, i);
    const seen: number[] = [];
    for (const value of queue.values()) {
      seen.push(value);
      if (value % 2 === 0) queue.delete(value);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect([...queue.values()]).toEqual([1, 3]);
  });

  it('stays a queue through many turns of delete-oldest, add-newest', () => {
    const queue = new QueueMap<number, number>();
    for (let i = 0; i < 100; i++) queue.set(i, i);
    for (let i = 100; i < 10_000; i++) {
      expect(queue.oldest()).toBe(i - 100);
      queue.delete(i - 100);
      queue.set(i, i);
    }
    expect(queue.size).toBe(100);
  });
});

describe('RecentKeys', () => {
  it('forgets the oldest distinct key past its capacity; adding a known key changes nothing', () => {
    const recent = new RecentKeys<string>(3);
    for (const key of ['a', 'b', 'a', 'c']) recent.add(key);
    expect(recent.size).toBe(3);
    recent.add('d');
    expect(['a', 'b', 'c', 'd'].filter((key) => recent.has(key))).toEqual(['b', 'c', 'd']);
    recent.add('e');
    recent.add('f');
    expect(['b', 'c', 'd', 'e', 'f'].filter((key) => recent.has(key))).toEqual(['d', 'e', 'f']);
  });
});
