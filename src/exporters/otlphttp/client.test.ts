import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedOtlpEndpoint } from '../../../test/faults/scripted-otlp-endpoint.js';
import type { ReceivedExport, ScriptedAnswer, ScriptedEndpoint } from '../../../test/faults/scripted-otlp-endpoint.js';
import { getFreePort } from '../../../test/harness/ports.js';
import { encodeTracesProtobuf, encodeExportTraceResponse, encodeRpcStatus } from '../../otlp/index.js';
import { makeRequest, makeSpan } from '../../../test/fixtures/spans.js';
import { compressed, HttpPool } from '../http/request.js';
import { exportTraces } from './client.js';

/** What the backend answers next, or how it answers each request; each test sets it. */
let next: ScriptedAnswer | ((request: ReceivedExport) => ScriptedAnswer) | 'hang' = { status: 200 };
let backend: ScriptedEndpoint;
beforeAll(async () => {
  backend = await startScriptedOtlpEndpoint((request) => (next === 'hang' ? new Promise<ScriptedAnswer>(() => {}) : typeof next === 'function' ? next(request) : next));
});
afterAll(() => backend.close());

const body = encodeTracesProtobuf(makeRequest(makeSpan({ name: 'call' })));
// Every destination of these tests is on this machine: the pool connects directly whatever the environment says.
const pool = new HttpPool('http://127.0.0.1', 5_000);
const send = (timeoutMs = 5_000) => exportTraces({ pool, encoding: 'proto', url: `${backend.url}/v1/traces`, headers: {}, timeoutMs }, body, false);
const protobuf = { 'Content-Type': 'application/x-protobuf' };

describe('OTLP/HTTP answers, classified as the OTLP spec says', () => {
  it('2xx is delivered; a partial success is reported, not retried', async () => {
    next = { status: 200 };
    expect(await send()).toEqual({ result: { outcome: 'delivered' }, partialSuccess: undefined });
    next = { status: 202, headers: protobuf, body: encodeExportTraceResponse({ rejectedSpans: 2, errorMessage: 'too old' }, 'protobuf') };
    expect(await send()).toEqual({ result: { outcome: 'delivered' }, partialSuccess: { rejectedSpans: 2, errorMessage: 'too old' } });
    next = { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"partialSuccess":{"rejectedSpans":"1","errorMessage":"dropped"}}' };
    expect((await send()).partialSuccess).toEqual({ rejectedSpans: 1, errorMessage: 'dropped' });
  });

  it('429, 502, 503, 504 are retried, with Retry-After as seconds or an HTTP-date', async () => {
    for (const status of [429, 502, 503, 504]) {
      next = { status, headers: { 'Retry-After': '7' } };
      expect((await send()).result).toMatchObject({ outcome: 'retry', status, retryAfterMs: 7_000 });
    }
    next = { status: 503, headers: { 'Retry-After': new Date(Date.now() + 60_000).toUTCString() } };
    const { result } = await send();
    expect(result.outcome === 'retry' && result.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('every other status is permanent, with the google.rpc.Status message, else the body as text, cut short', async () => {
    next = { status: 400, headers: protobuf, body: encodeRpcStatus({ code: 3, message: 'bad span' }, 'protobuf') };
    expect((await send()).result).toEqual({ outcome: 'failed', reason: `${backend.url}/v1/traces answered 400: bad span` });
    next = { status: 401, headers: { 'Content-Type': 'application/json' }, body: '{"code":16,"message":"token expired"}' };
    expect((await send()).result).toEqual({ outcome: 'failed', reason: `${backend.url}/v1/traces answered 401: token expired` });
    next = { status: 404, headers: { 'Content-Type': 'text/plain' }, body: '404 page not found' };
    expect((await send()).result).toEqual({ outcome: 'failed', reason: `${backend.url}/v1/traces answered 404: 404 page not found` });
    next = { status: 500, body: 'x'.repeat(10_000) };
    const { result } = await send();
    expect(result).toMatchObject({ outcome: 'failed' });
    expect(result.outcome === 'failed' && result.reason.length).toBeLessThan(600);
  });

  it('307 and 308 are followed, sending the same body again, as Go’s client (the Collector’s) does; a Location still there after 5 is named', async () => {
    next = (request) =>
      request.path === '/v1/traces'
        ? { status: 308, headers: { Location: '/moved/v1/traces' } }
        : request.path === '/moved/v1/traces'
          ? { status: 307, headers: { Location: `${backend.url}/final/v1/traces` } }
          : { status: 200 };
    const before = backend.received.length;
    expect((await send()).result).toEqual({ outcome: 'delivered' });
    expect(backend.received.slice(before).map(({ method, path, spans }) => ({ method, path, spans: spans.length }))).toEqual([
      { method: 'POST', path: '/v1/traces', spans: 1 },
      { method: 'POST', path: '/moved/v1/traces', spans: 1 },
      { method: 'POST', path: '/final/v1/traces', spans: 1 },
    ]);

    next = (request) => ({ status: 308, headers: { Location: `/hop/${request.index}` } });
    const last = backend.received.length + 5;
    expect((await send()).result).toEqual({ outcome: 'failed', reason: `${backend.url}/v1/traces answered 308 (Location: /hop/${last}; 5 redirects followed at most): ` });
  });

  it('a refused connection or a timeout is retried', async () => {
    const closed = await getFreePort();
    const refused = await exportTraces({ pool, encoding: 'proto', url: `http://127.0.0.1:${closed}/v1/traces`, headers: {}, timeoutMs: 5_000 }, body, false);
    expect(refused.result).toEqual({ outcome: 'retry', reason: `OTLP endpoint unreachable at http://127.0.0.1:${closed}/v1/traces: ECONNREFUSED`, outcomeUnknown: false });
    next = 'hang';
    expect((await send(300)).result).toEqual({ outcome: 'retry', reason: `OTLP endpoint unreachable at ${backend.url}/v1/traces: timed out`, outcomeUnknown: true });
  });

  it('names itself in User-Agent as tokenmeter/<its package version>, unless the config sets one, whatever its case', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    next = { status: 200 };
    await send();
    expect(backend.received.at(-1)!.headers['user-agent']).toBe(`tokenmeter/${version}`);
    /** The values of `name` the last request carried, each time it carried it. */
    const sent = (name: string) => backend.received.at(-1)!.rawHeaders.filter((_, i, raw) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === name);
    const headers = { 'User-Agent': 'my-gateway/2', 'content-type': 'application/x-protobuf; proto=otlp' };
    await exportTraces({ pool, encoding: 'proto', url: `${backend.url}/v1/traces`, headers, timeoutMs: 5_000 }, body, false);
    expect(sent('user-agent')).toEqual(['my-gateway/2']);
    expect(sent('content-type')).toEqual(['application/x-protobuf; proto=otlp']);
    await exportTraces({ pool, encoding: 'proto', url: `${backend.url}/v1/traces`, headers: { 'user-agent': 'my-gateway/3' }, timeoutMs: 5_000 }, await compressed(body, 'gzip'), true);
    expect(sent('user-agent')).toEqual(['my-gateway/3']);
    expect(sent('content-encoding')).toEqual(['gzip']);
  });
});
