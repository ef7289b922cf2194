/**
 * Spans carrying token usage or cost that were queued recently, by id. An app re-sends a request whose answer it
 * did not get, e.g. when tokenmeter was killed after storing the request but before answering it; MLflow would
 * add such a span's totals twice (mlflow-wire.md §2.5), so the second copy is left out when it is queued.
 */
import type { Database, Statement } from 'better-sqlite3';

/** App exporters give up on a request within minutes (OTel JS: 5 attempts; Python: about a minute): an hour covers any retry. */
export const COUNTED_SPAN_MEMORY_MS = 3_600_000;

export class CountedSpans {
  private readonly insert: Statement<[string, string, number]>;
  private readonly deleteOlder: Statement<[string, number]>;

  constructor(
    db: Database,
    private readonly exporter: string,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS counted_spans (
        exporter TEXT NOT NULL,
        span_key TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        PRIMARY KEY (exporter, span_key)
      ) WITHOUT ROWID;
      -- Forgetting by age every few seconds scanned the whole table without it (30 ms at an hour of 100 calls/s).
      CREATE INDEX IF NOT EXISTS counted_spans_by_age ON counted_spans (exporter, queued_at)`);
    this.insert = db.prepare('INSERT OR IGNORE INTO counted_spans (exporter, span_key, queued_at) VALUES (?, ?, ?)');
    this.deleteOlder = db.prepare('DELETE FROM counted_spans WHERE exporter = ? AND queued_at < ?');
  }

  /** Remembers the span; false when it was already queued (a duplicate). */
  firstTime(traceIdHex: string, spanIdHex: string, now: number): boolean {
    return this.insert.run(this.exporter, `${traceIdHex}${spanIdHex}`, now).changes === 1;
  }

  forgetOlderThan(time: number): void {
    this.deleteOlder.run(this.exporter, time);
  }
}
