/**
 * Prices the model calls of a stored trace with the pipeline's own CostEstimator: the trace is run through the
 * processor as one batch, exactly as if it were arriving now, and the result is read back from the contract
 * attributes the processor writes (`tokenmeter.cost.*`). So recognition, the "count nested calls once" rule, the
 * catalog, overrides and the price date (the span's start) are the pipeline's, not a second implementation.
 */
import { ATTRIBUTE_PREFIX, PRICING_ATTRIBUTES, USD_ATTRIBUTES } from '../contract/attributes.js';
import { findAttribute, removeAttribute, toHex } from '../otlp/index.js';
import type { Span } from '../otlp/index.js';
import { NO_TOKENS } from '../pricing/index.js';
import type { TokenUsage } from '../pricing/index.js';
import { CostEstimatorProcessor } from '../processors/costestimator/index.js';
import { recognizeSpan } from '../recognition/index.js';
import type { ReportedCost } from '../recognition/index.js';
import type { CostEstimatorConfig } from '../processors/costestimator/index.js';
import { traceBatch } from './trace.js';
import type { ReportTrace } from './trace.js';

/** Who priced a call before: a tokenmeter in the path, or whoever reported its cost (see `ReportedCost.source`). */
export type RecordedCostSource = 'tokenmeter' | ReportedCost['source'];

export interface PricedCall {
  traceId: string;
  spanId: string;
  workflow: string;
  /** The LangGraph node the call ran in. */
  node: string | undefined;
  model: string | undefined;
  provider: string | undefined;
  startMs: number;
  tokens: TokenUsage;
  /** Our price under the current catalog and overrides; undefined when the call cannot be priced. */
  costUsd: number | undefined;
  unpricedReason: string | undefined;
  /** The cost the stored span already carries (written by tokenmeter, by MLflow ≥ 3.10, or reported by the provider). */
  recorded: { usd: number; source: RecordedCostSource } | undefined;
}

/** The `pricing:` section of the costestimator processor, as a config file writes it. */
export type PricingInput = NonNullable<CostEstimatorConfig['pricing']>;

const noDownstream = { consume: async (): Promise<void> => {} };

export class TracePricer {
  private readonly processor: CostEstimatorProcessor;

  constructor(pricing: PricingInput = {}) {
    this.processor = new CostEstimatorProcessor({ pricing }, noDownstream);
  }

  /** The counted model calls of the trace. Adds the processor's attributes to the trace's spans. */
  price(trace: ReportTrace): PricedCall[] {
    const recorded = new Map<Span, PricedCall['recorded']>();
    for (const span of trace.spans) {
      const call = recognizeSpan(span);
      if (call === undefined) continue;
      // A span a tokenmeter did not count was recorded as no call: a cost on it is the MLflow exporter's or MLflow's.
      const counted = findAttribute(span.attributes, PRICING_ATTRIBUTES.counted);
      const uncounted = counted?.kind === 'bool' && !counted.value;
      const source: RecordedCostSource | undefined = call.alreadyPriced ? 'tokenmeter' : call.reportedCost?.source;
      if (call.reportedCost !== undefined && source !== undefined && !uncounted) recorded.set(span, { usd: call.reportedCost.totalUsd, source });
      // A span priced before (by a tokenmeter in the path, or an earlier report) is priced again from scratch, and
      // one a tokenmeter did not count is decided afresh.
      if (call.alreadyPriced || uncounted) forgetEarlierPricing(span);
    }

    this.processor.process(traceBatch(trace));

    const calls: PricedCall[] = [];
    for (const span of trace.spans) {
      const counted = findAttribute(span.attributes, PRICING_ATTRIBUTES.counted);
      if (counted?.kind !== 'bool' || !counted.value) continue;
      const call = recognizeSpan(span)!;
      const cost = findAttribute(span.attributes, USD_ATTRIBUTES.total);
      const reason = findAttribute(span.attributes, PRICING_ATTRIBUTES.unpricedReason);
      calls.push({
        traceId: trace.traceId,
        spanId: toHex(span.spanId),
        workflow: trace.workflow,
        node: call.node,
        model: call.model,
        provider: call.provider,
        startMs: Number(span.startTimeUnixNano / 1_000_000n),
        // A call that reports no usage (a failure, a stream without it) counts, unpriced, with no tokens.
        tokens: call.tokens ?? NO_TOKENS,
        costUsd: cost?.kind === 'double' ? cost.value : undefined,
        unpricedReason: reason?.kind === 'string' ? reason.value : undefined,
        recorded: recorded.get(span),
      });
    }
    return calls;
  }
}

/**
 * Drops what an earlier pricing wrote. That includes `mlflow.llm.cost` on every model-call span tokenmeter marked,
 * unless it was the provider's (status `provider_reported`): on a counted call it was tokenmeter's own price, or
 * MLflow's (>= 3.10 prices on ingest a call left unpriced), and on a span that did not count the MLflow exporter's or
 * MLflow's. Left on the span, the processor would take it for a provider's report and call the call
 * `provider_reported`. Either way it was read as the recorded cost before.
 */
function forgetEarlierPricing(span: Span): void {
  const status = findAttribute(span.attributes, PRICING_ATTRIBUTES.status);
  if (!(status?.kind === 'string' && status.value === 'provider_reported')) removeAttribute(span, 'mlflow.llm.cost');
  for (const key of span.attributes.map((attribute) => attribute.key)) {
    if (key.startsWith(ATTRIBUTE_PREFIX)) removeAttribute(span, key);
  }
}
