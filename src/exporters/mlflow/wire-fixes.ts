import { findAttribute, removeAttribute, setAttribute, stringValue } from '../../otlp/model.js';
import type { Span, TracesData } from '../../otlp/model.js';

const TRACE_REQUEST_ID = 'mlflow.traceRequestId';
const SPAN_TYPE = 'mlflow.spanType';

/**
 * Repairs what MLflow's Python SDK sends and MLflow 3.9 then stores wrongly (mlflow-wire.md §2.2):
 * - `mlflow.traceRequestId` arrives JSON-quoted and overrides the server's own value, so the trace id is stored
 *   with literal quotes and the UI hides its Tags and Assessments: drop it, the server sets the right one.
 * - `mlflow.spanType` arrives JSON-quoted and the `spans.type` column is filled before unquoting: send it plain.
 */
export function applyMlflowWireFixes(data: TracesData): void {
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) fixSpan(span);
    }
  }
}

function fixSpan(span: Span): void {
  removeAttribute(span, TRACE_REQUEST_ID);
  const spanType = findAttribute(span.attributes, SPAN_TYPE);
  if (spanType?.kind === 'string') {
    const plain = unquoteJsonString(spanType.value);
    if (plain !== undefined) setAttribute(span, SPAN_TYPE, stringValue(plain));
  }
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
