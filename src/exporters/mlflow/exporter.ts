import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { decodeTracesProtobuf, encodeTracesProtobuf, toHex } from '../../otlp/index.js';
import { countSpans } from '../../otlp/model.js';
import type { TracesData } from '../../otlp/model.js';
import { PipelineError } from '../../pipeline/consumer.js';
import type { TracesExporter } from '../../pipeline/consumer.js';
import { carriesAdditiveTotals } from '../../processors/traceassembly/spanFacts.js';
import { SendingQueueTable } from '../../storage/sending-queue.js';
import type { QueuedBatch } from '../../storage/sending-queue.js';
import { Store } from '../../storage/store.js';
import type { Logger } from '../../telemetry/logger.js';
import { backoffDelayMs, sleep } from '../retry/backoff.js';
import type { BackoffPolicy } from '../retry/backoff.js';
import { MlflowClient } from './client.js';
import type { DeliveryResult } from './client.js';
import type { MlflowExporterConfig } from './config.js';
import { withoutStoredTotals } from './delivery.js';
import { FollowUpSender } from './followup-sender.js';
import type { FollowUpStats } from './followup-sender.js';
import { COUNTED_SPAN_MEMORY_MS, CountedSpans } from './queue-counted-spans.js';
import { PendingFollowUps } from './queue-followups.js';
import { followUpsOf } from './trace-followups.js';
import type { TraceFollowUp } from './trace-followups.js';
import { applyMlflowWireFixes } from './wire-fixes.js';

const gzipAsync = promisify(gzip);

/** How often the queue table is looked at for batches `tokenmeter dlq replay` put back, and old memories pruned. */
const MAINTENANCE_INTERVAL_MS = 5_000;

export interface MlflowExporterStats {
  delivered: { batches: number; spans: number };
  /** Moved to the dead letters: MLflow refused them for good, or retrying took longer than `max_elapsed_time`. */
  failed: { batches: number; spans: number };
  /** Batches waiting for a worker (not counting those being sent). */
  queued: number;
  /** Encoded bytes of every batch held, waiting or being sent. */
  queuedBytes: number;
  /** Spans with token usage or cost not sent again because MLflow, or the queue, already had them. */
  duplicatesAvoided: number;
  followUps: FollowUpStats;
}

/** Where the exporter keeps its queue: the service's store, under the component id. */
export interface ExporterStorage {
  store: Store;
  id: string;
}

/**
 * Forwards spans to MLflow's OTLP endpoint. A batch is encoded and written to the sending queue table when it
 * arrives, in the transaction of the request that brought it, so the app's export is acknowledged only once the
 * batch is durable; a few workers send from there. A slow or absent MLflow never blocks the app: when the queue is
 * full the receivers answer 429 / UNAVAILABLE and the app's exporter retries later.
 */
export class MlflowExporter implements TracesExporter {
  private readonly client: MlflowClient;
  private readonly followUps: FollowUpSender;
  private readonly store: Store;
  private readonly ownsStore: boolean;
  private readonly queue: SendingQueueTable;
  private readonly pendingFollowUps: PendingFollowUps;
  private readonly countedSpans: CountedSpans;
  /** Every batch held, oldest first; those being sent are also in `inFlight`. */
  private readonly held = new Map<number, QueuedBatch>();
  private readonly inFlight = new Set<number>();
  private readonly wakeWorkers: Array<() => void> = [];
  private readonly workers: Promise<void>[] = [];
  private readonly stopping = new AbortController();
  private readonly retryPolicy: BackoffPolicy;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private lastHeldId = 0;
  /** While MLflow refuses or is unreachable, every worker waits, instead of each hammering it with its own batch. */
  private pausedUntil = 0;
  private experimentId: Promise<string> | undefined;
  private accepting = false;
  readonly stats: MlflowExporterStats;

  constructor(
    private readonly config: MlflowExporterConfig,
    private readonly logger: Logger,
    storage?: ExporterStorage,
  ) {
    this.client = new MlflowClient(config.tracking_uri, config.timeout, config.headers);
    this.followUps = new FollowUpSender(this.client, config, logger);
    this.store = storage?.store ?? Store.memory();
    this.ownsStore = storage === undefined;
    const id = storage?.id ?? 'mlflow';
    this.queue = new SendingQueueTable(this.store.db, id);
    this.pendingFollowUps = new PendingFollowUps(this.store.db, id);
    this.countedSpans = new CountedSpans(this.store.db, id);
    const retry = config.retry_on_failure;
    this.retryPolicy = { initialIntervalMs: retry.initial_interval, maxIntervalMs: retry.max_interval };
    this.stats = {
      delivered: { batches: 0, spans: 0 },
      failed: { batches: 0, spans: 0 },
      queued: 0,
      queuedBytes: 0,
      duplicatesAvoided: 0,
      followUps: this.followUps.stats,
    };
  }

  async start(): Promise<void> {
    // What a previous run left: batches to send (those it had started sending are checked first, their outcome is
    // unknown) and follow-ups it may not have finished.
    const resumed = this.queue.batchesAfter(0);
    for (const batch of resumed) this.hold(batch);
    if (resumed.length > 0) {
      const spans = resumed.reduce((sum, batch) => sum + batch.spans, 0);
      this.logger.info({ batches: resumed.length, spans, storage: this.store.location }, 'resuming the MLflow sending queue of the previous run');
    }
    this.accepting = true;
    for (let i = 0; i < this.config.sending_queue.num_consumers; i++) this.workers.push(this.work());
    this.followUps.start();
    this.followUps.enqueue(this.pendingFollowUps.all());
    this.maintenanceTimer = setInterval(() => void this.maintain(), MAINTENANCE_INTERVAL_MS);
    this.maintenanceTimer.unref();
    // Resolve the experiment now so that a wrong name or id shows at start, but do not fail the start: MLflow may
    // come up after us (a sidecar usually starts first), and sending retries the lookup.
    this.resolveExperiment().then(
      (id) => this.logger.info({ trackingUri: this.client.trackingUri, experimentId: id }, 'MLflow exporter ready'),
      (error: unknown) => this.logger.warn({ err: error }, 'MLflow not reachable yet; will retry when sending'),
    );
  }

  /** Why a batch would be refused now (stopping, or the queue is full); the service asks before a request enters the pipelines. */
  admissionRefusal(): PipelineError | undefined {
    if (!this.accepting) return new PipelineError('tokenmeter is shutting down', 'unavailable', 1);
    const { queue_size: maxBatches, max_bytes: maxBytes } = this.config.sending_queue;
    if (this.stats.queued < maxBatches && this.stats.queuedBytes < maxBytes) return undefined;
    return new PipelineError(
      `MLflow sending queue is full (${this.stats.queued} batches, ${this.stats.queuedBytes} bytes waiting for ${this.client.trackingUri})`,
      'overloaded',
      Math.max(1, Math.round(this.config.retry_on_failure.initial_interval / 1000)),
    );
  }

  /** Queues the batch; runs inside the request's transaction when the service gives one, so it commits with it. */
  async consume(data: TracesData): Promise<void> {
    const refusal = this.admissionRefusal();
    if (refusal !== undefined) throw refusal;
    const now = Date.now();
    const fresh = this.withoutRepeatedTotals(data, now);
    const spans = countSpans(fresh);
    if (spans === 0) return;
    const followUps = followUpsOf(fresh);
    applyMlflowWireFixes(fresh);
    const batch = this.queue.add({ body: encodeTracesProtobuf(fresh), spans, extra: JSON.stringify(followUps) }, now);
    this.store.afterCommit(() => this.hold(batch));
  }

  async shutdown(deadlineMs = 10_000): Promise<void> {
    this.accepting = false;
    const deadline = Date.now() + deadlineMs;
    while (this.held.size > 0 && Date.now() < deadline) await sleep(20);
    // Cancels sends in flight: each was recorded as possibly stored before it went out, so it is checked next time.
    this.stopping.abort();
    clearInterval(this.maintenanceTimer);
    for (const wake of this.wakeWorkers.splice(0)) wake();
    await Promise.all(this.workers);
    // Last: every delivery above may have added follow-ups.
    await this.followUps.shutdown(Math.max(0, deadline - Date.now()));
    if (this.held.size > 0) {
      const spans = [...this.held.values()].reduce((sum, batch) => sum + batch.spans, 0);
      if (this.store.durable) this.logger.warn({ batches: this.held.size, spans, storage: this.store.location }, 'shutdown deadline reached: batches kept for the next start');
      else this.logger.error({ batches: this.held.size, spans }, 'shutdown deadline reached: batches not delivered to MLflow are lost (storage.mode is memory)');
    }
    if (this.ownsStore) this.store.close();
  }

  /**
   * Leaves out spans with token usage or cost already queued recently: an app re-sends a request tokenmeter stored
   * but could not answer (killed in between), and MLflow would count them twice.
   */
  private withoutRepeatedTotals(data: TracesData, now: number): TracesData {
    let repeated = 0;
    const resourceSpans = data.resourceSpans.map((resource) => ({
      ...resource,
      scopeSpans: resource.scopeSpans.map((scope) => {
        const spans = scope.spans.filter((span) => {
          if (!carriesAdditiveTotals(span) || this.countedSpans.firstTime(toHex(span.traceId), toHex(span.spanId), now)) return true;
          repeated++;
          return false;
        });
        return spans.length === scope.spans.length ? scope : { ...scope, spans };
      }),
    }));
    if (repeated === 0) return data;
    this.store.afterCommit(() => {
      this.stats.duplicatesAvoided += repeated;
      this.logger.warn({ spans: repeated, duplicatesAvoided: this.stats.duplicatesAvoided }, 'left out spans already queued for MLflow (the app re-sent them)');
    });
    return { resourceSpans };
  }

  private hold(batch: QueuedBatch): void {
    if (this.held.has(batch.id)) return;
    this.held.set(batch.id, batch);
    this.lastHeldId = Math.max(this.lastHeldId, batch.id);
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

  /** Picks up batches put back by `tokenmeter dlq replay`, and forgets what is too old to matter. */
  private async maintain(): Promise<void> {
    try {
      // In a transaction of its own: never reading a row of a request that is not committed yet.
      await this.store.transaction(() => {
        for (const batch of this.queue.batchesAfter(this.lastHeldId)) this.hold(batch);
        const now = Date.now();
        this.pendingFollowUps.forgetOlderThan(now - this.config.retry_on_failure.max_elapsed_time);
        this.countedSpans.forgetOlderThan(now - COUNTED_SPAN_MEMORY_MS);
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'sending queue maintenance failed; will try again');
    }
  }

  private resolveExperiment(): Promise<string> {
    const { experiment_id: id, experiment_name: name } = this.config;
    if (id) return Promise.resolve(id);
    if (!name) return Promise.resolve('0');
    this.experimentId ??= this.client.ensureExperiment(name).catch((error: unknown) => {
      this.experimentId = undefined; // look it up again next time
      throw error;
    });
    return this.experimentId;
  }

  private async work(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const batch = [...this.held.values()].find((candidate) => !this.inFlight.has(candidate.id));
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
        this.logger.error({ err: error, batch: batch.id }, 'MLflow sending queue: cannot update the storage');
        this.pause(backoffDelayMs(this.retryPolicy, 0));
      } finally {
        this.inFlight.delete(batch.id);
        this.updateQueued();
      }
    }
  }

  private pause(delayMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delayMs);
  }

  /** Sends the batch until MLflow has it, it fails for good (dead letters), or tokenmeter stops (kept for next start). */
  private async deliver(batch: QueuedBatch): Promise<void> {
    const content = this.queue.contentOf(batch.id);
    if (content === undefined) return this.release(batch); // its request was rolled back
    const followUps = JSON.parse(content.extra) as TraceFollowUp[];
    let previousStatus: number | undefined;
    for (;;) {
      const paused = this.pausedUntil - Date.now();
      if (paused > 0) await sleep(paused, this.stopping.signal);
      if (this.stopping.signal.aborted) return;

      const checkFirst = batch.outcomeUnknown;
      batch.attempts++;
      batch.firstAttemptAt ??= Date.now();
      // Recorded before it goes out: if tokenmeter dies while sending, the next start checks MLflow before re-sending.
      batch.outcomeUnknown = true;
      await this.store.transaction(() => this.queue.saveAttempt(batch));

      const result = await this.attempt(batch, content.body, checkFirst);
      if (result.outcome === 'delivered') return this.delivered(batch, followUps);
      const elapsed = Date.now() - batch.firstAttemptAt;
      // A second 422 for what MLflow still lacks is no passing storage error (e.g. an experiment that does not exist).
      const refusedTwice = result.outcome === 'retry' && result.status === 422 && previousStatus === 422;
      if (result.outcome === 'failed' || refusedTwice || elapsed >= this.config.retry_on_failure.max_elapsed_time) {
        return this.deadLetter(batch, result.reason);
      }
      previousStatus = result.status;
      batch.outcomeUnknown = checkFirst || result.outcomeUnknown;
      await this.store.transaction(() => this.queue.saveAttempt(batch));
      if (this.stopping.signal.aborted) return;
      const delay = Math.max(result.retryAfterMs ?? 0, backoffDelayMs(this.retryPolicy, batch.attempts - 1));
      this.pause(delay);
      this.logger.warn({ reason: result.reason, retryInMs: delay, attempt: batch.attempts, batch: batch.id }, 'MLflow delivery failed; retrying');
    }
  }

  private async attempt(batch: QueuedBatch, body: Uint8Array, checkFirst: boolean): Promise<DeliveryResult> {
    let experimentId: string;
    try {
      experimentId = await this.resolveExperiment();
    } catch (error) {
      return { outcome: 'retry', reason: `cannot resolve the MLflow experiment: ${(error as Error).message}`, outcomeUnknown: false };
    }
    let toSend = body;
    if (checkFirst) {
      let unstored;
      try {
        unstored = await withoutStoredTotals(this.client, decodeTracesProtobuf(body));
      } catch (error) {
        return { outcome: 'retry', reason: `cannot ask MLflow what it stored: ${(error as Error).message}`, outcomeUnknown: false };
      }
      if (unstored.alreadyStored > 0) {
        this.stats.duplicatesAvoided += unstored.alreadyStored;
        this.logger.warn(
          { batch: batch.id, alreadyStored: unstored.alreadyStored, remaining: unstored.remainingSpans, duplicatesAvoided: this.stats.duplicatesAvoided },
          'MLflow had stored part of a batch whose delivery was uncertain; sending only the rest',
        );
      }
      if (unstored.remainingSpans === 0) return { outcome: 'delivered' };
      toSend = encodeTracesProtobuf(unstored.data);
    }
    const gzipped = this.config.compression === 'gzip';
    return this.client.postSpans(gzipped ? await gzipAsync(toSend, { level: 1 }) : toSend, experimentId, gzipped, this.stopping.signal);
  }

  private async delivered(batch: QueuedBatch, followUps: TraceFollowUp[]): Promise<void> {
    await this.store.transaction(() => {
      this.queue.remove(batch.id);
      this.pendingFollowUps.add(followUps, Date.now());
    });
    this.release(batch);
    this.stats.delivered.batches++;
    this.stats.delivered.spans += batch.spans;
    this.followUps.enqueue(followUps);
  }

  private async deadLetter(batch: QueuedBatch, reason: string): Promise<void> {
    await this.store.transaction(() => this.queue.moveToDeadLetters(batch.id, reason, Date.now()));
    this.release(batch);
    this.stats.failed.batches++;
    this.stats.failed.spans += batch.spans;
    this.logger.error(
      { batch: batch.id, spans: batch.spans, attempts: batch.attempts, reason },
      'MLflow did not accept a batch: moved to the dead letters (see tokenmeter dlq list)',
    );
  }
}
