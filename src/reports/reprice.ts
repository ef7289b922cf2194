/**
 * `reprice`: what each trace costs under the current catalog and overrides, against the cost assessment MLflow holds
 * for it. With `--write`, a trace already assessed gets a new assessment overriding the old one (MLflow keeps the old
 * one, marked invalid, as history: mlflow-wire.md §5 "Override"), and from then on reprice owns that trace's cost: the
 * exporter leaves an overridden assessment alone (followup-sender.ts). A trace never assessed gets the four
 * assessments the exporter would have logged, under the exporter's ids, from the exporter's own builder.
 */
import { isRootSpan } from '../otlp/index.js';
import { addUsd, roundUsd } from '../pricing/index.js';
import { feedbackAssessments } from '../exporters/mlflow/trace-followups.js';
import type { FeedbackSettings, TraceFeedback } from '../exporters/mlflow/trace-followups.js';
import type { ReportsMlflowClient } from './mlflow/client.js';
import type { AssessmentJson } from './mlflow/wire.js';
import type { Cell, Report } from './output/report.js';
import type { PricedCall } from './priceTrace.js';
import type { ReportTrace } from './trace.js';


export interface RepriceChange {
  traceId: string;
  /** Where the assessment goes: the id as MLflow stores it. */
  storedId: string;
  workflow: string;
  calls: number;
  unpricedCalls: number;
  /** The valid cost assessment now on the trace, if any. */
  current: AssessmentJson | undefined;
  oldUsd: number | undefined;
  newUsd: number;
  deltaUsd: number;
  /** The trace's feedback as the exporter would log it now; filled in only when the change is to be written. */
  feedback?: TraceFeedback | undefined;
}

/** The newest valid cost assessment of our source: the one MLflow shows. */
export function currentCostAssessment(trace: ReportTrace, settings: FeedbackSettings): AssessmentJson | undefined {
  return trace.assessments
    .filter((entry) => entry.valid !== false && entry.assessment_name === settings.names.cost_usd && entry.source?.source_id === settings.source_id)
    .sort((a, b) => Date.parse(b.create_time ?? '') - Date.parse(a.create_time ?? ''))[0];
}

function feedbackNumber(assessment: AssessmentJson | undefined): number | undefined {
  const value = assessment?.feedback?.value;
  // Long decimals come back as text from the BigInt-safe parser.
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

/** The change reprice would make to a trace, or undefined when the assessment already holds today's price. */
export function plannedChange(trace: ReportTrace, calls: readonly PricedCall[], settings: FeedbackSettings): RepriceChange | undefined {
  const newUsd = calls.reduce((sum, call) => addUsd(sum, call.costUsd ?? 0), 0);
  const current = currentCostAssessment(trace, settings);
  const oldUsd = feedbackNumber(current);
  // A trace without model calls and without an assessment has nothing to price; one whose root has not arrived is
  // assessed first by the exporter when it does, as any other.
  if (current === undefined && (calls.length === 0 || !trace.spans.some(isRootSpan))) return undefined;
  if (oldUsd !== undefined && roundUsd(oldUsd) === newUsd) return undefined;
  return {
    traceId: trace.traceId,
    storedId: trace.storedId,
    workflow: trace.workflow,
    calls: calls.length,
    unpricedCalls: calls.filter((call) => call.costUsd === undefined).length,
    current,
    oldUsd,
    newUsd,
    deltaUsd: roundUsd(newUsd - (oldUsd ?? 0)),
  };
}

/**
 * Writes a planned change (its `feedback` filled in): overrides the current cost assessment, keeping its source and
 * taking the breakdown of today's prices, or creates the trace's first four assessments as the exporter would, so that
 * a tokenmeter exporting the trace later finds its ids taken and updates them instead of adding a second set.
 */
export async function writeChange(client: ReportsMlflowClient, change: RepriceChange, settings: FeedbackSettings, now: Date): Promise<void> {
  const fresh = change.feedback === undefined ? [] : feedbackAssessments(change.traceId, change.feedback, settings);
  const previous = change.current;
  if (previous === undefined) {
    // plannedChange only plans a first assessment for a trace with its root, which trace assembly always enriches.
    if (fresh.length === 0) throw new Error(`${change.traceId}: trace assembly gave no feedback to assess the trace with`);
    // Stored ids may carry literal quotes (mlflow-wire.md §2.2): the request goes there, the ids stay the exporter's.
    for (const assessment of fresh) await client.createAssessment({ ...assessment, trace_id: change.storedId });
    return;
  }
  const freshCost = fresh.find((assessment) => assessment.assessment_name === settings.names.cost_usd);
  const rationale = freshCost?.rationale ?? previous.rationale;
  await client.createAssessment({
    assessment_name: previous.assessment_name,
    trace_id: change.storedId,
    source: previous.source ?? { source_type: settings.source_type, source_id: settings.source_id },
    feedback: { value: change.newUsd },
    ...(rationale === undefined ? {} : { rationale }),
    metadata: {
      ...previous.metadata,
      ...freshCost?.metadata,
      repriced_at: now.toISOString(),
      ...(change.oldUsd === undefined ? {} : { repriced_from_usd: String(change.oldUsd) }),
    },
    overrides: previous.assessment_id,
  });
}

export function repriceReport(changes: readonly RepriceChange[], written: boolean, summary: Record<string, Cell>): Report {
  const oldTotal = changes.reduce((sum, change) => addUsd(sum, change.oldUsd ?? 0), 0);
  const newTotal = changes.reduce((sum, change) => addUsd(sum, change.newUsd), 0);
  return {
    summary: { ...summary, mode: written ? 'write' : 'dry-run', traces_to_change: changes.length, ...(written ? { traces_written: changes.length } : {}) },
    sections: [
      {
        title: written ? 'Repriced traces' : 'Traces that would be repriced',
        columns: [
          { key: 'trace_id', header: 'trace', kind: 'text' },
          { key: 'workflow', header: 'workflow', kind: 'text' },
          { key: 'calls', header: 'calls', kind: 'int' },
          { key: 'unpriced', header: 'unpriced', kind: 'int' },
          { key: 'old_usd', header: 'assessed', kind: 'usd' },
          { key: 'new_usd', header: 'repriced', kind: 'usd' },
          { key: 'delta_usd', header: 'delta', kind: 'usd' },
        ],
        rows: changes.map((change) => ({
          trace_id: change.traceId,
          workflow: change.workflow,
          calls: change.calls,
          unpriced: change.unpricedCalls,
          old_usd: change.oldUsd ?? null,
          new_usd: change.newUsd,
          delta_usd: change.deltaUsd,
        })),
        total: { trace_id: 'total', workflow: '', calls: null, unpriced: null, old_usd: roundUsd(oldTotal), new_usd: roundUsd(newTotal), delta_usd: roundUsd(newTotal - oldTotal) },
      },
    ],
  };
}
