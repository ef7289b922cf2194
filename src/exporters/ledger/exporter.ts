import { setImmediate as nextTurn } from 'node:timers/promises';
import { Ledger } from '../../ledger/index.js';
import type { CostSummary, LedgerUpdate, LiveEvent } from '../../ledger/index.js';
import { SummaryWorker } from '../../ledger/summary-worker.js';
import type { TracesData } from '../../otlp/index.js';
import { PipelineError } from '../../pipeline/consumer.js';
import type { TracesExporter } from '../../pipeline/consumer.js';
import type { Logger } from '../../telemetry/logger.js';
import type { WalCheckpoints } from '../../storage/wal-checkpoints.js';
import type { LedgerExporterConfig } from './config.js';
import { costMetrics } from './costMetrics.js';
import { readLedgerRecords } from './spanRecords.js';

/** The workflow name of a trace recorded without its root span (which is what names the workflow). */
/** Rows of each table one pruning step deletes (tens of milliseconds). */
const PRUNE_STEP = 5000;

export const ROOT_MISSING_WORKFLOW = '(root missing)';

export type LiveEventListener = (events: readonly LiveEvent[]) => void;

/**
 * Records every counted LLM call and every finished trace into the embedded ledger, then tells the live stream (and
 * the cost metrics, if it feeds them) what was new. Writing is synchronous and local, so the ledger accepts a batch or
 * fails it at once; it never waits on MLflow or any other exporter.
 */
export class LedgerExporter implements TracesExporter {
  private opened: Ledger | undefined;
  /** Set by shutdown: a reader finding the ledger closed can tell shutting down from starting. */
  private stopped = false;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** A prune in steps is under way (the next interval's waits for none). */
  private pruning = false;
  private checkpoints: WalCheckpoints | undefined;
  private summaries: SummaryWorker | undefined;
  private readonly listeners = new Set<LiveEventListener>();
  private feedsCostMetrics = false;

  constructor(
    private readonly config: LedgerExporterConfig,
    private readonly logger: Logger,
  ) {}

  /** The open ledger, for readers (live stream resume, page summaries). */
  get ledger(): Ledger {
    if (this.opened === undefined) throw new Error('the ledger is not open');
    return this.opened;
  }

  get isOpen(): boolean {
    return this.opened !== undefined;
  }

  get isShutDown(): boolean {
    return this.stopped;
  }

  async start(): Promise<void> {
    this.opened = new Ledger(this.config.path);
    this.checkpoints = this.opened.checkpointInBackground(this.logger);
    this.summaries = SummaryWorker.start(this.config.path, this.logger);
    await this.prune();
    this.pruneTimer = setInterval(() => void this.prune(), this.config.prune_interval);
    this.pruneTimer.unref();
    this.logger.info({ path: this.config.path, retentionHours: this.config.retention / 3_600_000 }, 'ledger ready');
  }

  /**
   * The page's summary of the last `windowMs`: read on a worker thread (see `SummaryWorker`), or in this one for an
   * in-memory ledger or once the worker has failed.
   */
  async summary(windowMs: number): Promise<CostSummary> {
    const worker = this.summaries;
    if (worker?.alive === true) {
      try {
        return await worker.summary(windowMs);
      } catch (error) {
        // Read here instead, if the ledger is still open (a query the worker could not run fails here too).
        if (this.opened === undefined) throw error;
      }
    }
    return this.ledger.summaries.summary(windowMs);
  }

  async consume(data: TracesData): Promise<void> {
    const ledger = this.opened;
    if (ledger === undefined) throw new PipelineError('the ledger is not open', 'unavailable', 1);
    const { calls, roots } = readLedgerRecords(data);
    if (calls.length === 0 && roots.length === 0) return;
    let update;
    try {
      update = ledger.record(calls, roots);
    } catch (error) {
      // A locked or full disk passes; the app keeps the batch and retries, and recording is idempotent.
      this.logger.error({ err: error }, 'cannot write to the ledger');
      throw new PipelineError(`cannot write to the ledger: ${(error as Error).message}`, 'unavailable', 1);
    }
    this.publish(update);
  }

  /**
   * Records a trace that trace assembly gave up on because its root span never came, so that it still counts as a
   * trace (and a workflow run) and not only as calls: its totals are summed from its call rows, under the workflow
   * name `(root missing)`, until a root that arrives after all replaces them.
   */
  recordTraceWithoutRoot(trace: { traceId: string; extentMs: { start: number; end: number } | undefined }): void {
    const ledger = this.opened;
    if (ledger === undefined || trace.extentMs === undefined) return;
    const root = { traceId: trace.traceId, service: null, workflow: ROOT_MISSING_WORKFLOW, status: 'unset' as const, totals: undefined };
    try {
      this.publish(ledger.record([], [{ ...root, startMs: trace.extentMs.start, endMs: trace.extentMs.end }]));
    } catch (error) {
      this.logger.error({ err: error, traceId: trace.traceId }, 'cannot record a trace without root in the ledger');
    }
  }

  /**
   * Makes this ledger the one the cost metrics (`/metrics`, `admin.metrics.otlp`) count: they are process-wide, and a
   * call that two ledgers record would otherwise be counted once per ledger. The service picks the ledger the admin
   * listener reads, so that `/metrics` agrees with `/v1/summary`.
   */
  feedCostMetrics(): void {
    this.feedsCostMetrics = true;
  }

  private publish(update: LedgerUpdate): void {
    if (this.feedsCostMetrics) costMetrics.observe(update);
    if (update.events.length === 0) return;
    for (const listener of this.listeners) listener(update.events);
  }

  /** Calls `listener` with the events of every batch that recorded something new; returns the unsubscribe. */
  subscribe(listener: LiveEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pruneTimer);
    await this.checkpoints?.stop();
    this.checkpoints = undefined;
    await this.summaries?.stop();
    this.summaries = undefined;
    this.opened?.close();
    this.opened = undefined;
  }

  /**
   * Deletes the rows past retention, PRUNE_STEP of each table at a time, the event loop running between steps (a
   * backlog, such as the first prune after retention was shortened, would hold the writer and every reader at once).
   */
  private async prune(): Promise<void> {
    if (this.pruning) return;
    this.pruning = true;
    const removed = { calls: 0, traces: 0, events: 0 };
    const cutoffMs = Date.now() - this.config.retention;
    try {
      for (;;) {
        const ledger = this.opened;
        if (ledger === undefined) break;
        const step = ledger.prune(cutoffMs, PRUNE_STEP);
        removed.calls += step.calls;
        removed.traces += step.traces;
        removed.events += step.events;
        if (step.calls < PRUNE_STEP && step.traces < PRUNE_STEP && step.events < PRUNE_STEP) break;
        await nextTurn();
      }
      if (removed.calls + removed.traces > 0) this.logger.info(removed, 'ledger: removed rows past retention');
    } catch (error) {
      this.logger.warn({ err: error }, 'ledger: pruning failed; will try again');
    } finally {
      this.pruning = false;
    }
  }
}
