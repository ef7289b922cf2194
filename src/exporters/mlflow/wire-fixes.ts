import { findAttribute, stringValue } from '../../otlp/model.js';
import type { KeyValue, Span, TracesData } from '../../otlp/model.js';

const TRACE_REQUEST_ID = 'mlflow.traceRequestId';
const SPAN_TYPE = 'mlflow.spanType';

/**
 * Repairs what MLflow's Python SDK sends and MLflow 3.9 then stores wrongly (mlflow-wire.md §2.2):
 * - `mlflow.traceRequestId` arrives JSON-quoted and overrides the server's own value, so the trace id is stored
 *   with literal quotes and the UI hides its Tags and Assessments: drop it, the server sets the right one.
 * - `mlflow.spanType` arrives JSON-quoted and the `spans.type` column is filled before unquoting: send it plain.
 * The batch is left as it came (the other exporters of the pipeline hold it too): a span to repair is replaced by a
 * repaired copy, in copies of the lists that hold it; the rest is shared.
 */
export function withMlflowWireFixes(data: TracesData): TracesData {
  let changed = false;
  const resourceSpans = data.resourceSpans.map((resource) => {
    let resourceChanged = false;
    const scopeSpans = resource.scopeSpans.map((scope) => {
      let scopeChanged = false;
      const spans = scope.spans.map((span) => {
        const fixed = fixedSpan(span);
        if (fixed !== span) scopeChanged = true;
        return fixed;
      });
      if (!scopeChanged) return scope;
      resourceChanged = true;
      return { ...scope, spans };
    });
    if (!resourceChanged) return resource;
    changed = true;
    return { ...resource, scopeSpans };
  });
  return changed ? { resourceSpans } : data;
}

/** The span repaired (a copy without its raw bytes), or the span itself when it needs nothing. */
function fixedSpan(span: Span): Span {
  const spanType = findAttribute(span.attributes, SPAN_TYPE);
  const plainType = spanType?.kind === 'string' ? unquoteJsonString(spanType.value) : undefined;
  if (plainType === undefined && findAttribute(span.attributes, TRACE_REQUEST_ID) === undefined) return span;
  const attributes: KeyValue[] = [];
  for (const attribute of span.attributes) {
    if (attribute.key === TRACE_REQUEST_ID) continue;
    attributes.push(attribute.key === SPAN_TYPE && plainType !== undefined ? { key: SPAN_TYPE, value: stringValue(plainType) } : attribute);
  }
  return { ...span, attributes, raw: undefined, rawAttributeCount: undefined };
}

/** The string inside a JSON string literal (`"\"LLM\""` → `LLM`), or undefined when it is not one. */
function unquoteJsonString(text: string): string | undefined {
  if (text.length < 2 || text[0] !== '"' || text[text.length - 1] !== '"') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
