/** What goes onto the root span (contract.md, "On the root span"), from a trace's summary. */
import { TOKEN_ATTRIBUTES, TRACE_ATTRIBUTES, USD_ATTRIBUTES } from '../../contract/attributes.js';
import { doubleValue, findAttribute, intValue, setAttributes, stringValue } from '../../otlp/index.js';
import type { KeyValue, Span } from '../../otlp/index.js';
import { isCountedCall } from './spanFacts.js';
import type { TraceSummary } from './summary.js';

/** MLflow (>= 3.8) derives the trace's session from this span attribute (mlflow-wire.md §2.3). */
const SESSION_ATTRIBUTE = 'session.id';

export function enrichRoot(root: Span, summary: TraceSummary): void {
  const { costUsd, tokens } = summary;
  // A root that is itself a counted model call (a provider client traced alone: the trace is that one call) keeps its
  // own cost: the same keys hold its split by token type (contract.md, "On every LLM span"), which the trace's input and
  // output costs (cache and reasoning in them) would overwrite, leaving parts that no longer add up. Readers of the
  // trace's cost take it from the call there (`rootCostUsd`). Its token counts are the trace's: a root counts only
  // when nothing below it does.
  const entries: KeyValue[] = isCountedCall(root)
    ? []
    : [
        { key: USD_ATTRIBUTES.total, value: doubleValue(costUsd.total) },
        { key: USD_ATTRIBUTES.input, value: doubleValue(costUsd.input) },
        { key: USD_ATTRIBUTES.output, value: doubleValue(costUsd.output) },
      ];
  entries.push(
    { key: TOKEN_ATTRIBUTES.input, value: intValue(tokens.input) },
    { key: TOKEN_ATTRIBUTES.output, value: intValue(tokens.output) },
    { key: TRACE_ATTRIBUTES.totalTokens, value: intValue(tokens.total) },
    { key: TOKEN_ATTRIBUTES.cacheRead, value: intValue(tokens.cacheRead) },
    { key: TOKEN_ATTRIBUTES.cacheWrite, value: intValue(tokens.cacheWrite) },
    { key: TOKEN_ATTRIBUTES.reasoning, value: intValue(tokens.reasoning) },
    { key: TRACE_ATTRIBUTES.unpricedCalls, value: intValue(summary.unpricedCalls) },
    { key: TRACE_ATTRIBUTES.llmTimeShare, value: doubleValue(summary.llmTimeShare) },
    { key: TRACE_ATTRIBUTES.nodes, value: stringValue(JSON.stringify(summary.nodes)) },
    { key: TRACE_ATTRIBUTES.models, value: stringValue(JSON.stringify(summary.models)) },
    { key: TRACE_ATTRIBUTES.providers, value: stringValue(JSON.stringify(summary.providers)) },
  );
  if (summary.bottleneck !== undefined) {
    entries.push(
      { key: TRACE_ATTRIBUTES.bottleneckNode, value: stringValue(summary.bottleneck.node) },
      { key: TRACE_ATTRIBUTES.bottleneckShare, value: doubleValue(summary.bottleneck.share) },
    );
  }
  // The app's own session wins; otherwise the LangGraph thread is the conversation.
  if (summary.threadId !== undefined && findAttribute(root.attributes, SESSION_ATTRIBUTE) === undefined) {
    entries.push({ key: SESSION_ATTRIBUTE, value: stringValue(summary.threadId) });
  }
  entries.push({ key: TRACE_ATTRIBUTES.llmCalls, value: intValue(summary.llmCalls) });
  // One call: each key is looked for among the root's own attributes only, not among those just added.
  setAttributes(root, entries);
}
