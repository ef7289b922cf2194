import { describe, expect, it } from 'vitest';
import { coveredLength, percentile } from './intervals.js';

describe('coveredLength', () => {
  it('counts overlapping intervals once and clips them to the window', () => {
    expect(coveredLength([[0, 10], [5, 15], [20, 30]], 0, 100)).toBe(25);
    expect(coveredLength([[-5, 5], [8, 50]], 0, 10)).toBe(7);
    expect(coveredLength([[2, 3], [1, 4]], 0, 10)).toBe(3);
    expect(coveredLength([], 0, 10)).toBe(0);
  });
});

describe('percentile (nearest rank)', () => {
  it('picks a value that occurred', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 95)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});
