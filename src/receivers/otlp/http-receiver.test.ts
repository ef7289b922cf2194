import { connect } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { capturedLogger } from '../../../test/fixtures/captured-logs.js';
import { RecordingConsumer } from '../../../test/fixtures/recording-consumer.js';
import { appSource, makeRequestFrom, makeSpan } from '../../../test/fixtures/spans.js';
import { decodeExportTraceResponse, decodeRpcStatus, decodeTracesProtobuf, encodeTracesJson, encodeTracesProtobuf } from '../../otlp/index.js';
import type { Span, TracesData } from '../../otlp/model.js';
import { stringValue, toHex } from '../../otlp/model.js';
import { PipelineError } from '../../pipeline/consumer.js';
import { silentLogger } from '../../telemetry/logger.js';
import { httpProtocolConfigSchema } from './config.js';
import * as exportHandler from './export-handler.js';
import { GrpcCode } from './grpc-codes.js';
import { OtlpHttpReceiver } from './http-receiver.js';
import { rawExchange } from '../../../test/fixtures/raw-exchange.js';

/** A span as an SDK exports it (flags 0x301, kind CLIENT, status OK), naming its model. */
function span(name: string, traceByte = 1, spanByte = 2): Span {
  return makeSpan({
    traceId: new Uint8Array(16).fill(traceByte),
    spanId: new Uint8Array(8).fill(spanByte),
    flags: 0x301,
    name,
    kind: 3,
    startTimeUnixNano: 1_700_000_000_000_000_001n,
    endTimeUnixNano: 1_700_000_000_500_000_001n,
    attributes: [{ key: 'gen_ai.request.model', value: stringValue('gpt-4o-mini') }],
    status: { code: 1, message: '' },
  });
}

const request = (...spans: Span[]): TracesData => makeRequestFrom(appSource(), ...spans);


describe('OTLP/HTTP receiver', () => {
  const consumer = new RecordingConsumer();
  const logs = capturedLogger();
  const receiver = new OtlpHttpReceiver(
    httpProtocolConfigSchema.parse({ endpoint: '127.0.0.1:0', max_request_body_size: 64 * 1024 }),
    consumer,
    logs.logger,
  );
  const post = (body: RequestInit['body'], headers: Record<string, string>) => fetch(receiver.url, { method: 'POST', body, headers });

  beforeAll(() => receiver.start());
  afterAll(() => receiver.shutdown());

  it('accepts protobuf and answers an empty protobuf ExportTraceServiceResponse', async () => {
    consumer.received = [];
    const response = await post(encodeTracesProtobuf(request(span('chat'))), { 'Content-Type': 'application/x-protobuf' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await response.arrayBuffer()).byteLength).toBe(0);
    expect(consumer.received[0]!.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name).toBe('chat');
  });

  it('accepts OTLP/JSON with a charset parameter and answers in JSON', async () => {
    consumer.received = [];
    const response = await post(encodeTracesJson(request(span('json-span'))), { 'Content-Type': 'application/json; charset=utf-8' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({});
    const received = consumer.received[0]!.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(received.name).toBe('json-span');
    expect(received.flags).toBe(0x301);
    expect(received.startTimeUnixNano).toBe(1_700_000_000_000_000_001n);
  });

  it('accepts a gzip-compressed body', async () => {
    consumer.received = [];
    const body = gzipSync(encodeTracesProtobuf(request(span('zipped'))));
    const response = await post(body, { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(consumer.received[0]!.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name).toBe('zipped');
  });

  it('answers 405 with Allow for other methods', async () => {
    const response = await fetch(receiver.url, { method: 'GET' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.text()).toContain('use POST');
  });

  it('answers 404 on other paths', async () => {
    const response = await fetch(receiver.url.replace('/v1/traces', '/v1/metrics'), { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('/v1/traces');
  });

  it('answers 415 naming the content type it cannot read', async () => {
    const response = await post('hello', { 'Content-Type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(await response.text()).toContain('"text/plain"');
  });

  it('answers 415 for an unsupported content encoding', async () => {
    for (const contentEncoding of ['br', 'zstd']) {
      const response = await post('x', { 'Content-Type': 'application/json', 'Content-Encoding': contentEncoding });
      expect(response.status).toBe(415);
      const status = decodeRpcStatus(new Uint8Array(await response.arrayBuffer()), 'json');
      expect(status.message).toContain(`"${contentEncoding}"`);
    }
  });

  it('accepts a zlib-compressed body (the Collector\'s compression: zlib), its size checked after decompression too', async () => {
    consumer.received = [];
    const body = deflateSync(encodeTracesProtobuf(request(span('zlib'))));
    const response = await post(body, { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'zlib' });
    expect(response.status).toBe(200);
    expect(consumer.received[0]!.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name).toBe('zlib');
    const bomb = await post(deflateSync(new Uint8Array(10 * 1024 * 1024)), { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'zlib' });
    expect(bomb.status).toBe(413);
  });

  it('answers 400 with a google.rpc.Status in protobuf for a truncated protobuf body', async () => {
    const whole = encodeTracesProtobuf(request(span('truncated')));
    const response = await post(whole.subarray(0, whole.length - 7), { 'Content-Type': 'application/x-protobuf' });
    expect(response.status).toBe(400);
    const status = decodeRpcStatus(new Uint8Array(await response.arrayBuffer()), 'protobuf');
    expect(status.code).toBe(GrpcCode.INVALID_ARGUMENT);
    expect(status.message).toMatch(/invalid protobuf ExportTraceServiceRequest/);
    expect(status.badRequest?.[0]?.field).toBe('body');
  });

  it('answers 400 with a JSON google.rpc.Status for invalid JSON', async () => {
    const response = await post('{"resourceSpans": [', { 'Content-Type': 'application/json' });
    expect(response.status).toBe(400);
    const status = (await response.json()) as { code: number; message: string };
    expect(status.code).toBe(GrpcCode.INVALID_ARGUMENT);
    expect(status.message).toMatch(/invalid OTLP\/JSON/);
  });

  it('answers 400 for a corrupt gzip body', async () => {
    const response = await post(Buffer.from('not gzip at all'), { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' });
    expect(response.status).toBe(400);
    const status = decodeRpcStatus(new Uint8Array(await response.arrayBuffer()), 'protobuf');
    expect(status.message).toContain('cannot decompress gzip');
  });

  it('marks the resources with the experiment x-mlflow-experiment-id names, and answers 400 naming the header for a value that is none', async () => {
    consumer.received = [];
    const marked = await post(encodeTracesProtobuf(request(span('routed'))), { 'Content-Type': 'application/x-protobuf', 'x-mlflow-experiment-id': '42' });
    expect(marked.status).toBe(200);
    const resource = consumer.received[0]!.resourceSpans[0]!.resource!;
    expect(resource.attributes).toContainEqual({ key: 'tokenmeter.mlflow.experiment_id', value: stringValue('42') });
    // The app's own resource attributes are kept.
    expect(resource.attributes.find((attribute) => attribute.key === 'service.name')).toBeDefined();

    consumer.received = [];
    const refused = await post(encodeTracesProtobuf(request(span('misrouted'))), { 'Content-Type': 'application/x-protobuf', 'x-mlflow-experiment-id': 'my-agent' });
    expect(refused.status).toBe(400);
    const status = decodeRpcStatus(new Uint8Array(await refused.arrayBuffer()), 'protobuf');
    expect(status.message).toBe('x-mlflow-experiment-id: got "my-agent", expected an MLflow experiment id (digits)');
    expect(status.badRequest?.[0]?.field).toBe('x-mlflow-experiment-id');
    expect(consumer.received).toEqual([]);
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await post(new Uint8Array(65 * 1024), { 'Content-Type': 'application/x-protobuf' });
    expect(response.status).toBe(413);
  });

  it('answers 413 for a gzip bomb: the limit holds after decompression', async () => {
    const bomb = gzipSync(new Uint8Array(10 * 1024 * 1024)); // ~10 KiB on the wire, 10 MiB inflated
    expect(bomb.length).toBeLessThan(64 * 1024);
    const response = await post(bomb, { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' });
    expect(response.status).toBe(413);
    const status = decodeRpcStatus(new Uint8Array(await response.arrayBuffer()), 'protobuf');
    expect(status.message).toContain('after decompression');
  });

  it('rejects spans with invalid ids as a partial success and forwards the rest', async () => {
    consumer.received = [];
    const bad = span('bad-id', 0, 3);
    const response = await post(encodeTracesProtobuf(request(span('good'), bad)), { 'Content-Type': 'application/x-protobuf' });
    expect(response.status).toBe(200);
    const partial = decodeExportTraceResponse(new Uint8Array(await response.arrayBuffer()), 'protobuf');
    expect(partial?.rejectedSpans).toBe(1);
    expect(partial?.errorMessage).toContain('traceId is all zeroes');
    expect(consumer.received[0]!.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name)).toEqual(['good']);
  });

  it('reads an all-zero parent id as a root\'s, and drops a link it cannot forward rather than its span', async () => {
    consumer.received = [];
    const link = (spanId: Uint8Array) => ({ traceId: new Uint8Array(16).fill(7), spanId, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 });
    const root = { ...span('root'), parentSpanId: new Uint8Array(8), links: [link(new Uint8Array(8)), link(Uint8Array.from([1, 2, 3]))] };
    const response = await post(encodeTracesProtobuf(request(root)), { 'Content-Type': 'application/x-protobuf' });
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
    // As forwarded: re-encoded from the decoded span, whose raw bytes still held the zero parent and the bad link.
    const forwarded = decodeTracesProtobuf(encodeTracesProtobuf(consumer.received[0]!)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(forwarded.name).toBe('root');
    expect(forwarded.parentSpanId).toHaveLength(0);
    // A link to an invalid context (all zeroes) is legitimate and kept; a 3-byte span id is not encodable.
    expect(forwarded.links.map((kept) => toHex(kept.spanId))).toEqual(['0000000000000000']);
    expect(forwarded.droppedLinksCount).toBe(1);
  });

  it('keeps the answer small when a rejected span has a huge name', async () => {
    const response = await post(encodeTracesProtobuf(request(span('x'.repeat(32 * 1024), 0, 3), span('good'))), { 'Content-Type': 'application/x-protobuf' });
    expect(response.status).toBe(200);
    const partial = decodeExportTraceResponse(new Uint8Array(await response.arrayBuffer()), 'protobuf');
    expect(partial?.rejectedSpans).toBe(1);
    expect(partial?.errorMessage).toContain(`("${'x'.repeat(64)}"…): traceId is all zeroes`);
    expect(partial!.errorMessage.length).toBeLessThan(300);
  });

  it('answers 429 with Retry-After when the pipeline is overloaded, and 503 when downstream is unavailable', async () => {
    consumer.failWith = new PipelineError('queue full', 'overloaded', 2);
    const overloaded = await post(encodeTracesProtobuf(request(span('a'))), { 'Content-Type': 'application/x-protobuf' });
    expect(overloaded.status).toBe(429);
    expect(overloaded.headers.get('retry-after')).toBe('2');
    consumer.failWith = new PipelineError('mlflow down', 'unavailable', 5);
    const unavailable = await post(encodeTracesProtobuf(request(span('a'))), { 'Content-Type': 'application/x-protobuf' });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('5');
    for (let retry = 0; retry < 5; retry++) await post(encodeTracesProtobuf(request(span('a'))), { 'Content-Type': 'application/x-protobuf' });
    consumer.failWith = undefined;
    // Refusals come with every request while they last: said once in 30 s, not seven times.
    expect(logs.lines.filter((line) => line.msg.startsWith('OTLP/HTTP export refused'))).toHaveLength(1);
  });

  it('answers 500 with a google.rpc.Status for a permanent pipeline failure, and logs it as an error: the client will not retry', async () => {
    consumer.failWith = new PipelineError('ledger corrupt', 'internal');
    const response = await post(encodeTracesProtobuf(request(span('a'))), { 'Content-Type': 'application/x-protobuf' });
    consumer.failWith = undefined;
    expect(response.status).toBe(500);
    expect(decodeRpcStatus(new Uint8Array(await response.arrayBuffer()), 'protobuf')).toMatchObject({ code: GrpcCode.INTERNAL, message: 'ledger corrupt' });
    expect(logs.lines.find((line) => line.reason === 'ledger corrupt')?.level).toBe(50);
  });

  it('answers a bug in the handler with 500 and a google.rpc.Status in the request\'s encoding, and keeps serving', async () => {
    const bug = vi.spyOn(exportHandler, 'handleExport').mockRejectedValueOnce(new Error('a bug'));
    try {
      const response = await post(encodeTracesJson(request(span('a'))), { 'Content-Type': 'application/json' });
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/json');
      // The client learns no internals.
      expect(await response.json()).toEqual({ code: GrpcCode.INTERNAL, message: 'internal error while handling the export' });
    } finally {
      bug.mockRestore();
    }
    expect(logs.lines.some((line) => line.msg === 'OTLP/HTTP request handler failed')).toBe(true);
    const after = await post(encodeTracesProtobuf(request(span('after'))), { 'Content-Type': 'application/x-protobuf' });
    expect(after.status).toBe(200);
  });

  it('answers a request it cannot parse with 431 or 400 and Connection: close, rather than dropping the connection', async () => {
    const hugeHeader = await rawExchange(receiver.url, `POST /v1/traces HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    expect(hugeHeader).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(hugeHeader).toContain('Connection: close');
    const malformed = await rawExchange(receiver.url, 'POST /v1/traces HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n');
    expect(malformed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(malformed).toContain('Connection: close');
  });

  it('gzips the response when the client accepts it', async () => {
    const response = await post('[', { 'Content-Type': 'application/json', 'Accept-Encoding': 'gzip' });
    expect(response.status).toBe(400);
    // fetch transparently inflates; the header shows the server compressed a body of this size.
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(((await response.json()) as { message: string }).message).toMatch(/invalid OTLP\/JSON/);
  });

  it('does not gzip the response for a client that refuses gzip with a zero weight', async () => {
    for (const acceptEncoding of ['gzip;q=0', 'identity, gzip;q=0', '*;q=0, identity']) {
      const response = await post('[', { 'Content-Type': 'application/json', 'Accept-Encoding': acceptEncoding });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-encoding'), acceptEncoding).toBeNull();
    }
  });

  it('answers in the media type the request named, application/protobuf as well as application/x-protobuf', async () => {
    const response = await post(encodeTracesProtobuf(request(span('chat'))), { 'Content-Type': 'application/protobuf' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/protobuf');
    const refused = await post(Uint8Array.from([0x0a, 0x05]), { 'Content-Type': 'application/protobuf' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toBe('application/protobuf');
  });

  it('takes a client that disconnects mid-body for what it is, not for a failure of its own, and keeps serving', async () => {
    const { hostname, port } = new URL(receiver.url);
    const loggedBefore = logs.lines.length;
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000\r\n\r\n0123456789');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await expect.poll(() => logs.lines.some((line) => line.msg.includes('client went away'))).toBe(true);
    expect(logs.lines.slice(loggedBefore).filter((line) => line.level >= 50)).toEqual([]);
    const after = await post(encodeTracesProtobuf(request(span('after'))), { 'Content-Type': 'application/x-protobuf' });
    expect(after.status).toBe(200);
  });
});

describe('OTLP/HTTP receiver shutdown', () => {
  it('cuts a client that never finishes its request once the deadline passes', async () => {
    const receiver = new OtlpHttpReceiver(httpProtocolConfigSchema.parse({ endpoint: '127.0.0.1:0' }), new RecordingConsumer(), silentLogger());
    await receiver.start();
    const { hostname, port } = new URL(receiver.url);
    const stalled = connect(Number(port), hostname);
    stalled.on('error', () => {});
    const closedByServer = new Promise((resolve) => stalled.once('close', resolve));
    await new Promise((resolve) => stalled.once('connect', resolve));
    stalled.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000\r\n\r\n0123');
    await receiver.shutdown(100);
    await closedByServer;
  });
});

describe('OTLP/HTTP receiver with bearer-token auth and CORS', () => {
  const consumer = new RecordingConsumer();
  const receiver = new OtlpHttpReceiver(
    httpProtocolConfigSchema.parse({
      endpoint: '127.0.0.1:0',
      auth: { bearer_token: 's3cret' },
      cors: { allowed_origins: ['https://app.example.com'], allowed_headers: ['X-Tenant'] },
    }),
    consumer,
    silentLogger(),
  );
  const body = () => encodeTracesProtobuf(request(span('browser')));

  beforeAll(() => receiver.start());
  afterAll(() => receiver.shutdown());

  it('answers 401 with WWW-Authenticate and a google.rpc.Status without the token or with a wrong one', async () => {
    for (const authorization of [undefined, 'Bearer nope', 's3cret']) {
      const headers: Record<string, string> = { 'Content-Type': 'application/x-protobuf' };
      if (authorization) headers['Authorization'] = authorization;
      const response = await fetch(receiver.url, { method: 'POST', body: body(), headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const status = decodeRpcStatus(new Uint8Array(await response.arrayBuffer()), 'protobuf');
      expect(status.code).toBe(GrpcCode.UNAUTHENTICATED);
      expect(status.message).toContain('bearer token');
    }
    expect(consumer.received).toEqual([]);
  });

  it('accepts the right token', async () => {
    const response = await fetch(receiver.url, {
      method: 'POST',
      body: body(),
      headers: { 'Content-Type': 'application/x-protobuf', Authorization: 'Bearer s3cret' },
    });
    expect(response.status).toBe(200);
    expect(consumer.received.at(-1)!.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name).toBe('browser');
  });

  it('answers a preflight from an allowed origin without credentials, allowing POST and the needed headers', async () => {
    const response = await fetch(receiver.url, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-allow-methods')).toBe('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type, Content-Encoding, Authorization, X-Tenant');
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('refuses a preflight from another origin, naming it', async () => {
    const response = await fetch(receiver.url, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.text()).toContain('"https://evil.example.com"');
  });

  it('lets an allowed origin read the answer and Retry-After, and gives other origins no CORS headers', async () => {
    const headers = { 'Content-Type': 'application/x-protobuf', Authorization: 'Bearer s3cret' };
    const allowed = await fetch(receiver.url, { method: 'POST', body: body(), headers: { ...headers, Origin: 'https://app.example.com' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('Retry-After');
    const other = await fetch(receiver.url, { method: 'POST', body: body(), headers: { ...headers, Origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('OTLP/HTTP receiver with CORS for any origin', () => {
  const receiver = new OtlpHttpReceiver(
    httpProtocolConfigSchema.parse({ endpoint: '127.0.0.1:0', cors: { allowed_origins: ['*'] } }),
    new RecordingConsumer(),
    silentLogger(),
  );
  beforeAll(() => receiver.start());
  afterAll(() => receiver.shutdown());

  it('answers every origin with *', async () => {
    const response = await fetch(receiver.url, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type, Content-Encoding');
  });
});

describe('OTLP/HTTP receiver without CORS configured', () => {
  const receiver = new OtlpHttpReceiver(httpProtocolConfigSchema.parse({ endpoint: '127.0.0.1:0' }), new RecordingConsumer(), silentLogger());
  beforeAll(() => receiver.start());
  afterAll(() => receiver.shutdown());

  it('sends no CORS headers, so browsers keep other origins out as before', async () => {
    const response = await fetch(receiver.url, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
