import { MALFORMED_ID } from '../../otlp/model.js';
import type { PartialSuccess, Span, TracesData } from '../../otlp/model.js';

/**
 * Removes spans that no backend can store (MLflow answers 422 for an empty trace or span id; an all-zero or
 * wrong-length id is invalid per trace.proto) and reports them, so that one bad span does not cost the rest of the
 * request. The decoders pass such ids through for this purpose.
 */
export function rejectInvalidSpans(data: TracesData): PartialSuccess | undefined {
  let rejected = 0;
  let firstProblem = '';
  data.resourceSpans.forEach((resourceSpans, r) => {
    resourceSpans.scopeSpans.forEach((scopeSpans, s) => {
      const problems = scopeSpans.spans.map(spanProblem);
      if (!problems.some(Boolean)) return;
      scopeSpans.spans = scopeSpans.spans.filter((span, i) => {
        const problem = problems[i];
        if (!problem) return true;
        rejected++;
        firstProblem ||= `resourceSpans[${r}].scopeSpans[${s}].spans[${i}] (${JSON.stringify(span.name)}): ${problem}`;
        return false;
      });
    });
  });
  if (rejected === 0) return undefined;
  const others = rejected > 1 ? ` (and ${rejected - 1} more)` : '';
  return { rejectedSpans: rejected, errorMessage: `rejected ${rejected} span(s) with invalid ids: ${firstProblem}${others}` };
}

function spanProblem(span: Span): string | undefined {
  return (
    idProblem('traceId', span.traceId, 16) ??
    idProblem('spanId', span.spanId, 8) ??
    optionalIdProblem('parentSpanId', span.parentSpanId, 8) ??
    span.links.reduce<string | undefined>(
      (found, link, i) =>
        found ?? idProblem(`links[${i}].traceId`, link.traceId, 16) ?? idProblem(`links[${i}].spanId`, link.spanId, 8),
      undefined,
    )
  );
}

function optionalIdProblem(field: string, id: Uint8Array, length: number): string | undefined {
  return id.length === 0 && id !== MALFORMED_ID ? undefined : idProblem(field, id, length);
}

function idProblem(field: string, id: Uint8Array, length: number): string | undefined {
  if (id === MALFORMED_ID) return `${field} is neither hex nor base64`;
  if (id.length === 0) return `${field} is empty`;
  if (id.length !== length) return `${field} has ${id.length} bytes, expected ${length}`;
  if (id.every((byte) => byte === 0)) return `${field} is all zeroes`;
  return undefined;
}
