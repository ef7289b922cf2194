/** The trace service as OTLP/gRPC's receiver and exporter both speak it; framing and compression are left to grpc-js. */
import type { ServiceDefinition } from '@grpc/grpc-js';

/** `/{package.Service}/{Method}` of `rpc Export` in proto/opentelemetry/proto/collector/trace/v1/trace_service.proto. */
export const TRACE_SERVICE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Messages pass through grpc-js as the bytes our codec reads and writes: no copy. */
export const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * TraceService with identity (de)serializers: grpc-js frames, compresses and size-checks messages, our own codec
 * encodes and decodes them. The receiver thus answers a decoding problem as INVALID_ARGUMENT naming it (a throwing
 * deserializer would only give the client a generic INTERNAL); the exporter sends the queued bytes as they are.
 */
export const traceServiceDefinition = {
  Export: {
    path: TRACE_SERVICE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: toBuffer,
    requestDeserialize: (bytes: Buffer): Uint8Array => bytes,
    responseSerialize: toBuffer,
    responseDeserialize: (bytes: Buffer): Uint8Array => bytes,
  },
} satisfies ServiceDefinition;
