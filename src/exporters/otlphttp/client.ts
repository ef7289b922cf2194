/**
 * One OTLP/HTTP export and what its answer means, as the OTLP specification says (otlp-protocol.md §5): 2xx is
 * success, even with a partial success (never retried); 429/502/503/504 are retried, honouring `Retry-After`; so
 * are connection failures and timeouts; 413 (the collector's `max_request_body_size`, a proxy's body limit) is sent
 * again in halves; every other status is permanent.
 */
import { decodeRpcStatus } from '../../otlp/index.js';
import { USER_AGENT } from '../../version.js';
import { describeRequestError, headerOf, MAX_REDIRECTS, mayHaveReachedServer, withConfiguredHeaders } from '../http/request.js';
import type { HttpAnswer, HttpPool } from '../http/request.js';
import { cutShort, partialSuccessOf } from '../otlpforwarding/answer.js';
import type { OtlpAnswer } from '../otlpforwarding/answer.js';
import { parseRetryAfterMs } from '../retry/backoff.js';

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** Clients must not read more of an answer than this (OTLP 1.11): a runaway body is cut, not buffered. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface OtlpHttpRequest {
  pool: HttpPool;
  url: string;
  /** The media type of the bodies sent: protobuf, or OTLP/JSON. */
  encoding: 'proto' | 'json';
  headers: Record<string, string>;
  timeoutMs: number;
}

export async function exportTraces(request: OtlpHttpRequest, body: Uint8Array, gzipped: boolean, cancel?: AbortSignal): Promise<OtlpAnswer> {
  // Configured headers win over ours, as in the Collector; the encoding is what the body is.
  const contentType = request.encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  const headers = withConfiguredHeaders({ 'user-agent': USER_AGENT, 'content-type': contentType }, request.headers);
  if (gzipped) headers['content-encoding'] = 'gzip';
  let response: HttpAnswer;
  try {
    response = await request.pool.send(request.url, { method: 'POST', headers, body, timeoutMs: request.timeoutMs, cancel });
  } catch (error) {
    const cause = describeRequestError(error);
    return { result: { outcome: 'retry', reason: `OTLP endpoint unreachable at ${request.url}: ${cause}`, outcomeUnknown: mayHaveReachedServer(cause) } };
  }
  const answer = await readLimited(response).catch(() => new Uint8Array(0));
  const encoding = encodingOf(headerOf(response, 'content-type'));
  const { statusCode: status } = response;
  // The answer comes in the request's encoding even when a server leaves its type out.
  if (status >= 200 && status < 300) {
    return { result: { outcome: 'delivered' }, partialSuccess: partialSuccessOf(answer, encoding ?? (request.encoding === 'json' ? 'json' : 'protobuf')) };
  }
  const reason = `${request.url} answered ${status}${redirectNotFollowed(response)}: ${serverMessage(answer, encoding)}`;
  if (RETRYABLE_STATUS.has(status)) {
    const retryAfterMs = parseRetryAfterMs(headerOf(response, 'retry-after'));
    // A 5xx may come after the server processed the request; 429 is a refusal before it.
    return { result: { outcome: 'retry', reason, retryAfterMs, outcomeUnknown: status !== 429, status } };
  }
  if (status === 413) return { result: { outcome: 'tooLarge', reason } };
  return { result: { outcome: 'failed', reason } };
}

/** Where a redirect still pointed once the pool had followed as many as it follows (its body is usually empty). */
function redirectNotFollowed(response: HttpAnswer): string {
  const location = response.statusCode >= 300 && response.statusCode < 400 ? headerOf(response, 'location') : null;
  return location === null ? '' : ` (Location: ${location}; ${MAX_REDIRECTS} redirects followed at most)`;
}

/** How to read an answer: an OTLP message for the OTLP media types, else (proxies, plain servers) text. */
function encodingOf(contentType: string | null): 'protobuf' | 'json' | undefined {
  if (contentType?.includes('protobuf')) return 'protobuf';
  if (contentType?.includes('json')) return 'json';
  return undefined;
}

/** The body, up to MAX_RESPONSE_BYTES. */
async function readLimited(response: HttpAnswer): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= MAX_RESPONSE_BYTES) break; // leaving the loop destroys the rest of the stream
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES);
}

/** The `google.rpc.Status` message the spec asks error bodies to carry, else the body as text; cut short. */
function serverMessage(answer: Uint8Array, encoding: 'json' | 'protobuf' | undefined): string {
  const text = Buffer.from(answer).toString('utf8');
  let message = text;
  if (encoding !== undefined) {
    try {
      message = decodeRpcStatus(answer, encoding).message || '(a google.rpc.Status without a message)';
    } catch {
      // not the Status the spec asks for: the body as it is says more than nothing
    }
  }
  return cutShort(message);
}
