/**
 * A recording OTLP/gRPC trace receiver for tests: proves an app's `grpc` export works (MLflow itself serves no
 * gRPC) and lets fault tests see exactly what was sent. Requests are kept as raw protobuf and decoded on demand
 * with protobufjs from the repo's proto/ definitions, independent of tokenmeter's own codec.
 */
import { Server, ServerCredentials, status as GrpcStatus } from '@grpc/grpc-js';
import type { ServiceDefinition, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import path from 'node:path';
import protobuf from 'protobufjs';
import { repoRoot } from './paths.js';

const EXPORT_METHOD_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Minimal decoded span, ids as lowercase hex. */
export interface SinkSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** Attribute values as sent (MLflow sends every attribute as a JSON-encoded string). */
  attributes: Record<string, unknown>;
}

export interface OtlpGrpcSink {
  /** Endpoint to put in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, e.g. http://127.0.0.1:43117 */
  readonly endpoint: string;
  /** Raw ExportTraceServiceRequest bodies, in arrival order. */
  readonly requests: Buffer[];
  /** Every span received so far. */
  spans(): Promise<SinkSpan[]>;
  /** Make the next `count` Export calls fail with `code` (e.g. UNAVAILABLE) to exercise exporter retries. */
  failNext(count: number, code?: GrpcStatus): void;
  close(): Promise<void>;
}

let exportRequestType: Promise<protobuf.Type> | undefined;

function loadExportRequestType(): Promise<protobuf.Type> {
  exportRequestType ??= (async () => {
    const root = new protobuf.Root();
    const protoDir = path.join(repoRoot, 'proto');
    root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
    await root.load('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
    return root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  })();
  return exportRequestType;
}

export async function decodeExportRequest(body: Uint8Array): Promise<SinkSpan[]> {
  const type = await loadExportRequestType();
  const request = type.toObject(type.decode(body), { bytes: String, longs: String, defaults: false }) as {
    resourceSpans?: { scopeSpans?: { spans?: RawSpan[] }[] }[];
  };
  const spans: SinkSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: base64ToHex(span.traceId),
          spanId: base64ToHex(span.spanId),
          parentSpanId: base64ToHex(span.parentSpanId),
          name: span.name ?? '',
          attributes: Object.fromEntries((span.attributes ?? []).map((kv) => [kv.key, simpleValue(kv.value)])),
        });
      }
    }
  }
  return spans;
}

interface RawSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  attributes?: { key: string; value?: Record<string, unknown> }[];
}

function base64ToHex(value: string | undefined): string {
  return value === undefined ? '' : Buffer.from(value, 'base64').toString('hex');
}

function simpleValue(value: Record<string, unknown> | undefined): unknown {
  if (value === undefined) return undefined;
  const [first] = Object.values(value);
  return first;
}

export async function startOtlpGrpcSink(): Promise<OtlpGrpcSink> {
  const requests: Buffer[] = [];
  let failuresLeft = 0;
  let failureCode: GrpcStatus = GrpcStatus.UNAVAILABLE;

  // Raw-bytes service: no proto-loader needed, and the request is recorded byte-for-byte.
  const service: ServiceDefinition = {
    Export: {
      path: EXPORT_METHOD_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (value: Buffer) => value,
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  };
  const server = new Server();
  server.addService(service, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      if (failuresLeft > 0) {
        failuresLeft--;
        callback({ code: failureCode, details: 'otlp-grpc-sink: injected failure' });
        return;
      }
      requests.push(call.request);
      callback(null, Buffer.alloc(0)); // empty ExportTraceServiceResponse = full success
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    async spans() {
      const decoded = await Promise.all(requests.map((body) => decodeExportRequest(body)));
      return decoded.flat();
    },
    failNext(count, code = GrpcStatus.UNAVAILABLE) {
      failuresLeft = count;
      failureCode = code;
    },
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
