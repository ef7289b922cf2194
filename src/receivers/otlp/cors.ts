import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsConfig } from './config.js';

/** Request headers a browser OTLP exporter needs beyond the CORS-safelisted ones. */
const ALWAYS_ALLOWED_HEADERS = ['Content-Type', 'Content-Encoding'];

/** Response headers a browser exporter must be able to read to back off as told. */
const EXPOSED_HEADERS = 'Retry-After';

/**
 * CORS for browser exporters: on a request from an allowed origin, sets the headers that let the page read the
 * answer. Returns true when the request was a preflight and has been answered (it carries no credentials, so it
 * is answered before authentication).
 */
export function handleCors(config: CorsConfig, authRequired: boolean, request: IncomingMessage, response: ServerResponse): boolean {
  const origin = request.headers.origin;
  const isPreflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
  if (origin === undefined) return false;
  response.setHeader('Vary', 'Origin');
  const allowed = config.allowed_origins.includes('*') ? '*' : config.allowed_origins.includes(origin) ? origin : undefined;
  if (allowed === undefined) {
    if (!isPreflight) return false;
    response
      .writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(`origin ${JSON.stringify(origin)} is not in cors.allowed_origins\n`);
    return true;
  }
  response.setHeader('Access-Control-Allow-Origin', allowed);
  if (!isPreflight) {
    response.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    return false;
  }
  const headers = [...ALWAYS_ALLOWED_HEADERS, ...(authRequired ? ['Authorization'] : []), ...config.allowed_headers];
  response
    .writeHead(204, {
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': headers.join(', '),
      'Access-Control-Max-Age': String(config.max_age_seconds),
    })
    .end();
  return true;
}
