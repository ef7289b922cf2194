import type { PartialSuccess } from '../model.js';
import { nestError } from '../protobuf/decode-error.js';
import { asInt64, asObject, asString, field, parseJson } from './values.js';

/** `ExportTraceServiceResponse` in OTLP/JSON: `{}` for full success; `rejectedSpans` is int64, hence a string. */
export function encodeExportTraceResponseJson(partial: PartialSuccess | undefined): string {
  if (partial === undefined) return '{}';
  const body: Record<string, string> = {};
  if (partial.rejectedSpans !== 0) body.rejectedSpans = String(partial.rejectedSpans);
  if (partial.errorMessage !== '') body.errorMessage = partial.errorMessage;
  return JSON.stringify({ partialSuccess: body });
}

export function decodeExportTraceResponseJson(body: string | Uint8Array): PartialSuccess | undefined {
  const root = asObject(parseJson(body));
  const partial = field(root, 'partialSuccess', 'partial_success');
  if (partial === undefined) return undefined;
  try {
    const object = asObject(partial);
    return {
      rejectedSpans: Number(asInt64(field(object, 'rejectedSpans', 'rejected_spans') ?? 0, 'rejectedSpans')),
      errorMessage: asString(field(object, 'errorMessage', 'error_message'), 'errorMessage'),
    };
  } catch (error) {
    throw nestError(error, 'partialSuccess');
  }
}
