/**
 * The durable sending queue every forwarding exporter uses: a batch is written to the sending queue table when it
 * arrives, in the transaction of the request that brought it, so the app's export is acknowledged only once the
 * batch is durable; `num_consumers` workers send from there. A slow or absent destination never blocks the app:
 * when the queue is full the receivers answer 429 / UNAVAILABLE and the app's exporter retries later. A batch that
 * fails for good, or for longer than `max_elapsed_time`, goes to the dead letters (with storage on disk: no other
 * process can read an in-memory database, so there it is only logged and counted).
 */
import { PipelineError } from '../../pipeline/consumer.js';
import { SendingQueueTable } from '../../storage/sending-queue.js';
import type { BatchContent, NewBatch, QueuedBatch } from '../../storage/sending-queue.js';
import type { Store } from '../../storage/store.js';
import type { Logger } from '../../telemetry/logger.js';
import { backoffDelayMs, sleep } from '../retry/backoff.js';
import type { BackoffPolicy } from '../retry/backoff.js';
import { retriedTooLong } from './config.js';
import type { RetryOnFailureConfig, SendingQueueConfig } from './config.js';
import type { Destination } from './destination.js';

/** How often the queue table is looked at for batches `tokenmeter dlq replay` put back, and old memories pruned. */
const MAINTENANCE_INTERVAL_MS = 5_000;

export interface SendingQueueStats {
  delivered: { batches: number; spans: number };
  /** Given up, the destination refusing them for good or retrying taking longer than `max_elapsed_time`: dead letters on disk. */
  failed: { batches: number; spans: number };
  /** Dead letters dropped, the oldest first, to keep them within `sending_queue.dead_letters.max_bytes`. */
  deadLettersDropped: { batches: number; spans: number };
  /** Batches waiting for a worker (not counting those being sent). */
  queued: number;
  /** Encoded bytes of every batch held, waiting or being sent. */
  queuedBytes: number;
}

export const emptySendingQueueStats = (): SendingQueueStats => ({
  delivered: { batches: 0, spans: 0 },
  failed: { batches: 0, spans: 0 },
  deadLettersDropped: { batches: 0, spans: 0 },
  queued: 0,
  queuedBytes: 0,
});

export interface SendingQueueSettings {
  sending_queue: SendingQueueConfig;
  retry_on_failure: RetryOnFailureConfig;
}

export class DurableSendingQueue {
  private readonly table: SendingQueueTable;
  /** Every batch held, oldest first; those being sent are also in `inFlight`. */
  private readonly held = new Map<number, QueuedBatch>();
  private readonly inFlight = new Set<number>();
  private readonly wakeWorkers: Array<() => void> = [];
  private readonly workers: Promise<void>[] = [];
  private readonly stopping = new AbortController();
  private readonly retryPolicy: BackoffPolicy;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  /** While the destination refuses or is unreachable, every worker waits, instead of each hammering it with its own batch. */
  private pausedUntil = 0;
  /**
   * The smallest body the destination refused as too large: a batch of several spans as large is cut before it is
   * sent, rather than sent to be refused again (until restart: a limit raised meanwhile only costs smaller requests).
   */
  private refusedFromBytes = Number.POSITIVE_INFINITY;
  /** The bytes this exporter's dead letters hold, kept as they change; read again at start and by the maintenance. */
  private deadLetterBytes = 0;
  private accepting = false;

  /** `stats` is updated in place: the exporter's own stats object may extend it. */
  constructor(
    private readonly store: Store,
    exporterId: string,
    private readonly settings: SendingQueueSettings,
    private readonly destination: Destination,
    private readonly logger: Logger,
    readonly stats: SendingQueueStats = emptySendingQueueStats(),
  ) {
    this.table = new SendingQueueTable(store.db, exporterId);
    const retry = settings.retry_on_failure;
    this.retryPolicy = { initialIntervalMs: retry.initial_interval, maxIntervalMs: retry.max_interval };
  }

  /** Takes up what a previous run left (batches it had started sending are sent as possibly stored), then sends. */
  start(): void {
    this.deadLetterBytes = this.table.deadLetterBytes();
    const resumed = this.table.batchesAfter(0);
    for (const batch of resumed) this.hold(batch);
    if (resumed.length > 0) {
      const spans = resumed.reduce((sum, batch) => sum + batch.spans, 0);
      this.logger.info({ batches: resumed.length, spans, storage: this.store.location }, `resuming the ${this.destination.name} sending queue of the previous run`);
    }
    this.accepting = true;
    for (let i = 0; i < this.settings.sending_queue.num_consumers; i++) this.workers.push(this.work());
    this.maintenanceTimer = setInterval(() => void this.maintain(), MAINTENANCE_INTERVAL_MS);
    this.maintenanceTimer.unref();
  }

  /** Why a batch would be refused now (stopping, or the queue is full); the service asks before a request enters the pipelines. */
  admissionRefusal(): PipelineError | undefined {
    if (!this.accepting) return new PipelineError('tokenmeter is shutting down', 'unavailable', 1);
    const { queue_size: maxBatches, max_bytes: maxBytes } = this.settings.sending_queue;
    if (this.stats.queued < maxBatches && this.stats.queuedBytes < maxBytes) return undefined;
    return new PipelineError(
      `${this.destination.name} sending queue is full (${this.stats.queued} batches, ${this.stats.queuedBytes} bytes waiting for ${this.destination.url})`,
      'overloaded',
      Math.max(1, Math.round(this.settings.retry_on_failure.initial_interval / 1000)),
    );
  }

  /** Writes the batch to the queue table, in the current transaction; workers see it once that commits. */
  enqueue(batch: NewBatch, now: number): void {
    const queued = this.table.add(batch, now);
    this.store.afterCommit(() => this.hold(queued));
  }

  /** Stops accepting, sends until the deadline, then cancels what is in flight; what is left stays in the table. */
  async shutdown(deadlineMs: number): Promise<void> {
    this.accepting = false;
    const deadline = Date.now() + deadlineMs;
    while (this.held.size > 0 && Date.now() < deadline) await sleep(20);
    // Cancels sends in flight: each was recorded as possibly stored before it went out, so it is checked next time.
    this.stopping.abort();
    clearInterval(this.maintenanceTimer);
    for (const wake of this.wakeWorkers.splice(0)) wake();
    await Promise.all(this.workers);
    await this.destination.drain?.(Math.max(0, deadline - Date.now()));
    if (this.held.size > 0) {
      const spans = [...this.held.values()].reduce((sum, batch) => sum + batch.spans, 0);
      if (this.store.durable) this.logger.warn({ batches: this.held.size, spans, storage: this.store.location }, 'shutdown deadline reached: batches kept for the next start');
      else this.logger.error({ batches: this.held.size, spans }, `shutdown deadline reached: batches not delivered to ${this.destination.name} are lost (storage.mode is memory)`);
    }
  }

  private hold(batch: QueuedBatch): void {
    if (this.held.has(batch.id)) return;
    this.held.set(batch.id, batch);
    this.stats.queuedBytes += batch.bytes;
    this.updateQueued();
    this.wakeWorkers.shift()?.();
  }

  private release(batch: QueuedBatch): void {
    if (!this.held.delete(batch.id)) return;
    this.stats.queuedBytes -= batch.bytes;
    this.updateQueued();
  }

  private updateQueued(): void {
    this.stats.queued = this.held.size - this.inFlight.size;
  }

  /**
   * Picks up batches put back by `tokenmeter dlq replay` (recounting the dead letters it took), and lets the
   * destination forget what is too old to matter.
   * Every row is looked at, not only those after the last one held: a replay's rows may have ids below a request's
   * queued since, and were left until the next start.
   */
  private async maintain(): Promise<void> {
    try {
      // In a transaction of its own: never reading a row of a request that is not committed yet.
      await this.store.transaction(() => {
        for (const batch of this.table.batchesAfter(0)) this.hold(batch);
        this.deadLetterBytes = this.table.deadLetterBytes();
        this.destination.maintain?.(Date.now());
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'sending queue maintenance failed; will try again');
    }
  }

  private async work(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const batch = this.oldestWaiting();
      if (!batch) {
        await new Promise<void>((resolve) => this.wakeWorkers.push(resolve));
        continue;
      }
      this.inFlight.add(batch.id);
      this.updateQueued();
      try {
        await this.deliver(batch);
      } catch (error) {
        // The store failed (disk full?): the batch stays held and is tried again after a pause.
        this.logger.error({ err: error, batch: batch.id }, `${this.destination.name} sending queue: cannot update the storage`);
        this.pause(backoffDelayMs(this.retryPolicy, 0));
      } finally {
        this.inFlight.delete(batch.id);
        this.updateQueued();
      }
    }
  }

  /**
   * The oldest held batch no worker is sending. Walks the held batches in order rather than copying them: the ones
   * in flight are at most `num_consumers` and the oldest, so under a backlog of thousands this stays a few steps.
   */
  private oldestWaiting(): QueuedBatch | undefined {
    for (const candidate of this.held.values()) if (!this.inFlight.has(candidate.id)) return candidate;
    return undefined;
  }

  private pause(delayMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delayMs);
  }

  /** Sends the batch until the destination has it, it fails for good (dead letters), or tokenmeter stops (kept for next start). */
  private async deliver(batch: QueuedBatch): Promise<void> {
    const content = this.table.contentOf(batch.id);
    if (content === undefined) return this.release(batch); // its request was rolled back
    let previousStatus: number | undefined;
    for (;;) {
      const paused = this.pausedUntil - Date.now();
      if (paused > 0) await sleep(paused, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      if (batch.spans > 1 && content.body.byteLength >= this.refusedFromBytes && this.destination.split !== undefined) return this.sendInHalves(batch, content, 'as large as a request refused before');

      const mayBeStored = batch.outcomeUnknown;
      batch.attempts++;
      batch.firstAttemptAt ??= Date.now();
      // Recorded before it goes out: if tokenmeter dies while sending, the next start knows the outcome is unknown.
      batch.outcomeUnknown = true;
      await this.store.transaction(() => this.table.saveAttempt(batch));

      const result = await this.destination.attempt(batch, content, mayBeStored, this.stopping.signal);
      if (result.outcome === 'delivered') return this.delivered(batch, content.extra);
      if (result.outcome === 'tooLarge') {
        // Refused, so not stored by this attempt: as uncertain as before it.
        batch.outcomeUnknown = mayBeStored;
        this.refusedAsTooLarge(content.body.byteLength, result.reason);
        return this.sendInHalves(batch, content, result.reason);
      }
      const elapsed = Date.now() - batch.firstAttemptAt;
      if (result.outcome === 'tooSlow') {
        // Sent whole again, it would take as long again, each time: smaller requests get through. The destination
        // may have stored any of it, so the halves keep batch.outcomeUnknown (set before the attempt) and are sent as
        // possibly stored: a destination that must not get a span twice checks what it has first.
        if (retriedTooLong(this.settings.retry_on_failure, elapsed)) return this.deadLetter(batch, result.reason);
        const delay = backoffDelayMs(this.retryPolicy, batch.attempts - 1);
        this.pause(delay);
        this.logger.warn({ reason: result.reason, retryInMs: delay, spans: batch.spans, batch: batch.id }, `${this.destination.name} took too long over a batch; sending it again in halves`);
        return this.sendInHalves(batch, content, result.reason);
      }
      const givenUp = result.outcome === 'retry' && this.destination.givesUpOn?.(result, previousStatus) === true;
      if (result.outcome === 'failed' || givenUp || retriedTooLong(this.settings.retry_on_failure, elapsed)) {
        return this.deadLetter(batch, result.reason);
      }
      previousStatus = result.status;
      batch.outcomeUnknown = mayBeStored || result.outcomeUnknown;
      await this.store.transaction(() => this.table.saveAttempt(batch));
      if (this.stopping.signal.aborted) return;
      const delay = Math.max(result.retryAfterMs ?? 0, backoffDelayMs(this.retryPolicy, batch.attempts - 1));
      this.pause(delay);
      this.logger.warn({ reason: result.reason, retryInMs: delay, attempt: batch.attempts, batch: batch.id }, `${this.destination.name} delivery failed; retrying`);
    }
  }

  /** Learns the size from which requests are refused; says so once per smaller size, not once per batch. */
  private refusedAsTooLarge(bytes: number, reason: string): void {
    if (bytes >= this.refusedFromBytes) return;
    this.refusedFromBytes = bytes;
    this.logger.warn(
      { bytes, reason },
      `${this.destination.name} refused a request as too large: batches this large are sent in parts from now on (sending_queue.batch can keep requests under the limit)`,
    );
  }

  /**
   * A batch too large for the destination, or too slow for it, is replaced by its halves, which this worker sends
   * next, in order (each cut again while still too large or slow): a proxy's body limit or a slow destination costs a
   * few requests, not the batch. A single span too large goes to the dead letters, where `dlq replay` can send it once
   * the limit is raised.
   */
  private async sendInHalves(batch: QueuedBatch, content: BatchContent, reason: string): Promise<void> {
    const halves = batch.spans > 1 ? this.destination.split?.(content) : undefined;
    if (halves === undefined) return this.deadLetter(batch, batch.spans > 1 ? reason : `${reason} (a request of one span, ${batch.bytes} bytes)`);
    let parts: QueuedBatch[] = [];
    await this.store.transaction(() => {
      parts = this.table.replace(batch, halves);
      // Held, and in flight, as the replacement commits: neither another worker nor the maintenance takes a part.
      this.store.afterCommit(() => {
        this.release(batch);
        for (const part of parts) {
          this.inFlight.add(part.id);
          this.hold(part);
        }
      });
    });
    this.logger.debug({ batch: batch.id, spans: batch.spans, bytes: batch.bytes, reason, parts: parts.map((part) => part.id) }, `${this.destination.name}: a batch sent again in two halves`);
    try {
      for (const part of parts) await this.deliver(part);
    } finally {
      for (const part of parts) this.inFlight.delete(part.id);
      this.updateQueued();
    }
  }

  private async delivered(batch: QueuedBatch, extra: string): Promise<void> {
    await this.store.transaction(() => {
      this.table.remove(batch.id);
      this.destination.delivered?.(extra, Date.now());
    });
    this.release(batch);
    this.stats.delivered.batches++;
    this.stats.delivered.spans += batch.spans;
  }

  private async deadLetter(batch: QueuedBatch, reason: string): Promise<void> {
    const failure = { batch: batch.id, spans: batch.spans, attempts: batch.attempts, reason };
    if (!this.store.durable) {
      // `tokenmeter dlq` runs in another process, which cannot read an in-memory database: a body kept here would
      // only take memory until the process ends.
      await this.store.transaction(() => this.table.remove(batch.id));
      this.failed(batch);
      this.logger.error(failure, `${this.destination.name} did not accept a batch: dropped (dead letters are kept only with storage.mode: disk)`);
      return;
    }
    const maxBytes = this.settings.sending_queue.dead_letters.max_bytes;
    const { dropped, heldBytes } = await this.store.transaction(() => {
      this.table.moveToDeadLetters(batch.id, reason, Date.now());
      return this.table.dropOldestDeadLetters(this.deadLetterBytes + batch.bytes, maxBytes);
    });
    this.deadLetterBytes = heldBytes;
    this.failed(batch);
    this.logger.error(failure, `${this.destination.name} did not accept a batch: moved to the dead letters (see tokenmeter dlq list)`);
    if (dropped.batches === 0) return;
    this.stats.deadLettersDropped.batches += dropped.batches;
    this.stats.deadLettersDropped.spans += dropped.spans;
    this.logger.warn(
      { ...dropped, maxBytes },
      `${this.destination.name}: dropped the oldest dead letters, to keep them within sending_queue.dead_letters.max_bytes`,
    );
  }

  private failed(batch: QueuedBatch): void {
    this.release(batch);
    this.stats.failed.batches++;
    this.stats.failed.spans += batch.spans;
  }
}
