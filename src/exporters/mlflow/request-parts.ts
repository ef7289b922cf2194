/**
 * How many traces one request to MLflow carries. MLflow 3.9 stores each trace of a request in a transaction of its
 * own (mlflow-wire.md §1.1), so a request takes time by its traces: 1,000 traces finishing together (an evaluation
 * run) outlast any sensible `timeout` as one request, and a request that times out was stored all the same.
 */
import { countSpans, decodeTracesProtobuf, encodedRequest, encodeWithin, splitBySpans, splitByTraces, traceCount } from '../../otlp/index.js';
import type { EncodedRequest, RequestLimit, TracesData } from '../../otlp/index.js';

/** `exporters.mlflow.sending_queue.batch`: the Collector's bound on spans or bytes, and MLflow's on traces (0: none). */
export interface MlflowRequestLimit extends RequestLimit {
  max_traces: number;
}

/** The batch as the requests `limit` allows: at most `max_traces` traces each, then within `sizer` / `max_size`. */
export function requestsWithin(data: TracesData, limit: MlflowRequestLimit): EncodedRequest[] {
  // Most requests hold fewer traces than the bound: they are sent as they came, not rebuilt.
  const byTraces = limit.max_traces === 0 || traceCount(data) <= limit.max_traces ? [data] : splitByTraces(data, limit.max_traces);
  return byTraces.flatMap((part) => encodeWithin(part, limit));
}

/**
 * A batch sent again in two smaller requests (MLflow, or a proxy, refused it as too large, or took too long over it):
 * by traces while it holds several, each trace whole in one half; a single trace by its spans.
 */
export function halves(body: Uint8Array): EncodedRequest[] {
  const data = decodeTracesProtobuf(body);
  const traces = traceCount(data);
  const parts = traces < 2 ? splitBySpans(data, Math.ceil(countSpans(data) / 2)) : splitByTraces(data, Math.ceil(traces / 2));
  return parts.map(encodedRequest);
}
