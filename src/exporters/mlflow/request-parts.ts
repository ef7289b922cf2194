/**
 * How many traces one request to MLflow carries. MLflow 3.9 stores each trace of a request in a transaction of its
 * own (mlflow-wire.md §1.1), so a request takes time by its traces: 1,000 traces finishing together (an evaluation
 * run) outlast any sensible `timeout` as one request, and a request that times out was stored all the same.
 */
import { countSpans, decodeTracesProtobuf, encodeTracesProtobuf, encodeWithin, splitBySpans, toHex } from '../../otlp/index.js';
import type { EncodedRequest, RequestLimit, ResourceSpans, ScopeSpans, TracesData } from '../../otlp/index.js';

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
  return parts.map((part) => ({ body: encodeTracesProtobuf(part), spans: countSpans(part), data: part }));
}

/**
 * Here and in splitByTraces trace ids are compared in full (hex), not as `traceKey` folds them: ids whose halves are
 * alike fold to one key, and would count as one trace.
 */
export function traceCount(data: TracesData): number {
  const traces = new Set<string>();
  let previous: Uint8Array | undefined;
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        // Spans of one trace mostly come together: the same id as the span before needs no text made of it.
        if (previous !== undefined && sameBytes(previous, span.traceId)) continue;
        previous = span.traceId;
        traces.add(toHex(span.traceId));
      }
    }
  }
  return traces.size;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let at = 0; at < a.length; at++) if (a[at] !== b[at]) return false;
  return true;
}

/**
 * The batch in parts of at most `maxTraces` traces, in the order traces first appear, every span of a trace in the
 * same part. A part repeats the resource and scope entries its spans belong to (shared objects, not copies), unknown
 * fields included, and keeps its spans in their order.
 */
export function splitByTraces(data: TracesData, maxTraces: number): TracesData[] {
  const partOfTrace = new Map<string, number>();
  const parts: Array<{ data: TracesData; resourceFrom?: ResourceSpans; scopeFrom?: ScopeSpans; scope?: ScopeSpans }> = [];
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        const trace = toHex(span.traceId);
        let index = partOfTrace.get(trace);
        if (index === undefined) partOfTrace.set(trace, (index = Math.floor(partOfTrace.size / maxTraces)));
        const part = (parts[index] ??= { data: { resourceSpans: [] } });
        if (part.resourceFrom !== resourceSpans) {
          part.resourceFrom = resourceSpans;
          part.scopeFrom = undefined;
          const { resource, schemaUrl, unknownFields } = resourceSpans;
          part.data.resourceSpans.push({ resource, scopeSpans: [], schemaUrl, unknownFields });
        }
        if (part.scopeFrom !== scopeSpans) {
          part.scopeFrom = scopeSpans;
          const { scope, schemaUrl, unknownFields } = scopeSpans;
          part.scope = { scope, spans: [], schemaUrl, unknownFields };
          part.data.resourceSpans.at(-1)!.scopeSpans.push(part.scope);
        }
        part.scope!.spans.push(span);
      }
    }
  }
  return parts.map((part) => part.data);
}
