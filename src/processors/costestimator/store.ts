/**
 * The CostEstimator's memory of open traces on disk, across a restart. Without it, a trace still arriving when
 * tokenmeter restarts (a rolling deploy) is decided afresh: the framework span around a model call counted before the
 * restart was counted again, and an aggregate root priced as well as the calls below it. Saved when the processor shuts
 * down, and every `checkpoint_interval` while it runs, and taken back when it starts: a memory rewritten on every
 * request would cost the hot path a write per batch, so after a crash the memory of the last checkpoint comes back,
 * and decisions made since are lost (trace assembly's totals are not: its store is written per request).
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from '../../storage/store.js';
import type { TraceMemoryState } from './callMemory.js';

export class CallMemoryStore {
  private readonly upsert: Statement<[string, string]>;
  private readonly select: Statement<[string], { traces: string }>;
  private readonly remove: Statement<[string]>;

  constructor(
    readonly store: Store,
    /** The processor's id, `costestimator@pipeline`: each pipeline's instance has its own memory. */
    private readonly processor: string,
  ) {
    store.db.exec(`
      CREATE TABLE IF NOT EXISTS costestimator_memory (
        processor TEXT PRIMARY KEY,
        traces TEXT NOT NULL
      )`);
    this.upsert = store.db.prepare(`
      INSERT INTO costestimator_memory (processor, traces) VALUES (?, ?)
      ON CONFLICT (processor) DO UPDATE SET traces = excluded.traces`);
    this.select = store.db.prepare('SELECT traces FROM costestimator_memory WHERE processor = ?');
    this.remove = store.db.prepare('DELETE FROM costestimator_memory WHERE processor = ?');
  }

  save(traces: readonly TraceMemoryState[]): Promise<void> {
    return this.store.transaction(() => {
      this.upsert.run(this.processor, JSON.stringify(traces));
    });
  }

  /**
   * The memory saved last, removed from the store: once running, the processor's memory moves on, and a crash must
   * not bring back this older one. Undefined when none was saved; `unreadable` says why what was saved is not a memory.
   */
  take(): Promise<{ traces: unknown[] } | { unreadable: string } | undefined> {
    return this.store.transaction(() => {
      const row = this.select.get(this.processor);
      if (row === undefined) return undefined;
      this.remove.run(this.processor);
      try {
        const traces: unknown = JSON.parse(row.traces);
        return Array.isArray(traces) ? { traces } : { unreadable: 'not a list of traces' };
      } catch (error) {
        return { unreadable: (error as Error).message };
      }
    });
  }
}
