/** What goes onto the root span (contract.md, "On the root span"), from a trace's summary. */
import { doubleValue, findAttribute, intValue, setAttribute, stringValue } from '../../otlp/index.js';
import type { Span } from '../../otlp/index.js';
import type { TraceSummary } from './summary.js';

/** Written last on every enriched root; the MLflow exporter recognises an enriched root by it. */
export const LLM_CALLS_ATTRIBUTE = 'tokenmeter.llm.calls';

/** MLflow (>= 3.8) derives the trace's session from this span attribute (mlflow-wire.md §2.3). */
const SESSION_ATTRIBUTE = 'session.id';

export function enrichRoot(root: Span, summary: TraceSummary): void {
  const { costUsd, tokens } = summary;
  setAttribute(root, 'tokenmeter.cost.total_usd', doubleValue(costUsd.total));
  setAttribute(root, 'tokenmeter.cost.input_usd', doubleValue(costUsd.input));
  setAttribute(root, 'tokenmeter.cost.output_usd', doubleValue(costUsd.output));
  setAttribute(root, 'tokenmeter.tokens.input', intValue(tokens.input));
  setAttribute(root, 'tokenmeter.tokens.output', intValue(tokens.output));
  setAttribute(root, 'tokenmeter.tokens.total', intValue(tokens.total));
  setAttribute(root, 'tokenmeter.tokens.cache_read', intValue(tokens.cacheRead));
  setAttribute(root, 'tokenmeter.tokens.cache_write', intValue(tokens.cacheWrite));
  setAttribute(root, 'tokenmeter.tokens.reasoning', intValue(tokens.reasoning));
  setAttribute(root, 'tokenmeter.llm.unpriced_calls', intValue(summary.unpricedCalls));
  setAttribute(root, 'tokenmeter.llm.time_share', doubleValue(summary.llmTimeShare));
  setAttribute(root, 'tokenmeter.breakdown.nodes', stringValue(JSON.stringify(summary.nodes)));
  setAttribute(root, 'tokenmeter.breakdown.models', stringValue(JSON.stringify(summary.models)));
  setAttribute(root, 'tokenmeter.breakdown.providers', stringValue(JSON.stringify(summary.providers)));
  if (summary.bottleneck !== undefined) {
    setAttribute(root, 'tokenmeter.bottleneck.node', stringValue(summary.bottleneck.node));
    setAttribute(root, 'tokenmeter.bottleneck.share', doubleValue(summary.bottleneck.share));
  }
  // The app's own session wins; otherwise the LangGraph thread is the conversation.
  if (summary.threadId !== undefined && findAttribute(root.attributes, SESSION_ATTRIBUTE) === undefined) {
    setAttribute(root, SESSION_ATTRIBUTE, stringValue(summary.threadId));
  }
  setAttribute(root, LLM_CALLS_ATTRIBUTE, intValue(summary.llmCalls));
}
