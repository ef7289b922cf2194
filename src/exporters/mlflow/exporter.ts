import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { encodeTracesProtobuf } from '../../otlp/index.js';
import { countSpans } from '../../otlp/model.js';
import type { TracesData } from '../../otlp/model.js';
import { PipelineError } from '../../pipeline/consumer.js';
import type { TracesExporter } from '../../pipeline/consumer.js';
import type { Logger } from '../../telemetry/logger.js';
import { backoffDelayMs, sleep } from '../retry/backoff.js';
import type { BackoffPolicy } from '../retry/backoff.js';
import { MlflowClient } from './client.js';
import type { MlflowExporterConfig } from './config.js';
import { FollowUpSender } from './followup-sender.js';
import type { FollowUpStats } from './followup-sender.js';
import { followUpsOf } from './trace-followups.js';
import type { TraceFollowUp } from './trace-followups.js';
import { applyMlflowWireFixes } from './wire-fixes.js';

const gzipAsync = promisify(gzip);

interface QueuedBatch {
  body: Uint8Array;
  spans: number;
  enqueuedAt: number;
  /** Tags and feedback for the roots in the batch, sent once MLflow has accepted it. */
  followUps: TraceFollowUp[];
}

export interface MlflowExporterStats {
  delivered: { batches: number; spans: number };
  failed: { batches: number; spans: number };
  queued: number;
  followUps: FollowUpStats;
}

/**
 * Forwards spans to MLflow's OTLP endpoint. Batches are encoded when they arrive and sent by a few workers from a
 * bounded in-memory queue, so a slow MLflow never blocks the app: when the queue is full the receivers answer
 * 429 / UNAVAILABLE and the app's exporter retries later.
 */
export class MlflowExporter implements TracesExporter {
  private readonly client: MlflowClient;
  private readonly followUps: FollowUpSender;
  private readonly queue: QueuedBatch[] = [];
  private readonly wakeWorkers: Array<() => void> = [];
  private readonly workers: Promise<void>[] = [];
  private readonly stopping = new AbortController();
  private experimentId: Promise<string> | undefined;
  private accepting = false;
  private inFlight = 0;
  readonly stats: MlflowExporterStats;

  constructor(
    private readonly config: MlflowExporterConfig,
    private readonly logger: Logger,
  ) {
    this.client = new MlflowClient(config.tracking_uri, config.timeout, config.headers);
    this.followUps = new FollowUpSender(this.client, config, logger);
    this.stats = { delivered: { batches: 0, spans: 0 }, failed: { batches: 0, spans: 0 }, queued: 0, followUps: this.followUps.stats };
  }

  async start(): Promise<void> {
    this.accepting = true;
    for (let i = 0; i < this.config.sending_queue.num_consumers; i++) this.workers.push(this.work());
    this.followUps.start();
    // Resolve the experiment now so that a wrong name or id shows at start, but do not fail the start: MLflow may
    // come up after us (a sidecar usually starts first), and sending retries the lookup.
    this.resolveExperiment().then(
      (id) => this.logger.info({ trackingUri: this.client.trackingUri, experimentId: id }, 'MLflow exporter ready'),
      (error: unknown) => this.logger.warn({ err: error }, 'MLflow not reachable yet; will retry when sending'),
    );
  }

  async consume(data: TracesData): Promise<void> {
    if (!this.accepting) throw new PipelineError('tokenmeter is shutting down', 'unavailable', 1);
    const spans = countSpans(data);
    if (spans === 0) return;
    if (this.queue.length >= this.config.sending_queue.queue_size) {
      throw new PipelineError(
        `MLflow sending queue is full (${this.queue.length} batches waiting for ${this.client.trackingUri})`,
        'overloaded',
        Math.max(1, Math.round(this.config.retry_on_failure.initial_interval / 1000)),
      );
    }
    const followUps = followUpsOf(data);
    applyMlflowWireFixes(data);
    this.queue.push({ body: encodeTracesProtobuf(data), spans, enqueuedAt: Date.now(), followUps });
    this.stats.queued = this.queue.length;
    this.wakeWorkers.shift()?.();
  }

  async shutdown(deadlineMs = 10_000): Promise<void> {
    this.accepting = false;
    const deadline = Date.now() + deadlineMs;
    while ((this.queue.length > 0 || this.inFlight > 0) && Date.now() < deadline) await sleep(20);
    if (this.queue.length > 0) {
      this.logger.error({ batches: this.queue.length }, 'shutdown deadline reached with batches not delivered to MLflow');
    }
    this.stopping.abort();
    for (const wake of this.wakeWorkers.splice(0)) wake();
    await Promise.all(this.workers);
    // Last: every delivery above may have added follow-ups.
    await this.followUps.shutdown(Math.max(0, deadline - Date.now()));
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
      const batch = this.queue.shift();
      if (!batch) {
        await new Promise<void>((resolve) => this.wakeWorkers.push(resolve));
        continue;
      }
      this.stats.queued = this.queue.length;
      this.inFlight++;
      try {
        await this.deliver(batch);
      } finally {
        this.inFlight--;
      }
    }
  }

  private async deliver(batch: QueuedBatch): Promise<void> {
    const body = this.config.compression === 'gzip' ? await gzipAsync(batch.body, { level: 1 }) : batch.body;
    const retry = this.config.retry_on_failure;
    const policy: BackoffPolicy = { initialIntervalMs: retry.initial_interval, maxIntervalMs: retry.max_interval };
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt(body);
      if (result.outcome === 'delivered') {
        this.stats.delivered.batches++;
        this.stats.delivered.spans += batch.spans;
        this.followUps.enqueue(batch.followUps);
        return;
      }
      const elapsed = Date.now() - batch.enqueuedAt;
      if (result.outcome === 'failed' || elapsed >= retry.max_elapsed_time || this.stopping.signal.aborted) {
        this.stats.failed.batches++;
        this.stats.failed.spans += batch.spans;
        this.logger.error({ spans: batch.spans, attempts: attempt + 1, reason: result.reason }, 'dropped a batch MLflow did not accept');
        return;
      }
      const delay = Math.max(result.retryAfterMs ?? 0, backoffDelayMs(policy, attempt));
      this.logger.warn({ reason: result.reason, retryInMs: delay, attempt: attempt + 1 }, 'MLflow delivery failed; retrying');
      await sleep(delay, this.stopping.signal);
    }
  }

  private async attempt(body: Uint8Array) {
    let experimentId: string;
    try {
      experimentId = await this.resolveExperiment();
    } catch (error) {
      return { outcome: 'retry' as const, reason: `cannot resolve the MLflow experiment: ${(error as Error).message}` };
    }
    return this.client.postSpans(body, experimentId, this.config.compression === 'gzip');
  }
}
