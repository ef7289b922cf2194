/**
 * What a gRPC status means for a batch, as the OTLP specification's client retry table says (otlp-protocol.md §5):
 * OK is delivered (a partial success is reported, never retried); CANCELLED, DEADLINE_EXCEEDED, ABORTED,
 * OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS are retried, after the server's RetryInfo delay when it sends one;
 * RESOURCE_EXHAUSTED only when it carries RetryInfo; without it, a message over the server's limit (grpc-go and grpc-js
 * say "received message larger than max", or that it decompresses to a size larger than it) is sent again in halves,
 * and anything else is permanent; so is every other code.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Metadata } from '@grpc/grpc-js';
import { decodeRpcStatus } from '../../otlp/index.js';
import { cutShort } from '../otlpforwarding/answer.js';
import type { DeliveryResult } from '../sendingqueue/destination.js';

const RETRYABLE = new Set<number>([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/** A failed call as grpc-js reports it: the status, its message, and the trailers. */
export interface FailedCall {
  code: number;
  details: string;
  metadata?: Metadata | undefined;
}

export function classifyFailure(call: FailedCall, url: string): DeliveryResult {
  const reason = `${url} answered ${codeName(call.code)}: ${cutShort(call.details)}`;
  const retryDelaySeconds = retryDelayOf(call.metadata);
  const retryable = RETRYABLE.has(call.code) || (call.code === GrpcStatus.RESOURCE_EXHAUSTED && retryDelaySeconds !== undefined);
  if (call.code === GrpcStatus.RESOURCE_EXHAUSTED && !retryable && /larger than/i.test(call.details)) return { outcome: 'tooLarge', reason };
  if (!retryable) return { outcome: 'failed', reason };
  // RESOURCE_EXHAUSTED is a refusal before processing; the other codes may come after the server stored the spans.
  return { outcome: 'retry', reason, retryAfterMs: retryDelaySeconds === undefined ? undefined : retryDelaySeconds * 1000, outcomeUnknown: call.code !== GrpcStatus.RESOURCE_EXHAUSTED };
}

/** `UNAVAILABLE`, `INVALID_ARGUMENT`, …; the number for a code gRPC does not define. */
export const codeName = (code: number): string => GrpcStatus[code] ?? `code ${code}`;

/** RetryInfo's delay, from the `google.rpc.Status` the server put in the `grpc-status-details-bin` trailer. */
function retryDelayOf(trailers: Metadata | undefined): number | undefined {
  const details = trailers?.get('grpc-status-details-bin')[0];
  if (!(details instanceof Buffer)) return undefined;
  try {
    return decodeRpcStatus(details, 'protobuf').retryDelaySeconds;
  } catch {
    return undefined; // details we cannot read carry no delay we could honour
  }
}
