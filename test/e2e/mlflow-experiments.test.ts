/**
 * The experiment a request names. An app sending to MLflow's own OTLP endpoint names its experiment in each request
 * (`OTEL_EXPORTER_OTLP_TRACES_HEADERS=x-mlflow-experiment-id=…`); pointed at tokenmeter instead, it keeps the header.
 * Its traces must land in that experiment whole (the roots trace assembly held and enriched included) with their cost
 * feedback, over OTLP/HTTP (a header) and OTLP/gRPC (metadata); a request without it goes to the configured experiment,
 * and so does every request when `experiment_from_header` is false. Real MLflow, the real OTel JS exporters.
 */
import { Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startSidecar } from '../faults/sidecar.js';
import { buildOversizedSpan, buildTraces, expectedTraces, exportAll, storedTraces } from '../faults/workload.js';
import type { SentTrace } from '../faults/workload.js';
import { createUniqueExperiment, getTrace, waitForTrace } from '../harness/mlflow-client.js';

const mlflowUrl = inject('mlflowUrl');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sidecar(experimentId: string, mlflow: Record<string, unknown> = {}) {
  const started = await startSidecar(mlflowUrl, experimentId, mlflow);
  cleanups.push(() => started.shutdown());
  return started;
}

/** Exports over OTLP/gRPC with the metadata an app sets (`OTEL_EXPORTER_OTLP_TRACES_HEADERS` does the same for gRPC). */
async function exportOverGrpc(url: string, spans: ReturnType<typeof buildTraces>['spans'], headers: Record<string, string>): Promise<number> {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  const exporter = new GrpcTraceExporter({ url, timeoutMillis: 30_000, metadata });
  const code = await new Promise<number>((resolve) => exporter.export([...spans], (result) => resolve(result.code)));
  await exporter.shutdown();
  return code;
}

/** The experiment MLflow filed each trace under. */
async function experimentsOf(traces: readonly SentTrace[]): Promise<string[]> {
  return Promise.all(traces.map(async ({ traceId }) => (await getTrace(mlflowUrl, traceId))?.trace_info.trace_location?.mlflow_experiment?.experiment_id ?? 'none'));
}

describe('the MLflow experiment a request names', () => {
  it('x-mlflow-experiment-id (an OTLP/HTTP header, OTLP/gRPC metadata) sends the request’s traces there, whole and with their feedback; without it, the configured experiment', async () => {
    const configured = await createUniqueExperiment(mlflowUrl, 'experiments-configured');
    const named = await createUniqueExperiment(mlflowUrl, 'experiments-named');
    const tokenmeter = await sidecar(configured);
    const header = { 'x-mlflow-experiment-id': named };

    const overHttp = buildTraces(2, 1_800);
    const overGrpc = buildTraces(2, 1_810);
    const unnamed = buildTraces(2, 1_820);
    expect(await exportAll(tokenmeter.http, overHttp.spans, 6, 1, header)).toEqual([0]);
    expect(await exportOverGrpc(tokenmeter.grpc, overGrpc.spans, header)).toBe(0);
    expect(await exportAll(tokenmeter.http, unnamed.spans)).toEqual([0]);

    // A trace that is its root alone: trace assembly holds it before it is forwarded, so MLflow makes the trace from
    // the held root's request, which must still name the experiment.
    const lone = buildOversizedSpan(10);
    expect(await exportAll(tokenmeter.http, [lone], 1, 1, header)).toEqual([0]);

    const sent = [...overHttp.sent, ...overGrpc.sent, ...unnamed.sent];
    expect(await storedTraces(mlflowUrl, sent)).toEqual(expectedTraces(sent));
    expect(await experimentsOf(sent)).toEqual([...Array(4).fill(named), ...Array(2).fill(configured)]);
    const loneTrace = await waitForTrace(mlflowUrl, lone.spanContext().traceId, (trace) => trace.spans.length === 1);
    expect(loneTrace.trace_info.trace_location?.mlflow_experiment?.experiment_id).toBe(named);
  });

  it('with experiment_from_header false, every request goes to the configured experiment', async () => {
    const configured = await createUniqueExperiment(mlflowUrl, 'experiments-fixed');
    const named = await createUniqueExperiment(mlflowUrl, 'experiments-ignored');
    const tokenmeter = await sidecar(configured, { experiment_from_header: false });
    const { spans, sent } = buildTraces(2, 1_830);
    expect(await exportAll(tokenmeter.http, spans, 6, 1, { 'x-mlflow-experiment-id': named })).toEqual([0]);
    expect(await storedTraces(mlflowUrl, sent)).toEqual(expectedTraces(sent));
    expect(await experimentsOf(sent)).toEqual([configured, configured]);
  });
});
