import { markChanged, MALFORMED_ID } from '../../otlp/model.js';
import type { PartialSuccess, ScopeSpans, Span, SpanLink, TracesData } from '../../otlp/model.js';

/**
 * Removes spans that no backend can store (MLflow answers 422 for an empty trace or span id; an all-zero or
 * wrong-length id is invalid per trace.proto), with the envelopes this leaves empty, and reports them, so that one bad
 * span does not cost the rest of the request. The decoders pass such ids through for this purpose.
 *
 * What a span only refers to is read leniently, as real senders write it (otlp-protocol.md §6): an all-zero parent
 * id is a root's (some SDKs fill a root's parent with zeroes; MLflow would take it for a parent and lose the root), and
 * a link whose ids cannot be forwarded is dropped and counted, not its span.
 */
export function rejectInvalidSpans(data: TracesData): PartialSuccess | undefined {
  let rejected = 0;
  let firstProblem = '';
  const emptied = new Set<ScopeSpans>();
  data.resourceSpans.forEach((resourceSpans, r) => {
    resourceSpans.scopeSpans.forEach((scopeSpans, s) => {
      const problems = scopeSpans.spans.map(spanProblem);
      if (!problems.some(Boolean)) return;
      scopeSpans.spans = scopeSpans.spans.filter((span, i) => {
        const problem = problems[i];
        if (!problem) return true;
        rejected++;
        firstProblem ||= `resourceSpans[${r}].scopeSpans[${s}].spans[${i}] (${quotedName(span.name)}): ${problem}`;
        return false;
      });
      if (scopeSpans.spans.length === 0) emptied.add(scopeSpans);
    });
  });
  if (rejected === 0) return undefined;
  if (emptied.size > 0) dropEmptiedEnvelopes(data, emptied);
  const others = rejected > 1 ? ` (and ${rejected - 1} more)` : '';
  return { rejectedSpans: rejected, errorMessage: `rejected ${rejected} span(s) with invalid ids: ${firstProblem}${others}` };
}

/**
 * The protocol says empty envelopes SHOULD NOT be created: a ScopeSpans whose every span was rejected is not
 * forwarded, nor a ResourceSpans left without any. Envelopes that arrived empty are the sender's and stay.
 */
function dropEmptiedEnvelopes(data: TracesData, emptied: ReadonlySet<ScopeSpans>): void {
  data.resourceSpans = data.resourceSpans.filter((resourceSpans) => {
    const kept = resourceSpans.scopeSpans.filter((scopeSpans) => !emptied.has(scopeSpans));
    if (kept.length === resourceSpans.scopeSpans.length) return true;
    resourceSpans.scopeSpans = kept;
    return kept.length > 0;
  });
}

/**
 * Longest span name quoted in a rejection: the answer must stay small (the protocol asks servers to bound their
 * responses, and a gRPC client refuses one over 4 MiB, recording a failure for data that was accepted).
 */
const MAX_NAME_IN_MESSAGE = 64;

function quotedName(name: string): string {
  return name.length <= MAX_NAME_IN_MESSAGE ? JSON.stringify(name) : `${JSON.stringify(name.slice(0, MAX_NAME_IN_MESSAGE))}…`;
}

function spanProblem(span: Span): string | undefined {
  const problem = idProblem('traceId', span.traceId, 16) ?? idProblem('spanId', span.spanId, 8) ?? parentProblem(span);
  if (problem === undefined) dropUnforwardableLinks(span);
  return problem;
}

function parentProblem(span: Span): string | undefined {
  const parent = span.parentSpanId;
  if (parent.length === 0 && parent !== MALFORMED_ID) return undefined;
  if (parent.length === 8 && isAllZero(parent)) {
    span.parentSpanId = new Uint8Array(0);
    markChanged(span);
    return undefined;
  }
  return idProblem('parentSpanId', parent, 8);
}

/**
 * A link to an invalid context is legitimate (the OTel API records one that has attributes or a trace state), so empty
 * and all-zero ids are kept; ids that are unreadable or of the wrong length cannot be encoded as trace.proto says.
 */
function dropUnforwardableLinks(span: Span): void {
  if (span.links.every(isForwardable)) return;
  const forwardable = span.links.filter(isForwardable);
  span.droppedLinksCount += span.links.length - forwardable.length;
  span.links = forwardable;
  markChanged(span);
}

function isForwardable(link: SpanLink): boolean {
  return hasForwardableLength(link.traceId, 16) && hasForwardableLength(link.spanId, 8);
}

function hasForwardableLength(id: Uint8Array, length: number): boolean {
  return id !== MALFORMED_ID && (id.length === 0 || id.length === length);
}

function idProblem(field: string, id: Uint8Array, length: number): string | undefined {
  if (id === MALFORMED_ID) return `${field} is neither hex nor base64`;
  if (id.length === 0) return `${field} is empty`;
  if (id.length !== length) return `${field} has ${id.length} bytes, expected ${length}`;
  if (isAllZero(id)) return `${field} is all zeroes`;
  return undefined;
}

function isAllZero(id: Uint8Array): boolean {
  return id.every((byte) => byte === 0);
}
