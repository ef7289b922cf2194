import { isRootSpan } from '../../otlp/index.js';
import type { Span } from '../../otlp/index.js';
import { UNKNOWN_WORKFLOW } from '../trace.js';
import type { ReportTrace, TraceState } from '../trace.js';
import type { TraceInfoJson } from './wire.js';

/** `tr-0af7…` from the stored id, which may carry literal JSON quotes (mlflow-wire.md §2.2). */
export function plainTraceId(storedId: string): string {
  return storedId.length >= 2 && storedId.startsWith('"') && storedId.endsWith('"') ? storedId.slice(1, -1) : storedId;
}

/** MLflow's states are OK, ERROR, IN_PROGRESS and STATE_UNSPECIFIED; the last is a trace still arriving too. */
function stateOf(state: string | undefined): TraceState {
  return state === 'OK' || state === 'ERROR' ? state : 'IN_PROGRESS';
}

/** `"1.234s"` (proto Duration JSON) → milliseconds. */
export function durationToMs(duration: string | undefined): number {
  if (duration === undefined) return 0;
  const seconds = Number.parseFloat(duration);
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0;
}

export function toReportTrace(info: TraceInfoJson, spans: Span[]): ReportTrace {
  const root = spans.find(isRootSpan);
  const tags = info.tags ?? {};
  return {
    storedId: info.trace_id,
    traceId: plainTraceId(info.trace_id),
    state: stateOf(info.state),
    startMs: info.request_time === undefined ? 0 : Date.parse(info.request_time),
    durationMs: durationToMs(info.execution_duration),
    workflow: root?.name || tags['mlflow.traceName'] || UNKNOWN_WORKFLOW,
    tags,
    assessments: info.assessments ?? [],
    spans,
  };
}
