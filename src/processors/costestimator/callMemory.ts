/**
 * "When LLM spans nest, count one" (genai-conventions.md §7 step 3) across batches. Spans of one trace arrive over
 * several batches, children usually first (they end first). Per open trace we remember the parent of each span seen,
 * the model-call spans counted, and every known ancestor of a counted span ("covered").
 *
 * A model-call span with usage is a duplicate when
 *  - it is covered by a call with usage: a descendant was already counted (the usual order: provider-SDK child
 *    first, framework parent later);
 *  - one of its known ancestors was counted with usage (the parent arrived first and could not be un-counted);
 *  - another counted span of the trace reported the same response id (two tracer providers, no parent link).
 * A model-call span without usage (streaming without usage) is a duplicate when any counted call is in its chain;
 * otherwise it counts as an unpriced call. It never hides a call with usage: an ancestor with usage that arrives
 * later still counts (and is priced), so that call is then counted twice, once unpriced.
 *
 * Deciding is idempotent per span: the same span arriving again (an app's retry) gets the same answer.
 *
 * So the rule is "first counted wins within a nested chain"; within one batch, deeper spans are decided first, which
 * makes the deepest span win whenever both arrive together. Limit: a chain whose linking span arrives after both ends
 * (child and ancestor in different batches, the span between them later still) is counted twice; the memory is
 * bounded by `max_open_traces` (least recently seen trace forgotten first).
 *
 * Span ids are kept as numbers (see `spanKey`) rather than hex strings: no string building on every span.
 */

interface TraceMemory {
  parentOf: Map<number, number>;
  /** Counted spans: whether the call had usage. */
  counted: Map<number, boolean>;
  /** Ancestors of counted spans: whether one of the calls below had usage. */
  covered: Map<number, boolean>;
  responseIds: Set<string>;
}

const TWO_POW_32 = 2 ** 32;

/**
 * A span id (8 bytes) as a map key: 53 of its 64 bits, the top 11 bits of the high half folded into the low half.
 * Ids that differ in only one half always get different keys; two random ids of one trace collide with probability
 * 2^-53 (a trace of 10,000 spans: about 1 in 10^8).
 */
export function spanKey(id: Uint8Array): number {
  // Ids of another length (malformed, passed through by the decoders) read missing bytes as 0.
  const high = (((id[0] ?? 0) << 24) | ((id[1] ?? 0) << 16) | ((id[2] ?? 0) << 8) | (id[3] ?? 0)) >>> 0;
  const low = (((id[4] ?? 0) << 24) | ((id[5] ?? 0) << 16) | ((id[6] ?? 0) << 8) | (id[7] ?? 0)) >>> 0;
  return (high & 0x1fffff) * TWO_POW_32 + ((low ^ (high >>> 21)) >>> 0);
}

export class CallMemory {
  private readonly traces = new Map<string, TraceMemory>();
  /** The trace touched last: consecutive spans of one trace skip the re-ordering of `traces`. */
  private lastId: string | undefined;
  private last: TraceMemory | undefined;

  constructor(private readonly maxOpenTraces: number) {}

  /** Whether the trace has model calls we remember (only such traces need their span links recorded). */
  isTracked(traceId: string): boolean {
    return this.traces.has(traceId);
  }

  /** Whether a call with usage was counted in the trace (§7 step 3.4: only otherwise is an aggregate priced). */
  hasCallWithUsage(traceId: string): boolean {
    const trace = this.traces.get(traceId);
    if (trace === undefined) return false;
    for (const withUsage of trace.counted.values()) if (withUsage) return true;
    return false;
  }

  /** Records that `spanId`'s parent is `parentId` (undefined for a root), and extends the covered chain through it. */
  link(traceId: string, spanId: number, parentId: number | undefined): void {
    const trace = this.touch(traceId);
    if (parentId === undefined) return;
    trace.parentOf.set(spanId, parentId);
    const below = trace.counted.get(spanId) ?? trace.covered.get(spanId);
    if (below !== undefined) this.cover(trace, parentId, below);
  }

  /** Number of known ancestors of a span (for deepest-first ordering within a batch). */
  depth(traceId: string, spanId: number): number {
    const trace = this.traces.get(traceId);
    if (trace === undefined) return 0;
    let depth = 0;
    for (let id = trace.parentOf.get(spanId); id !== undefined && depth < 1000; id = trace.parentOf.get(id)) depth++;
    return depth;
  }

  /** Decides whether a model-call span counts, and remembers it when it does. */
  claim(traceId: string, spanId: number, responseId: string | undefined, withUsage: boolean): boolean {
    const trace = this.touch(traceId);
    // The same span again is the same call, not a second one: an app re-sends a batch that was refused downstream
    // (429 while a queue was full) or never acknowledged, and it must be priced again, not turned into a duplicate.
    // Counting it once more is for the stages after us to prevent (idempotent ledger rows, the MLflow exporter).
    if (trace.counted.has(spanId)) return true;
    const covered = trace.covered.get(spanId);
    if (covered === true || (covered === false && !withUsage)) return false;
    if (withUsage && responseId !== undefined && trace.responseIds.has(responseId)) return false;
    let steps = 0;
    for (let id = trace.parentOf.get(spanId); id !== undefined && steps < 1000; id = trace.parentOf.get(id), steps++) {
      const ancestor = trace.counted.get(id);
      if (ancestor === true || (ancestor === false && !withUsage)) return false;
    }
    trace.counted.set(spanId, withUsage);
    if (withUsage && responseId !== undefined) trace.responseIds.add(responseId);
    const parentId = trace.parentOf.get(spanId);
    if (parentId !== undefined) this.cover(trace, parentId, withUsage);
    return true;
  }

  get openTraces(): number {
    return this.traces.size;
  }

  /** Marks `from` and its known ancestors covered; a call with usage below upgrades a cover without usage. */
  private cover(trace: TraceMemory, from: number, withUsage: boolean): void {
    let steps = 0;
    for (let id: number | undefined = from; id !== undefined && steps < 1000; id = trace.parentOf.get(id), steps++) {
      const covered = trace.covered.get(id);
      if (covered === true || covered === withUsage) break;
      trace.covered.set(id, withUsage);
    }
  }

  private touch(traceId: string): TraceMemory {
    // Only touching another trace can evict this one, and that changes `lastId`.
    if (traceId === this.lastId && this.last !== undefined) return this.last;
    let trace = this.traces.get(traceId);
    if (trace !== undefined) {
      // Re-insert so that Map order is least-recently-seen first.
      this.traces.delete(traceId);
      this.traces.set(traceId, trace);
    } else {
      trace = { parentOf: new Map(), counted: new Map(), covered: new Map(), responseIds: new Set() };
      this.traces.set(traceId, trace);
      while (this.traces.size > this.maxOpenTraces) {
        const oldest = this.traces.keys().next();
        if (oldest.done === true) break;
        this.traces.delete(oldest.value);
      }
    }
    this.lastId = traceId;
    this.last = trace;
    return trace;
  }
}
