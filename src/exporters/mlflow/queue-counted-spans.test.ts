import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CountedSpans } from './queue-counted-spans.js';

describe('counted spans', () => {
  it('remembers a span once, and forgets the old ones by age from an index, not by reading every row', () => {
    const db = new Database(':memory:');
    const counted = new CountedSpans(db, 'mlflow');
    expect(counted.firstTime('aa', '01', 1000)).toBe(true);
    expect(counted.firstTime('aa', '01', 2000)).toBe(false);
    expect(counted.firstTime('aa', '02', 3000)).toBe(true);
    counted.forgetOlderThan(2500);
    expect(counted.firstTime('aa', '01', 4000)).toBe(true);
    expect(counted.firstTime('aa', '02', 4000)).toBe(false);
    const plan = db.prepare('EXPLAIN QUERY PLAN DELETE FROM counted_spans WHERE exporter = ? AND queued_at < ?').all('mlflow', 1) as { detail: string }[];
    expect(plan.map((step) => step.detail).join('; ')).toMatch(/USING COVERING INDEX counted_spans_by_age/);
    db.close();
  });
});
