import type { Logger } from '../../telemetry/logger.js';
import { LogThrottle } from '../../telemetry/logThrottle.js';
import { backoffDelayMs, sleep } from '../retry/backoff.js';
import type { BackoffPolicy } from '../retry/backoff.js';
import { MlflowError } from './client.js';
import type { AssessmentBody, MlflowClient } from './client.js';
import { retriedTooLong } from '../sendingqueue/config.js';
import type { MlflowExporterConfig } from './config.js';
import { feedbackAssessments } from './trace-followups.js';
import type { TraceFollowUp } from './trace-followups.js';

// Where the exporter's tests and callers have always found it.
export { assessmentId } from './trace-followups.js';

export interface FollowUpStats {
  /** Traces whose follow-ups are not all stored yet: queued, in flight, or waiting to be retried. */
  readonly waiting: number;
  /** Follow-ups done: the tag and every feedback assessment stored (a trace re-sent with new numbers counts again). */
  sent: number;
  tagsSet: number;
  assessmentsCreated: number;
  assessmentsUpdated: number;
  /** Updates not made because the assessment had been overridden (e.g. by `tokenmeter reprice --write`). */
  assessmentsLeftOverridden: number;
  /** Attempts repeated because MLflow had not stored the trace yet, or was unreachable. */
  retries: number;
  /** Traces given up after `retry_on_failure.max_elapsed_time`. */
  failed: number;
  /** Traces not followed up because `feedback.queue_size` traces were already waiting. */
  dropped: number;
}

interface Pending {
  /** What to send: the newest numbers, with feedback an older version brought when the newest has none. */
  followUp: TraceFollowUp;
  /** The version queued last, as the exporter keeps it until it is sent (see `onSent`). */
  queued: TraceFollowUp;
  firstQueuedAt: number;
  attempt: number;
}

/** A map that forgets its oldest entries past a limit: memory of what was sent, bounded. */
class RecentMap<V> extends Map<string, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: string, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.limit) super.delete(this.keys().next().value!);
    return this;
  }
}

/**
 * Sends the follow-ups of traces MLflow has accepted: the trace name tag and the cost assessments. Assessments get
 * deterministic ids (MLflow keeps a client-supplied id and refuses a second create with the same one), so a retry or
 * a restart of tokenmeter never duplicates them, and a root re-sent with new numbers updates them in place, unless one
 * was overridden meanwhile (by `tokenmeter reprice --write`): then the overrider owns it and it is left alone. MLflow may
 * not have stored a trace yet (404, or 400 from a failed foreign key, depending on version and call): those are
 * retried with backoff. The newest numbers of a trace replace any older ones still waiting, so an update never goes back in time.
 */
export class FollowUpSender {
  private readonly pending = new Map<string, Pending>();
  /** Trace ids to send, oldest first, from `readyHead` on. */
  private ready: string[] = [];
  private readyHead = 0;
  /** Trace id → the follow-up being sent. */
  private readonly inFlight = new Map<string, TraceFollowUp>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly tagged: RecentMap<true>;
  /** Assessment id → what was last stored under it. */
  private readonly sent: RecentMap<string>;
  private readonly wakeWorkers: Array<() => void> = [];
  private readonly workers: Promise<void>[] = [];
  private readonly stopping = new AbortController();
  private readonly retryPolicy: BackoffPolicy;
  /** A full queue is said at most every 30 s, however many traces it drops. */
  private readonly fullQueue = new LogThrottle();
  readonly stats: FollowUpStats;

  /**
   * `onSent` gets a trace's version queued last once everything it asks for is stored and no newer one is waiting
   * here, so that whoever kept it for a restart can forget it.
   */
  constructor(
    private readonly client: MlflowClient,
    private readonly config: MlflowExporterConfig,
    private readonly logger: Logger,
    private readonly onSent: (queued: TraceFollowUp) => void = () => {},
  ) {
    const { queue_size } = config.feedback;
    this.tagged = new RecentMap(queue_size);
    this.sent = new RecentMap(queue_size * 4);
    const retry = config.retry_on_failure;
    this.retryPolicy = { initialIntervalMs: retry.initial_interval, maxIntervalMs: retry.max_interval };
    const waiting = () => this.waitingTraces();
    this.stats = {
      // Read when asked (a metrics scrape), from the sender's own sets rather than kept in step with them.
      get waiting() {
        return waiting();
      },
      sent: 0,
      tagsSet: 0,
      assessmentsCreated: 0,
      assessmentsUpdated: 0,
      assessmentsLeftOverridden: 0,
      retries: 0,
      failed: 0,
      dropped: 0,
    };
  }

  start(): void {
    for (let i = 0; i < this.config.feedback.num_consumers; i++) this.workers.push(this.work());
  }

  /** Called once MLflow answered 200 to the batch holding these roots. */
  enqueue(followUps: readonly TraceFollowUp[]): void {
    for (const followUp of followUps) {
      const waiting = this.pending.get(followUp.traceId);
      if (waiting !== undefined) {
        waiting.followUp = newer(waiting.followUp, followUp);
        waiting.queued = followUp;
        continue;
      }
      if (this.pending.size >= this.config.feedback.queue_size) {
        this.stats.dropped++;
        if (this.fullQueue.pass() !== undefined) {
          this.logger.warn(
            { queueSize: this.config.feedback.queue_size, dropped: this.stats.dropped },
            'MLflow feedback queue full: new traces go without their tag and feedback until it drains (feedback.queue_size)',
          );
        }
        continue;
      }
      const sending = this.inFlight.get(followUp.traceId);
      // The one being sent may fail (MLflow has not stored the trace yet): this one must carry its feedback then.
      this.pending.set(followUp.traceId, {
        followUp: sending === undefined ? followUp : newer(sending, followUp),
        queued: followUp,
        firstQueuedAt: Date.now(),
        attempt: 0,
      });
      // One in flight or waiting for a retry picks the new numbers up when it is done.
      if (!this.inFlight.has(followUp.traceId) && !this.retryTimers.has(followUp.traceId)) this.markReady(followUp.traceId);
    }
  }

  async shutdown(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while ((this.readyHead < this.ready.length || this.inFlight.size > 0) && Date.now() < deadline) await sleep(20);
    if (this.pending.size > 0) this.logger.warn({ traces: this.pending.size }, 'shutdown with MLflow feedback not sent');
    this.stopping.abort();
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    for (const wake of this.wakeWorkers.splice(0)) wake();
    await Promise.all(this.workers);
  }

  /** A trace in flight with newer numbers already queued is one trace, not two. */
  private waitingTraces(): number {
    let inFlightOnly = 0;
    for (const traceId of this.inFlight.keys()) if (!this.pending.has(traceId)) inFlightOnly++;
    return this.pending.size + inFlightOnly;
  }

  /**
   * The oldest ready trace. Not `Array.shift`: once a list is large enough for V8's large-object space (~16,000
   * entries, a backlog) every shift copies the rest, which makes draining a backlog quadratic (measured ad hoc: a
   * backlog of 100,000 traces drained with ~10% less CPU per trace this way).
   */
  private nextReady(): string | undefined {
    if (this.readyHead === this.ready.length) return undefined;
    const traceId = this.ready[this.readyHead++];
    // Drop the taken part once it is most of the list: each entry is copied at most once more.
    if (this.readyHead >= 1024 && this.readyHead * 2 >= this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    return traceId;
  }

  private markReady(traceId: string): void {
    this.ready.push(traceId);
    this.wakeWorkers.shift()?.();
  }

  private async work(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const traceId = this.nextReady();
      if (traceId === undefined) {
        await new Promise<void>((resolve) => this.wakeWorkers.push(resolve));
        continue;
      }
      const entry = this.pending.get(traceId);
      if (entry === undefined) continue;
      this.pending.delete(traceId);
      this.inFlight.set(traceId, entry.followUp);
      let sent = false;
      try {
        sent = await this.send(entry.followUp);
      } catch (error) {
        this.logger.warn({ err: error, traceId }, 'MLflow feedback failed; retrying');
      } finally {
        this.inFlight.delete(traceId);
      }
      if (this.pending.has(traceId)) this.markReady(traceId); // newer numbers came meanwhile
      else if (!sent) this.retryLater(entry);
      else {
        this.stats.sent++;
        this.onSent(entry.queued);
      }
    }
  }

  private retryLater(entry: Pending): void {
    const { traceId } = entry.followUp;
    if (retriedTooLong(this.config.retry_on_failure, Date.now() - entry.firstQueuedAt) || this.stopping.signal.aborted) {
      this.stats.failed++;
      this.logger.error({ traceId, attempts: entry.attempt + 1 }, 'gave up on MLflow feedback for a trace');
      return;
    }
    this.stats.retries++;
    this.pending.set(traceId, { ...entry, attempt: entry.attempt + 1 });
    const timer = setTimeout(() => {
      this.retryTimers.delete(traceId);
      this.markReady(traceId);
    }, backoffDelayMs(this.retryPolicy, entry.attempt));
    timer.unref();
    this.retryTimers.set(traceId, timer);
  }

  /** True when everything is stored; false when MLflow has not stored the trace yet. Throws on other failures. */
  private async send(followUp: TraceFollowUp): Promise<boolean> {
    if (this.config.trace_name_tag && !this.tagged.has(followUp.traceId)) {
      try {
        await this.client.setTraceTag(followUp.traceId, 'mlflow.traceName', followUp.traceName);
      } catch (error) {
        if (isNotYetStored(error)) return false;
        throw error;
      }
      this.tagged.set(followUp.traceId, true);
      this.stats.tagsSet++;
    }
    if (followUp.feedback === undefined || !this.config.feedback.enabled) return true;
    for (const assessment of feedbackAssessments(followUp.traceId, followUp.feedback, this.config.feedback)) {
      if (!(await this.upsert(assessment))) return false;
    }
    return true;
  }

  /** Creates the assessment, or updates it when it exists and its numbers changed. False: trace not stored yet. */
  private async upsert(assessment: AssessmentBody): Promise<boolean> {
    const id = assessment.assessment_id;
    const content = JSON.stringify([assessment.feedback, assessment.rationale, assessment.metadata]);
    const previous = this.sent.get(id);
    if (previous === content) return true;
    if (previous === undefined) {
      try {
        await this.client.createAssessment(assessment);
        this.sent.set(id, content);
        this.stats.assessmentsCreated++;
        return true;
      } catch (error) {
        if (!(error instanceof MlflowError) || error.status === undefined) throw error;
        if (error.status === 404) return false;
        // Either the id exists (an earlier attempt whose answer was lost, or a restart: 3.9 answers 400, 3.17 500)
        // or the trace is not stored yet (>= 3.10: 400 from the foreign key). The update below tells which.
      }
    }
    try {
      if (await this.isOverridden(assessment)) {
        // Someone overrode it (`tokenmeter reprice --write`, or a person in MLflow's UI): MLflow shows the overriding
        // assessment and keeps ours as the replaced value. Patching ours would rewrite that history behind a value
        // nobody sees; the overrider owns the number from now on (reprice compares it with the spans and overrides
        // again when late spans changed the cost).
        this.stats.assessmentsLeftOverridden++;
      } else {
        await this.client.updateAssessment(assessment);
        this.stats.assessmentsUpdated++;
      }
    } catch (error) {
      if (error instanceof MlflowError && error.status === 404) {
        this.sent.delete(id); // deleted in MLflow meanwhile: create it again on the retry
        return false;
      }
      throw error;
    }
    this.sent.set(id, content);
    return true;
  }

  /** Whether MLflow marked the stored assessment invalid, which it does to the one an override replaced. */
  private async isOverridden(assessment: AssessmentBody): Promise<boolean> {
    const path = `/api/3.0/mlflow/traces/${encodeURIComponent(assessment.trace_id)}/assessments/${encodeURIComponent(assessment.assessment_id)}`;
    const stored = await this.client.json<{ assessment?: { valid?: boolean } }>('GET', path);
    return stored.assessment?.valid === false;
  }
}

/** Newer numbers win; a root without enrichment (e.g. not through trace assembly) keeps the feedback already known. */
function newer(known: TraceFollowUp, latest: TraceFollowUp): TraceFollowUp {
  return { ...latest, feedback: latest.feedback ?? known.feedback };
}

/** MLflow has not stored the trace yet: 3.9 answers 400 (a failed foreign key) to a tag, 3.17 answers 404. */
function isNotYetStored(error: unknown): boolean {
  return error instanceof MlflowError && (error.status === 404 || error.status === 400);
}
