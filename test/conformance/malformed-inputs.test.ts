/**
 * Malformed requests on both transports of the `otlp` receiver (built by its factory from config): each is
 * answered with the right status and a message naming the problem, and a good request sent right after it still
 * arrives downstream, so the process keeps serving and nothing else is lost.
 */
import { connect, constants as http2Constants } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { Client, credentials } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeExportTraceResponse, decodeRpcStatus, encodeTracesJson, encodeTracesProtobuf, stringValue } from '../../src/otlp/index.js';
import type { AnyValue, TracesData } from '../../src/otlp/index.js';
import type { Receiver } from '../../src/pipeline/consumer.js';
import { otlpReceiverConfigSchema } from '../../src/receivers/otlp/config.js';
import { otlpReceiverFactory } from '../../src/receivers/otlp/factory.js';
import { GrpcCode } from '../../src/receivers/otlp/grpc-codes.js';
import { TRACE_SERVICE_EXPORT_PATH } from '../../src/otlp/grpc-service.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { RecordingConsumer } from '../fixtures/recording-consumer.js';
import { makeRequest, makeSpan } from '../fixtures/spans.js';
import { getFreePort } from '../harness/ports.js';

const LIMIT = 64 * 1024;

function request(name: string, traceId = new Uint8Array(16).fill(7)): Uint8Array {
  return encodeTracesProtobuf(
    makeRequest(makeSpan({ traceId, spanId: new Uint8Array(8).fill(9), name, startTimeUnixNano: 1n, endTimeUnixNano: 2n })),
  );
}

const truncated = () => request('truncated').subarray(0, -5);
/** Field 1 (resource_spans) is length-delimited; here it comes as a varint. */
const wrongWireType = () => new Uint8Array([0x08, 0x01]);
/** A span whose attribute is 1,000 arrays, each inside the next: well past the 100 levels values may nest. */
function deeplyNested(): TracesData {
  let value: AnyValue = stringValue('x');
  for (let level = 0; level < 1_000; level++) value = { kind: 'array', values: [value] };
  return makeRequest(makeSpan({ name: 'deep', attributes: [{ key: 'deep', value }] }));
}
const NESTED_TOO_DEEP = /attributes\[0\]\.value\.arrayValue\.values\[0\]\..*\(\d+ more\).*: values nested deeper than 100 levels/;

/** 10 MiB of zeroes gzip to ~10 KiB: under the limit as sent, far over it inflated. */
const gzipBomb = () => gzipSync(new Uint8Array(10 * 1024 * 1024));

const consumer = new RecordingConsumer();
let receiver: Receiver;
let httpUrl: string;
let grpcAddress: string;

beforeAll(async () => {
  const [httpPort, grpcPort] = [await getFreePort(), await getFreePort()];
  httpUrl = `http://127.0.0.1:${httpPort}/v1/traces`;
  grpcAddress = `127.0.0.1:${grpcPort}`;
  const config = otlpReceiverConfigSchema.parse({
    protocols: {
      http: { endpoint: `127.0.0.1:${httpPort}`, max_request_body_size: LIMIT },
      grpc: { endpoint: grpcAddress, max_recv_msg_size: LIMIT },
    },
  });
  receiver = otlpReceiverFactory.create(config, { id: 'otlp', logger: silentLogger() }, consumer);
  await receiver.start();
});
afterAll(() => receiver.shutdown());

describe('OTLP/HTTP: malformed requests', () => {
  const post = (body: Uint8Array | string, headers: Record<string, string>) => fetch(httpUrl, { method: 'POST', body, headers });
  const protobuf = { 'Content-Type': 'application/x-protobuf' };

  /** What tokenmeter answered, and whether a good request right after it arrived. */
  async function afterBad(response: Response, name: string): Promise<{ status: number; text: string }> {
    const bytes = new Uint8Array(await response.arrayBuffer());
    const contentType = response.headers.get('content-type') ?? '';
    const text = contentType.startsWith('application/x-protobuf')
      ? decodeRpcStatus(bytes, 'protobuf').message
      : contentType.startsWith('application/json')
        ? decodeRpcStatus(bytes, 'json').message
        : new TextDecoder().decode(bytes);
    const good = await post(request(`after ${name}`), protobuf);
    expect(good.status).toBe(200);
    expect(consumer.names()).toContain(`after ${name}`);
    return { status: response.status, text };
  }

  const cases: [string, () => Promise<Response>, number, RegExp][] = [
    ['truncated protobuf', () => post(truncated(), protobuf), 400, /invalid protobuf ExportTraceServiceRequest: .*runs past the end of its message/],
    ['wrong wire type', () => post(wrongWireType(), protobuf), 400, /wire type 0 not valid for field 1 \(resource_spans\)/],
    ['invalid JSON', () => post('{"resourceSpans": [', { 'Content-Type': 'application/json' }), 400, /invalid OTLP\/JSON/],
    ['values nested too deep (protobuf)', () => post(encodeTracesProtobuf(deeplyNested()), protobuf), 400, NESTED_TOO_DEEP],
    ['values nested too deep (JSON)', () => post(encodeTracesJson(deeplyNested()), { 'Content-Type': 'application/json' }), 400, NESTED_TOO_DEEP],
    ['wrong content type', () => post('hello', { 'Content-Type': 'text/plain' }), 415, /unsupported content type "text\/plain"/],
    ['oversize body', () => post(new Uint8Array(LIMIT + 1), protobuf), 413, /exceeds the limit of 65536 bytes/],
    ['gzip bomb', () => post(gzipBomb(), { ...protobuf, 'Content-Encoding': 'gzip' }), 413, /after decompression/],
  ];
  for (const [name, send, status, message] of cases) {
    it(`${name} → ${status} naming the problem, and the next request still arrives`, async () => {
      const answer = await afterBad(await send(), name);
      expect(answer.status).toBe(status);
      expect(answer.text).toMatch(message);
    });
  }

  it('a non-hex trace id in JSON → 200 with partial success naming it; the other spans of the request go on', async () => {
    consumer.received = [];
    const spans = [
      { traceId: 'xyz', spanId: '0102030405060708', name: 'bad id' },
      { traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 'good id' },
    ];
    const response = await post(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }), { 'Content-Type': 'application/json' });
    expect(response.status).toBe(200);
    const partial = (await response.json()) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } };
    expect(Number(partial.partialSuccess?.rejectedSpans)).toBe(1);
    expect(partial.partialSuccess?.errorMessage).toContain('traceId is neither hex nor base64');
    expect(consumer.names()).toEqual(['good id']);
  });

  it('an all-zero trace id → 200 with partial success, the span not forwarded', async () => {
    consumer.received = [];
    const response = await post(request('zero id', new Uint8Array(16)), protobuf);
    expect(response.status).toBe(200);
    const partial = decodeExportTraceResponse(new Uint8Array(await response.arrayBuffer()), 'protobuf');
    expect(partial?.rejectedSpans).toBe(1);
    expect(partial?.errorMessage).toContain('traceId is all zeroes');
    expect((await post(request('after zero id'), protobuf)).status).toBe(200);
    expect(consumer.names()).toEqual(['after zero id']);
  });
});

describe('OTLP/gRPC: malformed requests', () => {
  let client: Client;
  let gzipClient: Client;
  beforeAll(() => {
    client = new Client(grpcAddress, credentials.createInsecure());
    gzipClient = new Client(grpcAddress, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
  });
  afterAll(() => {
    client.close();
    gzipClient.close();
  });

  function exportCall(via: Client, message: Uint8Array): Promise<{ error?: ServiceError; response?: Buffer }> {
    return new Promise((resolve) =>
      via.makeUnaryRequest(
        TRACE_SERVICE_EXPORT_PATH,
        (bytes: Uint8Array) => Buffer.from(bytes),
        (bytes: Buffer) => bytes,
        message,
        (error, response) => resolve(error ? { error } : { response: response! }),
      ),
    );
  }

  async function expectGoodCallArrives(name: string): Promise<void> {
    const { error } = await exportCall(client, request(`after ${name}`));
    expect(error).toBeUndefined();
    expect(consumer.names()).toContain(`after ${name}`);
  }

  const cases: [string, () => Promise<{ error?: ServiceError }>, number, RegExp][] = [
    ['truncated protobuf', () => exportCall(client, truncated()), GrpcCode.INVALID_ARGUMENT, /invalid protobuf ExportTraceServiceRequest: .*runs past the end of its message/],
    ['wrong wire type', () => exportCall(client, wrongWireType()), GrpcCode.INVALID_ARGUMENT, /wire type 0 not valid for field 1/],
    ['values nested too deep', () => exportCall(client, encodeTracesProtobuf(deeplyNested())), GrpcCode.INVALID_ARGUMENT, NESTED_TOO_DEEP],
    ['oversize message', () => exportCall(client, new Uint8Array(LIMIT + 1)), GrpcCode.RESOURCE_EXHAUSTED, /larger than max/],
    ['gzip bomb', () => exportCall(gzipClient, new Uint8Array(10 * 1024 * 1024)), GrpcCode.RESOURCE_EXHAUSTED, /decompresses to a size larger than 65536/],
  ];
  for (const [name, send, code, message] of cases) {
    it(`${name} → code ${code} naming the problem, and the next call still arrives`, async () => {
      const { error } = await send();
      expect(error?.code).toBe(code);
      expect(error?.details).toMatch(message);
      if (code === GrpcCode.INVALID_ARGUMENT) {
        const details = error!.metadata.get('grpc-status-details-bin')[0] as Buffer;
        expect(decodeRpcStatus(details, 'protobuf').badRequest?.[0]?.description).toMatch(message);
      }
      await expectGoodCallArrives(name);
    });
  }

  it('a wrong-length trace id → OK with partial success naming it, the span not forwarded', async () => {
    consumer.received = [];
    const { response } = await exportCall(client, request('short id', new Uint8Array(3).fill(1)));
    const partial = decodeExportTraceResponse(new Uint8Array(response!), 'protobuf');
    expect(partial?.rejectedSpans).toBe(1);
    expect(partial?.errorMessage).toContain('traceId has 3 bytes, expected 16');
    await expectGoodCallArrives('short id');
    expect(consumer.names()).toEqual(['after short id']);
  });

  it('an all-zero trace id → OK with partial success, the span not forwarded', async () => {
    consumer.received = [];
    const { response } = await exportCall(client, request('zero id', new Uint8Array(16)));
    const partial = decodeExportTraceResponse(new Uint8Array(response!), 'protobuf');
    expect(partial?.rejectedSpans).toBe(1);
    expect(partial?.errorMessage).toContain('traceId is all zeroes');
    await expectGoodCallArrives('zero id');
    expect(consumer.names()).toEqual(['after zero id']);
  });

  it('a wrong content type → HTTP 415, and the next call still arrives', async () => {
    const session = connect(`http://${grpcAddress}`);
    session.on('error', () => {});
    const stream = session.request({
      [http2Constants.HTTP2_HEADER_METHOD]: 'POST',
      [http2Constants.HTTP2_HEADER_PATH]: TRACE_SERVICE_EXPORT_PATH,
      [http2Constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/json',
    });
    stream.end('{}');
    const status = await new Promise<number | undefined>((resolve) => stream.once('response', (headers) => resolve(headers[':status'])));
    stream.close();
    session.close();
    expect(status).toBe(415);
    await expectGoodCallArrives('wrong content type');
  });
});
