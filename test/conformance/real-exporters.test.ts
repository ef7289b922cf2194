/**
 * Real OTLP clients → tokenmeter's `otlp` receiver (both protocols, built by its factory from config) → the next
 * pipeline stage, recorded. Each client sends the same sample trace; what arrives must be that trace, span for span.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Receiver } from '../../src/pipeline/consumer.js';
import { otlpReceiverConfigSchema } from '../../src/receivers/otlp/config.js';
import { otlpReceiverFactory } from '../../src/receivers/otlp/factory.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { RecordingConsumer } from '../fixtures/recording-consumer.js';
import { getFreePort } from '../harness/ports.js';
import { repoRoot, venvPython } from '../harness/paths.js';
import { runLanggraphApp } from '../harness/python-app.js';
import { expectSampleTrace, sampleTrace } from './sample-trace.js';
import { buildSampleSpans } from './sdk-spans.js';

type Compression = NonNullable<NonNullable<ConstructorParameters<typeof ProtoTraceExporter>[0]>['compression']>;
const COMPRESSIONS = ['none', 'gzip'] as const;
const JS_SDK = { encodesTraceFlags: true };
const PYTHON_SDK = { encodesTraceFlags: false };

const consumer = new RecordingConsumer();
let receiver: Receiver;
let httpUrl: string;
let grpcUrl: string;
let spans: ReadableSpan[];

beforeAll(async () => {
  const [httpPort, grpcPort] = [await getFreePort(), await getFreePort()];
  httpUrl = `http://127.0.0.1:${httpPort}/v1/traces`;
  grpcUrl = `http://127.0.0.1:${grpcPort}`;
  const config = otlpReceiverConfigSchema.parse({
    protocols: { http: { endpoint: `127.0.0.1:${httpPort}` }, grpc: { endpoint: `127.0.0.1:${grpcPort}` } },
  });
  receiver = otlpReceiverFactory.create(config, { id: 'otlp', logger: silentLogger() }, consumer);
  await receiver.start();
  spans = await buildSampleSpans();
});
afterAll(() => receiver.shutdown());
beforeEach(() => {
  consumer.received = [];
});

async function exportWith(exporter: SpanExporter): Promise<void> {
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown();
  expect(result.error).toBeUndefined();
  expect(result.code).toBe(0); // ExportResultCode.SUCCESS
}

describe('OpenTelemetry JS SDK exporters', () => {
  for (const compression of COMPRESSIONS) {
    const options = { compression: compression as Compression };
    it(`exporter-trace-otlp-http (JSON), compression ${compression}`, async () => {
      await exportWith(new JsonTraceExporter({ url: httpUrl, ...options }));
      expectSampleTrace(consumer.received, JS_SDK);
    });
    it(`exporter-trace-otlp-proto, compression ${compression}`, async () => {
      await exportWith(new ProtoTraceExporter({ url: httpUrl, ...options }));
      expectSampleTrace(consumer.received, JS_SDK);
    });
    it(`exporter-trace-otlp-grpc, compression ${compression}`, async () => {
      await exportWith(new GrpcTraceExporter({ url: grpcUrl, ...options }));
      expectSampleTrace(consumer.received, JS_SDK);
    });
  }
});

/** Runs python_exporter.py, which builds the sample trace with the Python SDK and sends it with its own exporter. */
async function exportWithPython(protocol: 'grpc' | 'http', endpoint: string, compression: string): Promise<string> {
  const script = path.join(repoRoot, 'test', 'conformance', 'python_exporter.py');
  const child = spawn(venvPython, [script, protocol, endpoint, compression], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stdin.end(JSON.stringify(sampleTrace));
  const exitCode = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  expect(output.trim().split('\n').at(-1), output).toBe('SUCCESS');
  expect(exitCode).toBe(0);
  return output;
}

describe('OpenTelemetry Python SDK exporters', () => {
  for (const compression of COMPRESSIONS) {
    it(`opentelemetry-exporter-otlp-proto-http, compression ${compression}`, async () => {
      await exportWithPython('http', httpUrl, compression);
      expectSampleTrace(consumer.received, PYTHON_SDK);
    });
    it(`opentelemetry-exporter-otlp-proto-grpc, compression ${compression}`, async () => {
      await exportWithPython('grpc', grpcUrl, compression);
      expectSampleTrace(consumer.received, PYTHON_SDK);
    });
  }
});

describe("MLflow's own tracing", () => {
  it('exports a LangGraph run over its default protocol (gRPC) when only the traces endpoint is set', async () => {
    const runs = await runLanggraphApp({
      endpoint: grpcUrl,
      // No protocol variable at all, so MLflow picks its default; Node's spawn leaves out variables set to undefined.
      env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: undefined } as unknown as Record<string, string>,
    });
    const received = consumer.received.flatMap((batch) =>
      batch.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
    );
    const traceIds = new Set(received.map((span) => Buffer.from(span.traceId).toString('hex')));
    expect([...traceIds]).toEqual([runs[0]!.trace_id]);
    const spanIds = new Set(received.map((span) => Buffer.from(span.spanId).toString('hex')));
    // Every span but the root has its parent among the spans received: the whole tree arrived.
    const roots = received.filter((span) => !spanIds.has(Buffer.from(span.parentSpanId).toString('hex')));
    expect(roots.map((span) => span.parentSpanId.length)).toEqual([0]);
    expect(received.filter((span) => /plan|research|write/.test(span.name)).length).toBeGreaterThanOrEqual(3);
  });
});
