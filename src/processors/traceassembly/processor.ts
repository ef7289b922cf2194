import { findAttribute, spanKey, toHex } from '../../otlp/index.js';
import { PRICING_ATTRIBUTES } from '../../contract/attributes.js';
import type { Span, TracesData } from '../../otlp/index.js';
import { canDeliverPartly } from '../../pipeline/consumer.js';
import type { TracesConsumer, TracesProcessor } from '../../pipeline/consumer.js';
import type { Logger } from '../../telemetry/logger.js';
import { LogThrottle } from '../../telemetry/logThrottle.js';
import type { TraceAssemblyConfig } from './config.js';
import { enrichRoot } from './enrich.js';
import { rootBatch } from './store.js';
import type { OpenTraceStore, StoredRoot } from './store.js';
import { carriesAdditiveTotals, countedCallOf, durationNs, graphContextOf, isLocalRoot, nodeSpanOf } from './spanFacts.js';
import type { CountedCall } from './spanFacts.js';
import { QueueMap, RecentKeys } from './insertionOrder.js';
import { RunningSummary } from './summary.js';
import type { TraceSummary } from './summary.js';

/** How a trace left the processor: its root was forwarded, its root never came, or the open-trace limit pushed it out. */
export type TraceOutcome = 'complete' | 'root_missing' | 'evicted';

export interface FinishedTrace extends TraceSummary {
  outcome: TraceOutcome;
}

export type TraceFinishedListener = (trace: FinishedTrace) => void;

/** Counters for metrics; `openTraces` is a gauge. */
export interface TraceAssemblyStats {
  openTraces: number;
  finished: Record<TraceOutcome, number>;
  rootsForwarded: number;
  /** Roots sent again because a child arrived after them. */
  rootsResent: number;
  /** Children that arrived after their root had been forwarded (the root was re-sent when it could be). */
  lateSpans: number;
  /** Spans of a trace already finished: forwarded, but not in any summary. */
  spansAfterFinish: number;
  /** A second local root in one trace: forwarded as an ordinary span. */
  extraRoots: number;
  /** Forwarding a held root failed downstream; it is retried after `root_wait`. */
  rootForwardFailures: number;
}

/** A root span held with where it came from; the same shape the store keeps on disk. */
type HeldRoot = StoredRoot;

/**
 * collecting: no root yet, waiting for it (deadline: `trace_timeout` after the last span).
 * holding: root held, to be enriched and forwarded at the deadline (`root_wait` after it came, or after a late child).
 * settling: root forwarded; late children are still counted until the deadline (`late_span_wait` after the last span).
 */
type Phase = 'collecting' | 'holding' | 'settling';

interface OpenTrace {
  id: string;
  summary: RunningSummary;
  root: HeldRoot | undefined;
  phase: Phase;
  deadline: number;
  /** Whether downstream has accepted the root at least once (later sends are re-sends). */
  rootForwarded: boolean;
}

/** What one span contributes, worked out before the batch is forwarded and applied only once it was accepted. */
interface SpanContribution {
  traceId: string;
  span: Span;
  call: CountedCall | undefined;
  /** The node this span is the node span of. */
  node: string | undefined;
  /** The node the span's LangGraph metadata names: its own, or the one it runs in. */
  graphNode: string | undefined;
  threadId: string | undefined;
  root: HeldRoot | undefined;
}

/**
 * Trace assembly: forwards every span at once except each trace's root, which it holds for `root_wait`, then writes
 * the trace's totals, breakdowns and profile onto it and forwards it. Per open trace it keeps only a running summary
 * and the root; memory is bounded by `max_open_traces`.
 */
export class TraceAssemblyProcessor implements TracesProcessor {
  private readonly traces = new Map<string, OpenTrace>();
  /** One map per phase; each phase uses one fixed delay, so insertion order is deadline order and sweeps stop early. */
  private readonly phases: Record<Phase, QueueMap<string, OpenTrace>> = { collecting: new QueueMap(), holding: new QueueMap(), settling: new QueueMap() };
  /** Recently finished trace ids (bounded), so that a straggler does not open a trace that can never complete. */
  private readonly finishedIds: RecentKeys<string>;
  private readonly listeners: TraceFinishedListener[] = [];
  private readonly refusedRoots = new LogThrottle();
  /** Traces whose held root the batch being forwarded displaces (see `takesRootPlace`). */
  private readonly displacing = new Set<string>();
  private readonly now: () => number;
  private readonly store: OpenTraceStore | undefined;
  /** Traces changed since they were last written to the store, and roots held since then. */
  private readonly unsaved = new Set<string>();
  private readonly unsavedRoots = new Map<string, HeldRoot>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  readonly stats: TraceAssemblyStats = {
    openTraces: 0,
    finished: { complete: 0, root_missing: 0, evicted: 0 },
    rootsForwarded: 0,
    rootsResent: 0,
    lateSpans: 0,
    spansAfterFinish: 0,
    extraRoots: 0,
    rootForwardFailures: 0,
  };

  constructor(
    private readonly config: TraceAssemblyConfig,
    private readonly next: TracesConsumer,
    private readonly logger: Logger,
    /** `store`: keeps held roots and open summaries on disk, so that a crash or restart finishes every trace. */
    options: { now?: () => number; store?: OpenTraceStore | undefined } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.store = options.store;
    this.finishedIds = new RecentKeys(config.max_open_traces);
  }

  /** Subscribes to every trace leaving the processor (e.g. the ledger); returns the unsubscribe function. */
  onTraceFinished(listener: TraceFinishedListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  async start(): Promise<void> {
    this.reopenStoredTraces();
    const { root_wait, late_span_wait, trace_timeout } = this.config;
    // A quarter of the shortest wait keeps roots close to their deadline without waking up needlessly.
    const intervalMs = Math.min(250, Math.max(10, Math.min(root_wait, late_span_wait, trace_timeout) / 4));
    this.sweepTimer = setInterval(() => void this.sweep(), intervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Forwards every held root now. Without a store, every open trace is recorded as it is, so nothing held is lost
   * on stop; with one, traces still waiting for their root or for late children stay on disk and go on at the next start.
   */
  async shutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.sweeping;
    await this.atomically(async () => {
      await this.forwardRoots([...this.phases.holding.values()]);
      if (this.store === undefined) {
        // Nothing keeps them for a next start: what an exporter refuses (a full queue) still goes to the others.
        await this.forwardWhereAdmitted([...this.phases.holding.values()]);
        for (const trace of [...this.traces.values()]) this.finish(trace, trace.root === undefined ? 'root_missing' : 'complete');
      }
      this.save();
    });
  }

  async consume(data: TracesData): Promise<void> {
    const contributions = this.takeContributions(data);
    try {
      await this.next.consume(data);
    } finally {
      // Refused downstream: the displaced roots stay held (the app sends the batch again); else replaced just below.
      this.displacing.clear();
    }
    // Only now: a batch refused downstream is sent again by the app and must not count twice.
    const evictedRoots: OpenTrace[] = [];
    const stragglerRoots: HeldRoot[] = [];
    for (const contribution of contributions) {
      // A sweep during the forward above may have given up on the trace: its root then leaves as it came.
      if (this.finishedIds.has(contribution.traceId)) {
        this.stats.spansAfterFinish++;
        if (contribution.root !== undefined) stragglerRoots.push(contribution.root);
      } else this.apply(contribution, evictedRoots);
    }
    this.stats.openTraces = this.traces.size;
    // The batch is accounted for now: a failure here must not make the app send it again.
    if (stragglerRoots.length > 0) {
      await this.next.consume(rootBatch(stragglerRoots)).catch((error: unknown) => {
        this.stats.rootForwardFailures += stragglerRoots.length;
        this.logger.warn({ err: error, roots: stragglerRoots.length }, 'could not forward the roots of traces already given up');
      });
    }
    if (evictedRoots.length > 0) await this.forwardRoots(evictedRoots);
    this.save();
  }

  /** Finishes what is due: forwards held roots, closes settled traces, gives up on traces whose root never came. */
  async sweep(): Promise<void> {
    if (this.sweeping !== undefined) return this.sweeping;
    this.sweeping = this.atomically(() => this.sweepDue()).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepDue(): Promise<void> {
    const now = this.now();
    await this.forwardRoots(this.due('holding', now));
    for (const trace of this.due('settling', now)) this.finish(trace, 'complete');
    for (const trace of this.due('collecting', now)) this.finish(trace, 'root_missing');
    this.stats.openTraces = this.traces.size;
    this.save();
  }

  /** A sweep's or stop's changes (roots queued downstream, rows updated) commit together, or not at all. */
  private atomically(work: () => Promise<void>): Promise<void> {
    return this.store === undefined ? work() : this.store.store.transaction(work);
  }

  /** Writes the traces changed since the last call, in the caller's transaction. */
  private save(): void {
    const store = this.store;
    if (store !== undefined) {
      for (const id of this.unsaved) {
        const trace = this.traces.get(id);
        if (trace === undefined) store.delete(id);
        // The stored fields listed rather than the open trace spread into a new object, which was slower (see `finish`).
        else store.save({ id, phase: trace.phase, deadline: trace.deadline, rootForwarded: trace.rootForwarded, summary: trace.summary.toState() }, this.unsavedRoots.get(id));
      }
    }
    this.unsaved.clear();
    this.unsavedRoots.clear();
  }

  /** The traces a previous run left open, back in their phases (rows come earliest deadline first). */
  private reopenStoredTraces(): void {
    if (this.store === undefined) return;
    const stored = this.store.loadAll();
    for (const { id, phase, deadline, rootForwarded, root, summary } of stored) {
      const trace: OpenTrace = {
        id,
        summary: RunningSummary.restore(id, this.config.max_breakdown_rows, summary),
        root,
        // A root lost to a damaged row cannot be forwarded: its trace waits as if the root had not come.
        phase: phase === 'holding' && root === undefined ? 'collecting' : phase,
        deadline,
        rootForwarded,
      };
      this.traces.set(id, trace);
      this.phases[trace.phase].set(id, trace);
    }
    this.stats.openTraces = this.traces.size;
    if (stored.length > 0) this.logger.info({ traces: stored.length }, 'trace assembly: reopened the traces the previous run left open');
  }

  private due(phase: Phase, now: number): OpenTrace[] {
    const due: OpenTrace[] = [];
    for (const trace of this.phases[phase].values()) {
      if (trace.deadline > now) break;
      due.push(trace);
    }
    return due;
  }

  /** Takes roots out of the batch (to be held) and reads what every span adds to its trace. */
  private takeContributions(data: TracesData): SpanContribution[] {
    const contributions: SpanContribution[] = [];
    /** The contribution that took each trace's root in this batch. */
    const rootsInBatch = new Map<string, SpanContribution>();
    const displaced: HeldRoot[] = [];
    for (const resourceSpans of data.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        const forwarded: Span[] = [];
        for (const span of scopeSpans.spans) {
          const traceId = toHex(span.traceId);
          if (this.finishedIds.has(traceId)) {
            this.stats.spansAfterFinish++;
            forwarded.push(span);
            continue;
          }
          let root: HeldRoot | undefined;
          if (isLocalRoot(span)) {
            if (this.takesRootPlace(span, traceId, rootsInBatch.get(traceId), displaced)) {
              root = {
                span,
                resource: resourceSpans.resource,
                resourceSchemaUrl: resourceSpans.schemaUrl,
                scope: scopeSpans.scope,
                scopeSchemaUrl: scopeSpans.schemaUrl,
                resourceUnknownFields: resourceSpans.unknownFields,
                scopeUnknownFields: scopeSpans.unknownFields,
                resendable: !carriesAdditiveTotals(span),
              };
            } else this.stats.extraRoots++;
          }
          if (root === undefined) forwarded.push(span);
          const context = graphContextOf(span);
          const contribution: SpanContribution = { traceId, span, call: countedCallOf(span), node: nodeSpanOf(span, context), graphNode: context.node, threadId: context.threadId, root };
          if (root !== undefined) rootsInBatch.set(traceId, contribution);
          contributions.push(contribution);
        }
        if (forwarded.length !== scopeSpans.spans.length) scopeSpans.spans = forwarded;
      }
    }
    // Added once every span of the batch has been read: they are read already.
    if (displaced.length > 0) data.resourceSpans.push(...rootBatch(displaced).resourceSpans);
    return contributions;
  }

  /**
   * Whether the local root `span` is its trace's root: the first one (in this batch, `takenInBatch`, or held from
   * before), or one with no parent coming after a root whose parent is in another process. In a distributed trace
   * that part usually ends, and arrives, before the trace's own root, which is the one MLflow shows as the trace's and
   * whose duration the bottleneck is measured against. The part's root, unless it went out already, is added to
   * `displaced`, to leave as an ordinary span; one held from before is not forwarded by a sweep in the meantime.
   */
  private takesRootPlace(span: Span, traceId: string, takenInBatch: SpanContribution | undefined, displaced: HeldRoot[]): boolean {
    const trace = this.traces.get(traceId);
    const previous = takenInBatch?.root ?? trace?.root;
    if (previous === undefined) return true;
    if (span.parentSpanId.length !== 0 || previous.span.parentSpanId.length === 0) return false;
    if (takenInBatch !== undefined) {
      takenInBatch.root = undefined;
      displaced.push(previous);
    } else {
      if (!trace!.rootForwarded) displaced.push(previous);
      this.displacing.add(traceId);
    }
    return true;
  }

  private apply(contribution: SpanContribution, evictedRoots: OpenTrace[]): void {
    const now = this.now();
    const trace = this.traces.get(contribution.traceId) ?? this.open(contribution.traceId, evictedRoots);
    const { summary } = trace;
    const { span } = contribution;
    summary.addSpan(span.startTimeUnixNano, span.endTimeUnixNano);
    if (contribution.call !== undefined) summary.addCall(contribution.call, parentKeyOf(span));
    // Keys made only for spans that may place a call in its node (LangGraph's), or while calls wait for one.
    const { graphNode } = contribution;
    if (graphNode !== undefined || summary.awaitsNodes) {
      const callAround = graphNode !== undefined && (contribution.node !== undefined || (contribution.call === undefined && isModelCallSpan(span)));
      summary.addSpanInGraph(spanKey(span.spanId), parentKeyOf(span), graphNode, callAround);
    }
    if (contribution.node !== undefined) summary.addNodeSpan(contribution.node, durationNs(span));
    summary.threadId ??= contribution.threadId;

    this.unsaved.add(trace.id);
    if (contribution.root !== undefined) {
      trace.root = contribution.root;
      this.unsavedRoots.set(trace.id, contribution.root);
      this.enter(trace, 'holding', now + this.config.root_wait);
    } else if (trace.phase === 'collecting') {
      this.enter(trace, 'collecting', now + this.config.trace_timeout);
    } else if (trace.rootForwarded) {
      this.stats.lateSpans++;
      // A root already scheduled for a re-send goes out with this span too.
      if (trace.phase === 'settling') {
        if (trace.root!.resendable) this.enter(trace, 'holding', now + this.config.root_wait);
        else this.enter(trace, 'settling', now + this.config.late_span_wait);
      }
    }
  }

  private open(id: string, evictedRoots: OpenTrace[]): OpenTrace {
    if (this.traces.size >= this.config.max_open_traces) this.evictOne(evictedRoots);
    const trace: OpenTrace = {
      id,
      summary: new RunningSummary(id, this.config.max_breakdown_rows),
      root: undefined,
      phase: 'collecting',
      deadline: 0,
      rootForwarded: false,
    };
    this.traces.set(id, trace);
    return trace;
  }

  /**
   * The least harmful trace goes first: one already forwarded (it only stops waiting for late children), then the
   * longest idle one still waiting for its root, and only then a held root, which is forwarded at once.
   */
  private evictOne(evictedRoots: OpenTrace[]): void {
    for (const phase of ['settling', 'collecting', 'holding'] as const) {
      const trace = this.phases[phase].oldest();
      if (trace === undefined) continue;
      if (phase === 'holding') evictedRoots.push(trace);
      this.finish(trace, 'evicted');
      return;
    }
  }

  private enter(trace: OpenTrace, phase: Phase, deadline: number): void {
    this.phases[trace.phase].delete(trace.id);
    this.unsaved.add(trace.id);
    trace.phase = phase;
    trace.deadline = deadline;
    this.phases[phase].set(trace.id, trace);
  }

  /** Enriches the roots with their latest summaries and forwards them in one batch. */
  private async forwardRoots(due: OpenTrace[]): Promise<void> {
    // A root the batch being forwarded displaces goes out with it, as an ordinary span, not also from here.
    const traces = this.displacing.size === 0 ? due : due.filter((trace) => !this.displacing.has(trace.id));
    if (traces.length === 0) return;
    for (const trace of traces) {
      enrichRoot(trace.root!.span, this.snapshot(trace));
      // Settling before the send: a child arriving while it is in flight then schedules one more re-send.
      if (this.traces.has(trace.id)) this.enter(trace, 'settling', this.now() + this.config.late_span_wait);
    }
    try {
      await this.next.consume(rootBatch(traces.map((trace) => trace.root!)));
      for (const trace of traces) {
        if (trace.rootForwarded) this.stats.rootsResent++;
        else this.stats.rootsForwarded++;
        trace.rootForwarded = true;
        this.unsaved.add(trace.id);
      }
    } catch (error) {
      this.stats.rootForwardFailures += traces.length;
      // Retried every root_wait for as long as the exporters refuse (MLflow down): said at most every 30 s.
      const passed = this.refusedRoots.pass();
      if (passed !== undefined) {
        this.logger.warn({ reason: (error as Error).message, roots: traces.length, ...passed }, 'could not forward held root spans; retrying after root_wait');
      }
      for (const trace of traces) {
        if (this.traces.has(trace.id)) this.enter(trace, 'holding', this.now() + this.config.root_wait);
      }
    }
  }

  /** Held roots the exporters refused together, to those that admit them now (see `PartialDelivery`). */
  private async forwardWhereAdmitted(traces: readonly OpenTrace[]): Promise<void> {
    if (traces.length === 0 || !canDeliverPartly(this.next)) return;
    try {
      const { refusedBy } = await this.next.consumeWhereAdmitted(rootBatch(traces.map((trace) => trace.root!)));
      this.logger.warn({ roots: traces.length, refusedBy }, 'stopping with held roots an exporter refused: given to the exporters that took them');
    } catch (error) {
      this.logger.warn({ err: error, roots: traces.length }, 'stopping: held roots could not be forwarded and are lost');
    }
  }

  private snapshot(trace: OpenTrace): TraceSummary {
    const root = trace.root;
    return trace.summary.snapshot(root === undefined ? undefined : { name: root.span.name, durationNs: durationNs(root.span) });
  }

  private finish(trace: OpenTrace, outcome: TraceOutcome): void {
    this.traces.delete(trace.id);
    this.unsaved.add(trace.id);
    this.phases[trace.phase].delete(trace.id);
    this.stats.finished[outcome]++;
    this.finishedIds.add(trace.id);
    // Added to the snapshot rather than spread with it into a new object: with the same change in `save`, ~6% less
    // time per span in trace assembly with its store (ad hoc, the LangGraph mix, priced).
    const finished: FinishedTrace = Object.assign(this.snapshot(trace), { outcome });
    this.logger.debug({ trace: finished }, 'trace finished');
    for (const listener of this.listeners) {
      try {
        listener(finished);
      } catch (error) {
        this.logger.error({ err: error }, 'a trace-finished listener failed');
      }
    }
  }
}

/** A model-call span the CostEstimator decided on (it writes `tokenmeter.cost.counted` on those only). */
function isModelCallSpan(span: Span): boolean {
  return findAttribute(span.attributes, PRICING_ATTRIBUTES.counted) !== undefined;
}

function parentKeyOf(span: Span): number | undefined {
  return span.parentSpanId.length === 0 ? undefined : spanKey(span.parentSpanId);
}

/** Roots leave with the resource and scope they came with. */
