import { toHex } from '../../otlp/index.js';
import type { Span, TracesData } from '../../otlp/index.js';
import type { TracesConsumer, TracesProcessor } from '../../pipeline/consumer.js';
import { PriceCatalog } from '../../pricing/index.js';
import type { PriceResult } from '../../pricing/index.js';
import { CallMemory, spanKey } from './callMemory.js';
import { costEstimatorConfigSchema } from './config.js';
import type { CostEstimatorConfig } from './config.js';
import { recognizeAggregate, recognizeSpan } from './recognize.js';
import type { LlmCall } from './recognize.js';
import { writeCountedCall, writeUncountedCall } from './writeAttributes.js';

interface FoundCall {
  span: Span;
  call: LlmCall;
  traceId: string;
  spanId: number;
  depth: number;
}

/** Why a model call without usage has no price (it still counts, so that it is seen). */
const NO_USAGE: PriceResult = { status: 'unpriced', reason: 'no token usage reported' };
const NO_MODEL: PriceResult = { status: 'unpriced', reason: 'no model name on the span' };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Converts ids to hex once per run of spans of the same trace (batches are usually grouped by trace). */
class TraceIdCache {
  private bytes: Uint8Array | undefined;
  private hex = '';

  of(traceId: Uint8Array): string {
    const previous = this.bytes;
    if (previous !== undefined && sameBytes(previous, traceId)) return this.hex;
    this.bytes = traceId;
    this.hex = toHex(traceId);
    return this.hex;
  }
}

/**
 * The CostEstimator: recognises every model call in a batch, decides which span of a nested chain counts, prices
 * it and writes the result onto the span; then passes the batch on. Spans that are not model calls are not touched,
 * so they keep their raw bytes.
 */
export class CostEstimatorProcessor implements TracesProcessor {
  private readonly catalog: PriceCatalog;
  private readonly memory: CallMemory;
  private readonly now: () => Date;

  constructor(
    config: CostEstimatorConfig,
    private readonly next: TracesConsumer,
    options: { now?: () => Date } = {},
  ) {
    const parsed = costEstimatorConfigSchema.parse(config);
    this.catalog = new PriceCatalog(parsed.pricing);
    this.memory = new CallMemory(parsed.max_open_traces);
    this.now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  async consume(data: TracesData): Promise<void> {
    this.process(data);
    await this.next.consume(data);
  }

  /** Synchronous core, exposed for the benchmark. */
  process(data: TracesData): void {
    const found = this.recognise(data);
    // Even a batch without model calls may hold the span that links a counted call to a later ancestor.
    const tracesWithCalls = new Set<string>();
    for (const entry of found) tracesWithCalls.add(entry.traceId);
    this.recordLinks(data, tracesWithCalls);

    if (found.length > 0) {
      for (const entry of found) entry.depth = this.memory.depth(entry.traceId, entry.spanId);
      // Calls with usage first, then deepest first: within a batch the provider-SDK span wins over the framework
      // span around it, and a call without usage never hides one with usage.
      found.sort((a, b) => Number(b.call.tokens !== undefined) - Number(a.call.tokens !== undefined) || b.depth - a.depth);
      for (const entry of found) {
        const { call } = entry;
        const withUsage = call.tokens !== undefined;
        if (!this.memory.claim(entry.traceId, entry.spanId, call.responseId, withUsage)) writeUncountedCall(entry.span);
        else writeCountedCall(entry.span, call, withUsage ? this.price(entry.span, call) : NO_USAGE);
      }
    }
    this.priceAggregateRoots(data);
  }

  private recognise(data: TracesData): FoundCall[] {
    const found: FoundCall[] = [];
    const traceIds = new TraceIdCache();
    for (const resourceSpans of data.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          const call = recognizeSpan(span, resourceSpans.resource, scopeSpans.scope);
          if (call === undefined || call.alreadyPriced) continue;
          found.push({ span, call, traceId: traceIds.of(span.traceId), spanId: spanKey(span.spanId), depth: 0 });
        }
      }
    }
    return found;
  }

  /** Parent links matter only in traces with model calls: record them for those, in this batch or remembered. */
  private recordLinks(data: TracesData, tracesInBatch: ReadonlySet<string>): void {
    const traceIds = new TraceIdCache();
    // Decided once per run of spans of one trace (the id cache hands out the same string for the run).
    let decidedFor: string | undefined;
    let linked = false;
    for (const resourceSpans of data.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          const traceId = traceIds.of(span.traceId);
          if (traceId !== decidedFor) {
            decidedFor = traceId;
            linked = tracesInBatch.has(traceId) || this.memory.isTracked(traceId);
          }
          if (!linked) continue;
          // Linking a span touches its trace, keeping a trace that is still arriving among the recently seen.
          this.memory.linkIds(traceId, span.spanId, span.parentSpanId);
        }
      }
    }
  }

  /**
   * §7 step 3.4, aggregate fallback: a trace whose model calls report no usage (or that has none) may still carry
   * usage on an agent, workflow or wrapper span. In a stream we cannot know that no model call with usage will
   * come until the root arrives; roots end last, so their children have normally been seen by then. So an
   * aggregate root (no parent) with usage is priced once, as the trace's call, when no call with usage was counted
   * in its trace. Limits: a model call with usage arriving after its root is counted as well (the cost is then
   * counted twice), and an aggregate below a root without usage (e.g. an HTTP server span) is not used.
   */
  private priceAggregateRoots(data: TracesData): void {
    const traceIds = new TraceIdCache();
    for (const resourceSpans of data.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          if (span.parentSpanId.length !== 0) continue;
          const aggregate = recognizeAggregate(span);
          if (aggregate === undefined || aggregate.alreadyPriced) continue;
          const traceId = traceIds.of(span.traceId);
          if (this.memory.hasCallWithUsage(traceId)) continue;
          // Claimed like a call, so that a second root of the trace (a lost parent) does not count again.
          if (this.memory.claim(traceId, spanKey(span.spanId), aggregate.responseId, true)) writeCountedCall(span, aggregate, this.price(span, aggregate));
        }
      }
    }
  }

  private price(span: Span, call: LlmCall): PriceResult {
    if (call.model === undefined || call.tokens === undefined) return call.model === undefined ? NO_MODEL : NO_USAGE;
    const start = span.startTimeUnixNano;
    return this.catalog.price({
      model: call.model,
      provider: call.provider,
      usage: call.tokens,
      at: start > 0n ? new Date(Number(start / 1_000_000n)) : this.now(),
      serviceTier: call.serviceTier,
    });
  }
}
