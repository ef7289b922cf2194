/**
 * The embedded SQLite database that makes what tokenmeter acknowledged survive a crash: the exporters' sending
 * queues, their dead letters, and trace assembly's open traces (and, from a shutdown to the next start, the
 * CostEstimator's memory of open traces). One database, one connection, shared by the
 * components through their context, so that one OTLP request's writes across components commit together.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { acquireFileLock } from './file-lock.js';
import type { FileLock } from './file-lock.js';

export interface StorageOptions {
  mode: 'disk' | 'memory';
  path: string;
  /**
   * NORMAL (WAL): a crash of tokenmeter loses nothing committed, a power loss may lose the last transactions;
   * FULL: every commit is on the disk before the receiver answers, at the cost of an fsync per request.
   */
  synchronous: 'normal' | 'full';
}

/** Free pages kept for the queue to grow into again before any is given back (4 MiB of 4 KiB pages). */
const RELEASE_AFTER_PAGES = 1024;
/** Pages given back at most per release (a minute apart): 40 MiB. */
const RELEASE_STEP_PAGES = 10_240;

export class Store {
  /**
   * Entry points (a receiver's request, a sweep, an exporter worker) take the store one at a time; whatever they
   * call runs inside their transaction. This remembers, per async call chain, that the chain already holds it, so
   * that a component called from within a transaction does not wait on itself.
   */
  private readonly holder = new AsyncLocalStorage<true>();
  private tail: Promise<void> = Promise.resolve();
  private afterCommitHooks: Array<() => void> | undefined;

  private constructor(
    readonly db: Database,
    /** False for `mode: memory`: nothing survives the process, so components need not persist what they hold. */
    readonly durable: boolean,
    readonly location: string,
    private readonly lock: FileLock | undefined,
  ) {}

  static open(options: StorageOptions): Store {
    if (options.mode === 'memory') return Store.memory();
    const file = path.resolve(options.path);
    mkdirSync(path.dirname(file), { recursive: true });
    // A second tokenmeter on the same file would send the first one's queue and reload its traces.
    const lock = acquireFileLock(`${file}.lock`);
    try {
      const db = new BetterSqlite3(file);
      // So that the pages a drained backlog leaves can be given back (`releaseFreePages`). Takes effect on a new file
      // only: one an earlier tokenmeter made keeps its size until it is vacuumed.
      db.pragma('auto_vacuum = INCREMENTAL');
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('busy_timeout = 5000');
      return new Store(db, true, file, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** An in-memory database: the same code paths as on disk, without the disk (and without surviving a restart). */
  static memory(): Store {
    return new Store(new BetterSqlite3(':memory:'), false, ':memory:', undefined);
  }

  /** Opens a store for a short command (e.g. `tokenmeter dlq`) while a running tokenmeter may hold its lock. */
  static openShared(file: string): Store {
    const db = new BetterSqlite3(file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return new Store(db, true, file, undefined);
  }

  /**
   * Runs `work` alone and atomically: BEGIN … COMMIT, or ROLLBACK when it throws, so that a crash or a refused
   * request never leaves half of it stored. Nested calls from within `work` run inside the same transaction.
   * `work` must not wait on the network: everyone else waits for it.
   */
  async transaction<T>(work: () => Promise<T> | T): Promise<T> {
    if (this.holder.getStore() === true) return work();
    const release = await this.acquire();
    let committed: { result: T; hooks: Array<() => void> };
    try {
      committed = await this.holder.run(true, async () => {
        this.db.exec('BEGIN');
        const hooks: Array<() => void> = [];
        this.afterCommitHooks = hooks;
        try {
          const result = await work();
          this.db.exec('COMMIT');
          return { result, hooks };
        } catch (error) {
          this.db.exec('ROLLBACK');
          throw error;
        } finally {
          this.afterCommitHooks = undefined;
        }
      });
    } finally {
      release();
    }
    // Outside the transaction's async context: a timer or loop a hook starts must take the store itself.
    for (const hook of committed.hooks) hook();
    return committed.result;
  }

  /**
   * Gives up to `maxPages` free pages back to the file system, when more than RELEASE_AFTER_PAGES are free: a backlog
   * queued while MLflow was down (up to the queue's 256 MiB) left the file at its largest for good once it drained.
   * In steps, so that a large release does not hold the store; returns the pages released.
   */
  async releaseFreePages(maxPages = RELEASE_STEP_PAGES): Promise<number> {
    if (!this.durable) return 0;
    return this.transaction(() => {
      const free = this.db.pragma('freelist_count', { simple: true }) as number;
      if (free <= RELEASE_AFTER_PAGES) return 0;
      const pages = Math.min(free, maxPages);
      this.db.pragma(`incremental_vacuum(${pages})`);
      return free - (this.db.pragma('freelist_count', { simple: true }) as number);
    });
  }

  /** Runs `hook` once the current transaction committed (at once outside one); never when it rolls back. */
  afterCommit(hook: () => void): void {
    if (this.afterCommitHooks === undefined) hook();
    else this.afterCommitHooks.push(hook);
  }

  close(): void {
    this.db.close();
    this.lock?.release();
  }

  private acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => released);
    return previous.then(() => release);
  }
}
