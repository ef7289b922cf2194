/**
 * What the fault tests send and check: traces made by the real OpenTelemetry JS SDK (a root and two model calls
 * carrying `mlflow.chat.tokenUsage`), exported by the real OTLP/HTTP protobuf exporter, and the exact picture
 * MLflow must end up with: every span once, token totals equal to the app's usage, four cost assessments per trace.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { getTrace } from '../harness/mlflow-client.js';

export interface SentTrace {
  traceId: string;
  spans: number;
  inputTokens: number;
  outputTokens: number;
}

/** `count` traces of three spans each, ready for an exporter. */
export function buildTraces(count: number, seed: number): { spans: ReadableSpan[]; sent: SentTrace[] } {
  const recorder = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(recorder)] });
  const tracer = provider.getTracer('fault-test');
  const sent: SentTrace[] = [];
  for (let i = 0; i < count; i++) {
    const root = tracer.startSpan('workflow', { attributes: { 'mlflow.spanType': 'CHAIN' } }, ROOT_CONTEXT);
    const inside = trace.setSpan(ROOT_CONTEXT, root);
    let input = 0;
    let output = 0;
    for (const call of [1, 2]) {
      const usage = { input_tokens: seed + i * 10 + call, output_tokens: call * 7 };
      input += usage.input_tokens;
      output += usage.output_tokens;
      tracer
        .startSpan('ChatOpenAI', {
          attributes: {
            'mlflow.spanType': 'CHAT_MODEL',
            'mlflow.chat.tokenUsage': JSON.stringify({ ...usage, total_tokens: usage.input_tokens + usage.output_tokens }),
            invocation_params: JSON.stringify({ model: 'gpt-4o-mini', _type: 'openai-chat' }),
          },
        }, inside)
        .end();
    }
    root.end();
    sent.push({ traceId: root.spanContext().traceId, spans: 3, inputTokens: input, outputTokens: output });
  }
  return { spans: recorder.getFinishedSpans(), sent };
}

/**
 * A trace of one span carrying `bytes` characters of output, as a tool returning a large document makes: a request
 * holding it is over a receiver's limit of fewer bytes, however it is cut.
 */
export function buildOversizedSpan(bytes: number): ReadableSpan {
  const recorder = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(recorder)] });
  provider.getTracer('fault-test').startSpan('fetch_document', { attributes: { 'mlflow.spanType': 'TOOL', 'mlflow.spanOutputs': 'x'.repeat(bytes) } }, ROOT_CONTEXT).end();
  return recorder.getFinishedSpans()[0]!;
}

/**
 * Exports like an app does, in batches of `batchSize` spans (children before their root), several at a time, with
 * the `headers` an app may set (`OTEL_EXPORTER_OTLP_TRACES_HEADERS`).
 */
export async function exportAll(url: string, spans: readonly ReadableSpan[], batchSize = 6, parallel = 1, headers: Record<string, string> = {}): Promise<number[]> {
  const batches: ReadableSpan[][] = [];
  for (let i = 0; i < spans.length; i += batchSize) batches.push(spans.slice(i, i + batchSize));
  const codes: number[] = [];
  const exporter = new OTLPTraceExporter({ url, timeoutMillis: 30_000, headers });
  for (let i = 0; i < batches.length; i += parallel) {
    const results = await Promise.all(
      batches.slice(i, i + parallel).map((batch) => new Promise<number>((resolve) => exporter.export(batch, (result) => resolve(result.code)))),
    );
    codes.push(...results);
  }
  await exporter.shutdown();
  return codes;
}

interface StoredAssessment {
  assessment_name: string;
  valid?: boolean;
  feedback?: { value?: unknown };
}

interface StoredTrace {
  spans: number;
  tokenUsage: { input_tokens?: number; output_tokens?: number; total_tokens?: number } | undefined;
  assessments: number;
  /** The `total_tokens` cost assessment: what trace assembly counted, so a span it counted twice shows here. */
  assessedTotalTokens: unknown;
}

async function stored(mlflowUrl: string, traceId: string): Promise<StoredTrace | undefined> {
  const found = await getTrace(mlflowUrl, traceId).catch(() => undefined);
  if (found === undefined) return undefined;
  const response = await fetch(`${mlflowUrl}/api/3.0/mlflow/traces/tr-${traceId}`);
  const info = response.ok
    ? ((await response.json()) as { trace: { trace_info: { assessments?: StoredAssessment[]; trace_metadata?: Record<string, string> } } }).trace.trace_info
    : undefined;
  const usage = info?.trace_metadata?.['mlflow.trace.tokenUsage'];
  const assessments = info?.assessments ?? [];
  return {
    spans: found.spans.length,
    tokenUsage: usage === undefined ? undefined : (JSON.parse(usage) as StoredTrace['tokenUsage']),
    assessments: assessments.length,
    assessedTotalTokens: assessments.find((assessment) => assessment.assessment_name === 'total_tokens' && assessment.valid !== false)?.feedback?.value,
  };
}

/**
 * Waits (a bounded number of rounds) until MLflow shows every trace complete, then returns what it holds per
 * trace, read once more for all of them, to compare exactly with what was sent. Each round asks only about the
 * traces not yet complete, so that many traces do not keep MLflow busy answering the test.
 */
export async function storedTraces(mlflowUrl: string, sent: readonly SentTrace[], rounds = 720): Promise<Map<string, StoredTrace | undefined>> {
  const readAll = async (traces: readonly SentTrace[]) =>
    new Map(await Promise.all(traces.map(async (trace) => [trace.traceId, await stored(mlflowUrl, trace.traceId)] as const)));
  let incomplete = [...sent];
  for (let round = 0; round < rounds && incomplete.length > 0; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    const found = await readAll(incomplete);
    incomplete = incomplete.filter((trace) => {
      const held = found.get(trace.traceId);
      return held === undefined || held.spans < trace.spans || held.assessments < 4 || held.tokenUsage === undefined;
    });
  }
  return readAll(sent);
}

/** What MLflow must hold for the traces sent: the same as `storedTraces` returns when nothing was lost or doubled. */
export function expectedTraces(sent: readonly SentTrace[]): Map<string, StoredTrace> {
  return new Map(
    sent.map((trace) => [
      trace.traceId,
      {
        spans: trace.spans,
        assessments: 4,
        assessedTotalTokens: trace.inputTokens + trace.outputTokens,
        tokenUsage: { input_tokens: trace.inputTokens, output_tokens: trace.outputTokens, total_tokens: trace.inputTokens + trace.outputTokens },
      },
    ]),
  );
}

export interface Proxy {
  url: string;
  statuses: number[];
  close(): Promise<void>;
}

/** What nginx answers a body over its `client_max_body_size`. */
const NGINX_TOO_LARGE = '<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/**
 * A forwarding HTTP proxy that holds back answers to requests `delay` picks, to play a slow server; with `tls`, it
 * terminates TLS with that certificate, as an ingress in front of the target would (asking clients for a certificate
 * the client CA signed, with `clientCaFile`). With `maxBodyBytes`, a request whose body is longer gets nginx's 413
 * and never reaches the target, as behind nginx's `client_max_body_size`.
 */
export async function startProxy(
  target: string,
  delayMs: (method: string, path: string) => number,
  tls?: { certFile: string; keyFile: string; clientCaFile?: string },
  maxBodyBytes?: number,
): Promise<Proxy> {
  const statuses: number[] = [];
  const { hostname, port } = new URL(target);
  const handler = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (maxBodyBytes !== undefined && Number(incoming.headers['content-length'] ?? 0) > maxBodyBytes) {
      // Read and dropped, as nginx's lingering close does, so that the client sees the answer rather than a reset.
      incoming.resume();
      incoming.on('end', () => {
        statuses.push(413);
        outgoing.writeHead(413, { 'Content-Type': 'text/html', Connection: 'close' });
        outgoing.end(NGINX_TOO_LARGE);
      });
      return;
    }
    const forwarded = request({ hostname, port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        setTimeout(() => {
          statuses.push(answer.statusCode ?? 0);
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          outgoing.end(Buffer.concat(chunks));
        }, delayMs(incoming.method ?? 'GET', incoming.url ?? '/'));
      });
    });
    forwarded.on('error', () => {
      outgoing.destroy();
    });
    incoming.pipe(forwarded);
  };
  const clientAuth = tls?.clientCaFile === undefined ? {} : { ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: true };
  const server = tls === undefined ? createServer(handler) : createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ...clientAuth }, handler);
  return listen(server, statuses);
}

/**
 * A forwarding HTTP proxy that loses the answer to the first attempt of every request (the connection is cut once
 * the target answered), as when tokenmeter stored a request but died or was cut off before answering: the app's
 * exporter sees a reset and sends the same request again. `beforeCut` runs first (e.g. kills and restarts the target).
 */
export async function startAnswerLosingProxy(target: string, beforeCut: () => Promise<void> = async () => {}): Promise<Proxy> {
  const statuses: number[] = [];
  const seenBodies = new Set<string>();
  const { hostname, port } = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const key = createHash('sha256').update(body).digest('hex');
      const firstAttempt = !seenBodies.has(key);
      seenBodies.add(key);
      const forwarded = request({ hostname, port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
        const answerChunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
        answer.on('end', () => {
          statuses.push(answer.statusCode ?? 0);
          if (firstAttempt) {
            void beforeCut().finally(() => outgoing.socket?.destroy());
            return;
          }
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          outgoing.end(Buffer.concat(answerChunks));
        });
      });
      forwarded.on('error', () => outgoing.destroy());
      forwarded.end(body);
    });
  });
  return listen(server, statuses);
}

async function listen(server: Server | HttpsServer, statuses: number[]): Promise<Proxy> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${server instanceof HttpsServer ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
