/** What goes onto the root span (contract.md, "On the root span"), from a trace's summary. */
import { doubleValue, findAttribute, intValue, setAttributes, stringValue } from '../../otlp/index.js';
import type { KeyValue, Span } from '../../otlp/index.js';
import { TOKEN_ATTRIBUTE_KEYS } from '../costestimator/index.js';
import type { TraceSummary } from './summary.js';

/** Written last on every enriched root; the MLflow exporter recognises an enriched root by it. */
export const LLM_CALLS_ATTRIBUTE = 'tokenmeter.llm.calls';

/** MLflow (>= 3.8) derives the trace's session from this span attribute (mlflow-wire.md §2.3). */
const SESSION_ATTRIBUTE = 'session.id';

export function enrichRoot(root: Span, summary: TraceSummary): void {
  const { costUsd, tokens } = summary;
  const entries: KeyValue[] = [
    { key: 'tokenmeter.cost.total_usd', value: doubleValue(costUsd.total) },
    { key: 'tokenmeter.cost.input_usd', value: doubleValue(costUsd.input) },
    { key: 'tokenmeter.cost.output_usd', value: doubleValue(costUsd.output) },
    { key: TOKEN_ATTRIBUTE_KEYS.input, value: intValue(tokens.input) },
    { key: TOKEN_ATTRIBUTE_KEYS.output, value: intValue(tokens.output) },
    { key: 'tokenmeter.tokens.total', value: intValue(tokens.total) },
    { key: TOKEN_ATTRIBUTE_KEYS.cacheRead, value: intValue(tokens.cacheRead) },
    { key: TOKEN_ATTRIBUTE_KEYS.cacheWrite, value: intValue(tokens.cacheWrite) },
    { key: TOKEN_ATTRIBUTE_KEYS.reasoning, value: intValue(tokens.reasoning) },
    { key: 'tokenmeter.llm.unpriced_calls', value: intValue(summary.unpricedCalls) },
    { key: 'tokenmeter.llm.time_share', value: doubleValue(summary.llmTimeShare) },
    { key: 'tokenmeter.breakdown.nodes', value: stringValue(JSON.stringify(summary.nodes)) },
    { key: 'tokenmeter.breakdown.models', value: stringValue(JSON.stringify(summary.models)) },
    { key: 'tokenmeter.breakdown.providers', value: stringValue(JSON.stringify(summary.providers)) },
  ];
  if (summary.bottleneck !== undefined) {
    entries.push(
      { key: 'tokenmeter.bottleneck.node', value: stringValue(summary.bottleneck.node) },
      { key: 'tokenmeter.bottleneck.share', value: doubleValue(summary.bottleneck.share) },
    );
  }
  // The app's own session wins; otherwise the LangGraph thread is the conversation.
  if (summary.threadId !== undefined && findAttribute(root.attributes, SESSION_ATTRIBUTE) === undefined) {
    entries.push({ key: SESSION_ATTRIBUTE, value: stringValue(summary.threadId) });
  }
  entries.push({ key: LLM_CALLS_ATTRIBUTE, value: intValue(summary.llmCalls) });
  // One call: each key is looked for among the root's own attributes only, not among those just added.
  setAttributes(root, entries);
}
