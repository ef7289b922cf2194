// The one place for the OTLP data model and its codecs.
export * from './model.js';
export { spanKey, traceKey } from './idKeys.js';
export { OtlpDecodeError } from './protobuf/decode-error.js';
export { decodeTracesProtobuf } from './protobuf/decode-traces.js';
export { constantAttribute, encodeTracesProtobuf } from './protobuf/encode-traces.js';
export { decodeTracesJson } from './json/decode-traces.js';
export { encodeTracesJson } from './json/encode-traces.js';
export { decodeExportTraceResponse, encodeExportTraceResponse } from './protobuf/export-response.js';
export type { RpcStatus } from './rpc-status.js';
export { decodeRetryInfo, decodeRpcStatus, encodeRetryInfo, encodeRpcStatus } from './rpc-status.js';
export { encodedHalves, encodedRequest, encodeWithin, splitBySpans, splitByTraces, traceCount } from './split.js';
export type { EncodedRequest, RequestLimit } from './split.js';
