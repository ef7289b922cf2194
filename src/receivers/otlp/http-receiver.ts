import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip, gzip, inflate } from 'node:zlib';
import Negotiator from 'negotiator';
import {
  OtlpDecodeError,
  decodeTracesJson,
  decodeTracesProtobuf,
  encodeExportTraceResponse,
  encodeRpcStatus,
} from '../../otlp/index.js';
import type { RpcStatus } from '../../otlp/index.js';
import type { TracesData } from '../../otlp/model.js';
import type { PipelineError, Receiver, TracesConsumer } from '../../pipeline/consumer.js';
import type { Logger } from '../../telemetry/logger.js';
import { LogThrottle } from '../../telemetry/logThrottle.js';
import { carriesBearerToken } from './bearer-auth.js';
import type { HttpProtocolConfig } from './config.js';
import { handleCors } from './cors.js';
import { EXPERIMENT_HEADER, handleExport, requestExperiment } from './export-handler.js';
import { GrpcCode } from './grpc-codes.js';
import { readServerTlsFiles } from './tls-files.js';
import type { ServerTlsFiles } from './tls-files.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const gzipAsync = promisify(gzip);

type Inflater = typeof gunzipAsync;

/**
 * The compressed Content-Encodings read, as the Collector's HTTP server names them: `zlib` (what its exporters send
 * for `compression: zlib`) is the same zlib stream as HTTP's `deflate`. Its `zstd` is refused (415): Node 20's zlib has
 * none, and the pure-JS decoder copies the frame's whole window once per block, so a few KB of crafted zstd would hold
 * the event loop for seconds. `snappy` and `lz4` too: no well-kept pure-JS decoder reads what Collectors send.
 */
const INFLATERS = new Map<string, Inflater>([
  ['gzip', gunzipAsync],
  ['x-gzip', gunzipAsync],
  ['deflate', inflateAsync],
  ['zlib', inflateAsync],
]);

const IDENTITY_ENCODINGS = new Set(['identity', 'none', '']);

type Encoding = 'protobuf' | 'json';

/** How a request's body is written, and the media type it named, which the answer carries (OTLP/HTTP). */
interface BodyFormat {
  encoding: Encoding;
  contentType: string;
}

/** What the client of a request that ended before its body did is not answered; logged at debug, not as a failure. */
class ClientAborted extends Error {}

/** Bodies smaller than this are not worth compressing in a response. */
const MIN_GZIP_RESPONSE_BYTES = 128;

/** A failure answered with an HTTP status and a `google.rpc.Status` body in the request's encoding. */
class HttpFailure extends Error {
  constructor(
    readonly httpStatus: number,
    readonly rpcStatus: RpcStatus,
    readonly headers: Record<string, string> = {},
  ) {
    super(rpcStatus.message);
  }
}

/** OTLP/HTTP receiver for traces: `POST <traces_path>` with protobuf or JSON, optionally gzip/deflate/zlib-compressed. */
export class OtlpHttpReceiver implements Receiver {
  /** Created at start: a TLS listener needs its certificate files read first. */
  private server: Server | undefined;
  /** Refusals come with every request of every app while they last: said at most every 30 s. */
  private readonly refusals = new LogThrottle();

  constructor(
    private readonly config: HttpProtocolConfig,
    private readonly next: TracesConsumer,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const listener: RequestListener = (request, response) => {
      this.handle(request, response).catch((error: unknown) => this.answerUnhandled(request, response, error));
    };
    // No `clientError` listener: Node's own answers a request it cannot parse with 431 (headers too large) or 400 and
    // `Connection: close`, where a dropped connection would be retried by the client forever.
    const server = this.config.tls ? createHttpsServer(httpsOptions(readServerTlsFiles(this.config.tls)), listener) : createServer(listener);
    const { host, port } = this.config.endpoint;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.info({ endpoint: this.url }, 'OTLP/HTTP receiver listening');
  }

  /** The receiver's traces URL, with the port actually bound (useful when configured with port 0). */
  get url(): string {
    if (!this.server) throw new Error('the OTLP/HTTP receiver is not started');
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${this.config.tls ? 'https' : 'http'}://${host}:${address.port}${this.config.traces_path}`;
  }

  async shutdown(deadlineMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), deadlineMs);
    await closed;
    clearTimeout(timer);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== this.config.traces_path) {
      return sendText(response, 404, `not found: OTLP traces are accepted at POST ${this.config.traces_path}`);
    }
    if (this.config.cors && handleCors(this.config.cors, this.config.auth !== undefined, request, response)) return;
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return sendText(response, 405, `method ${request.method} not allowed: use POST`);
    }
    const format = bodyFormat(request.headers['content-type']);
    const auth = this.config.auth;
    if (auth && !carriesBearerToken(request.headers.authorization, auth.bearer_token)) {
      // Before anything else about the request is judged: an unauthenticated client learns nothing more.
      response.setHeader('WWW-Authenticate', 'Bearer realm="tokenmeter"');
      const message = 'missing or wrong bearer token in the Authorization header';
      if (!format) return sendText(response, 401, message);
      return send(request, response, 401, format.contentType, encodeRpcStatus({ code: GrpcCode.UNAUTHENTICATED, message }, format.encoding));
    }
    if (!format) {
      return sendText(
        response,
        415,
        `unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}: ` +
          'use application/x-protobuf or application/json',
      );
    }
    try {
      const experiment = requestExperiment(firstHeader(request.headers[EXPERIMENT_HEADER]));
      if ('problem' in experiment) throw invalidArgument(experiment.problem, EXPERIMENT_HEADER);
      const data = await this.readRequest(request, format.encoding);
      const outcome = await handleExport(data, this.next, experiment.id);
      if (!outcome.ok) throw pipelineFailure(outcome.error);
      await send(request, response, 200, format.contentType, encodeExportTraceResponse(outcome.partialSuccess, format.encoding));
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      this.logFailure(error);
      for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
      // The body of a refused oversize request is left unread: close the connection rather than drain it.
      if (error.httpStatus === 413) response.setHeader('Connection', 'close');
      await send(request, response, error.httpStatus, format.contentType, encodeRpcStatus(error.rpcStatus, format.encoding));
    }
  }

  /** What `handle` leaves unanswered: a client that went away, or a bug, which is answered like any other failure. */
  private answerUnhandled(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    if (error instanceof ClientAborted) {
      this.logger.debug('OTLP/HTTP client went away before sending its whole request');
      response.destroy();
      return;
    }
    // Only a bug gets here (every expected failure is answered in handle); keep serving.
    this.logger.error({ err: error }, 'OTLP/HTTP request handler failed');
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const format = bodyFormat(request.headers['content-type']);
    const status = { code: GrpcCode.INTERNAL, message: 'internal error while handling the export' };
    if (!format) return sendText(response, 500, status.message);
    send(request, response, 500, format.contentType, encodeRpcStatus(status, format.encoding)).catch(() => response.destroy());
  }

  /** Retryable refusals warn; a 500 is an error, since OTLP clients do not retry it and the spans are lost. */
  private logFailure(failure: HttpFailure): void {
    const fields = { status: failure.httpStatus, reason: failure.message };
    if (failure.httpStatus === 429 || failure.httpStatus === 503) {
      const passed = this.refusals.pass();
      if (passed !== undefined) this.logger.warn({ ...fields, ...passed }, 'OTLP/HTTP export refused; the client retries (said at most every 30 s)');
    } else if (failure.httpStatus >= 500) {
      this.logger.error(fields, 'OTLP/HTTP export failed; the client does not retry a 500 and drops these spans');
    } else {
      this.logger.debug(fields, 'OTLP/HTTP export rejected');
    }
  }

  private async readRequest(request: IncomingMessage, encoding: Encoding): Promise<TracesData> {
    const limit = this.config.max_request_body_size;
    const contentEncoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const inflater = INFLATERS.get(contentEncoding);
    if (!inflater && !IDENTITY_ENCODINGS.has(contentEncoding)) {
      throw new HttpFailure(415, {
        code: GrpcCode.UNIMPLEMENTED,
        message: `unsupported Content-Encoding ${JSON.stringify(contentEncoding)}: use gzip, deflate, zlib or none`,
      });
    }
    const body = await readBody(request, limit);
    const decompressed = inflater ? await decompress(body, inflater, contentEncoding, limit) : body;
    try {
      return encoding === 'protobuf' ? decodeTracesProtobuf(decompressed) : decodeTracesJson(decompressed);
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      const what = encoding === 'protobuf' ? 'protobuf ExportTraceServiceRequest' : 'OTLP/JSON ExportTraceServiceRequest';
      throw invalidArgument(`invalid ${what}: ${error.message}`, 'body');
    }
  }
}

function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return { encoding: 'protobuf', contentType: mediaType };
  if (mediaType === 'application/json') return { encoding: 'json', contentType: mediaType };
  return undefined;
}

function tooLarge(limit: number, what: string): HttpFailure {
  return new HttpFailure(413, {
    code: GrpcCode.RESOURCE_EXHAUSTED,
    message: `request body ${what} exceeds the limit of ${limit} bytes (max_request_body_size)`,
  });
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function invalidArgument(message: string, field: string): HttpFailure {
  return new HttpFailure(400, {
    code: GrpcCode.INVALID_ARGUMENT,
    message,
    badRequest: [{ field, description: message }],
  });
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) throw tooLarge(limit, `of ${declared} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit, 'as sent');
      chunks.push(chunk);
    }
  } catch (error) {
    // Node ends the body of a request whose client disconnected with `aborted` (ECONNRESET).
    if (request.destroyed && !(error instanceof HttpFailure)) throw new ClientAborted('client aborted the request');
    throw error;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

async function decompress(body: Buffer, inflater: Inflater, contentEncoding: string, limit: number): Promise<Buffer> {
  try {
    // maxOutputLength stops inflating at the limit: a gzip bomb costs at most `limit` bytes of memory.
    return await inflater(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit, 'after decompression');
    throw invalidArgument(`cannot decompress ${contentEncoding} body: ${(error as Error).message}`, 'body');
  }
}

function pipelineFailure(error: PipelineError): HttpFailure {
  const retryAfter: Record<string, string> =
    error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) };
  const retryDelaySeconds = error.retryAfterSeconds;
  switch (error.kind) {
    case 'invalid':
      return invalidArgument(error.message, 'resourceSpans');
    case 'overloaded':
      return new HttpFailure(429, { code: GrpcCode.RESOURCE_EXHAUSTED, message: error.message, retryDelaySeconds }, retryAfter);
    case 'unavailable':
      return new HttpFailure(503, { code: GrpcCode.UNAVAILABLE, message: error.message, retryDelaySeconds }, retryAfter);
    case 'internal':
      return new HttpFailure(500, { code: GrpcCode.INTERNAL, message: error.message });
  }
}

async function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  contentType: string,
  body: Uint8Array,
): Promise<void> {
  response.setHeader('Content-Type', contentType);
  if (body.length >= MIN_GZIP_RESPONSE_BYTES && acceptsGzip(request)) {
    body = await gzipAsync(body);
    response.setHeader('Content-Encoding', 'gzip');
  }
  response.setHeader('Content-Length', body.length);
  response.writeHead(status).end(body);
}

/** Whether the client accepts a gzipped answer: named or matched by `*` with a weight above zero (`gzip;q=0` refuses it). */
function acceptsGzip(request: IncomingMessage): boolean {
  return new Negotiator(request).encoding(['gzip', 'x-gzip', 'identity']) !== 'identity';
}

function sendText(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}

/** TLS with this certificate; under mutual TLS, the handshake refuses clients without a certificate the client CA signed. */
function httpsOptions({ cert, key, clientCa }: ServerTlsFiles): HttpsServerOptions {
  return clientCa === undefined ? { cert, key } : { cert, key, ca: clientCa, requestCert: true, rejectUnauthorized: true };
}
