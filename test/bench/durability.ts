/**
 * The cost of durability: requests/s, spans/s and ack latency (p50/p99) of the OTLP/HTTP receiver of a Service built
 * in-process, with `storage.mode: memory` against `disk` (synchronous normal and full), measured in the same run.
 *
 * Each request is what an app's batch exporter sends: protobuf, 100–512 spans in traces of nine spans (a root, two
 * model calls with token usage, six tool and node spans), ids unique across the run (a repeated request would be
 * acknowledged as a duplicate). The pipeline is the sidecar's: cost estimator, trace assembly, MLflow exporter. The
 * MLflow exporter sends to a local sink that answers 200 to everything at once, so the figures are tokenmeter's own
 * (receive, price, assemble, queue durably, send), not MLflow's. The load generator runs in the same process on
 * 127.0.0.1 with a fixed number of requests in flight; RSS is the whole process's peak so far (load generator and
 * earlier variants' leftovers included), so it only bounds each variant's memory from above.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { components } from '../../src/components.js';
import { validateConfig } from '../../src/config/load.js';
import { encodeTracesProtobuf, stringValue } from '../../src/otlp/index.js';
import type { KeyValue, Span, TracesData } from '../../src/otlp/index.js';
import { Service } from '../../src/pipeline/service.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { getFreePort } from '../harness/ports.js';
import { postOtlp, startSink } from './support/otlpHttp.js';

const WARMUP_REQUESTS = 40;
const MEASURED_REQUESTS = 300;
const IN_FLIGHT = 8;
const SPANS_PER_TRACE = 9;
const MIB = 1024 * 1024;

type Variant = { name: string; storage: { mode: 'memory' } | { mode: 'disk'; synchronous: 'normal' | 'full' } };

const VARIANTS: Variant[] = [
  { name: 'memory', storage: { mode: 'memory' } },
  { name: 'disk, synchronous normal', storage: { mode: 'disk', synchronous: 'normal' } },
  { name: 'disk, synchronous full', storage: { mode: 'disk', synchronous: 'full' } },
];

interface Measured {
  requests: number;
  spans: number;
  seconds: number;
  latenciesMs: number[];
  peakRssMiB: number;
}

let nextId = 1;
/** A fresh id of `length` bytes, unique within the run. */
function uniqueId(length: number): Uint8Array {
  const id = new Uint8Array(length);
  new DataView(id.buffer).setUint32(length - 4, nextId++);
  id[0] = 0x7e; // never all zero (an invalid id)
  return id;
}

const attribute = (key: string, value: string): KeyValue => ({ key, value: stringValue(value) });

function span(traceId: Uint8Array, parentSpanId: Uint8Array, name: string, attributes: KeyValue[], startNs: bigint, durationNs: bigint): Span {
  return {
    traceId,
    spanId: uniqueId(8),
    traceState: '',
    parentSpanId,
    flags: 0x101,
    name,
    kind: 1,
    startTimeUnixNano: startNs,
    endTimeUnixNano: startNs + durationNs,
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: 1 },
  };
}

/** One LangGraph-like trace: children first (they end first), the root last, as an SDK exports them. */
function trace(index: number): Span[] {
  const traceId = uniqueId(16);
  const start = 1_767_225_600_000_000_000n + BigInt(index) * 10_000_000n;
  const root = span(traceId, new Uint8Array(0), 'LangGraph', [attribute('mlflow.spanType', 'CHAIN'), attribute('mlflow.spanInputs', '{"question":"refund?"}')], start, 4_000_000_000n);
  const children: Span[] = [];
  for (const [node, model] of [['plan', 'gpt-4o-mini'], ['write', 'gpt-4o']] as const) {
    const nodeSpan = span(traceId, root.spanId, node, [attribute('mlflow.spanType', 'CHAIN'), attribute('metadata', `{"langgraph_node":"${node}","thread_id":"t-${index % 50}"}`)], start, 1_500_000_000n);
    const usage = { input_tokens: 800 + (index % 400), output_tokens: 120 + (index % 60) };
    children.push(
      span(traceId, nodeSpan.spanId, 'ChatOpenAI', [
        attribute('mlflow.spanType', 'CHAT_MODEL'),
        attribute('mlflow.chat.tokenUsage', JSON.stringify({ ...usage, total_tokens: usage.input_tokens + usage.output_tokens })),
        attribute('invocation_params', JSON.stringify({ model, _type: 'openai-chat', temperature: 0.2 })),
        attribute('mlflow.spanOutputs', '{"content":"Refunds are processed within five business days."}'),
      ], start + 1_000_000n, 1_200_000_000n),
      nodeSpan,
    );
  }
  for (const tool of ['search', 'fetch', 'rank']) {
    children.push(span(traceId, root.spanId, tool, [attribute('mlflow.spanType', 'TOOL'), attribute('mlflow.spanInputs', `{"query":"${tool}"}`)], start, 300_000_000n));
  }
  return [...children, root];
}

/** Request `index` carries 100–512 spans, as whole traces. */
const tracesIn = (index: number) => Math.max(1, Math.round((100 + ((index * 137) % 413)) / SPANS_PER_TRACE));

/** Request `index`, encoded as the app's exporter sends it. */
function requestBody(index: number): Uint8Array {
  const traces = tracesIn(index);
  const data: TracesData = {
    resourceSpans: [
      {
        resource: { attributes: [attribute('service.name', 'support-agent')], droppedAttributesCount: 0, entityRefs: [] },
        scopeSpans: [{ scope: { name: 'mlflow.langchain', version: '3.9.0', attributes: [], droppedAttributesCount: 0 }, spans: Array.from({ length: traces }, (_, i) => trace(index * 1000 + i)).flat(), schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
  return encodeTracesProtobuf(data);
}

/** Sends the bodies with `IN_FLIGHT` requests outstanding; every one must be acknowledged (200). */
async function load(port: number, bodies: readonly Uint8Array[], spansOf: readonly number[]): Promise<Measured> {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const latenciesMs: number[] = [];
  let peakRss = process.memoryUsage().rss;
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const sent = performance.now();
      const status = await postOtlp(agent, port, body);
      latenciesMs.push(performance.now() - sent);
      if (status !== 200) throw new Error(`the receiver answered ${status}`);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests: bodies.length, spans: spansOf.reduce((sum, spans) => sum + spans, 0), seconds, latenciesMs, peakRssMiB: peakRss / MIB };
}

async function measure(variant: Variant, sinkUrl: string, firstRequest: number): Promise<Measured> {
  const port = await getFreePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'tokenmeter-bench-durability-'));
  const config = validateConfig(
    {
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
      processors: { costestimator: {}, traceassembly: { root_wait: '200ms', late_span_wait: '1s' } },
      exporters: { mlflow: { tracking_uri: sinkUrl, experiment_id: '0', sending_queue: { queue_size: 100_000, max_bytes: '2GiB' } } },
      admin: { enabled: false },
      storage: { ...variant.storage, path: path.join(dir, 'state.db') },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['mlflow'] } } },
    },
    components,
  );
  const service = new Service(config, components, silentLogger());
  await service.start();
  try {
    const indexes = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
    const bodiesOf = (from: number, count: number) => indexes(from, count).map(requestBody);
    const spansOf = (from: number, count: number) => indexes(from, count).map((i) => tracesIn(i) * SPANS_PER_TRACE);
    await load(port, bodiesOf(firstRequest, WARMUP_REQUESTS), spansOf(firstRequest, WARMUP_REQUESTS));
    const measuredFrom = firstRequest + WARMUP_REQUESTS;
    return await load(port, bodiesOf(measuredFrom, MEASURED_REQUESTS), spansOf(measuredFrom, MEASURED_REQUESTS));
  } finally {
    await service.shutdown(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

export async function run(): Promise<void> {
  const sink = await startSink();
  console.log(
    `MLflow exporter → a local sink answering 200 at once (not MLflow); ${MEASURED_REQUESTS} requests of 100–512 spans after ` +
      `${WARMUP_REQUESTS} warm-up, ${IN_FLIGHT} in flight, OTLP/HTTP protobuf on 127.0.0.1; node ${process.version}`,
  );
  const results: Array<{ variant: Variant; measured: Measured }> = [];
  let firstRequest = 0;
  for (const variant of VARIANTS) {
    const measured = await measure(variant, sink.url, firstRequest);
    firstRequest += WARMUP_REQUESTS + MEASURED_REQUESTS;
    results.push({ variant, measured });
  }
  sink.server.close();

  const baseline = results[0]!.measured;
  const perSecond = (measured: Measured) => measured.requests / measured.seconds;
  const p = (measured: Measured, fraction: number) => percentile([...measured.latenciesMs].sort((a, b) => a - b), fraction);
  console.log('storage                    req/s   spans/s   p50 ack ms   p99 ack ms   peak RSS MiB   req/s vs memory   p99 vs memory');
  for (const { variant, measured } of results) {
    console.log(
      [
        variant.name.padEnd(24),
        perSecond(measured).toFixed(0).padStart(7),
        (measured.spans / measured.seconds).toFixed(0).padStart(9),
        p(measured, 0.5).toFixed(1).padStart(12),
        p(measured, 0.99).toFixed(1).padStart(12),
        measured.peakRssMiB.toFixed(0).padStart(14),
        `${(perSecond(measured) / perSecond(baseline)).toFixed(2)}×`.padStart(17),
        `${(p(measured, 0.99) / p(baseline, 0.99)).toFixed(2)}×`.padStart(15),
      ].join(' '),
    );
  }
}
