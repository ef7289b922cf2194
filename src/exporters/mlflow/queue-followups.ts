/**
 * Follow-ups (trace name tag, cost assessments) of delivered batches, kept until the follow-up sender has sent them,
 * so that a restart sends again only those it had not finished. One the sender gives up on or drops (its queue full)
 * is forgotten once it had `max_elapsed_time` to be sent (with 0, no time limit: the `feedback.queue_size` newest,
 * what the sender itself can hold). Sending one again is safe, as assessments carry deterministic ids (an existing
 * one is updated in place) and the tag is a plain set, but not free: five calls per trace, which at start would hold
 * up new traces' feedback behind a backlog of finished ones.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { TraceFollowUp } from './trace-followups.js';

export class PendingFollowUps {
  private readonly upsert: Statement<[string, string, string, number]>;
  private readonly selectAll: Statement<[string], { follow_up: string }>;
  private readonly deleteSent: Statement<[string, string, string]>;
  private readonly deleteOlder: Statement<[string, number]>;
  private readonly deleteAllButNewest: Statement<[string, string, number]>;

  constructor(
    db: Database,
    private readonly exporter: string,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS pending_follow_ups (
        exporter TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        follow_up TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        PRIMARY KEY (exporter, trace_id)
      )`);
    // The newest numbers of a trace replace older ones, as in the sender itself.
    this.upsert = db.prepare(`
      INSERT INTO pending_follow_ups (exporter, trace_id, follow_up, queued_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (exporter, trace_id) DO UPDATE SET follow_up = excluded.follow_up, queued_at = excluded.queued_at`);
    this.selectAll = db.prepare('SELECT follow_up FROM pending_follow_ups WHERE exporter = ? ORDER BY queued_at');
    this.deleteSent = db.prepare('DELETE FROM pending_follow_ups WHERE exporter = ? AND trace_id = ? AND follow_up = ?');
    this.deleteOlder = db.prepare('DELETE FROM pending_follow_ups WHERE exporter = ? AND queued_at < ?');
    this.deleteAllButNewest = db.prepare(`
      DELETE FROM pending_follow_ups WHERE exporter = ? AND trace_id NOT IN
        (SELECT trace_id FROM pending_follow_ups WHERE exporter = ? ORDER BY queued_at DESC LIMIT ?)`);
  }

  add(followUps: readonly TraceFollowUp[], now: number): void {
    for (const followUp of followUps) this.upsert.run(this.exporter, followUp.traceId, JSON.stringify(followUp), now);
  }

  all(): TraceFollowUp[] {
    return this.selectAll.all(this.exporter).map((row) => JSON.parse(row.follow_up) as TraceFollowUp);
  }

  /**
   * Forgets a follow-up the sender finished, unless a newer version of its trace was queued meanwhile (a root
   * re-sent with new numbers): that one is still to send. Compared by content rather than `queued_at`, which two
   * deliveries in the same millisecond share; a newer version with the same content asks for nothing left to do.
   */
  remove(sent: TraceFollowUp): void {
    this.deleteSent.run(this.exporter, sent.traceId, JSON.stringify(sent));
  }

  forgetOlderThan(time: number): void {
    this.deleteOlder.run(this.exporter, time);
  }

  /** Keeps the `count` queued last: the bound when follow-ups are retried without a time limit. */
  keepNewest(count: number): void {
    this.deleteAllButNewest.run(this.exporter, this.exporter, count);
  }
}
