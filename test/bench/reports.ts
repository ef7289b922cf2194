/**
 * Traces per second that `report cost` fetches from MLflow and prices. A private MLflow 3.9 server is started and
 * loaded over OTLP/protobuf with LangGraph-shaped traces (9 spans, 4 chat-model calls each, MLflow SDK attribute
 * encoding). Measured in the same run: the fetch alone (search + batchGet + BigInt-safe parse, nothing else) as the
 * baseline, then the whole report (fetch, conversion to our span model, pricing, grouping), and finally tokenmeter's
 * own share alone: parse, convert and price of batchGet answers already in memory (no MLflow in the loop).
 * `BENCH_REPORT_TRACES` changes the number of traces (default 10 000). At 10 000 the run takes ~14 minutes, nearly
 * all of it MLflow 3.9 ingesting (one uvicorn worker on SQLite slows from ~45 to ~18 traces/s as the database grows);
 * the report itself is bound by MLflow's batchGet (~80–110 traces/s), about a twentieth of what our own work allows.
 */
import { encodeTracesProtobuf, stringValue } from '../../src/otlp/index.js';
import type { KeyValue, Span, TracesData } from '../../src/otlp/index.js';
import { ReportsMlflowClient } from '../../src/reports/mlflow/client.js';
import { parseMlflowJson } from '../../src/reports/mlflow/bigJson.js';
import { toOtlpSpan } from '../../src/reports/mlflow/convertSpan.js';
import { BATCH_SIZE, searchTraceInfos } from '../../src/reports/mlflow/source.js';
import { toReportTrace } from '../../src/reports/mlflow/traceInfo.js';
import type { BatchGetTracesResponse } from '../../src/reports/mlflow/wire.js';
import { collectCosts } from '../../src/reports/costReport.js';
import { mapConcurrent } from '../../src/reports/concurrency.js';
import { TracePricer } from '../../src/reports/priceTrace.js';
import { createExperiment } from '../harness/mlflow-client.js';
import { startMlflowServer } from '../harness/mlflow-server.js';

const TRACES = Number(process.env['BENCH_REPORT_TRACES'] ?? 10_000);
const TRACES_PER_REQUEST = 50;
const CONCURRENCY = 8;

let sequence = 0;
function id(length: number): Uint8Array {
  sequence++;
  return Uint8Array.from({ length }, (_, i) => (sequence * 2654435761 + i * 40503) >>> (i % 24) & 0xff);
}

const json = (value: unknown): KeyValue['value'] => stringValue(JSON.stringify(value));

function span(traceId: Uint8Array, parent: Uint8Array, name: string, type: string, startNs: bigint, durationNs: bigint, extra: KeyValue[] = []): Span {
  return {
    traceId, spanId: id(8), traceState: '', parentSpanId: parent, flags: 0, name, kind: 1,
    startTimeUnixNano: startNs, endTimeUnixNano: startNs + durationNs,
    attributes: [{ key: 'mlflow.spanType', value: stringValue(type) }, ...extra],
    droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 1, message: '' },
  };
}

/** One run of the test app's graph: plan (gpt-4o-mini), research (2 × claude-3-5-haiku), write (gpt-4o-mini). */
function langgraphTrace(index: number, startMs: number): Span[] {
  const traceId = id(16);
  const t0 = BigInt(startMs) * 1_000_000n;
  const ms = 1_000_000n;
  const root = span(traceId, new Uint8Array(0), 'tokenmeter_test_workflow', 'WORKFLOW', t0, 900n * ms);
  const graph = span(traceId, root.spanId, 'LangGraph', 'CHAIN', t0 + ms, 890n * ms);
  const spans = [root, graph];
  const calls: [string, string, string, number][] = [
    ['plan', 'gpt-4o-mini', 'openai', 0],
    ['research', 'claude-3-5-haiku-20241022', 'anthropic', 200],
    ['research', 'claude-3-5-haiku-20241022', 'anthropic', 450],
    ['write', 'gpt-4o-mini', 'openai', 700],
  ];
  const nodes = new Map<string, Span>();
  for (const [node, startOffset, duration] of [['plan', 2, 190], ['research', 200, 480], ['write', 690, 200]] as const) {
    const nodeSpan = span(traceId, graph.spanId, node, 'CHAIN', t0 + BigInt(startOffset) * ms, BigInt(duration) * ms, [
      { key: 'metadata', value: json({ langgraph_node: node, langgraph_step: 1, thread_id: `t-${index % 50}` }) },
    ]);
    nodes.set(node, nodeSpan);
    spans.push(nodeSpan);
  }
  for (const [node, model, provider, offset] of calls) {
    const input = 100 + (index % 400);
    const output = 20 + (index % 90);
    spans.push(
      span(traceId, nodes.get(node)!.spanId, 'ChatModel', 'CHAT_MODEL', t0 + BigInt(offset + 10) * ms, 170n * ms, [
        { key: 'invocation_params', value: json({ model, model_name: model, _type: `${provider}-chat`, temperature: 0.2 }) },
        { key: 'metadata', value: json({ langgraph_node: node, ls_provider: provider, ls_model_name: model, thread_id: `t-${index % 50}` }) },
        { key: 'mlflow.chat.tokenUsage', value: json({ input_tokens: input, output_tokens: output, total_tokens: input + output }) },
        { key: 'mlflow.spanInputs', value: json([[{ type: 'human', content: `Question ${index}: ${'context '.repeat(40)}` }]]) },
        { key: 'mlflow.spanOutputs', value: json({ generations: [[{ text: `answer ${index} ${'words '.repeat(30)}` }]] }) },
      ]),
    );
  }
  return spans;
}

async function load(url: string, experimentId: string, traces: number): Promise<void> {
  const requests = Math.ceil(traces / TRACES_PER_REQUEST);
  const startMs = Date.now() - 60 * 60_000;
  // MLflow's SQLite store takes one writer at a time: a couple of requests in flight keep it busy.
  await mapConcurrent(Array.from({ length: requests }, (_, i) => i), 2, async (request) => {
    const spans: Span[] = [];
    for (let i = request * TRACES_PER_REQUEST; i < Math.min(traces, (request + 1) * TRACES_PER_REQUEST); i++) {
      spans.push(...langgraphTrace(i, startMs + i * 100));
    }
    const data: TracesData = { resourceSpans: [{ resource: undefined, scopeSpans: [{ scope: undefined, spans, schemaUrl: '' }], schemaUrl: '' }] };
    const response = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'x-mlflow-experiment-id': experimentId },
      body: encodeTracesProtobuf(data),
    });
    if (!response.ok) throw new Error(`MLflow refused the load: ${response.status} ${await response.text()}`);
  });
}

export async function run(): Promise<void> {
  const server = await startMlflowServer();
  try {
    const experimentId = await createExperiment(server.url, 'bench-reports');
    const loadStart = performance.now();
    await load(server.url, experimentId, TRACES);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    console.log(`loaded ${TRACES} traces (${TRACES * 9} spans) into MLflow 3.9 in ${loadSeconds.toFixed(1)} s (${(TRACES / loadSeconds).toFixed(0)} traces/s ingest)`);

    const client = new ReportsMlflowClient({ trackingUri: server.url, timeoutMs: 120_000, headers: {} });
    const window = { fromMs: 0, untilMs: Date.now() + 60_000 };
    const target = { client, experimentId, window, format: 'table' as const, concurrency: CONCURRENCY };

    // Baseline: what MLflow and the JSON parse cost alone.
    let started = performance.now();
    const infos = await searchTraceInfos(client, target);
    const batches: string[][] = [];
    for (let i = 0; i < infos.length; i += BATCH_SIZE) batches.push(infos.slice(i, i + BATCH_SIZE).map((info) => info.trace_id));
    let spans = 0;
    await mapConcurrent(batches, CONCURRENCY, async (batch) => {
      for (const trace of (await client.batchGetTraces(batch)).traces ?? []) spans += trace.spans?.length ?? 0;
    });
    const fetchSeconds = (performance.now() - started) / 1000;

    started = performance.now();
    const { aggregator, traces } = await collectCosts(target, new TracePricer(), ['workflow', 'node', 'model']);
    const reportSeconds = (performance.now() - started) / 1000;

    if (traces !== TRACES || spans !== TRACES * 9 || aggregator.total.calls !== TRACES * 4) {
      throw new Error(`expected ${TRACES} traces / ${TRACES * 9} spans / ${TRACES * 4} calls, got ${traces} / ${spans} / ${aggregator.total.calls}`);
    }
    console.log(`fetch only (search + batchGet ×${BATCH_SIZE}, ${CONCURRENCY} in flight, BigInt-safe parse): ${(TRACES / fetchSeconds).toFixed(0)} traces/s (${fetchSeconds.toFixed(1)} s)`);
    console.log(`report cost (fetch + convert + price + group):                    ${(TRACES / reportSeconds).toFixed(0)} traces/s (${reportSeconds.toFixed(1)} s), total $${aggregator.total.costUsd.toFixed(4)}`);

    // Our share: the same work on answers held in memory (the first 1 000 traces, to bound memory).
    const held = await Promise.all(
      batches.slice(0, 100).map(async (batch) => {
        const query = new URLSearchParams(batch.map((id): [string, string] => ['trace_ids', id]));
        return await (await fetch(`${server.url}/api/3.0/mlflow/traces/batchGet?${query.toString()}`)).text();
      }),
    );
    const pricer = new TracePricer();
    started = performance.now();
    let priced = 0;
    for (const text of held) {
      for (const trace of parseMlflowJson<BatchGetTracesResponse>(text).traces ?? []) {
        priced += pricer.price(toReportTrace(trace.trace_info, (trace.spans ?? []).map(toOtlpSpan))).length;
      }
    }
    const cpuSeconds = (performance.now() - started) / 1000;
    const heldTraces = Math.min(TRACES, held.length * BATCH_SIZE);
    if (priced !== heldTraces * 4) throw new Error(`expected ${heldTraces * 4} priced calls, got ${priced}`);
    console.log(`tokenmeter's own work (parse + convert + price, answers in memory):  ${(heldTraces / cpuSeconds).toFixed(0)} traces/s (${heldTraces} traces)`);
  } finally {
    await server.stop({ removeDir: true });
  }
}
