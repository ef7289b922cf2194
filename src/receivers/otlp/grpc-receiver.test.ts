import { connect } from 'node:http2';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import type { ServerUnaryCall, ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLogger } from '../../../test/fixtures/captured-logs.js';
import { RecordingConsumer } from '../../../test/fixtures/recording-consumer.js';
import { appSource, makeRequestFrom, makeSpan } from '../../../test/fixtures/spans.js';
import { decodeExportTraceResponse, decodeRetryInfo, decodeRpcStatus, encodeTracesProtobuf } from '../../otlp/index.js';
import type { RpcStatus } from '../../otlp/index.js';
import type { TracesData } from '../../otlp/model.js';
import { stringValue } from '../../otlp/model.js';
import { PipelineError } from '../../pipeline/consumer.js';
import type { TracesConsumer } from '../../pipeline/consumer.js';
import { silentLogger } from '../../telemetry/logger.js';
import { grpcProtocolConfigSchema } from './config.js';
import { GrpcCode } from './grpc-codes.js';
import { TRACE_SERVICE_EXPORT_PATH } from '../../otlp/grpc-service.js';
import { OtlpGrpcReceiver, exportHandler } from './grpc-receiver.js';

/** A request from service `app` with one span a name, as an SDK exports them (flags 0x301, kind CLIENT). */
function request(...spans: { name: string; traceByte?: number }[]): TracesData {
  return makeRequestFrom(
    appSource(),
    ...spans.map(({ name, traceByte = 1 }) =>
      makeSpan({
        traceId: new Uint8Array(16).fill(traceByte),
        flags: 0x301,
        name,
        kind: 3,
        startTimeUnixNano: 1_700_000_000_000_000_001n,
        endTimeUnixNano: 1_700_000_000_500_000_001n,
      }),
    ),
  );
}

interface CallResult {
  response?: Buffer;
  error?: ServiceError;
}

/** One unary Export with a plain grpc-js client, sending the given bytes as the request message. */
function exportCall(client: Client, message: Uint8Array, metadata = new Metadata()): Promise<CallResult> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      TRACE_SERVICE_EXPORT_PATH,
      (bytes: Uint8Array) => Buffer.from(bytes),
      (bytes: Buffer) => bytes,
      message,
      metadata,
      (error, response) => resolve(error ? { error } : { response: response! }),
    );
  });
}

function statusDetails(error: ServiceError | undefined): RpcStatus {
  const details = error?.metadata.get('grpc-status-details-bin')[0];
  if (!(details instanceof Buffer)) throw new Error('no grpc-status-details-bin trailer');
  return decodeRpcStatus(details, 'protobuf');
}

describe('OTLP/gRPC receiver', () => {
  const consumer = new RecordingConsumer();
  const logs = capturedLogger();
  const receiver = new OtlpGrpcReceiver(
    grpcProtocolConfigSchema.parse({ endpoint: '127.0.0.1:0', max_recv_msg_size: 64 * 1024 }),
    consumer,
    logs.logger,
  );
  let client: Client;
  let gzipClient: Client;

  beforeAll(async () => {
    await receiver.start();
    client = new Client(receiver.address, credentials.createInsecure());
    gzipClient = new Client(receiver.address, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
  });
  afterAll(async () => {
    client.close();
    gzipClient.close();
    await receiver.shutdown();
  });

  it('accepts an Export and answers an empty ExportTraceServiceResponse', async () => {
    consumer.received = [];
    const { response, error } = await exportCall(client, encodeTracesProtobuf(request({ name: 'chat' })));
    expect(error).toBeUndefined();
    expect(response!.length).toBe(0);
    expect(consumer.names()).toEqual(['chat']);
  });

  it('marks the resources with the experiment x-mlflow-experiment-id metadata names; refuses a value that is none, naming the key', async () => {
    consumer.received = [];
    const metadata = new Metadata();
    metadata.set('x-mlflow-experiment-id', '7');
    expect((await exportCall(client, encodeTracesProtobuf(request({ name: 'routed' })), metadata)).error).toBeUndefined();
    expect(consumer.received[0]!.resourceSpans[0]!.resource!.attributes).toContainEqual({ key: 'tokenmeter.mlflow.experiment_id', value: stringValue('7') });

    consumer.received = [];
    const wrong = new Metadata();
    wrong.set('x-mlflow-experiment-id', '7; drop');
    const { error } = await exportCall(client, encodeTracesProtobuf(request({ name: 'misrouted' })), wrong);
    expect(error?.code).toBe(GrpcCode.INVALID_ARGUMENT);
    expect(error?.details).toBe('x-mlflow-experiment-id: got "7; drop", expected an MLflow experiment id (digits)');
    expect(statusDetails(error).badRequest?.[0]?.field).toBe('x-mlflow-experiment-id');
    expect(consumer.received).toEqual([]);
  });

  it('accepts a gzip-compressed message', async () => {
    consumer.received = [];
    const { error } = await exportCall(gzipClient, encodeTracesProtobuf(request({ name: 'zipped' })));
    expect(error).toBeUndefined();
    expect(consumer.names()).toEqual(['zipped']);
  });

  it('answers INVALID_ARGUMENT with BadRequest details for a truncated message', async () => {
    const whole = encodeTracesProtobuf(request({ name: 'truncated' }));
    const { error } = await exportCall(client, whole.subarray(0, whole.length - 7));
    expect(error?.code).toBe(GrpcCode.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/invalid protobuf ExportTraceServiceRequest/);
    const status = statusDetails(error);
    expect(status.code).toBe(GrpcCode.INVALID_ARGUMENT);
    expect(status.badRequest?.[0]?.field).toBe('request');
  });

  it('answers RESOURCE_EXHAUSTED without RetryInfo for a message over max_recv_msg_size', async () => {
    const { error } = await exportCall(client, new Uint8Array(65 * 1024));
    expect(error?.code).toBe(GrpcCode.RESOURCE_EXHAUSTED);
    expect(error?.metadata.get('grpc-status-details-bin')).toEqual([]);
  });

  it('answers RESOURCE_EXHAUSTED for a gzip bomb: the limit holds after decompression', async () => {
    // The client gzips 10 MiB of zeroes to ~10 KiB: well under the limit on the wire, far over it inflated.
    const { error } = await exportCall(gzipClient, new Uint8Array(10 * 1024 * 1024));
    expect(error?.code).toBe(GrpcCode.RESOURCE_EXHAUSTED);
    expect(error?.details).toMatch(/decompresses to a size larger than 65536/);
  });

  it('rejects spans with invalid ids as a partial success and forwards the rest', async () => {
    consumer.received = [];
    const { response } = await exportCall(client, encodeTracesProtobuf(request({ name: 'good' }, { name: 'bad-id', traceByte: 0 })));
    const partial = decodeExportTraceResponse(new Uint8Array(response!), 'protobuf');
    expect(partial?.rejectedSpans).toBe(1);
    expect(partial?.errorMessage).toContain('traceId is all zeroes');
    expect(consumer.names()).toEqual(['good']);
  });

  it('answers UNAVAILABLE with RetryInfo when the pipeline is overloaded or downstream is down', async () => {
    consumer.failWith = new PipelineError('queue full', 'overloaded', 2);
    const overloaded = await exportCall(client, encodeTracesProtobuf(request({ name: 'a' })));
    expect(overloaded.error?.code).toBe(GrpcCode.UNAVAILABLE);
    expect(statusDetails(overloaded.error).retryDelaySeconds).toBe(2);
    // Also alone in its own trailer, where OpenTelemetry's Python exporter looks for it.
    const retryInfo = overloaded.error?.metadata.get('google.rpc.retryinfo-bin')[0];
    expect(retryInfo instanceof Buffer && decodeRetryInfo(retryInfo)).toBe(2);
    consumer.failWith = new PipelineError('mlflow down', 'unavailable');
    const unavailable = await exportCall(client, encodeTracesProtobuf(request({ name: 'a' })));
    expect(unavailable.error?.code).toBe(GrpcCode.UNAVAILABLE);
    expect(unavailable.error?.details).toBe('mlflow down');
    expect(statusDetails(unavailable.error).retryDelaySeconds).toBe(1);
    consumer.failWith = undefined;
  });

  it('answers INTERNAL for a permanent pipeline failure, and logs it as an error, not as a refusal the client retries', async () => {
    consumer.failWith = new PipelineError('ledger corrupt', 'internal');
    const { error } = await exportCall(client, encodeTracesProtobuf(request({ name: 'a' })));
    expect(error?.code).toBe(GrpcCode.INTERNAL);
    consumer.failWith = undefined;
    const logged = logs.lines.find((line) => line.reason === 'ledger corrupt');
    expect(logged?.level).toBe(50);
    expect(logged?.msg).toMatch(/does not retry INTERNAL/);
  });

  it('answers UNIMPLEMENTED for other methods of the service', async () => {
    const { error } = await new Promise<CallResult>((resolve) =>
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
        (bytes: Uint8Array) => Buffer.from(bytes),
        (bytes: Buffer) => bytes,
        new Uint8Array(0),
        (callError, response) => resolve(callError ? { error: callError } : { response: response! }),
      ),
    );
    expect(error?.code).toBe(GrpcCode.UNIMPLEMENTED);
  });
});

describe('OTLP/gRPC receiver shutdown', () => {
  it('cancels a call whose client never finishes sending its message once the deadline passes', async () => {
    const receiver = new OtlpGrpcReceiver(grpcProtocolConfigSchema.parse({ endpoint: '127.0.0.1:0' }), new RecordingConsumer(), silentLogger());
    await receiver.start();
    const session = connect(`http://${receiver.address}`);
    session.on('error', () => {});
    const closedByServer = new Promise((resolve) => session.once('close', resolve));
    const stream = session.request({ ':method': 'POST', ':path': TRACE_SERVICE_EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => {});
    // A message announced as 1000 bytes long, of which 2 are sent.
    stream.write(Uint8Array.from([0, 0, 0, 0x03, 0xe8, 0x0a, 0x00]));
    await new Promise((resolve) => stream.once('ready', resolve));
    await receiver.shutdown(100);
    await closedByServer;
  });
});

describe('OTLP/gRPC Export handler and the client giving up', () => {
  /** A call as grpc-js hands it over, for states a real client cannot produce on cue. */
  function fakeCall(message: Uint8Array, state: { cancelled?: boolean; deadline?: number }) {
    return {
      request: message,
      metadata: new Metadata(),
      cancelled: state.cancelled ?? false,
      getDeadline: () => state.deadline ?? Infinity,
    } as unknown as ServerUnaryCall<Uint8Array, Uint8Array>;
  }

  async function run(call: ServerUnaryCall<Uint8Array, Uint8Array>, consumer: TracesConsumer) {
    const handler = exportHandler({}, consumer, silentLogger());
    return await new Promise<{ code: number | undefined }>((resolve) => handler(call, (error) => resolve({ code: error?.code })));
  }

  it('does not forward a call whose deadline has passed', async () => {
    const consumer = new RecordingConsumer();
    const message = encodeTracesProtobuf(request({ name: 'late' }));
    expect(await run(fakeCall(message, { deadline: Date.now() - 1 }), consumer)).toEqual({ code: GrpcCode.DEADLINE_EXCEEDED });
    expect(consumer.received).toEqual([]);
    expect(await run(fakeCall(message, { deadline: Date.now() + 60_000 }), consumer)).toEqual({ code: undefined });
    expect(consumer.names()).toEqual(['late']);
  });

  it('does not forward a cancelled call', async () => {
    const consumer = new RecordingConsumer();
    expect(await run(fakeCall(encodeTracesProtobuf(request({ name: 'gone' })), { cancelled: true }), consumer)).toEqual({
      code: GrpcCode.DEADLINE_EXCEEDED,
    });
    expect(consumer.received).toEqual([]);
  });
});

describe('OTLP/gRPC receiver with bearer-token auth', () => {
  const consumer = new RecordingConsumer();
  const receiver = new OtlpGrpcReceiver(
    grpcProtocolConfigSchema.parse({ endpoint: '127.0.0.1:0', auth: { bearer_token: 's3cret' } }),
    consumer,
    silentLogger(),
  );
  let client: Client;
  beforeAll(async () => {
    await receiver.start();
    client = new Client(receiver.address, credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await receiver.shutdown();
  });

  it('answers UNAUTHENTICATED without the token or with a wrong one, and accepts the right one', async () => {
    const message = encodeTracesProtobuf(request({ name: 'authed' }));
    expect((await exportCall(client, message)).error?.code).toBe(GrpcCode.UNAUTHENTICATED);
    const wrong = new Metadata();
    wrong.set('authorization', 'Bearer nope');
    const refused = await exportCall(client, message, wrong);
    expect(refused.error?.code).toBe(GrpcCode.UNAUTHENTICATED);
    expect(refused.error?.details).toContain('bearer token');
    expect(consumer.received).toEqual([]);
    const right = new Metadata();
    right.set('authorization', 'Bearer s3cret');
    expect((await exportCall(client, message, right)).error).toBeUndefined();
    expect(consumer.names()).toEqual(['authed']);
  });
});
