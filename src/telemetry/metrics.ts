/**
 * tokenmeter's Prometheus registry and the pipeline's own health metrics (spans in, out and refused, exporter
 * latency and queue depth, open traces). The cost metrics register into the same registry (exporters/ledger).
 *
 * One registry per process, like the pipeline it describes: components reach it through `telemetry` rather than
 * through their constructors, so that a receiver or exporter reports with a one-line call.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { countSpans } from '../otlp/model.js';
import type { TracesData } from '../otlp/model.js';
import { PipelineError } from '../pipeline/consumer.js';
import type { TracesConsumer, TracesExporter } from '../pipeline/consumer.js';

/** What a label value becomes once its label has seen `maxValuesPerLabel` distinct values. */
export const OVERFLOW_LABEL_VALUE = 'other';
/** What a label value is when the span did not say (no model name, no LangGraph node, …). */
export const UNKNOWN_LABEL_VALUE = 'unknown';

export const DEFAULT_MAX_LABEL_VALUES = 100;
/** Longer values (a workflow named by a whole prompt) are cut: each is repeated in every series that carries it. */
export const MAX_LABEL_VALUE_LENGTH = 256;

/**
 * Bounds the number of distinct values each label takes, so that an app sending a new model name or workflow per
 * request cannot grow the scrape without limit: the first `maxValuesPerLabel` values of a label are kept as they
 * are, later new ones are reported as `other`; and their length, to MAX_LABEL_VALUE_LENGTH characters.
 */
export class BoundedLabelValues {
  private readonly seen = new Map<string, Set<string>>();

  constructor(public maxValuesPerLabel: number = DEFAULT_MAX_LABEL_VALUES) {}

  bound(label: string, value: string | undefined): string {
    const given = value === undefined || value === '' ? UNKNOWN_LABEL_VALUE : value.length > MAX_LABEL_VALUE_LENGTH ? `${value.slice(0, MAX_LABEL_VALUE_LENGTH)}…` : value;
    let values = this.seen.get(label);
    if (values === undefined) this.seen.set(label, (values = new Set()));
    if (values.has(given)) return given;
    if (values.size >= this.maxValuesPerLabel) return OVERFLOW_LABEL_VALUE;
    values.add(given);
    return given;
  }
}

/** An exporter with a sending queue (the MLflow exporter's `stats.queued`): its depth is sampled at scrape time. */
interface QueueStats {
  readonly stats: { readonly queued: number };
}

function hasQueueStats(exporter: object): exporter is QueueStats {
  const stats = (exporter as Partial<QueueStats>).stats;
  return typeof stats === 'object' && stats !== null && typeof stats.queued === 'number';
}

/** An exporter that dead-letters what fails for good (every exporter with a sending queue). */
interface DeadLetterStats {
  readonly stats: { readonly failed: { readonly batches: number }; readonly deadLettersDropped: { readonly batches: number } };
}

function hasDeadLetterStats(exporter: object): exporter is DeadLetterStats {
  const stats = (exporter as Partial<DeadLetterStats>).stats;
  return typeof stats === 'object' && stats !== null && typeof stats.failed?.batches === 'number' && typeof stats.deadLettersDropped?.batches === 'number';
}

/** An exporter that avoids re-sending what its destination counted (MLflow). */
interface DuplicateStats {
  readonly stats: { readonly duplicatesAvoided: number };
}

function hasDuplicateStats(exporter: object): exporter is DuplicateStats {
  const stats = (exporter as Partial<DuplicateStats>).stats;
  return typeof stats === 'object' && stats !== null && typeof stats.duplicatesAvoided === 'number';
}

/** An exporter that follows traces up once delivered (MLflow: the trace name tag and the cost feedback). */
interface FollowUpStats {
  readonly stats: { readonly followUps: { readonly waiting: number; readonly sent: number; readonly dropped: number; readonly failed: number } };
}

function hasFollowUpStats(exporter: object): exporter is FollowUpStats {
  const stats = (exporter as Partial<FollowUpStats>).stats;
  return typeof stats === 'object' && stats !== null && typeof stats.followUps?.waiting === 'number';
}

/**
 * A counter read from components' own running totals at scrape time: those totals only grow within a process, so
 * the counter is set to them (reset, then added) rather than incremented on the hot path.
 */
function sampledCounter(registry: Registry, name: string, help: string, sources: Map<string, () => number>): Counter<'exporter'> {
  return new Counter({
    name,
    help,
    labelNames: ['exporter'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [exporter, total] of sources) this.inc({ exporter }, total());
    },
  });
}

/** A gauge read from components' own state at scrape time, one sample per component under `label`. */
function sampledGauge(registry: Registry, name: string, help: string, label: 'exporter' | 'component', sources: Map<string, () => number>): Gauge {
  return new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      for (const [id, value] of sources) this.set({ [label]: id }, value());
    },
  });
}

/** A processor that holds traces open (trace assembly's `stats.openTraces`): sampled at scrape time. */
interface OpenTraceStats {
  readonly stats: { readonly openTraces: number };
}

function hasOpenTraceStats(processor: object): processor is OpenTraceStats {
  const stats = (processor as Partial<OpenTraceStats>).stats;
  return typeof stats === 'object' && stats !== null && typeof stats.openTraces === 'number';
}

/** A processor that turns requests away at times (the memory limiter's `stats.refusing`, 1 or 0): sampled at scrape time. */
interface RefusalStats {
  readonly stats: { readonly refusing: number };
}

function hasRefusalStats(processor: object): processor is RefusalStats {
  const stats = (processor as Partial<RefusalStats>).stats;
  return typeof stats === 'object' && stats !== null && typeof stats.refusing === 'number';
}

function refusalReason(error: unknown): string {
  return error instanceof PipelineError ? error.kind : 'internal';
}

export class Telemetry {
  readonly registry = new Registry();
  readonly labels = new BoundedLabelValues();
  private readonly queueSources = new Map<string, () => number>();
  private readonly duplicatesAvoidedSources = new Map<string, () => number>();
  private readonly deadLetteredSources = new Map<string, () => number>();
  private readonly deadLettersDroppedSources = new Map<string, () => number>();
  private readonly openTraceSources = new Map<string, () => number>();
  private readonly refusingSources = new Map<string, () => number>();
  private readonly followUpSources = new Map<string, FollowUpStats['stats']['followUps']>();
  private readonly followUpWaitingSources = new Map<string, () => number>();

  private readonly acceptedSpans = new Counter({
    name: 'tokenmeter_receiver_accepted_spans_total',
    help: 'Spans a receiver handed to its pipelines and the pipelines accepted',
    labelNames: ['receiver'] as const,
    registers: [this.registry],
  });
  private readonly refusedSpans = new Counter({
    name: 'tokenmeter_receiver_refused_spans_total',
    help: 'Spans a receiver refused: invalid (dropped for good) or overloaded/unavailable/internal (the app was told to retry)',
    labelNames: ['receiver', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly duplicateSpans = new Counter({
    name: 'tokenmeter_receiver_duplicate_spans_total',
    help: 'Spans of requests accepted before that an app sent again (it got no answer): acknowledged, not counted twice',
    labelNames: ['receiver'] as const,
    registers: [this.registry],
  });
  private readonly sentSpans = new Counter({
    name: 'tokenmeter_exporter_sent_spans_total',
    help: 'Spans an exporter accepted (delivered, recorded or safely queued)',
    labelNames: ['exporter'] as const,
    registers: [this.registry],
  });
  private readonly failedSpans = new Counter({
    name: 'tokenmeter_exporter_failed_spans_total',
    help: 'Spans an exporter refused, by reason',
    labelNames: ['exporter', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly exportSeconds = new Histogram({
    name: 'tokenmeter_exporter_duration_seconds',
    help: 'Time an exporter took to accept a batch',
    labelNames: ['exporter'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    sampledGauge(this.registry, 'tokenmeter_exporter_queue_size', 'Batches waiting in an exporter’s sending queue', 'exporter', this.queueSources);
    sampledGauge(
      this.registry,
      'tokenmeter_open_traces',
      'Traces a component holds state for while waiting for them to finish',
      'component',
      this.openTraceSources,
    );
    sampledGauge(
      this.registry,
      'tokenmeter_memory_limiter_refusing',
      'Whether a memory limiter turns requests away (1) because memory is over its soft limit, or lets them in (0)',
      'component',
      this.refusingSources,
    );
    sampledGauge(
      this.registry,
      'tokenmeter_exporter_feedback_waiting_traces',
      'Traces whose MLflow trace name tag or cost feedback is not stored yet: queued, in flight or waiting to be retried',
      'exporter',
      this.followUpWaitingSources,
    );
    const followUpSources = this.followUpSources;
    new Counter({
      name: 'tokenmeter_exporter_feedback_total',
      help:
        'Trace follow-ups (MLflow trace name tag and cost feedback) by outcome: sent; dropped, feedback.queue_size traces already waiting; ' +
        'failed, retried past retry_on_failure.max_elapsed_time',
      labelNames: ['exporter', 'outcome'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [exporter, followUps] of followUpSources) {
          this.inc({ exporter, outcome: 'sent' }, followUps.sent);
          this.inc({ exporter, outcome: 'dropped' }, followUps.dropped);
          this.inc({ exporter, outcome: 'failed' }, followUps.failed);
        }
      },
    });
    sampledCounter(
      this.registry,
      'tokenmeter_exporter_duplicate_spans_avoided_total',
      'Spans with token usage or cost an exporter did not send again because its destination, or its queue, already had them',
      this.duplicatesAvoidedSources,
    );
    sampledCounter(
      this.registry,
      'tokenmeter_exporter_dead_lettered_batches_total',
      'Batches an exporter moved to the dead letters (refused for good, or retried past max_elapsed_time); see tokenmeter dlq list',
      this.deadLetteredSources,
    );
    sampledCounter(
      this.registry,
      'tokenmeter_exporter_dead_letters_dropped_batches_total',
      'Dead letters an exporter dropped, its oldest first, to keep them within sending_queue.dead_letters.max_bytes',
      this.deadLettersDroppedSources,
    );
    collectDefaultMetrics({ register: this.registry, prefix: 'tokenmeter_' });
  }

  /** Applies the `admin.metrics` configuration. */
  configure(options: { maxLabelValues: number }): void {
    this.labels.maxValuesPerLabel = options.maxLabelValues;
  }

  spansRefused(receiver: string, spans: number, reason: string): void {
    if (spans > 0) this.refusedSpans.inc({ receiver, reason }, spans);
  }

  duplicateSpansLeftOut(receiver: string, spans: number): void {
    this.duplicateSpans.inc({ receiver }, spans);
  }

  /** Samples the open traces of a processor that holds them, and whether one that refuses requests does. */
  watchProcessor(processor: string, target: object): void {
    if (hasOpenTraceStats(target)) this.openTraceSources.set(processor, () => target.stats.openTraces);
    if (hasRefusalStats(target)) this.refusingSources.set(processor, () => target.stats.refusing);
  }

  /** What a receiver's pipelines see: counts what they accept and what they refuse. */
  meterReceiver(receiver: string, next: TracesConsumer): TracesConsumer {
    return {
      consume: async (data: TracesData) => {
        const spans = countSpans(data);
        try {
          await next.consume(data);
        } catch (error) {
          this.spansRefused(receiver, spans, refusalReason(error));
          throw error;
        }
        this.acceptedSpans.inc({ receiver }, spans);
      },
    };
  }

  /** The exporter as its pipelines see it: counts, times, and samples its queue when it has one. */
  meterExporter(exporter: string, target: TracesExporter): TracesExporter {
    if (hasQueueStats(target)) this.queueSources.set(exporter, () => target.stats.queued);
    if (hasDuplicateStats(target)) this.duplicatesAvoidedSources.set(exporter, () => target.stats.duplicatesAvoided);
    if (hasDeadLetterStats(target)) {
      this.deadLetteredSources.set(exporter, () => target.stats.failed.batches);
      this.deadLettersDroppedSources.set(exporter, () => target.stats.deadLettersDropped.batches);
    }
    if (hasFollowUpStats(target)) {
      this.followUpSources.set(exporter, target.stats.followUps);
      this.followUpWaitingSources.set(exporter, () => target.stats.followUps.waiting);
    }
    return {
      start: () => target.start(),
      shutdown: (deadlineMs) => target.shutdown(deadlineMs),
      consume: async (data: TracesData) => {
        const spans = countSpans(data);
        const stopTimer = this.exportSeconds.startTimer({ exporter });
        try {
          await target.consume(data);
        } catch (error) {
          this.failedSpans.inc({ exporter, reason: refusalReason(error) }, spans);
          throw error;
        } finally {
          stopTimer();
        }
        this.sentSpans.inc({ exporter }, spans);
      },
    };
  }
}

/** The process's metrics: what `/metrics` serves. */
export const telemetry = new Telemetry();
