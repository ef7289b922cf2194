/**
 * What the exporter does for a trace once MLflow has accepted its root (mlflow-wire.md §2.3, §5, §6): set the trace
 * name tag MLflow's OTLP ingest never sets, and, for a root that trace assembly enriched, log the cost feedback.
 * Read from the root span as it leaves, so the exporter needs nothing but the wire contract (contract.md).
 */
import { createHash } from 'node:crypto';
import { TOKEN_ATTRIBUTES, TRACE_ATTRIBUTES } from '../../contract/attributes.js';
import { rootCostUsd } from '../../processors/traceassembly/spanFacts.js';
import { findAttribute, isRootSpan, numberOf, stringOf, toHex } from '../../otlp/index.js';
import type { AnyValue, Span, TracesData } from '../../otlp/index.js';
import type { AssessmentBody } from './client.js';
import type { MlflowExporterConfig } from './config.js';

/** The root's numbers, as the `cost_usd`, `total_tokens`, `input_tokens` and `output_tokens` assessments carry them. */
export interface TraceFeedback {
  costUsd: number;
  totalTokens: number;
  inputTokens: number;
  outputTokens: number;
  /** "N tokens across K provider(s)", as the reference app's log_workflow_summary() wrote it. */
  rationale: string;
  /** The breakdown, flattened into MLflow's string → string assessment metadata. */
  metadata: Record<string, string>;
}

export interface TraceFollowUp {
  /** MLflow's id, `tr-` + the OTel trace id in hex. */
  traceId: string;
  traceName: string;
  /** Present only on roots that trace assembly enriched. */
  feedback: TraceFeedback | undefined;
}

/** Which assessments the feedback becomes: names and source, as `exporters.mlflow.feedback` configures them. */
export type FeedbackSettings = Pick<MlflowExporterConfig['feedback'], 'names' | 'source_id' | 'source_type'>;

/** `a-` + 32 hex, MLflow's own id format, derived from what identifies the assessment so every sender agrees on it. */
export function assessmentId(traceId: string, sourceId: string, name: string): string {
  return `a-${createHash('sha256').update(`${traceId}\n${sourceId}\n${name}`).digest('hex').slice(0, 32)}`;
}

/**
 * The four assessments of a trace's feedback, under ids derived from trace, source and name. The exporter and
 * `tokenmeter reprice` both build them here, so a trace's first assessments are the same whoever writes them, and
 * whoever comes second finds the id taken and updates instead of adding a duplicate.
 */
export function feedbackAssessments(traceId: string, feedback: TraceFeedback, settings: FeedbackSettings): AssessmentBody[] {
  const { names, source_id, source_type } = settings;
  const assessment = (name: string, value: number, extra: Partial<AssessmentBody> = {}): AssessmentBody => ({
    assessment_id: assessmentId(traceId, source_id, name),
    assessment_name: name,
    trace_id: traceId,
    source: { source_type, source_id },
    feedback: { value },
    ...extra,
  });
  return [
    assessment(names.cost_usd, feedback.costUsd, { rationale: feedback.rationale, metadata: feedback.metadata }),
    assessment(names.total_tokens, feedback.totalTokens),
    assessment(names.input_tokens, feedback.inputTokens),
    assessment(names.output_tokens, feedback.outputTokens),
  ];
}

/** Follow-ups for the roots in a batch. They read names, ids and tokenmeter's attributes, which the wire fixes leave alone. */
export function followUpsOf(data: TracesData): TraceFollowUp[] {
  const followUps: TraceFollowUp[] = [];
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        const feedback = feedbackOf(span);
        // A root with a remote parent is not a root to MLflow, but trace assembly enriched it as the local root.
        if (!isRootSpan(span) && feedback === undefined) continue;
        followUps.push({ traceId: `tr-${toHex(span.traceId)}`, traceName: span.name, feedback });
      }
    }
  }
  return followUps;
}

const number = (value: AnyValue | undefined): number => numberOf(value) ?? 0;

const METADATA_ATTRIBUTES: Record<string, string> = {
  llm_calls: TRACE_ATTRIBUTES.llmCalls,
  unpriced_calls: TRACE_ATTRIBUTES.unpricedCalls,
  cache_read_tokens: TOKEN_ATTRIBUTES.cacheRead,
  cache_write_tokens: TOKEN_ATTRIBUTES.cacheWrite,
  reasoning_tokens: TOKEN_ATTRIBUTES.reasoning,
  nodes: TRACE_ATTRIBUTES.nodes,
  models: TRACE_ATTRIBUTES.models,
  providers: TRACE_ATTRIBUTES.providers,
  bottleneck_node: TRACE_ATTRIBUTES.bottleneckNode,
  bottleneck_share: TRACE_ATTRIBUTES.bottleneckShare,
  llm_time_share: TRACE_ATTRIBUTES.llmTimeShare,
};

function feedbackOf(span: Span): TraceFeedback | undefined {
  const attributes = span.attributes;
  if (findAttribute(attributes, TRACE_ATTRIBUTES.llmCalls) === undefined) return undefined;
  const get = (key: string) => findAttribute(attributes, key);
  const totalTokens = number(get(TRACE_ATTRIBUTES.totalTokens));
  const cost = rootCostUsd(span);
  const metadata: Record<string, string> = { input_usd: String(cost.input), output_usd: String(cost.output) };
  for (const [name, key] of Object.entries(METADATA_ATTRIBUTES)) {
    const value = get(key);
    if (value === undefined) continue;
    metadata[name] = stringOf(value) ?? String(number(value));
  }
  return {
    costUsd: cost.total,
    totalTokens,
    inputTokens: number(get(TOKEN_ATTRIBUTES.input)),
    outputTokens: number(get(TOKEN_ATTRIBUTES.output)),
    rationale: `${totalTokens} tokens across ${providerCount(stringOf(get(TRACE_ATTRIBUTES.providers)))} provider(s)`,
    metadata,
  };
}

function providerCount(breakdown: string | undefined): number {
  if (breakdown === undefined) return 0;
  try {
    const rows: unknown = JSON.parse(breakdown);
    return Array.isArray(rows) ? rows.length : 0;
  } catch {
    return 0;
  }
}
