import { decodeExportTraceResponse } from '../../otlp/index.js';
import type { PartialSuccess } from '../../otlp/index.js';
import type { DeliveryResult } from '../sendingqueue/destination.js';

/** How much of the server's explanation a dead letter's reason carries. */
const MAX_REASON_MESSAGE = 500;

/** One export's outcome, whatever the transport (OTLP/HTTP or OTLP/gRPC). */
export interface OtlpAnswer {
  result: DeliveryResult;
  /** Set when the server accepted the request but rejected some spans, or warned: logged, never retried. */
  partialSuccess?: PartialSuccess | undefined;
}

/**
 * The `partial_success` of a success answer, when it says something. An undecodable success body is still a
 * success: the spec's answer carries nothing else we act on.
 */
export function partialSuccessOf(answer: Uint8Array, encoding: 'json' | 'protobuf'): PartialSuccess | undefined {
  if (answer.byteLength === 0) return undefined;
  try {
    const partial = decodeExportTraceResponse(answer, encoding);
    return partial !== undefined && (partial.rejectedSpans > 0 || partial.errorMessage !== '') ? partial : undefined;
  } catch {
    return undefined;
  }
}

/** The server's explanation, cut to what a dead letter's reason carries. */
export const cutShort = (message: string): string => (message.length > MAX_REASON_MESSAGE ? `${message.slice(0, MAX_REASON_MESSAGE)}…` : message);
