/**
 * The otlp (gRPC) exporter against a real OTLP/gRPC receiver: a second tokenmeter's, once in plaintext requiring a
 * bearer token in the metadata (gzip on), once over TLS with a self-signed certificate given as `tls.ca_file`, once
 * over mutual TLS (the receiver's `tls.client_ca_file`, the exporter's `tls.cert_file` / `key_file`).
 * Spans made by the real OTel JS SDK go through the whole sidecar (cost estimator, trace assembly) and must arrive
 * carrying tokenmeter's cost attributes.
 */
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/otlp/index.js';
import { deadLetterLines } from '../faults/forwarding-faults.js';
import { buildOversizedSpan, buildTraces, exportAll } from '../faults/workload.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startSidecarWith } from '../faults/sidecar.js';
import type { SidecarOptions } from '../faults/sidecar.js';
import { capturedLogger } from '../fixtures/captured-logs.js';
import { startConnectProxy } from '../fixtures/connect-proxy.js';
import { makeSelfSignedCert } from '../fixtures/self-signed-cert.js';
import { getFreePort } from '../harness/ports.js';
import { expectPricedByTokenmeter, startRecordingReceiver } from './forwarding-receiver.js';
import type { RecordingReceiver } from './forwarding-receiver.js';
import { waitFor } from './ledger-sidecar.js';
import { startTokenmeter } from './tokenmeter-process.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FAST_RETRY = { initial_interval: '100ms', max_interval: '500ms' };

async function receiverWith(grpc: Record<string, unknown>): Promise<{ receiver: RecordingReceiver; port: number }> {
  const port = await getFreePort();
  const receiver = await startRecordingReceiver({ grpc: { endpoint: `127.0.0.1:${port}`, ...grpc } });
  cleanups.push(() => receiver.shutdown());
  return { receiver, port };
}

async function sidecarExportingTo(exporters: Record<string, unknown>, options: SidecarOptions = {}) {
  const sidecar = await startSidecarWith(exporters, options);
  cleanups.push(() => sidecar.shutdown());
  return sidecar;
}

/** Sends `count` traces through the sidecar and waits until the receiver has every span; returns what arrived. */
async function forwarded(sidecar: { http: string }, receiver: RecordingReceiver, count: number, seed: number) {
  const { spans } = buildTraces(count, seed);
  expect(await exportAll(sidecar.http, spans, spans.length)).toEqual([0]);
  const arrived = await waitFor(`all ${spans.length} spans at the gRPC receiver`, () => {
    const all = receiver.spans().filter((span) => spans.some((sent) => sent.spanContext().spanId === toHex(span.spanId)));
    return all.length >= spans.length ? all : undefined;
  });
  expect(arrived.map((span) => toHex(span.spanId)).sort()).toEqual(spans.map((span) => span.spanContext().spanId).sort());
  return arrived;
}

/** Waits until the receiver has every span of `spans`; each must have come once. */
async function expectAllArrived(receiver: RecordingReceiver, spans: readonly ReadableSpan[]): Promise<void> {
  const sent = spans.map((span) => span.spanContext().spanId).sort();
  const arrivedOf = () => receiver.spans().map((span) => toHex(span.spanId)).filter((id) => sent.includes(id));
  await waitFor(`all ${spans.length} spans at the gRPC receiver`, () => (arrivedOf().length >= spans.length ? true : undefined));
  expect(arrivedOf().sort()).toEqual(sent);
}

/** A TCP relay to `port` counting the bytes the client sent: what compression saves shows there. */
async function countingRelay(port: number): Promise<{ port: number; sentBytes: () => number }> {
  let sent = 0;
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const server = createConnection(port);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
    }
    client.on('data', (chunk: Buffer) => (sent += chunk.byteLength));
    client.pipe(server).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => relay.close(resolve));
  });
  return { port: (relay.address() as AddressInfo).port, sentBytes: () => sent };
}

describe('otlp exporter to a real OTLP/gRPC receiver', () => {
  it('plaintext with a bearer token in the metadata and gzip: spans arrive priced, the body smaller than uncompressed', async () => {
    const { receiver, port } = await receiverWith({ auth: { bearer_token: 's3cret' } });
    const [gzipRelay, plainRelay] = [await countingRelay(port), await countingRelay(port)];
    const exporter = (relayPort: number, compression: string) => ({
      endpoint: `http://127.0.0.1:${relayPort}`,
      compression,
      headers: { authorization: 'Bearer s3cret' },
      retry_on_failure: FAST_RETRY,
    });
    const gzipped = await sidecarExportingTo({ 'otlp/collector': exporter(gzipRelay.port, 'gzip') });
    const plain = await sidecarExportingTo({ 'otlp/plain': exporter(plainRelay.port, 'none') });

    // A wrong token would be UNAUTHENTICATED, a dead letter: arriving proves the metadata got through.
    expectPricedByTokenmeter(await forwarded(gzipped, receiver, 4, 1_300));
    expectPricedByTokenmeter(await forwarded(plain, receiver, 4, 1_400));
    expect(gzipRelay.sentBytes()).toBeLessThan(plainRelay.sentBytes() * 0.8);
  });

  it('a batch over the receiver\'s message limit is refused (RESOURCE_EXHAUSTED) and sent again in halves, a span alone over it dead-lettered; within sending_queue.batch.max_size it goes in parts unrefused', async () => {
    const limit = 64 * 1024;
    const { receiver, port } = await receiverWith({ max_recv_msg_size: limit });
    const { spans } = buildTraces(40, 1_660);
    const oversized = buildOversizedSpan(2 * limit);

    const unsplit = capturedLogger();
    const halving = await sidecarExportingTo(
      { 'otlp/whole': { endpoint: `http://127.0.0.1:${port}`, sending_queue: { batch: { max_size: 0 } }, retry_on_failure: FAST_RETRY } },
      { logger: unsplit.logger },
    );
    expect(await exportAll(halving.http, [...spans, oversized], spans.length + 1)).toEqual([0]);
    await expectAllArrived(receiver, spans);
    const refusals = unsplit.lines.filter((line) => line.msg.startsWith('otlp/whole refused a request as too large'));
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) expect(String(refusal['reason'])).toMatch(/RESOURCE_EXHAUSTED: .*larger than \d+/);
    const [deadLetter] = await deadLetterLines(halving, 1);
    expect(deadLetter).toMatch(/\t1 spans\t.*RESOURCE_EXHAUSTED: .*larger than \d+.*\(a request of one span, \d+ bytes\)/);
    expect(receiver.spans().some((span) => span.name === 'fetch_document')).toBe(false);

    const before = receiver.requests();
    const parts = capturedLogger();
    const splitting = await sidecarExportingTo(
      { 'otlp/parts': { endpoint: `http://127.0.0.1:${port}`, sending_queue: { batch: { sizer: 'bytes', max_size: limit } }, retry_on_failure: FAST_RETRY } },
      { logger: parts.logger },
    );
    expectPricedByTokenmeter(await forwarded(splitting, receiver, 40, 1_670));
    expect(receiver.requests() - before).toBeGreaterThan(1);
    expect(parts.lines.filter((line) => line.msg.includes('refused a request as too large'))).toEqual([]);
  });

  it('TLS with a self-signed certificate: refused while the system CAs are used, delivered once tls.ca_file names it', async () => {
    const { certFile, keyFile } = makeSelfSignedCert('tokenmeter-otlp-grpc-tls-');
    const { receiver, port } = await receiverWith({ tls: { cert_file: certFile, key_file: keyFile } });

    const untrusting = capturedLogger();
    const refusing = await sidecarExportingTo({ 'otlp/private': { endpoint: `127.0.0.1:${port}`, retry_on_failure: FAST_RETRY } }, { logger: untrusting.logger });
    expect(await exportAll(refusing.http, buildTraces(1, 1_450).spans)).toEqual([0]);
    const refused = await waitFor('a retry naming the certificate problem', () =>
      untrusting.lines.find((line) => line.msg === 'otlp/private delivery failed; retrying'),
    );
    expect(String(refused['reason'])).toMatch(/answered UNAVAILABLE: .*(certificate|SELF_SIGNED)/i);
    expect(receiver.spans()).toHaveLength(0);

    const trusting = await sidecarExportingTo({ 'otlp/private': { endpoint: `127.0.0.1:${port}`, tls: { ca_file: certFile }, retry_on_failure: FAST_RETRY } });
    expectPricedByTokenmeter(await forwarded(trusting, receiver, 2, 1_500));
  });

  it('serve over TLS to a receiver reached by IP logs JSON lines only: no plain-text warning from Node (DEP0123)', async () => {
    const { certFile, keyFile } = makeSelfSignedCert('tokenmeter-otlp-grpc-ip-');
    const { receiver, port } = await receiverWith({ tls: { cert_file: certFile, key_file: keyFile } });
    const otlpPort = await getFreePort();
    const tokenmeter = await startTokenmeter({
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
      exporters: { 'otlp/by-ip': { endpoint: `https://127.0.0.1:${port}`, tls: { ca_file: certFile }, retry_on_failure: FAST_RETRY } },
      admin: { enabled: false },
      storage: { path: 'state.db' },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp/by-ip'] } } },
    });
    cleanups.push(() => tokenmeter.stop());
    const { spans } = buildTraces(1, 1_700);
    expect(await exportAll(`http://127.0.0.1:${otlpPort}/v1/traces`, spans)).toEqual([0]);
    await waitFor('the spans at the receiver', () => (receiver.spans().length >= spans.length ? true : undefined));
    // Node warns as the TLS connection is made, before the spans could arrive; stopping flushes stderr.
    await tokenmeter.stop();
    const lines = tokenmeter.logs().split('\n').filter((line) => line.trim() !== '');
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
    expect(tokenmeter.logs()).not.toContain('DEP0123');
  });

  it('mutual TLS: a receiver with tls.client_ca_file refuses an exporter without a client certificate, and takes one presenting it', async () => {
    const server = makeSelfSignedCert('tokenmeter-otlp-grpc-mtls-server-');
    const client = makeSelfSignedCert('tokenmeter-otlp-grpc-mtls-client-');
    const { receiver, port } = await receiverWith({ tls: { cert_file: server.certFile, key_file: server.keyFile, client_ca_file: client.certFile } });

    const untrusted = capturedLogger();
    const anonymous = await sidecarExportingTo(
      { 'otlp/anonymous': { endpoint: `127.0.0.1:${port}`, tls: { ca_file: server.certFile }, retry_on_failure: FAST_RETRY } },
      { logger: untrusted.logger },
    );
    expect(await exportAll(anonymous.http, buildTraces(1, 1_550).spans)).toEqual([0]);
    const refused = await waitFor('a retry after the handshake refused it', () => untrusted.lines.find((line) => line.msg === 'otlp/anonymous delivery failed; retrying'));
    expect(String(refused['reason'])).toMatch(/answered UNAVAILABLE/);
    expect(receiver.spans()).toHaveLength(0);

    const presenting = await sidecarExportingTo({
      'otlp/mtls': { endpoint: `127.0.0.1:${port}`, tls: { ca_file: server.certFile, cert_file: client.certFile, key_file: client.keyFile }, retry_on_failure: FAST_RETRY },
    });
    expectPricedByTokenmeter(await forwarded(presenting, receiver, 2, 1_600));
  });

  it('through the proxy HTTPS_PROXY names, upper case as Go reads it: a destination only the proxy can resolve gets the spans; a loopback one is reached directly', async () => {
    const proxy = await startConnectProxy({ 'collector.proxied.test': '127.0.0.1' });
    cleanups.push(() => proxy.close());
    const proxied = await receiverWith({});
    const direct = await receiverWith({});

    const otlpPort = await getFreePort();
    const tokenmeter = await startTokenmeter(
      {
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
        exporters: {
          'otlp/proxied': { endpoint: `http://collector.proxied.test:${proxied.port}`, retry_on_failure: FAST_RETRY },
          'otlp/direct': { endpoint: `http://127.0.0.1:${direct.port}`, retry_on_failure: FAST_RETRY },
        },
        admin: { enabled: false },
        storage: { path: 'state.db' },
        service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp/proxied', 'otlp/direct'] } } },
      },
      { HTTPS_PROXY: proxy.url },
    );
    cleanups.push(() => tokenmeter.stop());

    const { spans } = buildTraces(2, 1_650);
    expect(await exportAll(`http://127.0.0.1:${otlpPort}/v1/traces`, spans)).toEqual([0]);
    for (const { receiver } of [proxied, direct]) {
      const arrived = await waitFor(`all ${spans.length} spans at both receivers`, () => (receiver.spans().length >= spans.length ? receiver.spans() : undefined));
      expect(arrived.map((span) => toHex(span.spanId)).sort()).toEqual(spans.map((span) => span.spanContext().spanId).sort());
    }
    expect(new Set(proxy.tunnels)).toEqual(new Set([`collector.proxied.test:${proxied.port}`]));
  });
});
