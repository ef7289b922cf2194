/**
 * The otlphttp exporter against real OTLP receivers: MLflow's own `/v1/traces` (the experiment named by a header),
 * and a second tokenmeter's OTLP/HTTP receiver that requires a bearer token and decodes gzip. Spans made by the
 * real OTel JS SDK go through the whole sidecar (cost estimator, trace assembly) and must arrive carrying
 * tokenmeter's cost attributes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { toHex } from '../../src/otlp/index.js';
import { deadLetterLines } from '../faults/forwarding-faults.js';
import { buildOversizedSpan, buildTraces, exportAll } from '../faults/workload.js';
import { startSidecarWith } from '../faults/sidecar.js';
import type { SidecarOptions } from '../faults/sidecar.js';
import { capturedLogger } from '../fixtures/captured-logs.js';
import { startConnectProxy } from '../fixtures/connect-proxy.js';
import { makeSelfSignedCert } from '../fixtures/self-signed-cert.js';
import { createUniqueExperiment, getTrace, spanAttribute } from '../harness/mlflow-client.js';
import { getFreePort } from '../harness/ports.js';
import { expectPricedByTokenmeter, startRecordingReceiver } from './forwarding-receiver.js';
import { waitFor } from './ledger-sidecar.js';
import { runTokenmeterCommand, startTokenmeter } from './tokenmeter-process.js';

const mlflowUrl = inject('mlflowUrl');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sidecarExportingTo(exporters: Record<string, unknown>, options: SidecarOptions = {}) {
  const sidecar = await startSidecarWith(exporters, options);
  cleanups.push(() => sidecar.shutdown());
  return sidecar;
}

describe('otlphttp exporter to real OTLP receivers', () => {
  it('MLflow’s /v1/traces: every span lands in the experiment the header names, model calls with tokenmeter’s cost', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'otlphttp');
    const sidecar = await sidecarExportingTo({
      'otlphttp/mlflow': { endpoint: mlflowUrl, headers: { 'x-mlflow-experiment-id': experimentId } },
    });
    const { spans, sent } = buildTraces(2, 900);
    expect(await exportAll(sidecar.http, spans)).toEqual([0]);

    for (const { traceId } of sent) {
      const trace = await waitFor(`trace ${traceId} with its 3 spans in MLflow`, async () => {
        const found = await getTrace(mlflowUrl, traceId);
        return found !== undefined && found.spans.length === 3 ? found : undefined;
      });
      expect(trace.trace_info.trace_location?.mlflow_experiment?.experiment_id).toBe(experimentId);
      const calls = trace.spans.filter((span) => span.name === 'ChatOpenAI');
      expect(calls).toHaveLength(2);
      for (const call of calls) {
        // Sent as a JSON string; MLflow strips one JSON layer when it stores attributes, so it may come back as an object.
        const stored = spanAttribute(call, 'mlflow.llm.cost');
        const cost = (typeof stored === 'string' ? JSON.parse(stored) : stored) as { total_cost: number };
        expect(cost.total_cost).toBeGreaterThan(0);
        expect(spanAttribute(call, 'tokenmeter.cost.status')).toBe('priced');
        expect(spanAttribute(call, 'tokenmeter.cost.total_usd')).toBeCloseTo(cost.total_cost, 12);
      }
      const root = trace.spans.find((span) => span.name === 'workflow')!;
      expect(spanAttribute(root, 'tokenmeter.llm.calls')).toBe(2);
    }
  });

  it('another tokenmeter’s OTLP/HTTP receiver with bearer auth: the Authorization header and gzip body get through, spans as priced', async () => {
    const port = await getFreePort();
    const receiver = await startRecordingReceiver({ http: { endpoint: `127.0.0.1:${port}`, auth: { bearer_token: 's3cret' } } });
    cleanups.push(() => receiver.shutdown());

    const sidecar = await sidecarExportingTo({
      'otlphttp/collector': { endpoint: `http://127.0.0.1:${port}`, compression: 'gzip', headers: { Authorization: 'Bearer s3cret' } },
    });
    const { spans } = buildTraces(2, 1_000);
    expect(await exportAll(sidecar.http, spans)).toEqual([0]);

    const arrived = await waitFor('all 6 spans at the receiver', () => {
      const all = receiver.spans();
      return all.length >= spans.length ? all : undefined;
    });
    expect(arrived.map((span) => toHex(span.spanId)).sort()).toEqual(spans.map((span) => span.spanContext().spanId).sort());
    expectPricedByTokenmeter(arrived);
  });

  it('a receiver refusing bodies over its max_request_body_size (413): a batch over it is sent again in halves, every span once; a span alone over it is dead-lettered', async () => {
    const port = await getFreePort();
    const limit = 16 * 1024;
    const receiver = await startRecordingReceiver({ http: { endpoint: `127.0.0.1:${port}`, max_request_body_size: limit } });
    cleanups.push(() => receiver.shutdown());
    const { logger, lines } = capturedLogger();
    // Uncompressed, so that the body the receiver measures is the one sent.
    const sidecar = await sidecarExportingTo(
      { 'otlphttp/limited': { endpoint: `http://127.0.0.1:${port}`, compression: 'none', retry_on_failure: { initial_interval: '100ms', max_interval: '500ms' } } },
      { logger },
    );
    const { spans } = buildTraces(12, 1_050);
    const oversized = buildOversizedSpan(2 * limit);
    expect(await exportAll(sidecar.http, [...spans, oversized], spans.length + 1)).toEqual([0]);

    const sent = spans.map((span) => span.spanContext().spanId).sort();
    const arrived = await waitFor(`all ${spans.length} spans at the receiver`, () => (receiver.spans().length >= spans.length ? receiver.spans() : undefined));
    expect(arrived.map((span) => toHex(span.spanId)).sort()).toEqual(sent);
    const [deadLetter] = await deadLetterLines(sidecar, 1);
    expect(deadLetter).toMatch(/\t1 spans\t.*answered 413: .*exceeds the limit of 16384 bytes.*\(a request of one span, \d+ bytes\)/);
    const refusals = lines.filter((line) => line.msg.startsWith('otlphttp/limited refused a request as too large'));
    expect(refusals.length).toBeGreaterThan(0);
    expect(receiver.spans()).toHaveLength(spans.length);
  });

  it('an https receiver whose certificate a private CA signed: refused until tls.ca_file or NODE_EXTRA_CA_CERTS names that CA, then delivered', async () => {
    const { certFile, keyFile } = makeSelfSignedCert('tokenmeter-otlphttp-tls-');
    const receiverPort = await getFreePort();
    const receiver = await startRecordingReceiver({ http: { endpoint: `127.0.0.1:${receiverPort}`, tls: { cert_file: certFile, key_file: keyFile } } });
    cleanups.push(() => receiver.shutdown());

    const sidecar = async (env: Record<string, string>, tls: Record<string, string> = {}) => {
      const otlpPort = await getFreePort();
      const tokenmeter = await startTokenmeter(
        {
          receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
          processors: { costestimator: {} },
          exporters: { 'otlphttp/private': { endpoint: `https://127.0.0.1:${receiverPort}`, tls, retry_on_failure: { initial_interval: '200ms', max_interval: '500ms' } } },
          admin: { enabled: false },
          storage: { path: 'state.db' },
          service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator'], exporters: ['otlphttp/private'] } } },
        },
        env,
      );
      cleanups.push(() => tokenmeter.stop());
      return { tokenmeter, url: `http://127.0.0.1:${otlpPort}/v1/traces` };
    };
    const spanCount = () => receiver.spans().length;

    const untrusting = await sidecar({});
    expect(await exportAll(untrusting.url, buildTraces(1, 1_100).spans)).toEqual([0]);
    await waitFor('a retry naming the certificate problem', () => /SELF_SIGNED_CERT.*"otlphttp\/private delivery failed; retrying"/.test(untrusting.tokenmeter.logs()) || undefined);
    expect(spanCount()).toBe(0);
    await untrusting.tokenmeter.stop();

    let expected = 0;
    for (const [trusting, seed] of [
      [await sidecar({}, { ca_file: certFile }), 1_200],
      [await sidecar({ NODE_EXTRA_CA_CERTS: certFile }), 1_250],
    ] as const) {
      const { spans } = buildTraces(1, seed);
      expected += spans.length;
      expect(await exportAll(trusting.url, spans)).toEqual([0]);
      await waitFor(`all ${expected} spans at the https receiver`, () => spanCount() >= expected || undefined);
      await trusting.tokenmeter.stop();
    }
  });

  it('mutual TLS: a receiver with tls.client_ca_file refuses an exporter without a client certificate, and takes one presenting it', async () => {
    const server = makeSelfSignedCert('tokenmeter-otlphttp-mtls-server-');
    const client = makeSelfSignedCert('tokenmeter-otlphttp-mtls-client-');
    const port = await getFreePort();
    const receiver = await startRecordingReceiver({ http: { endpoint: `127.0.0.1:${port}`, tls: { cert_file: server.certFile, key_file: server.keyFile, client_ca_file: client.certFile } } });
    cleanups.push(() => receiver.shutdown());
    const exporter = (tls: Record<string, string>) => ({
      endpoint: `https://127.0.0.1:${port}`,
      tls: { ca_file: server.certFile, ...tls },
      retry_on_failure: { initial_interval: '100ms', max_interval: '200ms' },
    });

    const untrusted = capturedLogger();
    const anonymous = await sidecarExportingTo({ 'otlphttp/anonymous': exporter({}) }, { logger: untrusted.logger });
    expect(await exportAll(anonymous.http, buildTraces(1, 1_300).spans)).toEqual([0]);
    const refused = await waitFor('a retry after the handshake refused it', () => untrusted.lines.find((line) => line.msg === 'otlphttp/anonymous delivery failed; retrying'));
    // A closed connection (TLS 1.3 refuses after the handshake) or a handshake error, depending on timing.
    expect(String(refused['reason'])).toMatch(new RegExp(`^OTLP endpoint unreachable at https://127\\.0\\.0\\.1:${port}/v1/traces: `));
    expect(receiver.spans()).toHaveLength(0);

    const presenting = await sidecarExportingTo({ 'otlphttp/mtls': exporter({ cert_file: client.certFile, key_file: client.keyFile }) });
    const { spans } = buildTraces(2, 1_350);
    expect(await exportAll(presenting.http, spans)).toEqual([0]);
    expectPricedByTokenmeter(await waitFor(`all ${spans.length} spans at the mutual-TLS receiver`, () => (receiver.spans().length >= spans.length ? receiver.spans() : undefined)));
  });

  it('through the proxy HTTP(S)_PROXY name: destinations only the proxy can resolve get the spans (https with tls.ca_file inside the tunnel); a loopback one is reached directly', async () => {
    const proxy = await startConnectProxy({ 'collector.proxied.test': '127.0.0.1' });
    cleanups.push(() => proxy.close());
    const [proxiedPort, tlsPort, directPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
    const { certFile, keyFile } = makeSelfSignedCert('tokenmeter-otlphttp-proxied-tls-', ['collector.proxied.test']);
    const proxied = await startRecordingReceiver({ http: { endpoint: `127.0.0.1:${proxiedPort}` } });
    const proxiedTls = await startRecordingReceiver({ http: { endpoint: `127.0.0.1:${tlsPort}`, tls: { cert_file: certFile, key_file: keyFile } } });
    const direct = await startRecordingReceiver({ http: { endpoint: `127.0.0.1:${directPort}` } });
    cleanups.push(() => proxied.shutdown(), () => proxiedTls.shutdown(), () => direct.shutdown());

    const otlpPort = await getFreePort();
    const retry = { initial_interval: '200ms', max_interval: '500ms' };
    const tokenmeter = await startTokenmeter(
      {
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
        processors: { costestimator: {} },
        exporters: {
          'otlphttp/proxied': { endpoint: `http://collector.proxied.test:${proxiedPort}`, retry_on_failure: retry },
          'otlphttp/proxied-tls': { endpoint: `https://collector.proxied.test:${tlsPort}`, tls: { ca_file: certFile }, retry_on_failure: retry },
          'otlphttp/direct': { endpoint: `http://127.0.0.1:${directPort}`, retry_on_failure: retry },
        },
        admin: { enabled: false },
        storage: { path: 'state.db' },
        service: {
          pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator'], exporters: ['otlphttp/proxied', 'otlphttp/proxied-tls', 'otlphttp/direct'] } },
        },
      },
      { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url },
    );
    cleanups.push(() => tokenmeter.stop());

    const { spans } = buildTraces(2, 1_400);
    expect(await exportAll(`http://127.0.0.1:${otlpPort}/v1/traces`, spans)).toEqual([0]);
    for (const receiver of [proxied, proxiedTls, direct]) {
      const arrived = await waitFor(`all ${spans.length} spans at every receiver`, () => (receiver.spans().length >= spans.length ? receiver.spans() : undefined));
      expect(arrived.map((span) => toHex(span.spanId)).sort()).toEqual(spans.map((span) => span.spanContext().spanId).sort());
    }
    expect(new Set(proxy.tunnels)).toEqual(new Set([`collector.proxied.test:${proxiedPort}`, `collector.proxied.test:${tlsPort}`]));
  });

  it('a tls.ca_file that cannot be read stops serve at start, naming the exporter, the key and the path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tokenmeter-bad-ca-'));
    const config = {
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${await getFreePort()}` } } } },
      exporters: { 'otlphttp/private': { endpoint: 'https://127.0.0.1:4318', tls: { ca_file: path.join(dir, 'missing.pem') } } },
      admin: { enabled: false },
      storage: { mode: 'memory' },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['otlphttp/private'] } } },
    };
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    const { code, stderr } = await runTokenmeterCommand(['serve', '--config', 'config.json'], dir);
    expect(code).toBe(1);
    const fatal = stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; err?: { message: string } }).find((line) => line.msg === 'cannot start');
    expect(fatal?.err?.message).toBe(`exporters.otlphttp/private: cannot read tls.ca_file ${path.join(dir, 'missing.pem')}: ENOENT: no such file or directory, open '${path.join(dir, 'missing.pem')}'`);
  });
});
