import type { BatchContent, NewBatch, QueuedBatch } from '../../storage/sending-queue.js';
import type { Store } from '../../storage/store.js';

/** How one delivery attempt ended, classified for the retry loop. */
export type DeliveryResult = { outcome: 'delivered' } | RetryableFailure | { outcome: 'failed'; reason: string } | TooLarge | TooSlow;

/**
 * The destination, or a proxy in front of it (nginx's `client_max_body_size`), refused the request for its size
 * (HTTP 413, gRPC's "larger than max"): nothing was stored, and the same request would be refused again.
 */
export interface TooLarge {
  outcome: 'tooLarge';
  reason: string;
}

/**
 * The destination did not answer in time (our `timeout`, a gateway's 504) a request it may be storing still, and a
 * smaller one would take less time: MLflow 3.9 stores a request trace by trace, so one of many traces can outlast any
 * timeout while each trace of it is stored. Only from a destination that can `split` the batch, for one of several
 * spans: the halves replace it, sent as possibly stored.
 */
export interface TooSlow {
  outcome: 'tooSlow';
  reason: string;
}

export interface RetryableFailure {
  outcome: 'retry';
  reason: string;
  retryAfterMs?: number | undefined;
  /**
   * The destination may have stored some or all of the spans (a timeout, a connection lost after sending, a 5xx):
   * the next attempt is told so, and a destination that must not get a span twice checks what it has first.
   */
  outcomeUnknown: boolean;
  /** The destination's HTTP status, when it answered. */
  status?: number;
}

/**
 * What the sending queue needs to know about one destination (MLflow, an OTLP endpoint): how to attempt a batch
 * and classify the answer, and what else to do at the moments only the queue knows.
 */
export interface Destination {
  /** How logs and refusals name it: `MLflow`, `otlphttp/tempo`. */
  readonly name: string;
  /** Where batches go, for the refusal an app gets when the queue is full. */
  readonly url: string;
  /**
   * One attempt at delivering a batch's encoded spans. `mayBeStored`: an earlier attempt may have reached the
   * destination without us hearing so. `cancel` fires when tokenmeter stops.
   */
  attempt(batch: QueuedBatch, content: BatchContent, mayBeStored: boolean, cancel: AbortSignal): Promise<DeliveryResult>;
  /**
   * The batch in two halves of its spans, each with the `extra` it needs: sent in its place when the destination
   * refuses it as too large or takes too long over it. Without it, a batch too large goes to the dead letters.
   */
  split?(content: BatchContent): NewBatch[];
  /** A retryable answer that, coming after `previousStatus`, shows the destination will never take the batch. */
  givesUpOn?(failure: RetryableFailure, previousStatus: number | undefined): boolean;
  /** Runs in the transaction that removes a delivered batch from the queue, with the `extra` it was queued with. */
  delivered?(extra: string, now: number): void;
  /** Runs every few seconds in a transaction of its own: forget what is too old to matter. */
  maintain?(now: number): void;
  /** Runs at shutdown once the queue's workers stopped, with the time left before the deadline. */
  drain?(remainingMs: number): Promise<void>;
}

/** Where an exporter keeps its queue: the service's store, under the component id. */
export interface ExporterStorage {
  store: Store;
  id: string;
}
