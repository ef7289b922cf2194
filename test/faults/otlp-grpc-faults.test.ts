/**
 * The otlp (gRPC) exporter against a grpc-js backend that answers what each test scripts: UNAVAILABLE with
 * RetryInfo, a permanent INVALID_ARGUMENT, RESOURCE_EXHAUSTED with and without RetryInfo, a partial success, an
 * endpoint down at first; and a TCP server that drops every connection, counting the channel's reconnections. Spans come from the real OTel JS exporter through the whole sidecar (receiver, cost
 * estimator, trace assembly); each test ends with what the backend got, span by span.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { telemetry } from '../../src/telemetry/metrics.js';
import { USER_AGENT } from '../../src/version.js';
import { waitFor } from '../e2e/ledger-sidecar.js';
import { capturedLogger } from '../fixtures/captured-logs.js';
import { getFreePort } from '../harness/ports.js';
import { FAST_RETRY, deadLetterLines, expectPartialSuccessWarnings, sentSpanIds } from './forwarding-faults.js';
import { startScriptedOtlpGrpcEndpoint } from './scripted-otlp-grpc-endpoint.js';
import type { ScriptedGrpcEndpoint, ScriptedStatus } from './scripted-otlp-grpc-endpoint.js';
import { startSidecarWith } from './sidecar.js';
import type { SidecarOptions } from './sidecar.js';
import { buildTraces, exportAll } from './workload.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const OK: ScriptedStatus = { code: GrpcStatus.OK };

async function endpoint(answer: Parameters<typeof startScriptedOtlpGrpcEndpoint>[0], port?: number): Promise<ScriptedGrpcEndpoint> {
  const started = await startScriptedOtlpGrpcEndpoint(answer, port);
  cleanups.push(() => started.close());
  return started;
}

/** A sidecar exporting in plaintext to `address` with the `otlp` exporter `exporterId`. */
async function sidecar(exporterId: string, address: string, exporter: Record<string, unknown> = {}, options: SidecarOptions = {}) {
  const started = await startSidecarWith({ [exporterId]: { endpoint: `http://${address}`, retry_on_failure: FAST_RETRY, ...exporter } }, options);
  cleanups.push(() => started.shutdown());
  return started;
}

async function allDelivered(backend: ScriptedGrpcEndpoint, count: number): Promise<string[]> {
  await waitFor(`${count} spans answered OK`, () => (backend.deliveredSpanIds().length >= count ? true : undefined), 60_000);
  return backend.deliveredSpanIds().sort();
}

describe('otlp (gRPC) exporter faults', () => {
  it('UNAVAILABLE with RetryInfo, then OK: the batch is sent again once, after the delay the server asked for', async () => {
    const backend = await endpoint((call) => (call.index === 0 ? { code: GrpcStatus.UNAVAILABLE, message: 'overloaded', retryDelaySeconds: 2 } : OK));
    const tokenmeter = await sidecar('otlp', backend.address);
    const { spans } = buildTraces(2, 100);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);

    expect(await allDelivered(backend, spans.length)).toEqual(sentSpanIds(spans)); // each span once
    const [refused, ...rest] = backend.received;
    const retry = rest.find((call) => call.spans.some((span) => refused!.spans.some((first) => first.spanId.join() === span.spanId.join())));
    expect(retry!.code).toBe(GrpcStatus.OK);
    expect(retry!.at - refused!.at).toBeGreaterThanOrEqual(2_000);
  });

  it('INVALID_ARGUMENT: not retried, dead-lettered with the status and the server’s message, listed by tokenmeter dlq list', async () => {
    const backend = await endpoint(() => ({ code: GrpcStatus.INVALID_ARGUMENT, message: 'span attribute too long for this backend' }));
    const tokenmeter = await sidecar('otlp/strict', backend.address);
    const { spans } = buildTraces(2, 200);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);

    const listed = await deadLetterLines(tokenmeter, spans.length);
    for (const line of listed) {
      expect(line).toContain('\totlp/strict\t');
      expect(line).toContain(`http://${backend.address} answered INVALID_ARGUMENT: span attribute too long for this backend`);
    }
    expect(backend.received).toHaveLength(listed.length); // one call per batch: never retried
    const metric = await telemetry.registry.getSingleMetricAsString('tokenmeter_exporter_dead_lettered_batches_total');
    expect(metric).toContain(`tokenmeter_exporter_dead_lettered_batches_total{exporter="otlp/strict"} ${listed.length}`);
  });

  it('RESOURCE_EXHAUSTED without RetryInfo is permanent (unless it says the message is too large); with RetryInfo it is retried', async () => {
    const exhausted = await endpoint(() => ({ code: GrpcStatus.RESOURCE_EXHAUSTED, message: 'tenant quota exhausted' }));
    const refusing = await sidecar('otlp/exhausted', exhausted.address);
    const first = buildTraces(1, 300);
    expect(await exportAll(refusing.http, first.spans)).toEqual([0]);
    const listed = await deadLetterLines(refusing, first.spans.length);
    for (const line of listed) expect(line).toContain('answered RESOURCE_EXHAUSTED: tenant quota exhausted');
    expect(exhausted.received).toHaveLength(listed.length);

    const throttling = await endpoint((call) => (call.index === 0 ? { code: GrpcStatus.RESOURCE_EXHAUSTED, message: 'quota', retryDelaySeconds: 1 } : OK));
    const retrying = await sidecar('otlp/throttled', throttling.address);
    const second = buildTraces(1, 310);
    expect(await exportAll(retrying.http, second.spans)).toEqual([0]);
    expect(await allDelivered(throttling, second.spans.length)).toEqual(sentSpanIds(second.spans));
    expect(throttling.received[1]!.at - throttling.received[0]!.at).toBeGreaterThanOrEqual(1_000);
  });

  it('partial_success: logged as a warning with the rejected count, never sent again', async () => {
    const backend = await endpoint(() => ({ code: GrpcStatus.OK, partialSuccess: { rejectedSpans: 1, errorMessage: 'span too old' } }));
    const { logger, lines } = capturedLogger();
    const tokenmeter = await sidecar('otlp', backend.address, {}, { logger });
    const { spans } = buildTraces(2, 400);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);

    expect(await allDelivered(backend, spans.length)).toEqual(sentSpanIds(spans)); // no span twice: nothing retried
    expectPartialSuccessWarnings(lines, backend.received.length);
  });

  it('endpoint unreachable, then up: acknowledged to the app at once, delivered once it listens', async () => {
    const port = await getFreePort();
    const { logger, lines } = capturedLogger();
    const tokenmeter = await sidecar('otlp', `127.0.0.1:${port}`, {}, { logger });
    const { spans } = buildTraces(2, 500);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);
    await waitFor('an unreachable endpoint logged', () =>
      lines.find((line) => line.msg === 'otlp delivery failed; retrying' && String(line['reason']).includes('answered UNAVAILABLE')),
    );

    const backend = await endpoint(() => OK, port);
    expect(await allDelivered(backend, spans.length)).toEqual(sentSpanIds(spans));
  });

  it('a receiver that drops every connection is tried again at the queue\'s retry pace, not on grpc-js\'s own backoff (up to 2 min)', async () => {
    // Accepts each connection and closes it at once, counting them: the channel fails and reconnects on its backoff.
    let connections = 0;
    const dropping = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => dropping.close(resolve)));
    const { port } = dropping.address() as AddressInfo;
    const tokenmeter = await sidecar('otlp', `127.0.0.1:${port}`, { retry_on_failure: { initial_interval: '100ms', max_interval: '300ms' } });
    expect(await exportAll(tokenmeter.http, buildTraces(1, 650).spans)).toEqual([0]);
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    // Capped at 300 ms (±20% jitter), ~20 attempts in 6 s; on grpc-js's default backoff (1 s, ×1.6) there would be 4.
    expect(connections).toBeGreaterThanOrEqual(10);
  });

  it('sends the configured headers as gRPC metadata, and names tokenmeter in user-agent', async () => {
    const backend = await endpoint(() => OK);
    const tokenmeter = await sidecar('otlp', backend.address, { headers: { Authorization: 'Bearer s3cret', 'X-Scope-OrgID': 'tenant-a' } });
    const { spans } = buildTraces(1, 600);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);
    await allDelivered(backend, spans.length);
    for (const call of backend.received) {
      expect(call.metadata).toMatchObject({ authorization: 'Bearer s3cret', 'x-scope-orgid': 'tenant-a' });
      expect(String(call.metadata['user-agent'])).toMatch(new RegExp(`^${USER_AGENT} grpc-node-js/`));
    }
  });
});
