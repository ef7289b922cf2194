import { decodeExportTraceResponseJson, encodeExportTraceResponseJson } from '../json/export-response.js';
import type { PartialSuccess } from '../model.js';
import { nestError } from './decode-error.js';
import { ProtoReader, unexpectedTag } from './reader.js';
import { bytesField, concat, stringField, varintField } from './small-message.js';

const textEncoder = new TextEncoder();

const RESPONSE_FIELDS = [undefined, 'partial_success'];
const PARTIAL_SUCCESS_FIELDS = [undefined, 'rejected_spans', 'error_message'];

/** `ExportTraceServiceResponse`: full success (no partial) is 0 bytes, as OTLP specifies. */
export function encodeExportTraceResponseProtobuf(partial: PartialSuccess | undefined): Uint8Array {
  if (partial === undefined) return new Uint8Array(0);
  const body = concat([varintField(1, partial.rejectedSpans), stringField(2, partial.errorMessage)]);
  return bytesField(1, body);
}

export function decodeExportTraceResponseProtobuf(bytes: Uint8Array): PartialSuccess | undefined {
  const reader = new ProtoReader(bytes);
  const end = bytes.length;
  let partial: PartialSuccess | undefined;
  while (reader.pos < end) {
    const tag = reader.tagOrLength(end);
    if (tag === 10) {
      const childEnd = reader.lengthEnd(end);
      try {
        partial = decodePartialSuccess(reader, childEnd);
      } catch (error) {
        throw nestError(error, 'partialSuccess');
      }
    } else {
      unexpectedTag(reader, tag, end, RESPONSE_FIELDS);
    }
  }
  return partial;
}

function decodePartialSuccess(reader: ProtoReader, end: number): PartialSuccess {
  const partial: PartialSuccess = { rejectedSpans: 0, errorMessage: '' };
  while (reader.pos < end) {
    const tag = reader.tagOrLength(end);
    if (tag === 8) partial.rejectedSpans = Number(reader.int64(end));
    else if (tag === 18) partial.errorMessage = reader.string(end);
    else unexpectedTag(reader, tag, end, PARTIAL_SUCCESS_FIELDS);
  }
  return partial;
}

export function encodeExportTraceResponse(partial: PartialSuccess | undefined, encoding: 'protobuf' | 'json'): Uint8Array {
  return encoding === 'protobuf'
    ? encodeExportTraceResponseProtobuf(partial)
    : textEncoder.encode(encodeExportTraceResponseJson(partial));
}

export function decodeExportTraceResponse(bytes: Uint8Array, encoding: 'protobuf' | 'json'): PartialSuccess | undefined {
  return encoding === 'protobuf' ? decodeExportTraceResponseProtobuf(bytes) : decodeExportTraceResponseJson(bytes);
}
