import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readLedger, waitFor } from '../../test/e2e/ledger-sidecar.js';
import { makeRequest, makeSpan } from '../../test/fixtures/spans.js';
import { getFreePort } from '../../test/harness/ports.js';
import { components } from '../components.js';
import type { ComponentRegistry } from '../components.js';
import { validateConfig } from '../config/load.js';
import { encodeTracesProtobuf, stringValue } from '../otlp/index.js';
import type { Span } from '../otlp/index.js';
import { silentLogger } from '../telemetry/logger.js';
import type { ExporterFactory } from './component.js';
import { PipelineError } from './consumer.js';
import { Service } from './service.js';

/**
 * A service on an OTLP/HTTP port, pipeline costestimator → traceassembly → ledger (then the extra exporters of
 * `registry`, each with an empty config), state in memory; trace assembly's settings and the admin section as given.
 */
async function startService(options: {
  port: number;
  ledgerPath: string;
  traceassembly: Record<string, unknown>;
  admin: Record<string, unknown>;
  registry?: ComponentRegistry;
}): Promise<Service> {
  const registry = options.registry ?? components;
  const extraExporters = Object.keys(registry.exporters).filter((type) => !(type in components.exporters));
  const config = validateConfig(
    {
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${options.port}` } } } },
      processors: { costestimator: {}, traceassembly: options.traceassembly },
      exporters: { ledger: { path: options.ledgerPath }, ...Object.fromEntries(extraExporters.map((type) => [type, {}])) },
      admin: options.admin,
      storage: { mode: 'memory' },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['ledger', ...extraExporters] } } },
    },
    registry,
  );
  const service = new Service(config, registry, silentLogger());
  try {
    await service.start();
  } catch (error) {
    // What did start (the ledger, the storage) is stopped, as `serve` does.
    await service.shutdown(1000);
    throw error;
  }
  return service;
}

/** A chat-model call of trace `trace` (its id filled with that byte) whose parent, the workflow root, is never exported. */
function orphanCall(trace: number): Span {
  return makeSpan({
    traceId: new Uint8Array(16).fill(trace),
    parentSpanId: new Uint8Array(8).fill(9),
    name: 'ChatOpenAI',
    attributes: [
      { key: 'mlflow.spanType', value: stringValue('"CHAT_MODEL"') },
      { key: 'mlflow.chat.tokenUsage', value: stringValue('{"input_tokens": 1000, "output_tokens": 200, "total_tokens": 1200}') },
      { key: 'invocation_params', value: stringValue('{"model": "gpt-4o-mini", "_type": "openai-chat"}') },
    ],
  });
}

function postSpan(port: number, span: Span): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: encodeTracesProtobuf(makeRequest(span)) });
}

const newLedgerPath = (): string => path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-service-')), 'ledger.db');

describe('Service wiring', () => {
  let service: Service | undefined;
  afterEach(async () => {
    await service?.shutdown(2000);
    service = undefined;
  });

  it('records a trace whose root never came in the ledger, from its calls, when trace assembly gives it up', async () => {
    const port = await getFreePort();
    const ledgerPath = newLedgerPath();
    service = await startService({ port, ledgerPath, traceassembly: { trace_timeout: '200ms' }, admin: { enabled: false } });

    const call = orphanCall(1);
    const response = await postSpan(port, call);
    expect(response.status).toBe(200);

    const trace = await waitFor('the trace row', () => readLedger(ledgerPath).traces[0]);
    // openai.com/api/pricing, gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens.
    expect(trace).toMatchObject({ trace_id: Buffer.from(call.traceId).toString('hex'), workflow: '(root missing)', calls: 1 });
    expect(trace.cost_usd).toBeCloseTo((1000 * 0.15 + 200 * 0.6) / 1e6, 12);
  });

  it('records a trace pushed out by max_open_traces before its root came, as one given up on', async () => {
    const port = await getFreePort();
    const ledgerPath = newLedgerPath();
    service = await startService({ port, ledgerPath, traceassembly: { max_open_traces: 1, trace_timeout: '1h' }, admin: { enabled: false } });
    const [first, second] = [orphanCall(3), orphanCall(4)];
    expect((await postSpan(port, first)).status).toBe(200);
    // A second open trace past max_open_traces: the first, still waiting for its root, is given up.
    expect((await postSpan(port, second)).status).toBe(200);
    const trace = await waitFor('the trace row', () => readLedger(ledgerPath).traces[0]);
    expect(trace).toMatchObject({ trace_id: Buffer.from(first.traceId).toString('hex'), workflow: '(root missing)', calls: 1 });
    expect(readLedger(ledgerPath).traces).toHaveLength(1);
  });

  it('pushes the cost metrics over OTLP/HTTP when admin.metrics.otlp names an endpoint, and once more when it stops', async () => {
    // A metrics endpoint as a collector's OTLP/HTTP receiver would be; the SDK's exporter sends OTLP/JSON.
    const pushes: OtlpMetricsJson[] = [];
    const sink = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        pushes.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpMetricsJson);
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const sinkPort = (sink.address() as AddressInfo).port;
    try {
      const port = await getFreePort();
      service = await startService({
        port,
        ledgerPath: newLedgerPath(),
        traceassembly: { root_wait: '100ms' },
        admin: { enabled: false, metrics: { otlp: { endpoint: `http://127.0.0.1:${sinkPort}/v1/metrics`, interval: '200ms' } } },
      });

      const call = makeSpan({
        name: 'chat gpt-4o-mini',
        attributes: [
          { key: 'gen_ai.operation.name', value: stringValue('chat') },
          { key: 'gen_ai.provider.name', value: stringValue('openai') },
          { key: 'gen_ai.request.model', value: stringValue('gpt-4o-mini') },
          { key: 'gen_ai.usage.input_tokens', value: { kind: 'int', value: 1000 } },
          { key: 'gen_ai.usage.output_tokens', value: { kind: 'int', value: 200 } },
        ],
      });
      const response = await postSpan(port, call);
      expect(response.status).toBe(200);

      // openai.com/api/pricing, gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens.
      const cost = await waitFor('the call cost pushed', () => pointsOf(pushes.at(-1), 'tokenmeter.llm.cost')[0]);
      expect(cost.asDouble).toBeCloseTo((1000 * 0.15 + 200 * 0.6) / 1e6, 12);
      expect(labelsOf(cost)).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', node: 'unknown' });
      const tokens = await waitFor('the token counts pushed', () => (pointsOf(pushes.at(-1), 'tokenmeter.llm.tokens').length === 2 ? pointsOf(pushes.at(-1), 'tokenmeter.llm.tokens') : undefined));
      expect(Object.fromEntries(tokens.map((point) => [labelsOf(point)['type'], point.asDouble ?? Number(point.asInt)]))).toEqual({ input: 1000, output: 200 });
      const runs = await waitFor('the finished trace pushed', () => pointsOf(pushes.at(-1), 'tokenmeter.workflow.runs')[0]);
      expect(labelsOf(runs)).toMatchObject({ workflow: 'chat gpt-4o-mini' });

      const before = pushes.length;
      await service.shutdown(2000);
      service = undefined;
      // The last push goes out as the service stops, with the same totals.
      expect(pushes.length).toBeGreaterThan(before);
      expect(pointsOf(pushes.at(-1), 'tokenmeter.llm.cost')[0]?.asDouble).toBe(cost.asDouble);
    } finally {
      sink.close();
    }
  });

  it('answers 503 on the OTLP port and keeps the ledger readable while another exporter drains, then closes it', async () => {
    // An exporter whose drain lasts until the test ends it.
    let drainBegan!: () => void;
    const draining = new Promise<void>((resolve) => (drainBegan = resolve));
    let endDrain!: () => void;
    const drained = new Promise<void>((resolve) => (endDrain = resolve));
    const slowDrain: ExporterFactory<Record<string, never>> = {
      type: 'slowdrain',
      configSchema: z.object({}),
      create: () => ({
        start: async () => {},
        consume: async () => {},
        shutdown: async () => {
          drainBegan();
          await drained;
        },
      }),
    };
    const port = await getFreePort();
    const running = await startService({
      port,
      // In memory: no checkpoint worker to stop, so a ledger shut down beside the other exporters would be closed
      // by the time the drain began.
      ledgerPath: ':memory:',
      traceassembly: {},
      admin: { endpoint: '127.0.0.1:0' },
      registry: { ...components, exporters: { ...components.exporters, slowdrain: slowDrain as ExporterFactory<never> } },
    });
    const adminUrl = running.admin!.url;
    expect((await postSpan(port, makeSpan({ name: 'before' }))).status).toBe(200);

    const stopping = running.shutdown(5000);
    await draining;
    expect((await postSpan(port, makeSpan({ name: 'during' }))).status).toBe(503);
    expect((await fetch(`${adminUrl}/readyz`)).status).toBe(503);
    expect((await fetch(`${adminUrl}/v1/summary`)).status).toBe(200);
    endDrain();
    await stopping;
  });

  it('forwards a held root to every exporter or none: one exporter\'s full queue gives the others no copy per retry', async () => {
    // An exporter that refuses while closed, as one with a full sending queue does, and one that records what it gets.
    let gateOpen = true;
    let refusalsAsked = 0;
    const refusal = (): PipelineError | undefined => {
      refusalsAsked++;
      return gateOpen ? undefined : new PipelineError('sending queue is full', 'overloaded', 1);
    };
    const gate: ExporterFactory<Record<string, never>> = {
      type: 'gate',
      configSchema: z.object({}),
      create: () =>
        Object.assign(
          { start: async () => {}, shutdown: async () => {} },
          {
            admissionRefusal: refusal,
            consume: async () => {
              const refused = refusal();
              if (refused !== undefined) throw refused;
            },
          },
        ),
    };
    const received: string[] = [];
    const recorder: ExporterFactory<Record<string, never>> = {
      type: 'recorder',
      configSchema: z.object({}),
      create: () => ({
        start: async () => {},
        shutdown: async () => {},
        consume: async (data) => {
          for (const resourceSpans of data.resourceSpans) for (const scopeSpans of resourceSpans.scopeSpans) received.push(...scopeSpans.spans.map((span) => span.name));
        },
      }),
    };
    const port = await getFreePort();
    service = await startService({
      port,
      ledgerPath: ':memory:',
      traceassembly: { root_wait: '50ms' },
      admin: { enabled: false },
      registry: { ...components, exporters: { ...components.exporters, gate: gate as ExporterFactory<never>, recorder: recorder as ExporterFactory<never> } },
    });
    expect((await postSpan(port, makeSpan({ name: 'workflow' }))).status).toBe(200);
    // Held for root_wait: refused when trace assembly forwards it, and again at each retry.
    gateOpen = false;
    const askedBefore = refusalsAsked;
    await waitFor('three forwards of the root refused', () => (refusalsAsked - askedBefore >= 3 ? true : undefined));
    expect(received).toEqual([]);
    gateOpen = true;
    await waitFor('the root forwarded', () => (received.length > 0 ? true : undefined));
    expect(received).toEqual(['workflow']);
  });

  it('gives each pipeline of a receiver the whole request: one after a pipeline with trace assembly gets the roots too', async () => {
    const received = new Map<string, string[]>();
    const recorder = (type: string): ExporterFactory<Record<string, never>> => ({
      type,
      configSchema: z.object({}),
      create: () => ({
        start: async () => {},
        shutdown: async () => {},
        consume: async (data) => {
          const names = received.get(type) ?? [];
          for (const resourceSpans of data.resourceSpans) for (const scopeSpans of resourceSpans.scopeSpans) names.push(...scopeSpans.spans.map((span) => span.name));
          received.set(type, names);
        },
      }),
    });
    const registry: ComponentRegistry = { ...components, exporters: { ...components.exporters, assembled: recorder('assembled') as ExporterFactory<never>, raw: recorder('raw') as ExporterFactory<never> } };
    const port = await getFreePort();
    const config = validateConfig(
      {
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
        processors: { costestimator: {}, traceassembly: { root_wait: '50ms' } },
        exporters: { assembled: {}, raw: {} },
        admin: { enabled: false },
        storage: { mode: 'memory' },
        service: {
          pipelines: {
            'traces/assembled': { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['assembled'] },
            'traces/raw': { receivers: ['otlp'], exporters: ['raw'] },
          },
        },
      },
      registry,
    );
    service = new Service(config, registry, silentLogger());
    await service.start();
    const root = makeSpan({ name: 'workflow' });
    const child = makeSpan({ name: 'step', spanId: new Uint8Array(8).fill(3), traceId: root.traceId, parentSpanId: root.spanId });
    const response = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: encodeTracesProtobuf(makeRequest(child, root)),
    });
    expect(response.status).toBe(200);
    expect(received.get('raw')).toEqual(['step', 'workflow']);
    await waitFor('the held root', () => (received.get('assembled')?.includes('workflow') ? true : undefined));
    expect(received.get('assembled')).toEqual(['step', 'workflow']);
  });

  it('names the component that cannot start, with why as the cause', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const error = (await startService({ port, ledgerPath: newLedgerPath(), traceassembly: {}, admin: { enabled: false } }).then(
        (running) => {
          service = running;
        },
        (thrown: unknown) => thrown,
      )) as (Error & { cause?: { code?: string } }) | undefined;
      expect(error?.message).toBe('receivers.otlp');
      expect(error?.cause?.code).toBe('EADDRINUSE');
    } finally {
      taken.close();
    }
  });
});

interface OtlpDataPointJson {
  attributes?: { key: string; value: { stringValue?: string } }[];
  asDouble?: number;
  asInt?: string | number;
}

interface OtlpMetricsJson {
  resourceMetrics?: { scopeMetrics?: { metrics?: { name: string; sum?: { dataPoints?: OtlpDataPointJson[] } }[] }[] }[];
}

function pointsOf(push: OtlpMetricsJson | undefined, name: string): OtlpDataPointJson[] {
  const metrics = (push?.resourceMetrics ?? []).flatMap((resource) => resource.scopeMetrics ?? []).flatMap((scope) => scope.metrics ?? []);
  return metrics.filter((metric) => metric.name === name).flatMap((metric) => metric.sum?.dataPoints ?? []);
}

function labelsOf(point: OtlpDataPointJson): Record<string, string | undefined> {
  return Object.fromEntries((point.attributes ?? []).map(({ key, value }) => [key, value.stringValue]));
}
