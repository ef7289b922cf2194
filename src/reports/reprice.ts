/**
 * `reprice`: what each trace costs under the current catalog and overrides, against the `cost_usd` assessment
 * MLflow holds for it; with `--write`, a new assessment overriding the old one (MLflow keeps the old one, marked
 * invalid, as history: mlflow-wire.md §5 "Override").
 */
import { assessmentId } from '../exporters/mlflow/followup-sender.js';
import type { ReportsMlflowClient } from './mlflow/client.js';
import type { AssessmentJson } from './mlflow/wire.js';
import type { Cell, Report } from './output/report.js';
import type { PricedCall } from './priceTrace.js';
import type { ReportTrace } from './trace.js';

export const COST_ASSESSMENT = 'cost_usd';
/** The exporter's default assessment source (contract.md, "On the MLflow trace"). */
export const DEFAULT_ASSESSMENT_SOURCE = 'cost_estimator';

/** Dollar amounts compared at the 1e-12 USD the pipeline rounds to, so float noise is never "a change". */
function usd(amount: number): number {
  return Math.round(amount * 1e12) / 1e12;
}

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
}

/** The newest valid cost assessment of our source: the one MLflow shows. */
export function currentCostAssessment(trace: ReportTrace, sourceId: string): AssessmentJson | undefined {
  return trace.assessments
    .filter((entry) => entry.valid !== false && entry.assessment_name === COST_ASSESSMENT && entry.source?.source_id === sourceId)
    .sort((a, b) => Date.parse(b.create_time ?? '') - Date.parse(a.create_time ?? ''))[0];
}

function feedbackNumber(assessment: AssessmentJson | undefined): number | undefined {
  const value = assessment?.feedback?.value;
  // Long decimals come back as text from the BigInt-safe parser.
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

/** The change reprice would make to a trace, or undefined when the assessment already holds today's price. */
export function plannedChange(trace: ReportTrace, calls: readonly PricedCall[], sourceId: string): RepriceChange | undefined {
  const newUsd = usd(calls.reduce((sum, call) => sum + (call.costUsd ?? 0), 0));
  const current = currentCostAssessment(trace, sourceId);
  const oldUsd = feedbackNumber(current);
  // A trace without model calls and without an assessment has nothing to price.
  if (current === undefined && calls.length === 0) return undefined;
  if (oldUsd !== undefined && usd(oldUsd) === newUsd) return undefined;
  return {
    traceId: trace.traceId,
    storedId: trace.storedId,
    workflow: trace.workflow,
    calls: calls.length,
    unpricedCalls: calls.filter((call) => call.costUsd === undefined).length,
    current,
    oldUsd,
    newUsd,
    deltaUsd: usd(newUsd - (oldUsd ?? 0)),
  };
}

/**
 * Overrides the current assessment (keeping its source, rationale and metadata), or creates the first one under the
 * exporter's deterministic id, so that a tokenmeter exporting the trace later updates it instead of adding a second.
 */
export async function writeChange(client: ReportsMlflowClient, change: RepriceChange, sourceId: string, now: Date): Promise<void> {
  const previous = change.current;
  await client.createAssessment({
    ...(previous === undefined ? { assessment_id: assessmentId(change.traceId, sourceId, COST_ASSESSMENT) } : {}),
    assessment_name: COST_ASSESSMENT,
    trace_id: change.storedId,
    source: previous?.source ?? { source_type: 'CODE', source_id: sourceId },
    feedback: { value: change.newUsd },
    ...(previous?.rationale === undefined ? {} : { rationale: previous.rationale }),
    metadata: {
      ...previous?.metadata,
      repriced_at: now.toISOString(),
      ...(change.oldUsd === undefined ? {} : { repriced_from_usd: String(change.oldUsd) }),
    },
    ...(previous === undefined ? {} : { overrides: previous.assessment_id }),
  });
}

export function repriceReport(changes: readonly RepriceChange[], written: boolean, summary: Record<string, Cell>): Report {
  const oldTotal = changes.reduce((sum, change) => sum + (change.oldUsd ?? 0), 0);
  const newTotal = changes.reduce((sum, change) => sum + change.newUsd, 0);
  return {
    summary: { ...summary, mode: written ? 'write' : 'dry-run', traces_to_change: changes.length, ...(written ? { assessments_written: changes.length } : {}) },
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
        total: { trace_id: 'total', workflow: '', calls: null, unpriced: null, old_usd: usd(oldTotal), new_usd: usd(newTotal), delta_usd: usd(newTotal - oldTotal) },
      },
    ],
  };
}
