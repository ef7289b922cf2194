/** What exporters that post over HTTP do alike: compress the body, and say why a request got no answer. */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Compression } from './config.js';

const gzipAsync = promisify(gzip);

/** Connection errors that prove the request never reached the server: it cannot have stored anything. */
const NOT_SENT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Level 1: most of gzip's saving on OTLP at a fraction of the default level's CPU. */
export async function compressed(body: Uint8Array, compression: Compression): Promise<Uint8Array> {
  return compression === 'gzip' ? gzipAsync(body, { level: 1 }) : body;
}

/** The reason `fetch` failed, short: `ECONNREFUSED`, `timed out`, … */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}

/** Whether a request that failed with this cause (from `describeFetchError`) may have reached the server. */
export const mayHaveReachedServer = (cause: string): boolean => !NOT_SENT_ERRORS.has(cause);

/** The request's deadline, and tokenmeter's stop when it has one. */
export function requestSignal(timeoutMs: number, cancel: AbortSignal | undefined): AbortSignal {
  return cancel === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)]);
}
