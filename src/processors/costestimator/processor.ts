import { spanKey, StatusCode, traceKey } from '../../otlp/index.js';
import type { Span, TracesData } from '../../otlp/index.js';
import type { TracesConsumer, TracesProcessor } from '../../pipeline/consumer.js';
import { emptyCostSplit, NO_TOKENS, PriceCatalog, providerOfCatalogPrice } from '../../pricing/index.js';
import type { CostSplit, PriceRequest, PriceResult } from '../../pricing/index.js';
import { CallMemory } from './callMemory.js';
import type { TraceMemory } from './callMemory.js';
import { costEstimatorConfigSchema } from './config.js';
import type { CostEstimatorConfig } from './config.js';
import { answeringModelOf, forgetRememberedCalls, graphNodeOf, namesOtherServer, ONLY_ZERO_COUNTS, recognizeCallOrRootAggregate, requestedModelOf } from '../../recognition/index.js';
import type { LlmCall } from '../../recognition/index.js';
import { writeCountedCall, writeUncountedCall } from './writeAttributes.js';
import type { MlflowCostParts } from './writeAttributes.js';
import type { CallMemoryStore } from './store.js';
import { silentLogger } from '../../telemetry/logger.js';
import type { Logger } from '../../telemetry/logger.js';
import { LogThrottle } from '../../telemetry/logThrottle.js';

interface FoundCall {
  span: Span;
  call: LlmCall;
  traceKey: number;
  spanKey: number;
  /** The trace's de-duplication memory, once tracked (see `recordLinks`). */
  memory: TraceMemory | undefined;
  /** Place in the decision order, 0 first (see `decisionOrder`). */
  rank: number;
}

/** Depths beyond this are ordered as equal: chains of model calls nested deeper are not seen in practice. */
const MAX_ORDERED_DEPTH = 63;
const RANKS = 2 * (MAX_ORDERED_DEPTH + 1);

/** Why a model call without usage has no price (it still counts, so that it is seen). */
const NO_USAGE: PriceResult = { status: 'unpriced', reason: 'no token usage reported' };
/**
 * A call that failed (a rate limit, a timeout, a refused request) is traced by every instrumentation, with no usage:
 * said so, so that failures are told apart from calls whose instrumentation leaves the usage out.
 */
const FAILED_WITHOUT_USAGE: PriceResult = { status: 'unpriced', reason: 'the call failed (span status ERROR) and reports no token usage' };
const NO_MODEL: PriceResult = { status: 'unpriced', reason: 'no model name on the span' };
/**
 * Why a call without usable counts has no price: none reported, or only zeros (the call may have failed), or counts
 * that cannot be priced.
 */
function withoutUsage(span: Span, call: LlmCall): PriceResult {
  const noCounts = call.invalidUsage === undefined || call.invalidUsage === ONLY_ZERO_COUNTS;
  if (noCounts && span.status.code === StatusCode.ERROR) return FAILED_WITHOUT_USAGE;
  return call.invalidUsage === undefined ? NO_USAGE : { status: 'unpriced', reason: call.invalidUsage };
}
/**
 * Whether a call's usage can be priced. A call whose counts are known but cannot be priced (tokens no count classifies)
 * counts, for de-duplication, as a call without usage: it must not hide a span of the same call that can be priced.
 */
function hasPriceableUsage(call: LlmCall): boolean {
  return call.tokens !== undefined && call.invalidUsage === undefined;
}


/** The spans of a batch by span key (a span key is unique enough within a batch: ancestors are also checked by trace). */
function spansOf(data: TracesData): Map<number, Span> {
  const spans = new Map<number, Span>();
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) for (const span of scopeSpans.spans) spans.set(spanKey(span.spanId), span);
  }
  return spans;
}

/** The parent links of one batch as (trace, span, parent) keys, in arrays reused from batch to batch. */
class BatchLinks {
  traces: number[] = [];
  spans: number[] = [];
  parents: number[] = [];
  length = 0;

  add(trace: number, span: number, parent: number): void {
    const at = this.length++;
    this.traces[at] = trace;
    this.spans[at] = span;
    this.parents[at] = parent;
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
  private readonly store: CallMemoryStore | undefined;
  private readonly logger: Logger;
  private readonly links = new BatchLinks();
  /** Calls of the batch being decided that name no LangGraph node or no provider, and their ancestors' keys (reused). */
  private readonly incomplete: FoundCall[] = [];
  private readonly unreadable = new LogThrottle();
  private readonly ancestorKeys: number[] = [];
  private readonly rankCounts = new Int32Array(RANKS);
  private readonly request: PriceRequest = { model: '', provider: undefined, usage: NO_TOKENS, at: 0, serviceTier: undefined };
  private readonly costs: CostSplit = emptyCostSplit();
  /** What MLflow was given for the call written last, and what an uncounted span wraps (reused from call to call). */
  private readonly given: MlflowCostParts = { input: 0, output: 0, total: 0 };
  private readonly wrapped: MlflowCostParts = { input: 0, output: 0, total: 0 };
  private readonly checkpointIntervalMs: number;
  private checkpoints: NodeJS.Timeout | undefined;
  /** Whether the memory may differ from what was saved last: an idle sidecar does not rewrite the same memory. */
  private unsaved = false;

  constructor(
    config: CostEstimatorConfig,
    private readonly next: TracesConsumer,
    /** `store`: keeps the memory of open traces across a restart (see `CallMemoryStore`). */
    options: { now?: () => Date; store?: CallMemoryStore | undefined; logger?: Logger } = {},
  ) {
    const parsed = costEstimatorConfigSchema.parse(config);
    this.catalog = new PriceCatalog(parsed.pricing);
    this.memory = new CallMemory(parsed.max_open_traces);
    this.checkpointIntervalMs = parsed.checkpoint_interval;
    this.now = options.now ?? (() => new Date());
    this.store = options.store;
    this.logger = options.logger ?? silentLogger();
  }

  async start(): Promise<void> {
    if (this.store === undefined) return;
    await this.restore(this.store);
    // Unref'd: a checkpoint due never keeps the process up; shutdown saves the last memory itself.
    this.checkpoints = setInterval(() => void this.checkpoint(), this.checkpointIntervalMs).unref();
  }

  private async restore(store: CallMemoryStore): Promise<void> {
    const taken = await store.take();
    if (taken === undefined) return;
    if ('unreadable' in taken) {
      this.logger.warn({ reason: taken.unreadable }, 'the saved memory of open traces does not read back; starting without it');
      return;
    }
    const restored = this.memory.restore(taken.traces);
    // Taken from the store: saved again at the next checkpoint, or a crash before any batch would lose it.
    this.unsaved = restored > 0;
    this.logger.info({ traces: restored, skipped: taken.traces.length - restored }, 'memory of open traces restored');
  }

  /** Saves the memory as it is now: what a crash before the next checkpoint brings back at the next start. */
  private async checkpoint(): Promise<void> {
    if (!this.unsaved) return;
    this.unsaved = false;
    try {
      await this.store?.save(this.memory.toState());
    } catch (error) {
      this.unsaved = true;
      this.logger.warn({ err: error }, 'the memory of open traces could not be saved; a crash before the next checkpoint would lose it');
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.checkpoints);
    this.checkpoints = undefined;
    await this.store?.save(this.memory.toState());
  }

  async consume(data: TracesData): Promise<void> {
    this.process(data);
    await this.next.consume(data);
  }

  /** Synchronous core, exposed for the benchmark. */
  process(data: TracesData): void {
    this.unsaved = true;
    const calls: FoundCall[] = [];
    const aggregateRoots: FoundCall[] = [];
    this.scan(data, calls, aggregateRoots);
    // Even a batch without model calls may hold the span that links a counted call to a later ancestor.
    this.recordLinks(calls);

    if (calls.length > 0) {
      // A call of a chain that names no node or provider takes them from the spans around it (see takeContextFromAncestors).
      const incomplete = this.incomplete;
      incomplete.length = 0;
      for (const entry of calls) if (entry.call.node === undefined || entry.call.provider === undefined) incomplete.push(entry);
      if (incomplete.length > 0) this.takeContextFromAncestors(data, calls, incomplete);
      // The batch's spans are not kept alive until the next one.
      incomplete.length = 0;
      for (const entry of this.decisionOrder(calls)) {
        const { call, span } = entry;
        const withUsage = hasPriceableUsage(call);
        // The span's times let the memory tell one call exported in two traces from two calls (see `CallMemory.claim`).
        const startMs = Number(span.startTimeUnixNano) / 1e6;
        const endMs = Number(span.endTimeUnixNano) / 1e6;
        const usage = withUsage ? call.tokens : undefined;
        if (!this.memory.claim(entry.memory!, entry.traceKey, entry.spanKey, call.responseId, withUsage, usage, startMs, endMs, call.layer)) {
          // Deeper calls were decided first, so those this span wraps in the batch have their cost already.
          const known = this.memory.wrappedCost(entry.memory!, entry.traceKey, entry.spanKey, call.responseId, this.wrapped);
          writeUncountedCall(span, known ? this.wrapped : undefined);
          continue;
        }
        const price = withUsage ? this.priceAsAnswered(span, call) : withoutUsage(span, call);
        // Priced from a provider's list with no provider named (MLflow's openai autolog names none): that provider's.
        if (call.provider === undefined && price.status === 'priced') call.provider = providerOfCatalogPrice(price.provenance);
        writeCountedCall(span, call, price, this.given);
        this.memory.recordCost(entry.memory!, entry.traceKey, entry.spanKey, this.given);
      }
    }
    this.priceAggregateRoots(aggregateRoots);
  }

  /**
   * §7 step 3.2: a call of a nested chain takes what it does not name, its LangGraph node and its provider, from the
   * nearest ancestor call that names them, where the client's span (MLflow's openai autolog, OpenInference's
   * ChatCompletion) carries no LangGraph metadata and no provider, and the framework's span around it does (LangChain's
   * `ls_provider`: an AzureChatOpenAI call is Azure's); a node also from the nearest ancestor span of another kind that
   * names one (a tool's: OpenLLMetry's `execute_tool` names its node, the embedding call inside it none). Before the
   * calls are decided, so that the one that counts is priced from its provider's list; the stages after this one (the
   * ledger, its metrics, trace assembly) read node and provider from the call recognised here. Only from an ancestor in
   * the same batch (usually so: an SDK exports a short run's spans together); trace assembly places the others in the
   * root's node breakdown.
   */
  private takeContextFromAncestors(data: TracesData, calls: readonly FoundCall[], incomplete: readonly FoundCall[]): void {
    const callsByKey = new Map<number, FoundCall>();
    for (const entry of calls) callsByKey.set(entry.spanKey, entry);
    // The batch's other spans, by span key, once a call needs a node from one (most batches' calls name theirs).
    let spansByKey: Map<number, Span> | undefined;
    const ancestors = this.ancestorKeys;
    for (const entry of incomplete) {
      this.memory.ancestors(entry.memory!, entry.traceKey, entry.spanKey, ancestors);
      const { call } = entry;
      for (const key of ancestors) {
        const ancestor = callsByKey.get(key);
        if (ancestor !== undefined) {
          if (ancestor.traceKey !== entry.traceKey) continue;
          call.node ??= ancestor.call.node;
          call.provider ??= ancestor.call.provider;
        } else if (call.node === undefined) {
          spansByKey ??= spansOf(data);
          const span = spansByKey.get(key);
          if (span !== undefined && traceKey(span.traceId) === entry.traceKey) call.node = graphNodeOf(span);
        }
        if (call.node !== undefined && call.provider !== undefined) break;
      }
    }
  }

  /**
   * Calls with usage first, then deepest first, otherwise in batch order: within a batch the provider-SDK span wins
   * over the framework span around it, and a call without usage never hides one with usage. A counting sort, since
   * depths are small: sorting with a comparator was a tenth of the work on batches of model calls.
   */
  private decisionOrder(calls: readonly FoundCall[]): FoundCall[] {
    const counts = this.rankCounts.fill(0);
    for (const entry of calls) {
      const depth = Math.min(this.memory.depth(entry.memory!, entry.traceKey, entry.spanKey), MAX_ORDERED_DEPTH);
      entry.rank = (hasPriceableUsage(entry.call) ? 0 : MAX_ORDERED_DEPTH + 1) + MAX_ORDERED_DEPTH - depth;
      counts[entry.rank]!++;
    }
    let start = 0;
    for (let rank = 0; rank < RANKS; rank++) {
      const count = counts[rank]!;
      counts[rank] = start;
      start += count;
    }
    const ordered = new Array<FoundCall>(calls.length);
    for (const entry of calls) ordered[counts[entry.rank]!++] = entry;
    return ordered;
  }

  /** One pass over the spans: the model calls, the aggregate roots and every parent link, each span read once. */
  private scan(data: TracesData, calls: FoundCall[], aggregateRoots: FoundCall[]): void {
    const links = this.links;
    links.length = 0;
    forgetRememberedCalls();
    for (const resourceSpans of data.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          const trace = traceKey(span.traceId);
          const id = spanKey(span.spanId);
          if (span.parentSpanId.length !== 0) links.add(trace, id, spanKey(span.parentSpanId));
          const call = this.recognize(span);
          if (call === undefined || call.alreadyPriced) continue;
          (call.aggregate ? aggregateRoots : calls).push({ span, call, traceKey: trace, spanKey: id, memory: undefined, rank: 0 });
        }
      }
    }
  }

  /**
   * The span's model call, if any. A span recognition cannot read (a bug its content brings out) goes on as no call,
   * said at most every 30 s: failing the batch would be answered as retryable, and the app would send it again for ever,
   * its other spans with it.
   */
  private recognize(span: Span): LlmCall | undefined {
    try {
      return recognizeCallOrRootAggregate(span);
    } catch (error) {
      const passed = this.unreadable.pass();
      if (passed !== undefined) this.logger.error({ err: error, span: span.name, ...passed }, 'a span could not be read for pricing: forwarded as it came, unpriced');
      return undefined;
    }
  }

  /** Parent links matter only in traces with model calls: record them for those, in this batch or remembered. */
  private recordLinks(calls: readonly FoundCall[]): void {
    // The traces with a call in this batch are remembered from now on (their calls are claimed next).
    for (const entry of calls) entry.memory = this.memory.track(entry.traceKey);
    const { traces, spans, parents, length } = this.links;
    // Decided once per run of spans of one trace (batches are usually grouped by trace). Deciding marks a trace
    // recently seen, keeping one that is still arriving among those remembered.
    let decidedFor = Number.NaN;
    let memory: TraceMemory | undefined;
    for (let at = 0; at < length; at++) {
      const trace = traces[at]!;
      if (trace !== decidedFor) {
        decidedFor = trace;
        memory = this.memory.tracked(trace);
      }
      if (memory !== undefined) this.memory.link(memory, spans[at]!, parents[at]!);
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
  private priceAggregateRoots(aggregateRoots: readonly FoundCall[]): void {
    for (const { span, call, traceKey: trace, spanKey: id } of aggregateRoots) {
      if (this.memory.hasCallWithUsage(trace)) continue;
      // Claimed like a call, so that a second root of the trace (a lost parent) does not count again.
      if (this.memory.claim(this.memory.track(trace), trace, id, call.responseId, true)) writeCountedCall(span, call, this.price(span, call), this.given);
    }
  }

  /**
   * The call's price. When no price list has the call's model, other readings, the first that prices the call then
   * the call's (on the span, in the ledger and the breakdowns):
   *  - other models: the one the response it keeps names (an Azure OpenAI deployment's name was asked for), and the one
   *    asked for, where the span names the one that answered (a snapshot newer than the price lists);
   *  - with `openai` as the provider, each model with no provider: that may only say the call went through OpenAI's
   *    client, which serves any OpenAI-compatible API (LangChain's ChatOpenAI says `openai` whatever its base URL:
   *    DeepSeek's, Together's…). The model is then found by its name, as for the openai client's spans that name no
   *    provider; unless the span names a server that is no provider's API (`namesOtherServer`): a local server's
   *    `deepseek-r1` is a distill someone runs, not DeepSeek's R1.
   */
  private priceAsAnswered(span: Span, call: LlmCall): PriceResult {
    const price = this.price(span, call);
    if (price.status === 'priced' || price.unknownModel !== true) return price;
    const [named, provider] = [call.model, call.provider];
    const models = [named, answeringModelOf(span), requestedModelOf(span)];
    for (const reading of provider === 'openai' && !namesOtherServer(span) ? [provider, undefined] : [provider]) {
      call.provider = reading;
      for (const [index, model] of models.entries()) {
        // Each model once per provider reading, and the call's own as it came not again.
        if (model === undefined || models.indexOf(model) !== index || (reading === provider && model === named)) continue;
        call.model = model;
        const priced = this.price(span, call);
        if (priced.status === 'priced') return priced;
      }
    }
    [call.model, call.provider] = [named, provider];
    return price;
  }

  private price(span: Span, call: LlmCall): PriceResult {
    if (call.model === undefined || call.tokens === undefined || call.invalidUsage !== undefined) return call.model === undefined ? NO_MODEL : withoutUsage(span, call);
    const start = span.startTimeUnixNano;
    const request = this.request;
    request.model = call.model;
    request.provider = call.provider;
    request.usage = call.tokens;
    // Milliseconds through a double (exact to well under a millisecond): dividing the bigint would allocate one.
    request.at = start > 0n ? Math.floor(Number(start) / 1e6) : this.now();
    request.serviceTier = call.serviceTier;
    // Each call's result is written onto its span before the next is priced: one request and split serve them all.
    return this.catalog.price(request, this.costs);
  }
}
