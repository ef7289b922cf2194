/**
 * The Collector's TLS client keys beyond the PEM files, on both forwarding exporters (otlp over gRPC, otlphttp), each
 * against real servers: a second tokenmeter's receiver whose certificate names only `collector.test` (reached as
 * 127.0.0.1, as through an IP or a load balancer), and bare TLS servers held to one TLS version.
 *  - `server_name_override`: the certificate is checked against that name instead of the address dialled;
 *  - `insecure_skip_verify`: a certificate nobody vouches for is taken;
 *  - `min_version` / `max_version`: a server outside them is refused in the handshake, and the reason says so.
 */
import { createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTraces, exportAll } from '../faults/workload.js';
import { startSidecarWith } from '../faults/sidecar.js';
import { capturedLogger } from '../fixtures/captured-logs.js';
import { makeCertFor, makeSelfSignedCert } from '../fixtures/self-signed-cert.js';
import { getFreePort } from '../harness/ports.js';
import { expectPricedByTokenmeter, startRecordingReceiver } from './forwarding-receiver.js';
import type { RecordingReceiver } from './forwarding-receiver.js';
import { waitFor } from './ledger-sidecar.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FAST_RETRY = { initial_interval: '100ms', max_interval: '500ms' };

/** The two exporters: their type, how each addresses a TLS destination, and the receiver protocol it speaks. */
const EXPORTERS = [
  { type: 'otlp', protocol: 'grpc', endpoint: (port: number) => `https://127.0.0.1:${port}` },
  { type: 'otlphttp', protocol: 'http', endpoint: (port: number) => `https://127.0.0.1:${port}` },
] as const;

type Exporter = (typeof EXPORTERS)[number];

/** A sidecar exporting through `exporter` with `tls`; the retries it logs are kept. */
async function sidecarWith(exporter: Exporter, port: number, tls: Record<string, unknown>) {
  const { logger, lines } = capturedLogger();
  const id = `${exporter.type}/under-test`;
  const sidecar = await startSidecarWith({ [id]: { endpoint: exporter.endpoint(port), tls, retry_on_failure: FAST_RETRY } }, { logger });
  cleanups.push(() => sidecar.shutdown());
  const retryReason = () =>
    waitFor(`a retry of ${id}`, () => {
      const retry = lines.find((line) => line.msg === `${id} delivery failed; retrying`);
      return retry === undefined ? undefined : String(retry['reason']);
    });
  return { sidecar, retryReason };
}

/** Sends one trace through the sidecar and waits until the receiver has all its spans. */
async function delivered(sidecar: { http: string }, receiver: RecordingReceiver, seed: number): Promise<void> {
  const before = receiver.spans().length;
  const { spans } = buildTraces(1, seed);
  expect(await exportAll(sidecar.http, spans)).toEqual([0]);
  const arrived = await waitFor(`${spans.length} more spans at the receiver`, () => (receiver.spans().length >= before + spans.length ? receiver.spans().slice(before) : undefined));
  expectPricedByTokenmeter(arrived);
}

/** A TLS server that speaks only `version` and answers nothing: enough for a handshake to succeed or fail. */
async function tlsServerOnly(version: 'TLSv1.2' | 'TLSv1.3'): Promise<number> {
  const { certFile, keyFile } = makeSelfSignedCert('tokenmeter-tls-version-');
  const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: version, maxVersion: version }, (socket) => socket.on('error', () => {}));
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

describe.each(EXPORTERS)('$type exporter TLS keys', (exporter) => {
  it('server_name_override checks the certificate of a receiver reached by address against its name; insecure_skip_verify takes any', async () => {
    const { certFile, keyFile } = makeCertFor(`tokenmeter-${exporter.type}-server-name-`, ['DNS:collector.test']);
    const port = await getFreePort();
    const receiver = await startRecordingReceiver({ [exporter.protocol]: { endpoint: `127.0.0.1:${port}`, tls: { cert_file: certFile, key_file: keyFile } } });
    cleanups.push(() => receiver.shutdown());

    // Trusted, but issued to another name than the address dialled: refused, and the reason names the mismatch.
    const byAddress = await sidecarWith(exporter, port, { ca_file: certFile });
    expect(await exportAll(byAddress.sidecar.http, buildTraces(1, 2_100).spans)).toEqual([0]);
    expect(await byAddress.retryReason()).toMatch(/altname/i);
    expect(receiver.spans()).toHaveLength(0);

    const byName = await sidecarWith(exporter, port, { ca_file: certFile, server_name_override: 'collector.test' });
    await delivered(byName.sidecar, receiver, 2_200);
    // No CA file and the wrong name: taken all the same.
    const skipping = await sidecarWith(exporter, port, { insecure_skip_verify: true });
    await delivered(skipping.sidecar, receiver, 2_300);
  });

  it('min_version and max_version refuse a server outside them in the handshake, and take one within', async () => {
    const { certFile, keyFile } = makeSelfSignedCert(`tokenmeter-${exporter.type}-versions-`);
    for (const [serverVersion, tls] of [
      ['TLSv1.2', { min_version: '1.3' }],
      ['TLSv1.3', { max_version: '1.2' }],
    ] as const) {
      const refusing = await sidecarWith(exporter, await tlsServerOnly(serverVersion), { insecure_skip_verify: true, ...tls });
      expect(await exportAll(refusing.sidecar.http, buildTraces(1, 2_400).spans)).toEqual([0]);
      expect(await refusing.retryReason()).toMatch(/protocol.?version|unsupported.?protocol/i);
    }

    const port = await getFreePort();
    const receiver = await startRecordingReceiver({ [exporter.protocol]: { endpoint: `127.0.0.1:${port}`, tls: { cert_file: certFile, key_file: keyFile } } });
    cleanups.push(() => receiver.shutdown());
    const within = await sidecarWith(exporter, port, { ca_file: certFile, min_version: '1.3', max_version: '1.3' });
    await delivered(within.sidecar, receiver, 2_500);
  });
});
