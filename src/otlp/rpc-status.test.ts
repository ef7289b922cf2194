import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, decodeExportTraceResponse, decodeRpcStatus, encodeExportTraceResponse, encodeRpcStatus } from './index.js';
import type { RpcStatus } from './index.js';

const protoRoot = fileURLToPath(new URL('../../proto/', import.meta.url));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => protoRoot + target;
root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto', 'opentelemetry/proto/collector/trace/v1/trace_service.proto']);
const Status = root.lookupType('google.rpc.Status');
const BadRequest = root.lookupType('google.rpc.BadRequest');
const RetryInfo = root.lookupType('google.rpc.RetryInfo');
const ExportTraceServiceResponse = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');

const full: RpcStatus = {
  code: 3,
  message: 'resourceSpans[0]: truncated message',
  badRequest: [{ field: 'resourceSpans[0]', description: 'truncated message at offset 12' }],
  retryDelaySeconds: 2.5,
};

describe('google.rpc.Status', () => {
  it('round trips in both encodings', () => {
    for (const encoding of ['protobuf', 'json'] as const) {
      expect(decodeRpcStatus(encodeRpcStatus(full, encoding), encoding)).toEqual(full);
      expect(decodeRpcStatus(encodeRpcStatus({ code: 14, message: '' }, encoding), encoding)).toEqual({ code: 14, message: '' });
    }
  });

  it('writes protobuf that protobufjs reads, details packed in google.protobuf.Any', () => {
    // The decoded message, not toObject: protobufjs treats google.protobuf.Any specially (and keeps `type_url`).
    const decoded = Status.decode(encodeRpcStatus(full, 'protobuf')) as unknown as {
      code: number;
      message: string;
      details: { type_url: string; value: Uint8Array }[];
    };
    expect(decoded.code).toBe(3);
    expect(decoded.message).toBe(full.message);
    expect(decoded.details.map((detail) => detail.type_url)).toEqual([
      'type.googleapis.com/google.rpc.BadRequest',
      'type.googleapis.com/google.rpc.RetryInfo',
    ]);
    expect(BadRequest.toObject(BadRequest.decode(decoded.details[0]!.value))).toEqual({ fieldViolations: full.badRequest });
    expect(RetryInfo.toObject(RetryInfo.decode(decoded.details[1]!.value), { longs: Number })).toEqual({
      retryDelay: { seconds: 2, nanos: 500_000_000 },
    });
  });

  it('writes the proto3 JSON mapping (@type, Duration as a string)', () => {
    expect(JSON.parse(new TextDecoder().decode(encodeRpcStatus(full, 'json')))).toEqual({
      code: 3,
      message: full.message,
      details: [
        { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: full.badRequest },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2.5s' },
      ],
    });
  });

  it('rejects malformed input with OtlpDecodeError', () => {
    expect(() => decodeRpcStatus(Uint8Array.from([0x12, 9, 0x41]), 'protobuf')).toThrow(OtlpDecodeError);
    expect(() => decodeRpcStatus(new TextEncoder().encode('{"code":'), 'json')).toThrow(/invalid JSON/);
  });
});

describe('ExportTraceServiceResponse', () => {
  it('is 0 bytes in protobuf and {} in JSON for full success', () => {
    expect(encodeExportTraceResponse(undefined, 'protobuf').length).toBe(0);
    expect(new TextDecoder().decode(encodeExportTraceResponse(undefined, 'json'))).toBe('{}');
    expect(decodeExportTraceResponse(new Uint8Array(0), 'protobuf')).toBeUndefined();
    expect(decodeExportTraceResponse(new TextEncoder().encode('{}'), 'json')).toBeUndefined();
  });

  it('round trips a partial success and matches protobufjs and the JSON mapping', () => {
    const partial = { rejectedSpans: 3, errorMessage: '3 spans had no trace id' };
    const bytes = encodeExportTraceResponse(partial, 'protobuf');
    expect(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(bytes), { longs: Number })).toEqual({
      partialSuccess: partial,
    });
    expect(decodeExportTraceResponse(bytes, 'protobuf')).toEqual(partial);
    const json = encodeExportTraceResponse(partial, 'json');
    expect(JSON.parse(new TextDecoder().decode(json))).toEqual({ partialSuccess: { rejectedSpans: '3', errorMessage: partial.errorMessage } });
    expect(decodeExportTraceResponse(json, 'json')).toEqual(partial);
    expect(decodeExportTraceResponse(new TextEncoder().encode('{"partial_success":{"rejected_spans":2}}'), 'json')).toEqual({
      rejectedSpans: 2,
      errorMessage: '',
    });
  });
});
