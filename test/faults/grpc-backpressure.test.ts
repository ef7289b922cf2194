/**
 * Backpressure over gRPC with the real OTel JS gRPC exporter: a full MLflow sending queue makes the receiver answer
 * UNAVAILABLE with a RetryInfo, the app retries after the delay it names, and MLflow ends up with exactly what the
 * app sent. The OTel JS gRPC exporter (0.223) reports every gRPC error as a failure and never retries by itself
 * (its transport has no 'retryable' outcome), so the app's retry loop is here, as an app using it needs one; it
 * waits exactly what the RetryInfo says.
 */
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { decodeRpcStatus } from '../../src/otlp/index.js';
import type { RpcStatus } from '../../src/otlp/index.js';
import { GrpcCode } from '../../src/receivers/otlp/grpc-codes.js';
import { createUniqueExperiment } from '../harness/mlflow-client.js';
import { startSidecar } from './sidecar.js';
import { buildTraces, expectedTraces, startProxy, storedTraces } from './workload.js';

const mlflowUrl = inject('mlflowUrl');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MAX_ATTEMPTS = 40;

/** The `google.rpc.Status` a gRPC error carries in its trailers. */
function statusDetails(metadata: Metadata): RpcStatus | undefined {
  const details = metadata.get('grpc-status-details-bin')[0];
  return details instanceof Buffer ? decodeRpcStatus(details, 'protobuf') : undefined;
}

/** Exports one batch until it is accepted, waiting what each refusal's RetryInfo asks; returns the refusals seen. */
async function exportRetrying(exporter: GrpcTraceExporter, batch: readonly ReadableSpan[]): Promise<RpcStatus[]> {
  const refusals: RpcStatus[] = [];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export([...batch], resolve));
    if (result.code === 0) return refusals;
    const error = result.error as ServiceError;
    const status = statusDetails(error.metadata) ?? { code: error.code, message: error.details };
    refusals.push(status);
    if (status.code !== GrpcCode.UNAVAILABLE || status.retryDelaySeconds === undefined) return refusals; // not backpressure
    await new Promise((resolve) => setTimeout(resolve, status.retryDelaySeconds! * 1000));
  }
  throw new Error(`still refused after ${MAX_ATTEMPTS} attempts`);
}

describe('gRPC backpressure', () => {
  it('a full sending queue answers UNAVAILABLE with RetryInfo; the app retries after the delay and everything arrives', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'faults-grpc-queue-full');
    const slowMlflow = await startProxy(mlflowUrl, (method) => (method === 'POST' ? 300 : 0));
    cleanups.push(() => slowMlflow.close());
    const sidecar = await startSidecar(slowMlflow.url, experimentId, { sending_queue: { queue_size: 1, num_consumers: 1 } });
    cleanups.push(() => sidecar.shutdown());

    const { spans, sent } = buildTraces(8, 600);
    // One trace (two calls, then the root) per request, four apps' requests at a time.
    const batches = Array.from({ length: spans.length / 3 }, (_, i) => spans.slice(i * 3, i * 3 + 3));
    const exporter = new GrpcTraceExporter({ url: sidecar.grpc, timeoutMillis: 10_000 });
    const refusals: RpcStatus[] = [];
    for (let i = 0; i < batches.length; i += 4) {
      for (const seen of await Promise.all(batches.slice(i, i + 4).map((batch) => exportRetrying(exporter, batch)))) refusals.push(...seen);
    }
    await exporter.shutdown();

    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      expect(refusal.code).toBe(GrpcCode.UNAVAILABLE);
      expect(refusal.message).toContain('MLflow sending queue is full');
      expect(refusal.retryDelaySeconds).toBeGreaterThan(0);
    }
    expect(await storedTraces(mlflowUrl, sent)).toEqual(expectedTraces(sent));
  });
});
