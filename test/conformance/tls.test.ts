/**
 * TLS on both transports of the `otlp` receiver, with a self-signed certificate made for the test: the real JS SDK
 * exporters, trusting that certificate, deliver the sample trace over https and gRPC with SSL.
 */
import { readFileSync, rmSync } from 'node:fs';
import { credentials } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Receiver } from '../../src/pipeline/consumer.js';
import { otlpReceiverConfigSchema } from '../../src/receivers/otlp/config.js';
import { otlpReceiverFactory } from '../../src/receivers/otlp/factory.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { RecordingConsumer } from '../fixtures/recording-consumer.js';
import { makeSelfSignedCert } from '../fixtures/self-signed-cert.js';
import { getFreePort } from '../harness/ports.js';
import { expectSampleTrace } from './sample-trace.js';
import { buildSampleSpans } from './sdk-spans.js';

const consumer = new RecordingConsumer();
const { dir, certFile, keyFile } = makeSelfSignedCert('tokenmeter-tls-');
let receiver: Receiver;
let httpsPort: number;
let grpcPort: number;

beforeAll(async () => {
  [httpsPort, grpcPort] = [await getFreePort(), await getFreePort()];
  const tls = { cert_file: certFile, key_file: keyFile };
  const config = otlpReceiverConfigSchema.parse({
    protocols: { http: { endpoint: `127.0.0.1:${httpsPort}`, tls }, grpc: { endpoint: `127.0.0.1:${grpcPort}`, tls } },
  });
  receiver = otlpReceiverFactory.create(config, { id: 'otlp', logger: silentLogger() }, consumer);
  await receiver.start();
});
afterAll(async () => {
  await receiver.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

async function exportWith(exporter: SpanExporter): Promise<void> {
  const spans = await buildSampleSpans();
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown();
  expect(result.error).toBeUndefined();
}

describe('TLS', () => {
  it('OTLP/HTTP over https: the JS SDK protobuf exporter, trusting the certificate, delivers the sample trace', async () => {
    consumer.received = [];
    await exportWith(new ProtoTraceExporter({ url: `https://localhost:${httpsPort}/v1/traces`, httpAgentOptions: { ca: readFileSync(certFile) } }));
    expectSampleTrace(consumer.received, { encodesTraceFlags: true });
  });

  it('OTLP/HTTP refuses plain http on the TLS port', async () => {
    await expect(fetch(`http://127.0.0.1:${httpsPort}/v1/traces`, { method: 'POST' })).rejects.toThrow();
  });

  it('OTLP/gRPC with SSL: the JS SDK gRPC exporter delivers the sample trace', async () => {
    consumer.received = [];
    await exportWith(new GrpcTraceExporter({ url: `https://localhost:${grpcPort}`, credentials: credentials.createSsl(readFileSync(certFile)) }));
    expectSampleTrace(consumer.received, { encodesTraceFlags: true });
  });
});
