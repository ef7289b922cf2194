/** What OTLP/gRPC's receiver and exporter both need of the trace service, framing and compression left to grpc-js. */

/** `/{package.Service}/{Method}` of `rpc Export` in proto/opentelemetry/proto/collector/trace/v1/trace_service.proto. */
export const TRACE_SERVICE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Messages pass through grpc-js as the bytes our codec reads and writes (identity serializers): no copy. */
export const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
