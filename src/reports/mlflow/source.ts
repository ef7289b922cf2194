/**
 * Reads the traces of an experiment in a time window from MLflow: trace search page by page, then the spans in
 * batches of 10 (as MLflow's Python client does; a trace kept as an artifact is fetched on its own) with a bounded
 * number of requests in flight. Each trace is handed to the caller as soon as its batch arrives, so a report over
 * many traces never holds all their spans at once.
 */
import type { Span } from '../../otlp/index.js';
import { mapConcurrent } from '../concurrency.js';
import type { ReportTrace } from '../trace.js';
import { windowFilter } from '../window.js';
import type { TimeWindow } from '../window.js';
import { MlflowError } from '../../exporters/mlflow/client.js';
import type { ReportsMlflowClient } from './client.js';
import { artifactSpanToOtlp, toOtlpSpan } from './convertSpan.js';
import { toReportTrace } from './traceInfo.js';
import type { TraceInfoJson } from './wire.js';

/** `MLFLOW_SEARCH_TRACES_MAX_BATCH_SIZE` of MLflow's Python client. */
export const BATCH_SIZE = 10;
const DEFAULT_CONCURRENCY = 8;

export interface FetchProgress {
  /** Called once the search knows how many traces there are, then after every batch. */
  (done: number, total: number): void;
}

export interface TraceQuery {
  experimentId: string;
  window: TimeWindow;
}

/** Every trace info in the window, oldest first. */
export async function searchTraceInfos(client: ReportsMlflowClient, query: TraceQuery): Promise<TraceInfoJson[]> {
  const infos: TraceInfoJson[] = [];
  const filter = windowFilter(query.window);
  let pageToken: string | undefined;
  do {
    const page = await client.searchTraces(query.experimentId, filter, pageToken);
    infos.push(...(page.traces ?? []));
    pageToken = page.next_page_token || undefined;
  } while (pageToken !== undefined);
  return infos;
}

/**
 * Where a trace's spans are, as MLflow's Python client decides it (`TracingClient._group_trace_infos_by_location`):
 * in the tracking store when the trace says so, else in its `traces.json` artifact (traces logged to servers older
 * than 3.4, or by clients that cannot log spans). batchGet fails the whole batch on a trace of the second kind.
 */
function spansInTrackingStore(info: TraceInfoJson): boolean {
  return info.tags?.['mlflow.trace.spansLocation'] === 'TRACKING_STORE';
}

/** A trace left out of a report because its spans could not be read, and why. */
export interface SkippedTrace {
  traceId: string;
  reason: string;
}

/**
 * Whether a failed artifact fetch concerns that trace alone (MLflow answered: the artifact is missing, or broken),
 * as opposed to MLflow being unreachable, which would fail every trace after it and so fails the report.
 */
function isTraceUnreadable(error: unknown): boolean {
  return !(error instanceof MlflowError && error.status === undefined);
}

/**
 * The spans of traces kept in the tracking store, by id. MLflow fails a whole batch (500) for one trace it cannot write
 * back (3.14 and 3.17: a span holding an integer beyond 64 bits, as one of the conformance app's traces does): the batch is asked
 * again trace by trace, and a trace MLflow still fails is left out, not the report.
 */
async function readFromStore(
  client: ReportsMlflowClient,
  infos: readonly TraceInfoJson[],
  spansById: Map<string, Span[]>,
  unreadable: Set<string>,
  skipped: SkippedTrace[],
): Promise<void> {
  try {
    const response = await client.batchGetTraces(infos.map((info) => info.trace_id));
    for (const trace of response.traces ?? []) spansById.set(trace.trace_info.trace_id, (trace.spans ?? []).map(toOtlpSpan));
  } catch (error) {
    if (!(error instanceof MlflowError && error.status === 500)) throw error;
    if (infos.length > 1) {
      for (const info of infos) await readFromStore(client, [info], spansById, unreadable, skipped);
      return;
    }
    unreadable.add(infos[0]!.trace_id);
    skipped.push({ traceId: infos[0]!.trace_id, reason: `MLflow could not serve it: ${error.message}` });
  }
}

/**
 * Fetches the spans of these traces and visits each trace. A trace whose `traces.json` artifact cannot be read is
 * left out and returned, as MLflow's Python client skips it (with a warning) instead of failing the search.
 */
export async function visitTraces(
  client: ReportsMlflowClient,
  infos: readonly TraceInfoJson[],
  visit: (trace: ReportTrace) => void | Promise<void>,
  options: { concurrency?: number; onProgress?: FetchProgress } = {},
): Promise<SkippedTrace[]> {
  const batches: TraceInfoJson[][] = [];
  for (let start = 0; start < infos.length; start += BATCH_SIZE) batches.push(infos.slice(start, start + BATCH_SIZE));
  const skipped: SkippedTrace[] = [];
  let done = 0;
  options.onProgress?.(0, infos.length);
  await mapConcurrent(batches, options.concurrency ?? DEFAULT_CONCURRENCY, async (batch) => {
    const spansById = new Map<string, Span[]>();
    const unreadable = new Set<string>();
    const inStore = batch.filter(spansInTrackingStore);
    if (inStore.length > 0) await readFromStore(client, inStore, spansById, unreadable, skipped);
    for (const info of batch.filter((entry) => !spansInTrackingStore(entry))) {
      try {
        spansById.set(info.trace_id, ((await client.getTraceArtifact(info.trace_id)).spans ?? []).map(artifactSpanToOtlp));
      } catch (error) {
        if (!isTraceUnreadable(error)) throw error;
        unreadable.add(info.trace_id);
        skipped.push({ traceId: info.trace_id, reason: `its spans artifact could not be read: ${(error as Error).message}` });
      }
    }
    // The search's info is kept (it carries the assessments); the fetches only contribute spans.
    for (const info of batch) {
      if (unreadable.has(info.trace_id)) continue;
      await visit(toReportTrace(info, spansById.get(info.trace_id) ?? []));
    }
    done += batch.length;
    options.onProgress?.(done, infos.length);
  });
  return skipped;
}
