/**
 * The memory limiter in a running sidecar, with real memory: the test process (the sidecar runs in it) takes a
 * ballast that lifts its resident memory over the soft limit, and both receivers turn requests away retryably
 * (HTTP 429 with Retry-After and a google.rpc.Status naming the memory limit, gRPC UNAVAILABLE with RetryInfo). The
 * real OTel JS HTTP exporter retries after the delay it is given; once the ballast is gone it gets through, the app
 * sends the gRPC batch again, and the ledger ends up with every call the app sent, each once.
 */
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRpcStatus } from '../../src/otlp/index.js';
import type { RpcStatus } from '../../src/otlp/index.js';
import { GrpcCode } from '../../src/receivers/otlp/grpc-codes.js';
import { telemetry } from '../../src/telemetry/metrics.js';
import { readLedger, waitFor } from '../e2e/ledger-sidecar.js';
import { startSidecarWith } from './sidecar.js';
import { buildTraces, exportAll, startProxy } from './workload.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MIB = 1024 * 1024;
const rssMib = (): number => process.memoryUsage.rss() / MIB;

// The ballast must be freed when the test says so, not whenever V8 next collects: its memory goes back to the
// system only once the buffer is collected.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** The limiter's gauge as /metrics shows it. */
async function refusingGauge(): Promise<string> {
  return (await telemetry.registry.getSingleMetricAsString('tokenmeter_memory_limiter_refusing')).split('\n').at(-1)!;
}

async function freeBallast(): Promise<void> {
  for (let round = 0; round < 2; round++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What a gRPC export answered: OK (0), or the status with what `grpc-status-details-bin` says. */
async function grpcExport(exporter: GrpcTraceExporter, spans: readonly ReadableSpan[]): Promise<RpcStatus | 0> {
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export([...spans], resolve));
  if (result.code === 0) return 0;
  const error = result.error as ServiceError & { metadata: Metadata };
  const details = error.metadata?.get('grpc-status-details-bin')[0];
  return details instanceof Buffer ? decodeRpcStatus(details, 'protobuf') : { code: error.code, message: error.details };
}

describe('memory limiter', () => {
  it('turns requests away retryably while memory is over the soft limit; the apps retry and everything arrives once', async () => {
    // Soft limit 250 MiB above what the process uses now; the ballast lifts it 500 MiB.
    const limitMib = Math.ceil(rssMib()) + 500;
    const ledgerPath = path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-memory-')), 'ledger.db');
    const sidecar = await startSidecarWith(
      { ledger: { path: ledgerPath } },
      { memoryLimiter: { check_interval: '100ms', limit_mib: limitMib, spike_limit_mib: 250 } },
    );
    cleanups.push(() => sidecar.shutdown());
    const app = await startProxy(sidecar.http, () => 0);
    const appUrl = `${app.url}/v1/traces`;
    cleanups.push(() => app.close());
    const { spans, sent } = buildTraces(6, 900);
    const traceSpans = (from: number, to: number) => spans.filter((span) => sent.slice(from, to).some((trace) => trace.traceId === span.spanContext().traceId));

    expect(await exportAll(appUrl, traceSpans(0, 2))).toEqual([0]);

    // Held in an array so that dropping it is a statement, not an assignment nobody reads.
    const ballast = [Buffer.allocUnsafeSlow(500 * MIB).fill(1)];
    const refused = await waitFor('a refusal over the soft limit', async () => {
      const response = await fetch(sidecar.http, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(0) });
      return response.status === 429 ? response : undefined;
    });
    expect(refused.headers.get('retry-after')).toBe('1');
    const status = decodeRpcStatus(new Uint8Array(await refused.arrayBuffer()), 'protobuf');
    expect(status.code).toBe(GrpcCode.RESOURCE_EXHAUSTED);
    expect(status.message).toMatch(/^tokenmeter is refusing data to stay within its memory limit: resident memory \d+ MiB is over the soft limit \d+ MiB/);

    expect(await refusingGauge()).toBe('tokenmeter_memory_limiter_refusing{component="memory_limiter@traces"} 1');

    const grpc = new GrpcTraceExporter({ url: sidecar.grpc, timeoutMillis: 10_000 });
    cleanups.push(() => grpc.shutdown());
    const grpcRefusal = await grpcExport(grpc, traceSpans(2, 4));
    expect(grpcRefusal).toMatchObject({ code: GrpcCode.UNAVAILABLE, retryDelaySeconds: 1, message: expect.stringContaining('memory limit') });

    // The HTTP exporter is refused and retries after Retry-After by itself; the ballast goes while it waits.
    const statusesBefore = app.statuses.length;
    const exported = exportAll(appUrl, traceSpans(4, 6));
    await waitFor('the HTTP exporter to be refused', () => (app.statuses.slice(statusesBefore).includes(429) ? true : undefined));
    ballast.pop();
    await freeBallast();
    expect(await exported).toEqual([0]);
    const answers = app.statuses.slice(statusesBefore);
    expect(answers.at(-1)).toBe(200);
    expect(answers.slice(0, -1).length).toBeGreaterThan(0);
    expect(answers.slice(0, -1).every((answer) => answer === 429)).toBe(true);

    expect(await refusingGauge()).toBe('tokenmeter_memory_limiter_refusing{component="memory_limiter@traces"} 0');

    // The gRPC app sends its refused batch again, as it was told.
    expect(await grpcExport(grpc, traceSpans(2, 4))).toBe(0);

    const calls = await waitFor('every call in the ledger', () => {
      const rows = readLedger(ledgerPath).calls;
      return rows.length >= 12 ? rows : undefined;
    });
    expect(calls).toHaveLength(12);
    expect(new Set(calls.map((call) => call.span_id)).size).toBe(12);
    const tokensOf = (traceId: string) => {
      const rows = calls.filter((call) => call.trace_id === traceId);
      return { input: rows.reduce((sum, call) => sum + call.input_tokens, 0), output: rows.reduce((sum, call) => sum + call.output_tokens, 0) };
    };
    for (const trace of sent) expect(tokensOf(trace.traceId)).toEqual({ input: trace.inputTokens, output: trace.outputTokens });
  });
});
