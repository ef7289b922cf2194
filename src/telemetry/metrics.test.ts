import { describe, expect, it } from 'vitest';
import { BoundedLabelValues, MAX_LABEL_VALUE_LENGTH, OVERFLOW_LABEL_VALUE, UNKNOWN_LABEL_VALUE } from './metrics.js';

describe('metric label values', () => {
  it('keep the first values of a label, report later new ones as other, and name a missing one unknown', () => {
    const labels = new BoundedLabelValues(2);
    expect([labels.bound('model', 'a'), labels.bound('model', 'b'), labels.bound('model', 'c'), labels.bound('model', 'a')]).toEqual(['a', 'b', OVERFLOW_LABEL_VALUE, 'a']);
    // Each label has its own bound.
    expect(labels.bound('node', 'c')).toBe('c');
    expect([labels.bound('node', undefined), labels.bound('node', '')]).toEqual([UNKNOWN_LABEL_VALUE, UNKNOWN_LABEL_VALUE]);
  });

  it('are cut to their maximum length: a workflow named by a whole prompt is not repeated in every series', () => {
    const labels = new BoundedLabelValues();
    const prompt = 'You are a helpful assistant. '.repeat(40_000);
    const bounded = labels.bound('workflow', prompt);
    expect(bounded).toBe(`${prompt.slice(0, MAX_LABEL_VALUE_LENGTH)}…`);
    // The same long value is the same label value, and counts once against the bound.
    expect(labels.bound('workflow', prompt)).toBe(bounded);
    expect(labels.bound('workflow', 'x'.repeat(MAX_LABEL_VALUE_LENGTH))).toBe('x'.repeat(MAX_LABEL_VALUE_LENGTH));
  });
});
