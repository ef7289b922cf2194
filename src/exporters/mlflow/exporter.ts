import { decodeTracesProtobuf, encodeTracesProtobuf, toHex, traceCount } from '../../otlp/index.js';
import { countSpans } from '../../otlp/model.js';
import type { TracesData } from '../../otlp/model.js';
import type { EncodedRequest } from '../../otlp/index.js';
import type { PipelineError, TracesExporter } from '../../pipeline/consumer.js';
import { carriesAdditiveTotals } from '../../processors/traceassembly/spanFacts.js';
import type { BatchContent, NewBatch, QueuedBatch } from '../../storage/sending-queue.js';
import { Store } from '../../storage/store.js';
import type { Logger } from '../../telemetry/logger.js';
import { compressed } from '../http/request.js';
import type { DeliveryResult, ExporterStorage, RetryableFailure } from '../sendingqueue/destination.js';
import { DurableSendingQueue, emptySendingQueueStats } from '../sendingqueue/queue.js';
import type { SendingQueueStats } from '../sendingqueue/queue.js';
import { DeletedExperimentError, MlflowClient } from './client.js';
import type { MlflowExporterConfig } from './config.js';
import { withoutStoredTotals } from './delivery.js';
import { FollowUpSender } from './followup-sender.js';
import type { FollowUpStats } from './followup-sender.js';
import { COUNTED_SPAN_MEMORY_MS, CountedSpans } from './queue-counted-spans.js';
import { PendingFollowUps } from './queue-followups.js';
import { followUpsOf } from './trace-followups.js';
import type { TraceFollowUp } from './trace-followups.js';
import { byRequestedExperiment, readExtra, writeExtra } from './request-experiments.js';
import { halves, requestsWithin } from './request-parts.js';
import { withMlflowWireFixes } from './wire-fixes.js';
import { ServerCostRollup } from './cost-rollup.js';

export interface MlflowExporterStats extends SendingQueueStats {
  /** Spans with token usage or cost not sent again because MLflow, or the queue, already had them. */
  duplicatesAvoided: number;
  followUps: FollowUpStats;
}

/**
 * Forwards spans to MLflow's OTLP endpoint through a durable sending queue (see DurableSendingQueue). What is
 * MLflow's own: the experiment, no span with token totals sent twice (MLflow adds them up), the wire fixes, and the
 * follow-ups (trace name tag, cost assessments) once MLflow has a batch.
 */
export class MlflowExporter implements TracesExporter {
  private readonly client: MlflowClient;
  private readonly followUps: FollowUpSender;
  private readonly store: Store;
  private readonly ownsStore: boolean;
  private readonly sendingQueue: DurableSendingQueue;
  private readonly pendingFollowUps: PendingFollowUps;
  private readonly countedSpans: CountedSpans;
  private readonly costRollup: ServerCostRollup;
  /** Follow-ups sent and not forgotten yet, and the transaction that forgets them; shutdown waits for it. */
  private sentToForget: TraceFollowUp[] = [];
  private forgettingSent: Promise<void> = Promise.resolve();
  private experimentId: Promise<string> | undefined;
  readonly stats: MlflowExporterStats;

  constructor(
    private readonly config: MlflowExporterConfig,
    private readonly logger: Logger,
    storage?: ExporterStorage,
  ) {
    this.client = new MlflowClient(config.tracking_uri, config.timeout, config.headers, config.tls);
    this.followUps = new FollowUpSender(this.client, config, logger, (sent) => this.forgetSent(sent));
    this.costRollup = new ServerCostRollup(this.client, logger);
    this.store = storage?.store ?? Store.memory();
    this.ownsStore = storage === undefined;
    const id = storage?.id ?? 'mlflow';
    this.pendingFollowUps = new PendingFollowUps(this.store.db, id);
    this.countedSpans = new CountedSpans(this.store.db, id);
    this.stats = { ...emptySendingQueueStats(), duplicatesAvoided: 0, followUps: this.followUps.stats };
    this.sendingQueue = new DurableSendingQueue(
      this.store,
      id,
      config,
      {
        name: 'MLflow',
        url: this.client.trackingUri,
        attempt: (batch, content, mayBeStored, cancel) => this.attempt(batch, content, mayBeStored, cancel),
        split: ({ body, extra }) => halves(body).map((half) => queued(half, readExtra(extra).experimentId)),
        givesUpOn: refusedTwice,
        delivered: (extra, now) => this.delivered(readExtra(extra).followUps, now),
        maintain: (now) => {
          const retryFor = config.retry_on_failure.max_elapsed_time;
          if (retryFor > 0) this.pendingFollowUps.forgetOlderThan(now - retryFor);
          else this.pendingFollowUps.keepNewest(config.feedback.queue_size);
          this.countedSpans.forgetOlderThan(now - COUNTED_SPAN_MEMORY_MS);
        },
        // Last: every delivery may have added follow-ups.
        drain: async (remainingMs) => {
          await this.followUps.shutdown(remainingMs);
          await this.forgettingSent;
        },
      },
      logger,
      this.stats,
    );
  }

  async start(): Promise<void> {
    // What a previous run left: batches to send (those it had started sending are checked first, their outcome is
    // unknown) and follow-ups it may not have finished.
    this.sendingQueue.start();
    this.followUps.start();
    this.followUps.enqueue(this.pendingFollowUps.all());
    // Resolve the experiment now so that a wrong name or id shows at start, but do not fail the start: MLflow may
    // come up after us (a sidecar usually starts first), a deleted experiment may be restored, and sending retries
    // the lookup.
    this.resolveExperiment().then(
      (id) => this.logger.info({ trackingUri: this.client.trackingUri, experimentId: id }, 'MLflow exporter ready'),
      (error: unknown) =>
        error instanceof DeletedExperimentError
          ? this.logger.error({ err: error }, 'the MLflow experiment is deleted; nothing is delivered until it is restored')
          : this.logger.warn({ err: error }, 'MLflow not reachable yet; will retry when sending'),
    );
    void this.costRollup.learn();
  }

  /** Why a batch would be refused now (stopping, or the queue is full); the service asks before a request enters the pipelines. */
  admissionRefusal(): PipelineError | undefined {
    return this.sendingQueue.admissionRefusal();
  }

  /** Queues the batch; runs inside the request's transaction when the service gives one, so it commits with it. */
  async consume(data: TracesData): Promise<void> {
    const refusal = this.admissionRefusal();
    if (refusal !== undefined) throw refusal;
    const now = Date.now();
    const fresh = this.withoutRepeatedTotals(data, now);
    if (countSpans(fresh) === 0) return;
    // Parts of one request are queued together, in the request's transaction: all of them or none.
    for (const [experimentId, spans] of byRequestedExperiment(withMlflowWireFixes(fresh, this.costRollup.current()), this.config.experiment_from_header)) {
      for (const part of requestsWithin(spans, this.config.sending_queue.batch)) this.sendingQueue.enqueue(queued(part, experimentId), now);
    }
  }

  async shutdown(deadlineMs = 10_000): Promise<void> {
    await this.sendingQueue.shutdown(deadlineMs);
    await this.client.close();
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

  private resolveExperiment(): Promise<string> {
    const { experiment_id: id, experiment_name: name } = this.config;
    // A configured id is checked too: MLflow would store traces in a deleted experiment.
    const lookUp = id ? () => this.client.checkExperimentId(id) : name ? () => this.client.ensureExperiment(name) : undefined;
    if (lookUp === undefined) return Promise.resolve('0');
    this.experimentId ??= lookUp().catch((error: unknown) => {
      this.experimentId = undefined; // look it up again next time
      throw error;
    });
    return this.experimentId;
  }

  private async attempt(batch: QueuedBatch, { body, extra }: BatchContent, checkFirst: boolean, cancel: AbortSignal): Promise<DeliveryResult> {
    let experimentId: string;
    try {
      experimentId = readExtra(extra).experimentId ?? (await this.resolveExperiment());
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
    const { compression } = this.config;
    const result = await this.client.postSpans(await compressed(toSend, compression), experimentId, compression === 'gzip', cancel);
    // Only a request of several traces is cut: one trace is slow only with thousands of spans (1,100 took MLflow 3.9
    // 1.3 s), and cutting to single spans would multiply the batches held when MLflow hangs rather than is slow.
    if (result.outcome === 'tooSlow' && traceCount(decodeTracesProtobuf(body)) < 2) return { outcome: 'retry', reason: result.reason, outcomeUnknown: true };
    return result;
  }

  /**
   * A follow-up the sender finished needs no sending after a restart. Those finished meanwhile are forgotten together,
   * in one transaction once the one before has ended: each takes the store's lock every request's transaction waits on.
   */
  private forgetSent(sent: TraceFollowUp): void {
    this.sentToForget.push(sent);
    if (this.sentToForget.length > 1) return;
    this.forgettingSent = this.forgettingSent
      .then(() => {
        const batch = this.sentToForget;
        this.sentToForget = [];
        return this.store.transaction(() => batch.forEach((followUp) => this.pendingFollowUps.remove(followUp)));
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'cannot forget sent MLflow follow-ups; a restart sends them again'));
  }

  /** In the transaction that removes the batch from the queue: its follow-ups are kept until sent. */
  private delivered(followUps: TraceFollowUp[], now: number): void {
    this.pendingFollowUps.add(followUps, now);
    this.store.afterCommit(() => this.followUps.enqueue(followUps));
  }
}

/**
 * A request to queue, with the experiment its spans go to (undefined: the configured one) and the follow-ups of the
 * roots it carries: each is sent once MLflow has its root.
 */
const queued = ({ body, spans, data }: EncodedRequest, experimentId: string | undefined): NewBatch => ({
  body,
  spans,
  extra: writeExtra({ experimentId, followUps: followUpsOf(data) }),
});

/** A second 422 for what MLflow still lacks is no passing storage error (e.g. an experiment that does not exist). */
const refusedTwice = (failure: RetryableFailure, previousStatus: number | undefined): boolean => failure.status === 422 && previousStatus === 422;
