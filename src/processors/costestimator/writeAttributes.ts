/** What goes on the wire for a model-call span (contract.md, "On every LLM span"). */
import { boolValue, doubleValue, intValue, setAttribute, stringValue } from '../../otlp/index.js';
import type { Span } from '../../otlp/index.js';
import type { CostSplit, PriceResult } from '../../pricing/index.js';
import type { LlmCall } from './recognize.js';

export type CostStatus = 'priced' | 'provider_reported' | 'unpriced';

/** Dollar amounts are rounded to 1e-12 USD so that binary-float noise (0.7474999999999999) stays off the wire. */
function usd(amount: number): number {
  return Math.round(amount * 1e12) / 1e12;
}

function mlflowCost(input: number, output: number, total: number): string {
  return JSON.stringify({ input_cost: usd(input), output_cost: usd(output), total_cost: usd(total) });
}

function writeSplit(span: Span, costs: CostSplit): void {
  setAttribute(span, 'tokenmeter.cost.input_usd', doubleValue(usd(costs.input)));
  setAttribute(span, 'tokenmeter.cost.cache_read_usd', doubleValue(usd(costs.cacheRead)));
  setAttribute(span, 'tokenmeter.cost.cache_write_usd', doubleValue(usd(costs.cacheWrite)));
  setAttribute(span, 'tokenmeter.cost.output_usd', doubleValue(usd(costs.output)));
  setAttribute(span, 'tokenmeter.cost.reasoning_usd', doubleValue(usd(costs.reasoning)));
  setAttribute(span, 'tokenmeter.cost.total_usd', doubleValue(usd(costs.total)));
}

/** The counted span of a call: tokens, our estimate, status, provenance, and MLflow's cost field. */
export function writeCountedCall(span: Span, call: LlmCall, price: PriceResult): CostStatus {
  const tokens = call.tokens;
  if (tokens !== undefined) {
    setAttribute(span, 'tokenmeter.tokens.input', intValue(tokens.input));
    setAttribute(span, 'tokenmeter.tokens.output', intValue(tokens.output));
    setAttribute(span, 'tokenmeter.tokens.cache_read', intValue(tokens.cacheRead));
    setAttribute(span, 'tokenmeter.tokens.cache_write', intValue(tokens.cacheWrite));
    setAttribute(span, 'tokenmeter.tokens.reasoning', intValue(tokens.reasoning));
  }
  setAttribute(span, 'tokenmeter.cost.counted', boolValue(true));
  if (call.model !== undefined && !call.hasMlflowModel) setAttribute(span, 'mlflow.llm.model', stringValue(call.model));
  if (call.provider !== undefined && !call.hasMlflowProvider) setAttribute(span, 'mlflow.llm.provider', stringValue(call.provider));

  if (price.status === 'priced') {
    writeSplit(span, price.costs);
    setAttribute(span, 'tokenmeter.cost.catalog_version', stringValue(price.provenance.catalogVersion));
    setAttribute(span, 'tokenmeter.cost.price_entry', stringValue(price.provenance.entry));
    setAttribute(span, 'tokenmeter.cost.tier', stringValue(price.provenance.tier));
  } else {
    setAttribute(span, 'tokenmeter.cost.unpriced_reason', stringValue(price.reason));
  }

  const reported = call.reportedCost;
  let status: CostStatus;
  if (reported !== undefined) {
    // The provider's number is kept as MLflow's cost; ours stays beside it in tokenmeter.cost.*.
    status = 'provider_reported';
    if (reported.source !== 'mlflow') {
      const input = reported.inputUsd ?? reported.totalUsd - (reported.outputUsd ?? 0);
      const output = reported.outputUsd ?? reported.totalUsd - input;
      setAttribute(span, 'mlflow.llm.cost', stringValue(mlflowCost(input, output, reported.totalUsd)));
    }
  } else if (price.status === 'priced') {
    status = 'priced';
    const { costs } = price;
    setAttribute(
      span,
      'mlflow.llm.cost',
      stringValue(mlflowCost(costs.input + costs.cacheRead + costs.cacheWrite, costs.output + costs.reasoning, costs.total)),
    );
  } else {
    status = 'unpriced';
  }
  setAttribute(span, 'tokenmeter.cost.status', stringValue(status));
  return status;
}

/** A model-call span that does not count: the same call seen by another layer, or one without usage. */
export function writeUncountedCall(span: Span): void {
  setAttribute(span, 'tokenmeter.cost.counted', boolValue(false));
}
