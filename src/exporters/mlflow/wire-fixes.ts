import { PRICING_ATTRIBUTES } from '../../contract/attributes.js';
import { findAttribute, stringValue } from '../../otlp/model.js';
import type { KeyValue, Span, TracesData } from '../../otlp/model.js';
import { recognizeCallContext } from '../../recognition/index.js';

const TRACE_REQUEST_ID = 'mlflow.traceRequestId';
const SPAN_TYPE = 'mlflow.spanType';

/**
 * Repairs what MLflow 3.9 would store wrongly (mlflow-wire.md §2.2):
 * - `mlflow.traceRequestId` arrives JSON-quoted from MLflow's Python SDK and overrides the server's own value, so the
 *   trace id is stored with literal quotes and the UI hides its Tags and Assessments: drop it, the server sets the
 *   right one.
 * - `mlflow.spanType` arrives JSON-quoted from the SDK and the `spans.type` column is filled before unquoting: send
 *   it plain.
 * - A model call of another convention (OpenInference, OTel GenAI, …) has no `mlflow.spanType`, and MLflow derives
 *   its type only when reading a span back, so the column stays empty and `span.type = 'LLM'` finds no such call:
 *   send the type of each call the CostEstimator priced.
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
  const missingType = spanType === undefined ? pricedCallType(span) : undefined;
  if (plainType === undefined && missingType === undefined && findAttribute(span.attributes, TRACE_REQUEST_ID) === undefined) return span;
  const attributes: KeyValue[] = [];
  for (const attribute of span.attributes) {
    if (attribute.key === TRACE_REQUEST_ID) continue;
    attributes.push(attribute.key === SPAN_TYPE && plainType !== undefined ? { key: SPAN_TYPE, value: stringValue(plainType) } : attribute);
  }
  if (missingType !== undefined) attributes.push({ key: SPAN_TYPE, value: stringValue(missingType) });
  return { ...span, attributes, raw: undefined, rawAttributeCount: undefined };
}

/**
 * The MLflow span type of a model call the CostEstimator priced (it marks every one with its cost status): `LLM` or
 * `EMBEDDING`, from the call it recognised (recognised again only when not among its latest), so the other spans cost
 * a lookup; a root it priced as the aggregate of its trace is no model call and gets none.
 */
function pricedCallType(span: Span): string | undefined {
  if (findAttribute(span.attributes, PRICING_ATTRIBUTES.status) === undefined) return undefined;
  const call = recognizeCallContext(span);
  if (call === undefined) return undefined;
  return call.operation === 'embeddings' ? 'EMBEDDING' : 'LLM';
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
