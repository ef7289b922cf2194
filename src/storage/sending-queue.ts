/**
 * Exporters' sending queues as a table: a batch an exporter accepted stays here until its destination has it, so
 * a crash or restart of tokenmeter loses nothing it acknowledged. What can never be delivered moves to the dead
 * letters with the reason, for `tokenmeter dlq list` and `tokenmeter dlq replay`, each exporter's within a bound.
 */
import type { Database, Statement } from 'better-sqlite3';

export interface QueuedBatch {
  id: number;
  spans: number;
  bytes: number;
  enqueuedAt: number;
  attempts: number;
  /** When the first attempt was made: retrying stops `max_elapsed_time` after it. */
  firstAttemptAt: number | undefined;
  /**
   * An earlier attempt may have been stored by the destination without us hearing so (a timeout, a dropped
   * connection, a 5xx, a crash while sending): check what it has before sending again.
   */
  outcomeUnknown: boolean;
}

/** What a queued batch sends, and what its exporter needs once it is delivered. */
export interface BatchContent {
  body: Uint8Array;
  /** What the exporter needs to send it or once it is delivered (the MLflow exporter's experiment and follow-ups), as JSON. */
  extra: string;
}

export interface NewBatch extends BatchContent {
  spans: number;
}

/** Dead letters dropped, the oldest first, to keep an exporter's within their bound. */
export interface DroppedDeadLetters {
  batches: number;
  spans: number;
  bytes: number;
}

export interface DeadLetter {
  id: number;
  exporter: string;
  spans: number;
  bytes: number;
  attempts: number;
  reason: string;
  enqueuedAt: number;
  failedAt: number;
}

interface QueueRow {
  id: number;
  spans: number;
  bytes: number;
  enqueued_at: number;
  attempts: number;
  first_attempt_at: number | null;
  outcome_unknown: number;
}

/**
 * A queued batch is two rows: what the queue reads and updates (`sending_queue`), and what it sends, written once
 * (`sending_queue_contents`). SQLite rewrites a whole record when any of its columns changes, overflow pages
 * included: with the body in the same row, recording an attempt wrote the whole batch to the disk again.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS sending_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exporter TEXT NOT NULL,
    spans INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    enqueued_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    first_attempt_at INTEGER,
    outcome_unknown INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS sending_queue_by_exporter ON sending_queue (exporter, id);
  CREATE TABLE IF NOT EXISTS sending_queue_contents (
    id INTEGER PRIMARY KEY,
    body BLOB NOT NULL,
    extra TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exporter TEXT NOT NULL,
    body BLOB NOT NULL,
    spans INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    extra TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    reason TEXT NOT NULL,
    failed_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS dead_letters_by_exporter ON dead_letters (exporter, id);
  -- Their size is summed every few seconds: from this index, not from rows whose blobs it would read past.
  CREATE INDEX IF NOT EXISTS dead_letters_bytes ON dead_letters (exporter, bytes);
`;

/**
 * Creates the tables, and brings a queue written by an earlier tokenmeter (body and extra inside `sending_queue`)
 * to the current layout, keeping every batch it holds.
 */
function ensureSchema(db: Database): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('sending_queue')").all();
    if (!columns.some((column) => column.name === 'body')) return;
    db.exec(`
      INSERT INTO sending_queue_contents (id, body, extra) SELECT id, body, extra FROM sending_queue;
      ALTER TABLE sending_queue DROP COLUMN body;
      ALTER TABLE sending_queue DROP COLUMN extra;
    `);
  })();
}

const toBatch = (row: QueueRow): QueuedBatch => ({
  id: row.id,
  spans: row.spans,
  bytes: row.bytes,
  enqueuedAt: row.enqueued_at,
  attempts: row.attempts,
  firstAttemptAt: row.first_attempt_at ?? undefined,
  outcomeUnknown: row.outcome_unknown !== 0,
});

/** One exporter's view of the queue table (rows are keyed by the exporter's component id). */
export class SendingQueueTable {
  private readonly insertRow: Statement<[string, number, number, number, number | null, number]>;
  private readonly insertContent: Statement<[number, Uint8Array, string]>;
  private readonly selectAfter: Statement<[string, number], QueueRow>;
  private readonly selectBody: Statement<[number], { body: Buffer; extra: string }>;
  private readonly updateAttempt: Statement<[number, number | null, number, number]>;
  private readonly deleteRow: Statement<[number]>;
  private readonly deleteContent: Statement<[number]>;
  private readonly insertDeadLetter: Statement<[string, number, number]>;
  private readonly sumDeadLetters: Statement<[string], { bytes: number }>;
  private readonly deleteOldestDeadLetter: Statement<[string], { spans: number; bytes: number }>;

  constructor(
    db: Database,
    private readonly exporter: string,
  ) {
    ensureSchema(db);
    this.insertRow = db.prepare('INSERT INTO sending_queue (exporter, spans, bytes, enqueued_at, first_attempt_at, outcome_unknown) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertContent = db.prepare('INSERT INTO sending_queue_contents (id, body, extra) VALUES (?, ?, ?)');
    this.selectAfter = db.prepare(
      'SELECT id, spans, bytes, enqueued_at, attempts, first_attempt_at, outcome_unknown FROM sending_queue WHERE exporter = ? AND id > ? ORDER BY id',
    );
    this.selectBody = db.prepare('SELECT body, extra FROM sending_queue_contents WHERE id = ?');
    this.updateAttempt = db.prepare('UPDATE sending_queue SET attempts = ?, first_attempt_at = ?, outcome_unknown = ? WHERE id = ?');
    this.deleteRow = db.prepare('DELETE FROM sending_queue WHERE id = ?');
    this.deleteContent = db.prepare('DELETE FROM sending_queue_contents WHERE id = ?');
    this.insertDeadLetter = db.prepare(`
      INSERT INTO dead_letters (exporter, body, spans, bytes, extra, enqueued_at, attempts, reason, failed_at)
      SELECT queue.exporter, contents.body, queue.spans, queue.bytes, contents.extra, queue.enqueued_at, queue.attempts, ?, ?
      FROM sending_queue AS queue JOIN sending_queue_contents AS contents USING (id) WHERE id = ?`);
    this.sumDeadLetters = db.prepare('SELECT COALESCE(SUM(bytes), 0) AS bytes FROM dead_letters WHERE exporter = ?');
    this.deleteOldestDeadLetter = db.prepare(
      'DELETE FROM dead_letters WHERE id = (SELECT MIN(id) FROM dead_letters WHERE exporter = ?) RETURNING spans, bytes',
    );
  }

  add(batch: NewBatch, now: number): QueuedBatch {
    return this.insert(batch, { enqueuedAt: now, firstAttemptAt: undefined, outcomeUnknown: false });
  }

  /**
   * Puts `parts` in the place of a batch (its halves, when the destination refused it as too large). They keep its
   * arrival, the start of its retrying (`max_elapsed_time` bounds the batch, however it is cut) and its uncertainty.
   */
  replace(batch: QueuedBatch, parts: readonly NewBatch[]): QueuedBatch[] {
    this.remove(batch.id);
    return parts.map((part) => this.insert(part, batch));
  }

  private insert(batch: NewBatch, from: Pick<QueuedBatch, 'enqueuedAt' | 'firstAttemptAt' | 'outcomeUnknown'>): QueuedBatch {
    const { enqueuedAt, firstAttemptAt, outcomeUnknown } = from;
    const bytes = batch.body.byteLength;
    const { lastInsertRowid } = this.insertRow.run(this.exporter, batch.spans, bytes, enqueuedAt, firstAttemptAt ?? null, outcomeUnknown ? 1 : 0);
    const id = Number(lastInsertRowid);
    this.insertContent.run(id, batch.body, batch.extra);
    return { id, spans: batch.spans, bytes, enqueuedAt, attempts: 0, firstAttemptAt, outcomeUnknown };
  }

  /** Batches with an id above `afterId`, oldest first: all of them at start, later those `dlq replay` put back. */
  batchesAfter(afterId: number): QueuedBatch[] {
    return this.selectAfter.all(this.exporter, afterId).map(toBatch);
  }

  contentOf(id: number): BatchContent | undefined {
    return this.selectBody.get(id);
  }

  /** Persisted before each attempt, so that after a crash mid-send the batch is checked before it is sent again. */
  saveAttempt(batch: QueuedBatch): void {
    this.updateAttempt.run(batch.attempts, batch.firstAttemptAt ?? null, batch.outcomeUnknown ? 1 : 0, batch.id);
  }

  remove(id: number): void {
    this.deleteRow.run(id);
    this.deleteContent.run(id);
  }

  moveToDeadLetters(id: number, reason: string, now: number): void {
    this.insertDeadLetter.run(reason, now, id);
    this.remove(id);
  }

  /** The bytes of this exporter's dead letters (the bodies, as `bytes` counts them). */
  deadLetterBytes(): number {
    return this.sumDeadLetters.get(this.exporter)!.bytes;
  }

  /**
   * Drops this exporter's oldest dead letters until those left hold at most `maxBytes`, `heldBytes` being what they
   * hold now (the caller keeps that count: summing every row would cost a scan per dead letter); returns what was
   * dropped and what is left.
   */
  dropOldestDeadLetters(heldBytes: number, maxBytes: number): { dropped: DroppedDeadLetters; heldBytes: number } {
    const dropped: DroppedDeadLetters = { batches: 0, spans: 0, bytes: 0 };
    let held = heldBytes;
    while (held > maxBytes) {
      const oldest = this.deleteOldestDeadLetter.get(this.exporter);
      if (oldest === undefined) return { dropped, heldBytes: 0 }; // fewer than counted: `dlq replay` took some
      dropped.batches++;
      dropped.spans += oldest.spans;
      dropped.bytes += oldest.bytes;
      held -= oldest.bytes;
    }
    return { dropped, heldBytes: held };
  }
}

/** The dead letters of every exporter, for the `dlq` commands. */
export class DeadLetterTable {
  private readonly selectAll: Statement<[], DeadLetter>;
  private readonly requeueOne: Statement<[number, number]>;
  private readonly requeueContent: Statement<[number, number]>;
  private readonly deleteOne: Statement<[number]>;

  constructor(private readonly db: Database) {
    ensureSchema(db);
    this.selectAll = db.prepare(`
      SELECT id, exporter, spans, bytes, attempts, reason, enqueued_at AS enqueuedAt, failed_at AS failedAt
      FROM dead_letters ORDER BY id`);
    // Back with its attempts cleared, and checked against the destination first: an attempt may have been stored.
    this.requeueOne = db.prepare(`
      INSERT INTO sending_queue (exporter, spans, bytes, enqueued_at, outcome_unknown)
      SELECT exporter, spans, bytes, ?, 1 FROM dead_letters WHERE id = ?`);
    this.requeueContent = db.prepare('INSERT INTO sending_queue_contents (id, body, extra) SELECT ?, body, extra FROM dead_letters WHERE id = ?');
    this.deleteOne = db.prepare('DELETE FROM dead_letters WHERE id = ?');
  }

  list(): DeadLetter[] {
    return this.selectAll.all();
  }

  /** Moves the given dead letters back to their exporter's queue; returns the ids that existed. */
  replay(ids: readonly number[], now: number): number[] {
    const replayed: number[] = [];
    this.db.transaction(() => {
      for (const id of ids) {
        const requeued = this.requeueOne.run(now, id);
        if (requeued.changes === 0) continue;
        this.requeueContent.run(Number(requeued.lastInsertRowid), id);
        this.deleteOne.run(id);
        replayed.push(id);
      }
    })();
    return replayed;
  }
}
