/**
 * An OTLP/gRPC endpoint on grpc-js that answers what a test scripts (a status with its message and RetryInfo, or OK
 * with a partial success, possibly after a wait) and records every call: its metadata, the spans it carried
 * (decoded with our codec), when it came and the status it got. The fault tests of the otlp exporter play a backend
 * with it.
 */
import { Metadata, Server, ServerCredentials, status as GrpcStatus } from '@grpc/grpc-js';
import type { handleUnaryCall } from '@grpc/grpc-js';
import { toBuffer, traceServiceDefinition } from '../../src/otlp/grpc-service.js';
import { encodeExportTraceResponse, encodeRpcStatus } from '../../src/otlp/index.js';
import type { PartialSuccess, Span } from '../../src/otlp/index.js';
import { spanIdsOf, spansOf } from './scripted-otlp-endpoint.js';

export interface ScriptedStatus {
  code: GrpcStatus;
  message?: string;
  /** Sent as a RetryInfo detail of the `google.rpc.Status` in `grpc-status-details-bin`. */
  retryDelaySeconds?: number;
  /** With OK: the answer's `partial_success`. */
  partialSuccess?: PartialSuccess;
}

export interface ReceivedCall {
  /** 0-based, in arrival order. */
  index: number;
  at: number;
  metadata: Record<string, unknown>;
  spans: Span[];
  code?: GrpcStatus;
}

export interface ScriptedGrpcEndpoint {
  /** `host:port`, as the exporter's `endpoint` takes it (plaintext: write it `http://…`). */
  address: string;
  received: ReceivedCall[];
  /** The spans of every call answered OK, as hex span ids, in arrival order. */
  deliveredSpanIds(): string[];
  close(): Promise<void>;
}

/** `answer` is called per call (it may wait, to play a slow backend); `port` to listen where an exporter already points. */
export async function startScriptedOtlpGrpcEndpoint(
  answer: (call: ReceivedCall) => ScriptedStatus | Promise<ScriptedStatus>,
  port = 0,
): Promise<ScriptedGrpcEndpoint> {
  const received: ReceivedCall[] = [];
  const exportCall: handleUnaryCall<Uint8Array, Uint8Array> = (call, callback) => {
    const request: ReceivedCall = { index: received.length, at: Date.now(), metadata: call.metadata.getMap(), spans: spansOf(call.request) };
    received.push(request);
    void Promise.resolve(answer(request)).then((scripted) => {
      request.code = scripted.code;
      if (scripted.code === GrpcStatus.OK) return callback(null, encodeExportTraceResponse(scripted.partialSuccess, 'protobuf'));
      const trailers = new Metadata();
      const status = { code: scripted.code, message: scripted.message ?? '', ...(scripted.retryDelaySeconds !== undefined && { retryDelaySeconds: scripted.retryDelaySeconds }) };
      trailers.set('grpc-status-details-bin', toBuffer(encodeRpcStatus(status, 'protobuf')));
      callback({ code: scripted.code, details: status.message, metadata: trailers });
    });
  };
  const server = new Server();
  server.addService(traceServiceDefinition, { Export: exportCall });
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    address: `127.0.0.1:${boundPort}`,
    received,
    deliveredSpanIds: () => spanIdsOf(received.filter((call) => call.code === GrpcStatus.OK)),
    close: async () => server.forceShutdown(),
  };
}
