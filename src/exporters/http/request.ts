/**
 * How exporters talk HTTP: one keep-alive connection pool per exporter (undici's), a deadline per request, a
 * compressed body, and a short reason when a request gets no answer.
 *
 * Not `fetch`, for two reasons:
 *  - cost: the MLflow exporter makes five small calls per trace (the name tag and four assessments), and on Node 20 a
 *    `fetch` with its `AbortSignal.timeout` took ~190-250 µs of CPU against ~40 µs for `undici.request` (measured
 *    ad hoc against a local server). With fetch, `npm run bench -- sidecar` measured ~210 µs of CPU per span with
 *    MLflow set, against ~55 with this;
 *  - deadlines: a timeout combined with the stop signal by `AbortSignal.any` may be garbage-collected before it
 *    fires (nodejs/node#57736), and the request then waits for as long as the server takes. undici's own header and
 *    body timeouts do not depend on the collector.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Agent, EnvHttpProxyAgent, interceptors, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { Compression, HttpTlsConfig } from './config.js';
import { tlsConnectOptions } from './tls.js';

const gzipAsync = promisify(gzip);

/** Connection errors that prove the request never reached the server: it cannot have stored anything. */
const NOT_SENT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'connect timed out']);

/**
 * Redirects followed per request before the last one is answered as it is. undici follows them as Go's http.Client,
 * and so the Collector, does: 307 and 308 send the same method and body again, 301, 302 and 303 turn a POST into a
 * GET without a body, and credentials (`Authorization`, cookies) are not sent to another host. Go stops after 10;
 * a destination that moved needs one or two.
 */
export const MAX_REDIRECTS = 5;

/** Level 1: most of gzip's saving on OTLP at a fraction of the default level's CPU. */
export async function compressed(body: Uint8Array, compression: Compression): Promise<Uint8Array> {
  return compression === 'gzip' ? gzipAsync(body, { level: 1 }) : body;
}

export interface HttpCall {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
  /** Each of waiting for the answer's headers and waiting between chunks of its body (connecting: the pool's timeout). */
  timeoutMs: number;
  /** tokenmeter stopping: abandons the request. */
  cancel?: AbortSignal;
}

export type HttpAnswer = Dispatcher.ResponseData;

/**
 * Connections to one destination, kept open between requests, through the proxy the environment names
 * (`HTTPS_PROXY` / `HTTP_PROXY`, `NO_PROXY`; lower case too), as Go's HTTP clients and so the Collector's exporters
 * use them: never for a loopback destination. Idle connections do not keep the process alive, so a pool needs no
 * closing for a CLI to exit; an exporter closes its own when it stops.
 */
export class HttpPool {
  private readonly agent: Dispatcher;
  private closing: Promise<void> | undefined;

  /** Reads the `tls` files now, so that a wrong path stops tokenmeter at start, named, rather than failing each request. */
  constructor(destination: string, connectTimeoutMs: number, tls: Partial<HttpTlsConfig> = {}) {
    const target = { timeout: connectTimeoutMs, ...tlsConnectOptions(tls) };
    // Through a proxy, the destination's TLS is set up inside the tunnel (`requestTls`); directly, on connect.
    const agent = mayUseProxy(destination) ? new EnvHttpProxyAgent({ connect: target, requestTls: target }) : new Agent({ connect: target });
    this.agent = agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS }));
  }

  /** The answer, whatever its status; throws when there is none (see `describeRequestError`). */
  send(url: string, call: HttpCall): Promise<HttpAnswer> {
    return request(url, {
      dispatcher: this.agent,
      method: call.method as Dispatcher.HttpMethod,
      headers: call.headers,
      body: call.body,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
      signal: call.cancel,
    });
  }

  /** Closes the pool once, however often it is asked (an exporter's shutdown may run twice). */
  close(): Promise<void> {
    this.closing ??= this.agent.close();
    return this.closing;
  }
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/** Whether the environment names a proxy and the destination is not this machine (Go never proxies loopback). */
function mayUseProxy(destination: string): boolean {
  return PROXY_VARIABLES.some((name) => process.env[name]) && !isLoopbackHost(new URL(destination).hostname);
}

/** `localhost`, `127.x.x.x` or `::1` (brackets or not): this machine, which no proxy stands in front of. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\./.test(bare);
}

/**
 * `defaults` with `configured` set over them, names compared without case as HTTP compares them: a configured
 * `user-agent` replaces the default `User-Agent` rather than going out beside it, as the Collector's `headers` do
 * (Go's `Header.Set`). Names come out in lower case.
 */
export function withConfiguredHeaders(defaults: Record<string, string>, configured: Record<string, string>): Record<string, string> {
  const headers = new Headers(defaults);
  for (const [name, value] of Object.entries(configured)) headers.set(name, value);
  return Object.fromEntries(headers);
}

/** The reason a request got no answer, short: `ECONNREFUSED`, `timed out`, … */
export function describeRequestError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: string }).code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timed out';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timed out';
  if (error.name === 'AbortError' || code === 'UND_ERR_ABORTED') return 'cancelled';
  // undici's own code says less than its message here ("other side closed", e.g. a TLS handshake refused).
  if (code === 'UND_ERR_SOCKET') return error.message;
  return code ?? error.message;
}

/** Whether a request that failed with this cause (from `describeRequestError`) may have reached the server. */
export const mayHaveReachedServer = (cause: string): boolean => !NOT_SENT_ERRORS.has(cause);

/** A header of an answer as one string (undici gives repeated headers as a list). */
export function headerOf(answer: HttpAnswer, name: string): string | null {
  const value = answer.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
