import { MLFLOW_COST_TEXT, PRICING_ATTRIBUTES } from '../../contract/attributes.js';
import { findAttribute, stringValue } from '../../otlp/model.js';
import type { AnyValue, KeyValue, Span, TracesData } from '../../otlp/model.js';
import { carriesMlflowTokenUsage } from '../../processors/traceassembly/spanFacts.js';
import { JsonFields, recognizeCallContext } from '../../recognition/index.js';
import type { CostRollup } from './cost-rollup.js';

const TRACE_REQUEST_ID = 'mlflow.traceRequestId';
const SPAN_TYPE = 'mlflow.spanType';
const MLFLOW_COST = 'mlflow.llm.cost';
/** No cost, in the CostEstimator's spelling of `mlflow.llm.cost`. */
const NO_COST = stringValue(`${MLFLOW_COST_TEXT.input}0${MLFLOW_COST_TEXT.output}0${MLFLOW_COST_TEXT.total}0}`);

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
 * - MLflow >= 3.10 prices on ingest a span with usage and a model that carries no cost, so a span of a nested call that
 *   the CostEstimator did not count would be priced by MLflow and its price added to the trace's, or put in place of
 *   ours: give it the cost that keeps MLflow's total ours (see `CostRollup`).
 * The batch is left as it came (the other exporters of the pipeline hold it too): a span to repair is replaced by a
 * repaired copy, in copies of the lists that hold it; the rest is shared.
 */
export function withMlflowWireFixes(data: TracesData, rollup: CostRollup): TracesData {
  let changed = false;
  const resourceSpans = data.resourceSpans.map((resource) => {
    let resourceChanged = false;
    const scopeSpans = resource.scopeSpans.map((scope) => {
      let scopeChanged = false;
      const spans = scope.spans.map((span) => {
        const fixed = fixedSpan(span, rollup);
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

/**
 * The span repaired, or the span itself when it needs nothing: a copy without its raw bytes, unless a cost it lacks is
 * all it needs (new keys go after the raw bytes, see `Span.rawAttributeCount`), so that its prompts and completions are
 * not encoded again.
 */
function fixedSpan(span: Span, rollup: CostRollup): Span {
  const spanType = findAttribute(span.attributes, SPAN_TYPE);
  const plainType = spanType?.kind === 'string' ? unquoteJsonString(spanType.value) : undefined;
  const missingType = spanType === undefined ? pricedCallType(span) : undefined;
  const cost = uncountedCallCost(span, rollup);
  const requestId = findAttribute(span.attributes, TRACE_REQUEST_ID) !== undefined;
  if (plainType === undefined && missingType === undefined && cost === undefined && !requestId) return span;
  const hadCost = cost !== undefined && findAttribute(span.attributes, MLFLOW_COST) !== undefined;
  if (plainType === undefined && missingType === undefined && !requestId && !hadCost) {
    const rawAttributeCount = span.raw === undefined ? undefined : (span.rawAttributeCount ?? span.attributes.length);
    return { ...span, attributes: [...span.attributes, { key: MLFLOW_COST, value: cost! }], rawAttributeCount };
  }
  const attributes: KeyValue[] = [];
  for (const attribute of span.attributes) {
    if (attribute.key === TRACE_REQUEST_ID || (attribute.key === MLFLOW_COST && cost !== undefined)) continue;
    attributes.push(attribute.key === SPAN_TYPE && plainType !== undefined ? { key: SPAN_TYPE, value: stringValue(plainType) } : attribute);
  }
  if (missingType !== undefined) attributes.push({ key: SPAN_TYPE, value: stringValue(missingType) });
  if (cost !== undefined) attributes.push({ key: MLFLOW_COST, value: cost });
  return { ...span, attributes, raw: undefined, rawAttributeCount: undefined };
}

/**
 * The `mlflow.llm.cost` of a model-call span the CostEstimator did not count (`tokenmeter.cost.counted` false), in
 * place of any it carries, where MLflow would otherwise count one: a cost it carries, or its own price, which it puts
 * on a span with token usage and a model it can read (`pricedOnIngest`). None before MLflow 3.10, which has no cost;
 * zero where MLflow adds up every span's cost; where it takes the outermost span's, the cost of the counted calls the
 * span wraps (`tokenmeter.cost.wrapped`), unless that is unknown, when MLflow is left to price it as before.
 */
function uncountedCallCost(span: Span, rollup: CostRollup): AnyValue | undefined {
  if (rollup === 'none') return undefined;
  const counted = findAttribute(span.attributes, PRICING_ATTRIBUTES.counted);
  if (counted?.kind !== 'bool' || counted.value) return undefined;
  if (findAttribute(span.attributes, MLFLOW_COST) === undefined && !pricedOnIngest(span)) return undefined;
  return rollup === 'sum' ? NO_COST : findAttribute(span.attributes, PRICING_ATTRIBUTES.wrapped);
}

/**
 * Where MLflow >= 3.10 reads a span's model (`_get_model_name` in its OpenTelemetry translation): its own key, the GenAI
 * and OpenInference keys, or a top-level `model` of the inputs or outputs it keeps.
 */
const MLFLOW_MODEL_KEYS = ['mlflow.llm.model', 'gen_ai.response.model', 'gen_ai.request.model', 'llm.response.model_name', 'llm.model_name', 'llm.request.model_name', 'embedding.model_name'];
const MLFLOW_MODEL_IN = ['mlflow.spanInputs', 'mlflow.spanOutputs'];
const topLevelModel = new JsonFields(['model']);

/** Whether MLflow >= 3.10 prices the span itself on ingest, when it carries no cost: token usage and a model it reads. */
function pricedOnIngest(span: Span): boolean {
  if (!carriesMlflowTokenUsage(span)) return false;
  if (MLFLOW_MODEL_KEYS.some((key) => findAttribute(span.attributes, key) !== undefined)) return true;
  return MLFLOW_MODEL_IN.some((key) => topLevelModel.read(findAttribute(span.attributes, key)) && topLevelModel.string('model') !== undefined);
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
