/**
 * The otlphttp exporter against a backend that answers what each test scripts (a `node:http` server): throttling
 * with Retry-After, a permanent 400 with a google.rpc.Status, a full queue, an endpoint down at first, a partial
 * success (also in OTLP/JSON), and a restart on disk storage. Spans come from the real OTel JS exporter through the whole sidecar
 * (receiver, cost estimator, trace assembly); each test ends with what the backend got, span by span.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeExportTraceResponse, encodeRpcStatus } from '../../src/otlp/index.js';
import { telemetry } from '../../src/telemetry/metrics.js';
import { capturedLogger } from '../fixtures/captured-logs.js';
import { waitFor } from '../e2e/ledger-sidecar.js';
import { runTokenmeterCommand } from '../e2e/tokenmeter-process.js';
import { getFreePort } from '../harness/ports.js';
import { FAST_RETRY, deadLetterLines, expectPartialSuccessWarnings, sentSpanIds } from './forwarding-faults.js';
import { startScriptedOtlpEndpoint } from './scripted-otlp-endpoint.js';
import type { ScriptedAnswer, ScriptedEndpoint } from './scripted-otlp-endpoint.js';
import { startSidecarWith } from './sidecar.js';
import type { SidecarOptions } from './sidecar.js';
import { buildTraces, exportAll, startProxy } from './workload.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const OK: ScriptedAnswer = { status: 200 };

async function endpoint(answer: Parameters<typeof startScriptedOtlpEndpoint>[0], port?: number): Promise<ScriptedEndpoint> {
  const started = await startScriptedOtlpEndpoint(answer, port);
  cleanups.push(() => started.close());
  return started;
}

async function sidecar(exporterId: string, exporter: Record<string, unknown>, options: SidecarOptions = {}) {
  const started = await startSidecarWith({ [exporterId]: { retry_on_failure: FAST_RETRY, ...exporter } }, options);
  cleanups.push(() => started.shutdown());
  return started;
}

async function allDelivered(backend: ScriptedEndpoint, count: number): Promise<string[]> {
  await waitFor(`${count} spans answered 2xx`, () => (backend.deliveredSpanIds().length >= count ? true : undefined), 60_000);
  return backend.deliveredSpanIds().sort();
}

describe('otlphttp exporter faults', () => {
  it('503 with Retry-After, then 200: the batch is sent again once, after the delay the server asked for', async () => {
    const backend = await endpoint((request) => (request.index === 0 ? { status: 503, headers: { 'Retry-After': '2' }, body: 'overloaded' } : OK));
    const tokenmeter = await sidecar('otlphttp', { endpoint: backend.url });
    const { spans } = buildTraces(2, 100);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);

    expect(await allDelivered(backend, spans.length)).toEqual(sentSpanIds(spans)); // each span once
    const [refused, ...rest] = backend.received;
    const retry = rest.find((request) => request.spans.some((span) => refused!.spans.some((first) => first.spanId.join() === span.spanId.join())));
    expect(retry!.status).toBe(200);
    expect(retry!.at - refused!.at).toBeGreaterThanOrEqual(2_000);
  });

  it('400 with a google.rpc.Status: not retried, dead-lettered with the server’s message, listed by tokenmeter dlq list', async () => {
    const status = encodeRpcStatus({ code: 3, message: 'span attribute too long for this backend' }, 'protobuf');
    const backend = await endpoint(() => ({ status: 400, headers: { 'Content-Type': 'application/x-protobuf' }, body: status }));
    const tokenmeter = await sidecar('otlphttp/strict', { endpoint: backend.url });
    const { spans } = buildTraces(2, 200);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);

    const listed = await deadLetterLines(tokenmeter, spans.length);
    for (const line of listed) {
      expect(line).toContain('\totlphttp/strict\t');
      expect(line).toContain(`${backend.url}/v1/traces answered 400: span attribute too long for this backend`);
    }
    expect(backend.received).toHaveLength(listed.length); // one request per batch: a 400 is never retried
    const metric = await telemetry.registry.getSingleMetricAsString('tokenmeter_exporter_dead_lettered_batches_total');
    expect(metric).toContain(`tokenmeter_exporter_dead_lettered_batches_total{exporter="otlphttp/strict"} ${listed.length}`);
  });

  it('dead letters past sending_queue.dead_letters.max_bytes are dropped, and /metrics counts them', async () => {
    const backend = await endpoint(() => ({ status: 401, body: 'wrong token' }));
    const tokenmeter = await sidecar('otlphttp/locked', { endpoint: backend.url, sending_queue: { dead_letters: { max_bytes: '1KiB' } } });
    const { spans } = buildTraces(4, 100);
    expect(new Set(await exportAll(tokenmeter.http, spans))).toEqual(new Set([0]));

    const sample = async (name: string) => Number(new RegExp(`${name}\\{exporter="otlphttp/locked"\\} (\\d+)`).exec(await telemetry.registry.getSingleMetricAsString(name))?.[1] ?? 0);
    const storage = path.join(tokenmeter.dir, 'state.db');
    // Each batch is over 1 KiB: every dead letter is dropped in its turn, and each drop is counted.
    const { failed, kept, dropped } = await waitFor('every dead letter dropped and counted', async () => {
      const failed = await sample('tokenmeter_exporter_dead_lettered_batches_total');
      const dropped = await sample('tokenmeter_exporter_dead_letters_dropped_batches_total');
      const { stdout } = await runTokenmeterCommand(['dlq', 'list', '--storage', storage], tokenmeter.dir);
      const kept = stdout.split('\n').filter((line) => /^\d+\t/.test(line)).length;
      return failed > 1 && failed === backend.received.length && dropped + kept === failed ? { failed, kept, dropped } : undefined;
    });
    expect(kept).toBe(0);
    expect(dropped).toBe(failed);
  });

  it('a full sending queue answers 429 to the app; once the backend answers, everything arrives once', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const backend = await endpoint(async () => {
      await gate;
      return OK;
    });
    const tokenmeter = await sidecar('otlphttp', { endpoint: backend.url, sending_queue: { queue_size: 1, num_consumers: 1 } });
    const app = await startProxy(tokenmeter.http.replace('/v1/traces', ''), () => 0);
    cleanups.push(() => app.close());
    const opened = waitFor('the app got a 429', () => (app.statuses.includes(429) ? true : undefined), 60_000).then(open);

    const { spans } = buildTraces(8, 300);
    const codes = await exportAll(`${app.url}/v1/traces`, spans, 3, 4);
    await opened;
    expect(codes.every((code) => code === 0)).toBe(true);
    expect(await allDelivered(backend, spans.length)).toEqual(sentSpanIds(spans));
  });

  it('endpoint unreachable, then up: acknowledged to the app at once, delivered once it listens', async () => {
    const port = await getFreePort();
    const { logger, lines } = capturedLogger();
    const tokenmeter = await sidecar('otlphttp', { endpoint: `http://127.0.0.1:${port}` }, { logger });
    const { spans } = buildTraces(2, 400);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);
    await waitFor('a refused connection logged', () =>
      lines.find((line) => line.msg === 'otlphttp delivery failed; retrying' && String(line['reason']).includes('ECONNREFUSED')),
    );

    const backend = await endpoint(() => OK, port);
    expect(await allDelivered(backend, spans.length)).toEqual(sentSpanIds(spans));
  });

  it('partial_success: logged as a warning with the rejected count, never sent again', async () => {
    const partial = encodeExportTraceResponse({ rejectedSpans: 1, errorMessage: 'span too old' }, 'protobuf');
    const backend = await endpoint(() => ({ status: 200, headers: { 'Content-Type': 'application/x-protobuf' }, body: partial }));
    const { logger, lines } = capturedLogger();
    const tokenmeter = await sidecar('otlphttp', { endpoint: backend.url }, { logger });
    const { spans } = buildTraces(2, 500);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);

    expect(await allDelivered(backend, spans.length)).toEqual(sentSpanIds(spans)); // no span twice: nothing retried
    expectPartialSuccessWarnings(lines, backend.received.length);
  });

  it('encoding: json sends OTLP/JSON (gzipped), every span once; a JSON partial success without a content type is still read', async () => {
    const partial = encodeExportTraceResponse({ rejectedSpans: 1, errorMessage: 'span too old' }, 'json');
    const backend = await endpoint(() => ({ status: 200, body: partial }));
    const { logger, lines } = capturedLogger();
    const tokenmeter = await sidecar('otlphttp', { endpoint: backend.url, encoding: 'json' }, { logger });
    const { spans } = buildTraces(2, 550);
    expect(await exportAll(tokenmeter.http, spans)).toEqual([0]);

    expect(await allDelivered(backend, spans.length)).toEqual(sentSpanIds(spans)); // decoded from JSON by the backend
    for (const request of backend.received) expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expectPartialSuccessWarnings(lines, backend.received.length);
  });

  it('batches waiting at shutdown stay on disk and are delivered by the next start on the same storage', async () => {
    const port = await getFreePort();
    const first = capturedLogger();
    const before = await startSidecarWith({ otlphttp: { endpoint: `http://127.0.0.1:${port}`, retry_on_failure: FAST_RETRY } }, { logger: first.logger });
    let stopped = false;
    cleanups.push(async () => stopped || before.shutdown());
    const { spans } = buildTraces(3, 600);
    expect(await exportAll(before.http, spans)).toEqual([0, 0]);
    await before.shutdown(1_000);
    stopped = true;
    expect(first.lines.some((line) => line.msg === 'shutdown deadline reached: batches kept for the next start')).toBe(true);

    const backend = await endpoint(() => OK, port);
    const second = capturedLogger();
    await sidecar('otlphttp', { endpoint: backend.url }, { dir: before.dir, logger: second.logger });
    expect(await allDelivered(backend, spans.length)).toEqual(sentSpanIds(spans));
    expect(second.lines.some((line) => line.msg === 'resuming the otlphttp sending queue of the previous run')).toBe(true);
  });

  it('sends the configured headers, gzip by default, and the raw protobuf with compression: none', async () => {
    const backend = await endpoint(() => OK);
    const headers = { Authorization: 'Bearer s3cret', 'X-Scope-OrgID': 'tenant-a' };
    const gzipped = await sidecar('otlphttp/gzip', { traces_endpoint: `${backend.url}/v1/traces`, headers });
    const plain = await sidecar('otlphttp/plain', { endpoint: backend.url, compression: 'none', headers });
    const [one, two] = [buildTraces(1, 700), buildTraces(1, 800)];
    await exportAll(gzipped.http, one.spans);
    await exportAll(plain.http, two.spans);
    await allDelivered(backend, one.spans.length + two.spans.length);

    const ids = (spans: typeof one.spans) => new Set(sentSpanIds(spans));
    const by = (wanted: Set<string>) => backend.received.filter((request) => request.spans.every((span) => wanted.has(Buffer.from(span.spanId).toString('hex'))));
    for (const request of backend.received) {
      expect(request.headers['authorization']).toBe('Bearer s3cret');
      expect(request.headers['x-scope-orgid']).toBe('tenant-a');
      expect(request.headers['content-type']).toBe('application/x-protobuf');
    }
    for (const request of by(ids(one.spans))) expect(request.headers['content-encoding']).toBe('gzip');
    for (const request of by(ids(two.spans))) expect(request.headers['content-encoding']).toBeUndefined();
    expect(by(ids(one.spans)).length + by(ids(two.spans)).length).toBe(backend.received.length);
  });
});
