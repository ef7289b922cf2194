/**
 * "When LLM spans nest, count one" (genai-conventions.md §7 step 3) across batches. Spans of one trace arrive over
 * several batches, children usually first (they end first). Per open trace we remember the parent of each span seen,
 * the model-call spans counted, and every known ancestor of a counted span ("covered").
 *
 * A model-call span with usage is a duplicate when
 *  - it is covered: a descendant was already counted (the usual order: provider-SDK child first, framework parent later);
 *  - one of its known ancestors was counted (the parent arrived first and could not be un-counted in flight);
 *  - another counted span of the trace reported the same response id (two tracer providers, no parent link).
 * So the rule is "first counted wins within a nested chain"; within one batch, deeper spans are decided first, which
 * makes the deepest span win whenever both arrive together. Limit: a chain whose linking span arrives after both ends
 * (child and ancestor in different batches, the span between them later still) is counted twice; the memory is
 * bounded by `maxOpenTraces` (least recently seen trace forgotten first).
 */

interface TraceMemory {
  parentOf: Map<string, string>;
  counted: Set<string>;
  covered: Set<string>;
  responseIds: Set<string>;
}

export class CallMemory {
  private readonly traces = new Map<string, TraceMemory>();

  constructor(private readonly maxOpenTraces: number) {}

  /** Whether the trace has model calls we remember (only such traces need their span links recorded). */
  isTracked(traceId: string): boolean {
    return this.traces.has(traceId);
  }

  /** Records that `spanId`'s parent is `parentId`, and extends the covered chain through it. */
  link(traceId: string, spanId: string, parentId: string): void {
    const trace = this.touch(traceId);
    if (parentId.length === 0) return;
    trace.parentOf.set(spanId, parentId);
    if (trace.covered.has(spanId) || trace.counted.has(spanId)) this.cover(trace, parentId);
  }

  /** Number of known ancestors of a span (for deepest-first ordering within a batch). */
  depth(traceId: string, spanId: string): number {
    const trace = this.traces.get(traceId);
    if (trace === undefined) return 0;
    let depth = 0;
    for (let id = trace.parentOf.get(spanId); id !== undefined && depth < 1000; id = trace.parentOf.get(id)) depth++;
    return depth;
  }

  /** Decides whether a model-call span with usage counts, and remembers it when it does. */
  claim(traceId: string, spanId: string, responseId: string | undefined): boolean {
    const trace = this.touch(traceId);
    if (trace.covered.has(spanId) || trace.counted.has(spanId)) return false;
    if (responseId !== undefined && trace.responseIds.has(responseId)) return false;
    let steps = 0;
    for (let id = trace.parentOf.get(spanId); id !== undefined && steps < 1000; id = trace.parentOf.get(id), steps++) {
      if (trace.counted.has(id)) return false;
    }
    trace.counted.add(spanId);
    if (responseId !== undefined) trace.responseIds.add(responseId);
    const parentId = trace.parentOf.get(spanId);
    if (parentId !== undefined) this.cover(trace, parentId);
    return true;
  }

  get openTraces(): number {
    return this.traces.size;
  }

  private cover(trace: TraceMemory, from: string): void {
    let steps = 0;
    for (let id: string | undefined = from; id !== undefined && !trace.covered.has(id) && steps < 1000; id = trace.parentOf.get(id), steps++) {
      trace.covered.add(id);
    }
  }

  private touch(traceId: string): TraceMemory {
    let trace = this.traces.get(traceId);
    if (trace !== undefined) {
      // Re-insert so that Map order is least-recently-seen first.
      this.traces.delete(traceId);
      this.traces.set(traceId, trace);
      return trace;
    }
    trace = { parentOf: new Map(), counted: new Set(), covered: new Set(), responseIds: new Set() };
    this.traces.set(traceId, trace);
    while (this.traces.size > this.maxOpenTraces) {
      const oldest = this.traces.keys().next();
      if (oldest.done === true) break;
      this.traces.delete(oldest.value);
    }
    return trace;
  }
}
