import { toHex } from '../../otlp/index.js';
import type { Span, TracesData } from '../../otlp/index.js';
import type { TracesConsumer, TracesProcessor } from '../../pipeline/consumer.js';
import { PriceCatalog } from '../../pricing/index.js';
import type { PriceResult } from '../../pricing/index.js';
import { CallMemory } from './callMemory.js';
import { costEstimatorConfigSchema } from './config.js';
import type { CostEstimatorConfig } from './config.js';
import { recognizeSpan } from './recognize.js';
import type { LlmCall } from './recognize.js';
import { writeCountedCall, writeUncountedCall } from './writeAttributes.js';

interface FoundCall {
  span: Span;
  call: LlmCall;
  traceId: string;
  spanId: string;
}

/** Converts ids to hex once per run of spans of the same trace (batches are usually grouped by trace). */
class TraceIdCache {
  private bytes: Uint8Array | undefined;
  private hex = '';

  of(traceId: Uint8Array): string {
    const previous = this.bytes;
    if (previous !== undefined && previous.length === traceId.length && previous.every((byte, i) => byte === traceId[i])) return this.hex;
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
    this.memory = new CallMemory(parsed.maxOpenTraces);
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
    this.recordLinks(data, new Set(found.map((entry) => entry.traceId)));
    if (found.length === 0) return;

    // Deepest first, so that within a batch the provider-SDK span wins over the framework span around it.
    const withUsage = found.filter((entry) => entry.call.tokens !== undefined);
    const depths = new Map(withUsage.map((entry) => [entry, this.memory.depth(entry.traceId, entry.spanId)]));
    withUsage.sort((a, b) => depths.get(b)! - depths.get(a)!);
    const counted = new Set<FoundCall>();
    for (const entry of withUsage) {
      if (this.memory.claim(entry.traceId, entry.spanId, entry.call.responseId)) counted.add(entry);
    }

    for (const entry of found) {
      if (counted.has(entry)) writeCountedCall(entry.span, entry.call, this.price(entry.span, entry.call));
      else writeUncountedCall(entry.span);
    }
  }

  private recognise(data: TracesData): FoundCall[] {
    const found: FoundCall[] = [];
    const traceIds = new TraceIdCache();
    for (const resourceSpans of data.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          const call = recognizeSpan(span, resourceSpans.resource, scopeSpans.scope);
          if (call === undefined || call.alreadyPriced) continue;
          found.push({ span, call, traceId: traceIds.of(span.traceId), spanId: toHex(span.spanId) });
        }
      }
    }
    return found;
  }

  /** Parent links matter only in traces with model calls: record them for those, in this batch or remembered. */
  private recordLinks(data: TracesData, tracesInBatch: ReadonlySet<string>): void {
    const traceIds = new TraceIdCache();
    for (const resourceSpans of data.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          const traceId = traceIds.of(span.traceId);
          if (!tracesInBatch.has(traceId) && !this.memory.isTracked(traceId)) continue;
          // Linking a span touches its trace, keeping a trace that is still arriving among the recently seen.
          this.memory.link(traceId, toHex(span.spanId), toHex(span.parentSpanId));
        }
      }
    }
  }

  private price(span: Span, call: LlmCall): PriceResult {
    if (call.model === undefined) return { status: 'unpriced', reason: 'no model name on the span' };
    const start = span.startTimeUnixNano;
    return this.catalog.price({
      model: call.model,
      provider: call.provider,
      usage: call.tokens!,
      at: start > 0n ? new Date(Number(start / 1_000_000n)) : this.now(),
      serviceTier: call.serviceTier,
    });
  }
}
