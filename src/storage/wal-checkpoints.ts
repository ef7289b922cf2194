/**
 * WAL checkpoints on a worker thread, for the SQLite files the sidecar writes on every request (the store and the
 * ledger). Left to itself, SQLite checkpoints inside the commit that takes the WAL past 1000 pages: the writer, which
 * is the event loop, then copies every page changed since into the database file and syncs it. Apps' trace ids are
 * random, so each row indexed by trace id changes a page of its own, and the copies grow with the table: ad hoc, with
 * the ledger past 300,000 calls of random traces, checkpoints were about a fifth of its time (13–15 µs per span of
 * the LangGraph mix through the ledger, 10.5–11 with them on a worker). A second connection in a worker checkpoints
 * instead, concurrently with the writer (SQLite's PASSIVE mode neither waits for nor blocks it); the writer keeps a
 * checkpoint of its own only past BACKSTOP_PAGES, should the worker fall behind, and SQLite's default again once the
 * worker is gone.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../telemetry/logger.js';

/** SQLite's own threshold, restored when the worker stops. */
const SQLITE_DEFAULT_PAGES = 1000;
const BACKSTOP_PAGES = 10_000;
const DEFAULT_INTERVAL_MS = 200;

/**
 * The worker, as source evaluated by Node (CommonJS): a file would have to exist as JavaScript both beside the
 * TypeScript sources the tests and `tsx` run and in the build. A failure is posted once until a checkpoint succeeds.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
let lastFailure;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    lastFailure = undefined;
  } catch (error) {
    const message = String(error && error.message);
    if (message !== lastFailure) parentPort.postMessage(message);
    lastFailure = message;
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class WalCheckpoints {
  private stopping = false;

  private constructor(
    private readonly worker: Worker,
    private readonly exited: Promise<void>,
  ) {}

  /**
   * Starts checkpointing `db`'s file every `intervalMs` on a worker; undefined for an in-memory database, which has
   * no WAL. Failures are logged; the worker's end, whatever its cause, gives the checkpoints back to the writer.
   */
  static start(db: Database, logger: Logger, intervalMs = DEFAULT_INTERVAL_MS): WalCheckpoints | undefined {
    if (db.memory) return undefined;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: db.name, intervalMs } });
    // Unreferenced: a process that is done does not wait for the next checkpoint.
    worker.unref();
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    worker.on('message', (failure: string) => logger.warn({ file: db.name, failure }, 'a background WAL checkpoint failed; will try again'));
    worker.on('error', (error) => logger.warn({ err: error, file: db.name }, 'the WAL checkpoint worker failed: the writer checkpoints on its own again'));
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
        resolve();
      }),
    );
    return new WalCheckpoints(worker, exited);
  }

  /** Stops the worker once its checkpoint in progress, if any, is done; the writer then checkpoints on its own. */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      // Referenced again, so that a shutdown waiting for it is not cut short by the process ending.
      this.worker.ref();
      this.worker.postMessage('stop');
    }
    await this.exited;
  }
}
