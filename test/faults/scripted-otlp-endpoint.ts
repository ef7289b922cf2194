/**
 * An OTLP/HTTP endpoint on `node:http` that answers what a test scripts (status, headers, body, a wait) and records
 * every request it got: headers, the spans it carried (gunzipped and decoded with our codec), when it came, and
 * the answer's status. The fault tests of the otlphttp exporter play a backend with it.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeTracesJson, decodeTracesProtobuf, toHex } from '../../src/otlp/index.js';
import type { Span } from '../../src/otlp/index.js';

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

export interface ReceivedExport {
  /** 0-based, in arrival order. */
  index: number;
  at: number;
  method: string;
  /** The path asked for, query included. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Names and values as they came, in turn: a header sent twice is there twice. */
  rawHeaders: string[];
  /** The body as it came over the wire, before decompression. */
  wireBytes: number;
  spans: Span[];
  status?: number;
}

export interface ScriptedEndpoint {
  /** The base URL, as the exporter's `endpoint` takes it. */
  url: string;
  received: ReceivedExport[];
  /** The spans of every request answered 2xx, as hex span ids, in arrival order. */
  deliveredSpanIds(): string[];
  close(): Promise<void>;
}

/** `answer` is called per request (it may wait, to play a slow backend); `port` to listen where an exporter already points. */
export async function startScriptedOtlpEndpoint(
  answer: (request: ReceivedExport) => ScriptedAnswer | Promise<ScriptedAnswer>,
  port = 0,
): Promise<ScriptedEndpoint> {
  const received: ReceivedExport[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const wire = Buffer.concat(chunks);
      const body = incoming.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
      const spans = spansOf(body, incoming.headers['content-type'] === 'application/json' ? 'json' : 'protobuf');
      const request: ReceivedExport = { index: received.length, at: Date.now(), method: incoming.method!, path: incoming.url!, headers: incoming.headers, rawHeaders: incoming.rawHeaders, wireBytes: wire.byteLength, spans };
      received.push(request);
      void Promise.resolve(answer(request)).then((scripted) => {
        request.status = scripted.status;
        outgoing.writeHead(scripted.status, scripted.headers ?? {});
        outgoing.end(scripted.body ?? '');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    deliveredSpanIds: () => spanIdsOf(received.filter((request) => request.status !== undefined && request.status < 300)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The spans of an `ExportTraceServiceRequest` (protobuf, or OTLP/JSON), decoded with our codec. */
export const spansOf = (body: Uint8Array, encoding: 'protobuf' | 'json' = 'protobuf'): Span[] =>
  (encoding === 'json' ? decodeTracesJson(body) : decodeTracesProtobuf(body)).resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));

/** The spans of these requests, as hex span ids, in arrival order. */
export const spanIdsOf = (requests: readonly { spans: Span[] }[]): string[] => requests.flatMap((request) => request.spans.map((span) => toHex(span.spanId)));
