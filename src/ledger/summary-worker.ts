/**
 * The page's summary read on a worker thread, on a read-only connection of its own. Its queries go over every row of
 * the window: at 100 calls/s, an hour of them took 0.8-0.9 s, and run on the ledger's connection they held the event
 * loop that long (OTLP requests and probes waited) every time the page polled. A worker reads concurrently with the
 * writer (WAL), in one read transaction, so that the parts of a summary agree.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../telemetry/logger.js';
import { SUMMARY_QUERIES, summaryOf, summaryWindow } from './summary.js';
import type { CostSummary, SummaryRows } from './summary.js';

/** As source evaluated by Node (CommonJS), as the WAL checkpoint worker is: see storage/wal-checkpoints.ts. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const statements = Object.entries(workerData.queries).map(([name, query]) => [name, db.prepare(query.sql), query.limit]);
const readAll = db.transaction((since) => {
  const rows = {};
  for (const [name, statement, limit] of statements) rows[name] = statement.all(...(limit === undefined ? [since] : [since, limit]));
  return rows;
});
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, rows: readAll(message.since) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String(error && error.message) });
  }
});
`;

type Answer = { id: number; rows: SummaryRows } | { id: number; error: string };

export class SummaryWorker {
  private readonly pending = new Map<number, { resolve: (rows: SummaryRows) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly exited: Promise<void>,
  ) {}

  /** Starts a worker reading `file`; undefined for an in-memory ledger, which no other connection can open. */
  static start(file: string, logger: Logger): SummaryWorker | undefined {
    if (file === ':memory:' || file === '') return undefined;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, queries: SUMMARY_QUERIES } });
    // Unreferenced while idle: a process that is done does not wait for it.
    worker.unref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const summaries = new SummaryWorker(worker, exited);
    worker.on('message', (answer: Answer) => summaries.answer(answer));
    worker.on('error', (error) => {
      logger.warn({ err: error, file }, 'the ledger summary worker failed: summaries are read on the main thread from now on');
      summaries.fail(error);
    });
    worker.once('exit', () => summaries.fail(new Error('the ledger summary worker stopped')));
    return summaries;
  }

  /** Whether it can still answer (a failed worker is not restarted: the caller reads in its own thread instead). */
  get alive(): boolean {
    return this.failure === undefined;
  }

  /** The summary of the `windowMs` up to `nowMs`, aligned to whole minutes, as `LedgerSummaries.summary` gives it. */
  async summary(windowMs: number, nowMs = Date.now()): Promise<CostSummary> {
    const { since, minutes } = summaryWindow(windowMs, nowMs);
    const rows = await this.ask(since);
    return summaryOf(rows, since, minutes, nowMs);
  }

  async stop(): Promise<void> {
    if (this.failure === undefined) {
      this.worker.ref();
      this.worker.postMessage('stop');
    }
    await this.exited;
  }

  private ask(since: number): Promise<SummaryRows> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<SummaryRows>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced while it has a question to answer.
      this.worker.ref();
      this.worker.postMessage({ id, since });
    });
  }

  private answer(answer: Answer): void {
    const waiting = this.pending.get(answer.id);
    if (waiting === undefined) return;
    this.pending.delete(answer.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in answer) waiting.reject(new Error(answer.error));
    else waiting.resolve(answer.rows);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
