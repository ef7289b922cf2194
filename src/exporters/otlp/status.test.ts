import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { toBuffer } from '../../otlp/grpc-service.js';
import { encodeRpcStatus } from '../../otlp/index.js';
import { classifyFailure } from './status.js';

const URL = 'http://collector:4317';

/** Trailers as a server sends them: the `google.rpc.Status`, with RetryInfo when a delay is given. */
function trailers(code: number, retryDelaySeconds?: number): Metadata {
  const metadata = new Metadata();
  const status = { code, message: 'why', ...(retryDelaySeconds !== undefined && { retryDelaySeconds }) };
  metadata.set('grpc-status-details-bin', toBuffer(encodeRpcStatus(status, 'protobuf')));
  return metadata;
}

describe('gRPC statuses, classified by the OTLP client retry table', () => {
  it('CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS are retried, after RetryInfo’s delay when given', () => {
    for (const code of [GrpcStatus.CANCELLED, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.ABORTED, GrpcStatus.OUT_OF_RANGE, GrpcStatus.UNAVAILABLE, GrpcStatus.DATA_LOSS]) {
      expect(classifyFailure({ code, details: 'why', metadata: trailers(code) }, URL)).toEqual({
        outcome: 'retry',
        reason: `${URL} answered ${GrpcStatus[code]}: why`,
        retryAfterMs: undefined,
        outcomeUnknown: true,
      });
    }
    expect(classifyFailure({ code: GrpcStatus.UNAVAILABLE, details: 'busy', metadata: trailers(GrpcStatus.UNAVAILABLE, 2.5) }, URL)).toMatchObject({ outcome: 'retry', retryAfterMs: 2_500 });
  });

  it('RESOURCE_EXHAUSTED without RetryInfo for a message over the server’s limit is too large (sent again in halves), in grpc-js’s and grpc-go’s words', () => {
    const code = GrpcStatus.RESOURCE_EXHAUSTED;
    for (const details of [
      'Received message larger than max (5242880 vs 4194304)',
      'Received message that decompresses to a size larger than 4194304',
      'grpc: received message larger than max (5242880 vs. 4194304)',
      'grpc: received message after decompression larger than max (5242880 vs. 4194304)',
    ]) {
      expect(classifyFailure({ code, details, metadata: trailers(code) }, URL)).toEqual({ outcome: 'tooLarge', reason: `${URL} answered RESOURCE_EXHAUSTED: ${details}` });
    }
    // With RetryInfo the server asks for a later retry, whatever its words.
    expect(classifyFailure({ code, details: 'Received message larger than max (1 vs 0)', metadata: trailers(code, 1) }, URL)).toMatchObject({ outcome: 'retry' });
    expect(classifyFailure({ code: GrpcStatus.INVALID_ARGUMENT, details: 'attribute larger than 1024' }, URL)).toMatchObject({ outcome: 'failed' });
  });

  it('RESOURCE_EXHAUSTED is retried only with RetryInfo', () => {
    const code = GrpcStatus.RESOURCE_EXHAUSTED;
    expect(classifyFailure({ code, details: 'too big', metadata: trailers(code) }, URL)).toEqual({ outcome: 'failed', reason: `${URL} answered RESOURCE_EXHAUSTED: too big` });
    expect(classifyFailure({ code, details: 'quota' }, URL)).toMatchObject({ outcome: 'failed' });
    expect(classifyFailure({ code, details: 'quota', metadata: trailers(code, 3) }, URL)).toEqual({
      outcome: 'retry',
      reason: `${URL} answered RESOURCE_EXHAUSTED: quota`,
      retryAfterMs: 3_000,
      outcomeUnknown: false,
    });
  });

  it('every other code is permanent, its name and the message in the reason, cut short', () => {
    const permanent = [
      GrpcStatus.UNKNOWN, GrpcStatus.INVALID_ARGUMENT, GrpcStatus.NOT_FOUND, GrpcStatus.ALREADY_EXISTS, GrpcStatus.PERMISSION_DENIED,
      GrpcStatus.UNAUTHENTICATED, GrpcStatus.FAILED_PRECONDITION, GrpcStatus.UNIMPLEMENTED, GrpcStatus.INTERNAL,
    ];
    for (const code of permanent) {
      expect(classifyFailure({ code, details: 'no', metadata: trailers(code, 1) }, URL)).toEqual({ outcome: 'failed', reason: `${URL} answered ${GrpcStatus[code]}: no` });
    }
    expect(classifyFailure({ code: 99, details: 'odd' }, URL)).toEqual({ outcome: 'failed', reason: `${URL} answered code 99: odd` });
    const long = classifyFailure({ code: GrpcStatus.INVALID_ARGUMENT, details: 'x'.repeat(10_000) }, URL);
    expect(long.outcome === 'failed' && long.reason.length).toBeLessThan(600);
  });
});
