/**
 * Requests the pipelines accepted recently, by what they carry. An app sends a request again when it got no answer:
 * tokenmeter was killed between committing the request and answering it, or answered after the app's timeout. The
 * copy must not be counted again: trace assembly's stored summaries would add its calls twice (and so the cost
 * assessments), and MLflow would add its token totals twice (mlflow-wire.md §2.5).
 *
 * A request is known by its spans' ids in order: an OTLP exporter retries the very request it sent, and span ids
 * are unique, so two different requests never share them. One row per request keeps this cheap on the hot path.
 */
import { createHash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { TracesData } from '../otlp/model.js';

/** App exporters give up on a request within minutes (OTel JS: 5 attempts; Python: about a minute): an hour covers any retry. */
export const ACCEPTED_REQUEST_MEMORY_MS = 3_600_000;

export class AcceptedRequests {
  private readonly insert: Statement<[Buffer, number]>;
  private readonly deleteOlder: Statement<[number]>;

  constructor(db: Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS accepted_requests (
        request_key BLOB PRIMARY KEY,
        accepted_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS accepted_requests_by_time ON accepted_requests (accepted_at)`);
    this.insert = db.prepare('INSERT OR IGNORE INTO accepted_requests (request_key, accepted_at) VALUES (?, ?)');
    this.deleteOlder = db.prepare('DELETE FROM accepted_requests WHERE accepted_at < ?');
  }

  /** Remembers the request (in the caller's transaction); false when the same spans were accepted before. */
  firstTime(data: TracesData, now: number): boolean {
    return this.insert.run(requestKey(data), now).changes === 1;
  }

  forgetOlderThan(time: number): void {
    this.deleteOlder.run(time);
  }
}

function requestKey(data: TracesData): Buffer {
  const hash = createHash('sha256');
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) hash.update(span.traceId).update(span.spanId);
    }
  }
  return hash.digest().subarray(0, 16);
}
