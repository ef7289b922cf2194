/**
 * `google.rpc.Status`: the body of every OTLP/HTTP error response (in the request's encoding) and the gRPC
 * `grpc-status-details-bin` trailer. Only the two details OTLP uses are modelled: `BadRequest` (why data was rejected)
 * and `RetryInfo` (how long to back off); other details are skipped when decoding.
 */
import { OtlpDecodeError, nestError } from './protobuf/decode-error.js';
import { ProtoReader, unexpectedTag } from './protobuf/reader.js';
import { bytesField, concat, stringField, varintField } from './protobuf/small-message.js';
import type { JsonObject } from './json/values.js';
import { asArray, asInt64, asObject, asString, field, parseJson } from './json/values.js';

export interface RpcStatus {
  code: number;
  message: string;
  badRequest?: { field: string; description: string }[];
  retryDelaySeconds?: number;
}

const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';
const NANOS_PER_SECOND = 1e9;

const textEncoder = new TextEncoder();

export function encodeRpcStatus(status: RpcStatus, encoding: 'protobuf' | 'json'): Uint8Array {
  return encoding === 'protobuf' ? encodeRpcStatusProtobuf(status) : textEncoder.encode(JSON.stringify(rpcStatusToJson(status)));
}

export function decodeRpcStatus(bytes: Uint8Array, encoding: 'protobuf' | 'json'): RpcStatus {
  return encoding === 'protobuf' ? decodeRpcStatusProtobuf(bytes) : rpcStatusFromJson(asObject(parseJson(bytes)));
}

// --- protobuf

function encodeRpcStatusProtobuf(status: RpcStatus): Uint8Array {
  const chunks = [varintField(1, status.code), stringField(2, status.message)];
  if (status.badRequest !== undefined) {
    const violations = status.badRequest.map((violation) =>
      bytesField(1, concat([stringField(1, violation.field), stringField(2, violation.description)])),
    );
    chunks.push(bytesField(3, anyMessage(BAD_REQUEST_TYPE, concat(violations))));
  }
  if (status.retryDelaySeconds !== undefined) {
    chunks.push(bytesField(3, anyMessage(RETRY_INFO_TYPE, encodeRetryInfo(status.retryDelaySeconds))));
  }
  return concat(chunks);
}

/**
 * A bare `google.rpc.RetryInfo`. Besides its place inside the Status details, gRPC servers also send it alone in the
 * `google.rpc.retryinfo-bin` trailer: that is the only place OpenTelemetry's Python exporter reads it from.
 */
export function encodeRetryInfo(delaySeconds: number): Uint8Array {
  const { seconds, nanos } = toDuration(delaySeconds);
  return bytesField(1, concat([varintField(1, seconds), varintField(2, nanos)]));
}

/** A `google.protobuf.Any`: #1 type_url, #2 value. */
function anyMessage(typeUrl: string, value: Uint8Array): Uint8Array {
  return concat([stringField(1, typeUrl), bytesField(2, value)]);
}

function toDuration(totalSeconds: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(totalSeconds);
  return { seconds, nanos: Math.round((totalSeconds - seconds) * NANOS_PER_SECOND) };
}

const STATUS_FIELDS = [undefined, 'code', 'message', 'details'];
const ANY_FIELDS = [undefined, 'type_url', 'value'];
const BAD_REQUEST_FIELDS = [undefined, 'field_violations'];
const FIELD_VIOLATION_FIELDS = [undefined, 'field', 'description'];
const RETRY_INFO_FIELDS = [undefined, 'retry_delay'];
const DURATION_FIELDS = [undefined, 'seconds', 'nanos'];

function decodeRpcStatusProtobuf(bytes: Uint8Array): RpcStatus {
  const reader = new ProtoReader(bytes);
  const end = bytes.length;
  const status: RpcStatus = { code: 0, message: '' };
  let detailIndex = 0;
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === 8) {
      status.code = reader.uint32(end) | 0;
    } else if (tag === 18) {
      status.message = reader.string(end);
    } else if (tag === 26) {
      const detailEnd = reader.lengthEnd(end);
      try {
        decodeDetail(reader, detailEnd, status);
      } catch (error) {
        throw nestError(error, `details[${detailIndex}]`);
      }
      detailIndex++;
    } else {
      unexpectedTag(reader, tag, end, STATUS_FIELDS);
    }
  }
  return status;
}

function decodeDetail(reader: ProtoReader, end: number, into: RpcStatus): void {
  let typeUrl = '';
  let value: Uint8Array = new Uint8Array(0);
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === 10) typeUrl = reader.string(end);
    else if (tag === 18) value = reader.bytes(end);
    else unexpectedTag(reader, tag, end, ANY_FIELDS);
  }
  if (typeUrl === BAD_REQUEST_TYPE) into.badRequest = decodeBadRequest(value);
  else if (typeUrl === RETRY_INFO_TYPE) into.retryDelaySeconds = decodeRetryInfo(value);
}

function decodeBadRequest(bytes: Uint8Array): { field: string; description: string }[] {
  const reader = new ProtoReader(bytes);
  const violations: { field: string; description: string }[] = [];
  while (reader.pos < bytes.length) {
    const tag = reader.uint32(bytes.length);
    if (tag !== 10) {
      unexpectedTag(reader, tag, bytes.length, BAD_REQUEST_FIELDS);
      continue;
    }
    const violationEnd = reader.lengthEnd(bytes.length);
    const violation = { field: '', description: '' };
    while (reader.pos < violationEnd) {
      const violationTag = reader.uint32(violationEnd);
      if (violationTag === 10) violation.field = reader.string(violationEnd);
      else if (violationTag === 18) violation.description = reader.string(violationEnd);
      else unexpectedTag(reader, violationTag, violationEnd, FIELD_VIOLATION_FIELDS);
    }
    violations.push(violation);
  }
  return violations;
}

/** The delay of a bare `google.rpc.RetryInfo`, in seconds. */
export function decodeRetryInfo(bytes: Uint8Array): number {
  const reader = new ProtoReader(bytes);
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < bytes.length) {
    const tag = reader.uint32(bytes.length);
    if (tag !== 10) {
      unexpectedTag(reader, tag, bytes.length, RETRY_INFO_FIELDS);
      continue;
    }
    const durationEnd = reader.lengthEnd(bytes.length);
    while (reader.pos < durationEnd) {
      const durationTag = reader.uint32(durationEnd);
      if (durationTag === 8) seconds = Number(reader.int64(durationEnd));
      else if (durationTag === 16) nanos = reader.uint32(durationEnd) | 0;
      else unexpectedTag(reader, durationTag, durationEnd, DURATION_FIELDS);
    }
  }
  return seconds + nanos / NANOS_PER_SECOND;
}

// --- JSON (proto3 JSON mapping: Any carries "@type"; Duration is a string like "1.5s")

function rpcStatusToJson(status: RpcStatus): JsonObject {
  const out: JsonObject = {};
  if (status.code !== 0) out.code = status.code;
  if (status.message !== '') out.message = status.message;
  const details: JsonObject[] = [];
  if (status.badRequest !== undefined) {
    details.push({ '@type': BAD_REQUEST_TYPE, fieldViolations: status.badRequest.map((violation) => ({ ...violation })) });
  }
  if (status.retryDelaySeconds !== undefined) {
    const { seconds, nanos } = toDuration(status.retryDelaySeconds);
    const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
    details.push({ '@type': RETRY_INFO_TYPE, retryDelay: `${seconds}${fraction}s` });
  }
  if (details.length !== 0) out.details = details;
  return out;
}

function rpcStatusFromJson(object: JsonObject): RpcStatus {
  const status: RpcStatus = {
    code: Number(asInt64(object.code ?? 0, 'code')),
    message: asString(object.message, 'message'),
  };
  const details = asArray(object.details, 'details');
  for (let i = 0; i < details.length; i++) {
    try {
      const detail = asObject(details[i]);
      const type = detail['@type'];
      if (type === BAD_REQUEST_TYPE) {
        const violations = asArray(field(detail, 'fieldViolations', 'field_violations'), 'fieldViolations');
        status.badRequest = violations.map((violation) => {
          const violationObject = asObject(violation);
          return {
            field: asString(violationObject.field, 'field'),
            description: asString(violationObject.description, 'description'),
          };
        });
      } else if (type === RETRY_INFO_TYPE) {
        status.retryDelaySeconds = parseDuration(field(detail, 'retryDelay', 'retry_delay'));
      }
    } catch (error) {
      throw nestError(error, `details[${i}]`);
    }
  }
  return status;
}

function parseDuration(value: unknown): number {
  if (typeof value === 'string' && /^-?\d+(\.\d+)?s$/.test(value)) return Number(value.slice(0, -1));
  throw new OtlpDecodeError(`must be a duration like "1.5s", got ${JSON.stringify(value)}`, 'retryDelay');
}
