/** A trace as the reports see it: MLflow's trace info plus its spans in our OTLP model. */
import type { Span, TracesData } from '../otlp/index.js';
import type { AssessmentJson } from './mlflow/wire.js';

export type TraceState = 'OK' | 'ERROR' | 'IN_PROGRESS';

export interface ReportTrace {
  /** The id exactly as MLflow stores it; traces the MLflow SDK sent over OTLP keep literal quotes (`"tr-…"`). */
  storedId: string;
  /** `tr-<32 hex>`, the id people see in MLflow's UI. */
  traceId: string;
  state: TraceState;
  /** When the trace started (MLflow's `request_time`), ms since the epoch. */
  startMs: number;
  durationMs: number;
  /** The root span's name, or the `mlflow.traceName` tag while the root has not arrived. */
  workflow: string;
  tags: Readonly<Record<string, string>>;
  assessments: readonly AssessmentJson[];
  spans: Span[];
}

export const UNKNOWN_WORKFLOW = '(unknown)';

/** The trace's spans as one pipeline batch, for the pipeline's own processors and readers to run over. */
export function traceBatch(trace: ReportTrace): TracesData {
  return { resourceSpans: [{ resource: undefined, scopeSpans: [{ scope: undefined, spans: trace.spans, schemaUrl: '' }], schemaUrl: '' }] };
}
