import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createExperiment, createUniqueExperiment, getTrace, searchAllTraces } from '../../../test/harness/mlflow-client.js';
import { capturedLogger } from '../../../test/fixtures/captured-logs.js';
import { makeRequest, makeSpan } from '../../../test/fixtures/spans.js';
import { getFreePort } from '../../../test/harness/ports.js';
import { startProxy } from '../../../test/faults/workload.js';
import { makeSelfSignedCert } from '../../../test/fixtures/self-signed-cert.js';
import { boolValue, doubleValue, intValue, stringValue } from '../../otlp/model.js';
import { decodeTracesProtobuf, encodeTracesProtobuf } from '../../otlp/index.js';
import type { Span } from '../../otlp/model.js';
import { Store } from '../../storage/store.js';
import { silentLogger } from '../../telemetry/logger.js';
import { Telemetry } from '../../telemetry/metrics.js';
import { mlflowExporterConfigSchema } from './config.js';
import { MlflowExporter } from './exporter.js';
import { assessmentId } from './followup-sender.js';
import { PendingFollowUps } from './queue-followups.js';
import { traceCount } from '../../otlp/index.js';
import type { ExporterStorage } from '../sendingqueue/destination.js';
import { followUpsOf } from './trace-followups.js';
import { withMlflowWireFixes } from './wire-fixes.js';

const mlflowUrl = inject('mlflowUrl');

let nextId = 1;
function rootSpan(attributes: Span['attributes'] = []): Span {
  const traceId = new Uint8Array(16);
  new DataView(traceId.buffer).setUint32(12, nextId++);
  traceId[0] = 0xab;
  return makeSpan({
    traceId,
    spanId: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, nextId & 0xff]),
    flags: 1,
    name: 'workflow',
    startTimeUnixNano: BigInt(Date.now()) * 1_000_000n,
    endTimeUnixNano: BigInt(Date.now() + 5) * 1_000_000n,
    attributes,
    status: { code: 1, message: '' },
  });
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('MLflow wire fixes', () => {
  it('drops mlflow.traceRequestId and unquotes mlflow.spanType in a copy, leaving other attributes alone and the batch as it came', () => {
    const attributes = [
      { key: 'mlflow.traceRequestId', value: stringValue('"tr-abc"') },
      { key: 'mlflow.spanType', value: stringValue('"CHAT_MODEL"') },
      { key: 'mlflow.spanInputs', value: stringValue('"hello"') },
    ];
    const span = rootSpan([...attributes]);
    const plain = rootSpan([{ key: 'mlflow.spanType', value: stringValue('LLM') }]);
    span.raw = new Uint8Array([1]);
    const request = makeRequest(span, plain);
    const fixed = withMlflowWireFixes(request, 'outermost');
    const [fixedSpan, fixedPlain] = fixed.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(fixedSpan!.attributes).toEqual([
      { key: 'mlflow.spanType', value: stringValue('CHAT_MODEL') },
      { key: 'mlflow.spanInputs', value: stringValue('"hello"') },
    ]);
    expect(fixedSpan!.raw).toBeUndefined();
    expect(fixedPlain).toBe(plain);
    // What the other exporters of the pipeline hold is unchanged.
    expect(request.resourceSpans[0]!.scopeSpans[0]!.spans).toEqual([span, plain]);
    expect(span.attributes).toEqual(attributes);
    expect(span.raw).toEqual(new Uint8Array([1]));
  });

  it('leaves a batch with an already plain span type and spans without MLflow keys as it is, raw bytes kept', () => {
    const span = rootSpan([{ key: 'mlflow.spanType', value: stringValue('LLM') }]);
    const raw = new Uint8Array([1]);
    span.raw = raw;
    const request = makeRequest(span, rootSpan([{ key: 'gen_ai.request.model', value: stringValue('gpt-4o') }]));
    expect(withMlflowWireFixes(request, 'outermost')).toBe(request);
    expect(span.raw).toBe(raw);
  });

  it('gives a model call the CostEstimator priced, of any convention, a plain LLM or EMBEDDING span type, in a copy', () => {
    const priced = { key: 'tokenmeter.cost.status', value: stringValue('priced') };
    const openInference = rootSpan([{ key: 'openinference.span.kind', value: stringValue('LLM') }, priced]);
    const genAiChat = rootSpan([{ key: 'gen_ai.operation.name', value: stringValue('chat') }, priced]);
    const genAiEmbeddings = rootSpan([{ key: 'gen_ai.operation.name', value: stringValue('embeddings') }, priced]);
    const request = makeRequest(openInference, genAiChat, genAiEmbeddings);
    const typeOf = (span: Span | undefined) => span?.attributes.find(({ key }) => key === 'mlflow.spanType')?.value;
    expect(withMlflowWireFixes(request, 'outermost').resourceSpans[0]!.scopeSpans[0]!.spans.map(typeOf)).toEqual([stringValue('LLM'), stringValue('LLM'), stringValue('EMBEDDING')]);
    expect(request.resourceSpans[0]!.scopeSpans[0]!.spans.map(typeOf)).toEqual([undefined, undefined, undefined]);
  });

  it('gives no span type to a model call the CostEstimator did not price, nor to a root it priced as its trace’s aggregate', () => {
    const unpriced = rootSpan([{ key: 'openinference.span.kind', value: stringValue('LLM') }]);
    const aggregateRoot = rootSpan([
      { key: 'openinference.span.kind', value: stringValue('AGENT') },
      { key: 'llm.token_count.prompt', value: intValue(10) },
      { key: 'tokenmeter.cost.status', value: stringValue('priced') },
    ]);
    const request = makeRequest(unpriced, aggregateRoot);
    expect(withMlflowWireFixes(request, 'outermost')).toBe(request);
  });
});

describe('MLflow wire fixes: the cost of a span the CostEstimator did not count', () => {
  const notCounted = { key: 'tokenmeter.cost.counted', value: boolValue(false) };
  const wrapped = stringValue('{"input_cost":0.001,"output_cost":0.002,"total_cost":0.003}');
  const mlflowOwn = stringValue('{"input_cost": 0.0005, "output_cost": 0.001, "total_cost": 0.0015}');
  // What MLflow >= 3.10 prices on ingest when no cost comes with it: token usage and a model it reads.
  const usage = { key: 'gen_ai.usage.input_tokens', value: intValue(1000) };
  const model = { key: 'gen_ai.request.model', value: stringValue('gpt-4o-mini') };
  const costOf = (span: Span | undefined) => span?.attributes.find(({ key }) => key === 'mlflow.llm.cost')?.value;
  const spans = () => [
    // An outer span of a call: the cost of the call below it is known.
    rootSpan([usage, model, notCounted, { key: 'tokenmeter.cost.wrapped', value: wrapped }]),
    // The same, its model only in the inputs MLflow keeps, carrying a cost of its own that MLflow would keep.
    rootSpan([
      { key: 'mlflow.chat.tokenUsage', value: stringValue('{"input_tokens": 1000}') },
      { key: 'mlflow.spanInputs', value: stringValue('{"model": "gpt-4o-mini", "messages": []}') },
      { key: 'mlflow.llm.cost', value: mlflowOwn },
      notCounted,
      { key: 'tokenmeter.cost.wrapped', value: wrapped },
    ]),
    // One whose calls below have no known cost (unpriced, or counted before a restart).
    rootSpan([usage, model, notCounted]),
    // One MLflow would not price (no usage): nothing to keep it from.
    rootSpan([model, notCounted, { key: 'tokenmeter.cost.wrapped', value: wrapped }]),
    // The counted call, and a span that is no call: left alone.
    rootSpan([{ key: 'tokenmeter.cost.counted', value: boolValue(true) }, { key: 'mlflow.llm.cost', value: wrapped }]),
    rootSpan([{ key: 'mlflow.spanInputs', value: stringValue('{}') }]),
  ];

  it('from MLflow 3.15, which takes a trace’s cost from the outermost span that carries one: the cost of the calls it wraps', () => {
    const fixed = withMlflowWireFixes(makeRequest(...spans()), 'outermost').resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(fixed.map(costOf)).toEqual([wrapped, wrapped, undefined, undefined, wrapped, undefined]);
    // One cost per span: the one it had is replaced, not repeated.
    expect(fixed[1]!.attributes.filter(({ key }) => key === 'mlflow.llm.cost')).toHaveLength(1);
  });

  it('from MLflow 3.10 to 3.14, which add every span’s cost up: zero, so that MLflow neither prices the span nor counts the call twice', () => {
    const zero = stringValue('{"input_cost":0,"output_cost":0,"total_cost":0}');
    const fixed = withMlflowWireFixes(makeRequest(...spans()), 'sum').resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(fixed.map(costOf)).toEqual([zero, zero, zero, undefined, wrapped, undefined]);
  });

  it('keeps the raw bytes of a span that only lacks the cost: its prompts and completions are not encoded again', () => {
    const span = decodeTracesProtobuf(encodeTracesProtobuf(makeRequest(spans()[0]!))).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span.raw).toBeDefined();
    const fixed = withMlflowWireFixes(makeRequest(span), 'outermost').resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(fixed.raw).toBe(span.raw);
    const again = decodeTracesProtobuf(encodeTracesProtobuf(makeRequest(fixed))).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(again.attributes.map(({ key }) => key)).toEqual([...span.attributes.map(({ key }) => key), 'mlflow.llm.cost']);
    expect(costOf(again)).toEqual(wrapped);
    expect(span.attributes.some(({ key }) => key === 'mlflow.llm.cost')).toBe(false);
  });

  it('before MLflow 3.10, which has no cost: nothing', () => {
    const request = makeRequest(...spans().filter((span) => span.attributes.every(({ key }) => key !== 'mlflow.spanInputs')));
    expect(withMlflowWireFixes(request, 'none')).toBe(request);
  });
});

describe('MLflow exporter against a real MLflow server', () => {
  let exporter: MlflowExporter | undefined;
  afterEach(async () => {
    await exporter?.shutdown(500);
    exporter = undefined;
  });

  it('creates the experiment by name when missing and delivers spans to it', async () => {
    const name = `exporter-by-name-${Date.now()}`;
    exporter = new MlflowExporter(mlflowExporterConfigSchema.parse({ tracking_uri: mlflowUrl, experiment_name: name }), silentLogger());
    await exporter.start();
    const span = rootSpan([{ key: 'mlflow.spanType', value: stringValue('"WORKFLOW"') }]);
    await exporter.consume(makeRequest(span));
    await until(() => exporter!.stats.delivered.spans === 1);
    const trace = await getTrace(mlflowUrl, `tr-${hex(span.traceId)}`);
    expect(trace?.trace_info.trace_location?.mlflow_experiment?.experiment_id).toMatch(/^\d+$/);
    expect(trace?.trace_info.trace_location?.mlflow_experiment?.experiment_id).not.toBe('0');
    expect(trace?.trace_info.state).toBe('OK');
  });

  it('delivers to an experiment given by id', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-by-id');
    exporter = new MlflowExporter(mlflowExporterConfigSchema.parse({ tracking_uri: mlflowUrl, experiment_id: experimentId }), silentLogger());
    await exporter.start();
    const span = rootSpan();
    await exporter.consume(makeRequest(span));
    await until(() => exporter!.stats.delivered.spans === 1);
    const trace = await getTrace(mlflowUrl, `tr-${hex(span.traceId)}`);
    expect(trace?.trace_info.trace_location?.mlflow_experiment?.experiment_id).toBe(experimentId);
  });

  it.each([['experiment_name'], ['experiment_id']])(
    'refuses a deleted experiment named by %s: says so at start, delivers nothing until it is restored, then delivers there',
    async (setting) => {
      const name = `exporter-deleted-${setting}-${Date.now()}`;
      const experimentId = await createExperiment(mlflowUrl, name);
      await mlflowPost('/api/2.0/mlflow/experiments/delete', { experiment_id: experimentId });
      const { logger, lines } = capturedLogger();
      exporter = new MlflowExporter(
        mlflowExporterConfigSchema.parse({
          tracking_uri: mlflowUrl,
          [setting]: setting === 'experiment_name' ? name : experimentId,
          retry_on_failure: { initial_interval: '50ms', max_interval: '200ms' },
        }),
        logger,
      );
      await exporter.start();
      await until(() => lines.some((line) => line.level === 50));
      const refusal = lines.find((line) => line.level === 50)!;
      expect(refusal.msg).toBe('the MLflow experiment is deleted; nothing is delivered until it is restored');
      expect((refusal['err'] as { message: string }).message).toBe(
        `MLflow experiment "${name}" (id ${experimentId}) is deleted: restore it (mlflow experiments restore --experiment-id ${experimentId}) or set ${setting} to another experiment`,
      );
      expect(lines.map((line) => line.msg)).not.toContain('MLflow exporter ready');

      const span = rootSpan();
      await exporter.consume(makeRequest(span));
      await until(() => lines.filter((line) => line.msg === 'MLflow delivery failed; retrying').length >= 2);
      expect(await getTrace(mlflowUrl, `tr-${hex(span.traceId)}`)).toBeUndefined();

      await mlflowPost('/api/2.0/mlflow/experiments/restore', { experiment_id: experimentId });
      await until(() => exporter!.stats.delivered.spans === 1);
      const trace = await getTrace(mlflowUrl, `tr-${hex(span.traceId)}`);
      expect(trace?.trace_info.trace_location?.mlflow_experiment?.experiment_id).toBe(experimentId);
    },
  );

  it('sends a model call of another convention with its span type, so that MLflow finds it by span.type', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-span-type');
    exporter = new MlflowExporter(mlflowExporterConfigSchema.parse({ tracking_uri: mlflowUrl, experiment_id: experimentId }), silentLogger());
    await exporter.start();
    const priced = { key: 'tokenmeter.cost.status', value: stringValue('priced') };
    const openInference = rootSpan([{ key: 'openinference.span.kind', value: stringValue('LLM') }, { key: 'llm.model_name', value: stringValue('gpt-4o') }, priced]);
    const genAiChat = rootSpan([{ key: 'gen_ai.operation.name', value: stringValue('chat') }, { key: 'gen_ai.request.model', value: stringValue('gpt-4o') }, priced]);
    const genAiEmbeddings = rootSpan([
      { key: 'gen_ai.operation.name', value: stringValue('embeddings') },
      { key: 'gen_ai.request.model', value: stringValue('text-embedding-3-small') },
      priced,
    ]);
    await exporter.consume(makeRequest(openInference, genAiChat, genAiEmbeddings));
    await until(() => exporter!.stats.delivered.spans === 3);
    const foundBy = async (filter: string) => (await searchAllTraces(mlflowUrl, experimentId, filter)).map((trace) => trace.trace_id).sort();
    expect(await foundBy("span.type = 'LLM'")).toEqual([openInference, genAiChat].map((span) => `tr-${hex(span.traceId)}`).sort());
    expect(await foundBy("span.type = 'EMBEDDING'")).toEqual([`tr-${hex(genAiEmbeddings.traceId)}`]);
  });

  it('sends a root carrying token counts MLflow adds up (VoltAgent’s) once when the app sends it again, so MLflow’s totals are not doubled', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-additive-keys');
    exporter = new MlflowExporter(mlflowExporterConfigSchema.parse({ tracking_uri: mlflowUrl, experiment_id: experimentId }), silentLogger());
    await exporter.start();
    const usage = rootSpan([{ key: 'usage.prompt_tokens', value: intValue(10) }, { key: 'usage.completion_tokens', value: intValue(5) }]);
    const llmUsage = rootSpan([{ key: 'llm.usage.prompt_tokens', value: intValue(20) }, { key: 'llm.usage.completion_tokens', value: intValue(7) }]);
    await exporter.consume(makeRequest(usage, llmUsage));
    await exporter.consume(makeRequest({ ...usage }, { ...llmUsage }));
    await until(() => exporter!.stats.delivered.spans + exporter!.stats.duplicatesAvoided === 4);
    const tokenUsage = async (span: Span) => JSON.parse((await getTrace(mlflowUrl, `tr-${hex(span.traceId)}`))!.trace_info.trace_metadata!['mlflow.trace.tokenUsage']!) as unknown;
    expect(await tokenUsage(usage)).toEqual({ input_tokens: 10, output_tokens: 5, total_tokens: 15 });
    expect(await tokenUsage(llmUsage)).toEqual({ input_tokens: 20, output_tokens: 7, total_tokens: 27 });
    expect(exporter.stats.duplicatesAvoided).toBe(2);
  });

  it('does not retry what MLflow can never accept, and counts it as failed', async () => {
    exporter = new MlflowExporter(
      mlflowExporterConfigSchema.parse({ tracking_uri: mlflowUrl, experiment_id: '999999' }),
      silentLogger(),
    );
    await exporter.start();
    await exporter.consume(makeRequest(rootSpan()));
    await until(() => exporter!.stats.failed.batches === 1);
    expect(exporter.stats.delivered.batches).toBe(0);
  });

  it('keeps retrying while MLflow is unreachable and refuses new batches once its queue is full', async () => {
    const port = await getFreePort(); // nothing listens there
    exporter = new MlflowExporter(
      mlflowExporterConfigSchema.parse({
        tracking_uri: `http://127.0.0.1:${port}`,
        experiment_id: '0',
        sending_queue: { queue_size: 1, num_consumers: 1 },
        retry_on_failure: { initial_interval: '50ms', max_interval: '100ms' },
      }),
      silentLogger(),
    );
    await exporter.start();
    await exporter.consume(makeRequest(rootSpan())); // taken by the worker, retrying
    await until(() => exporter!.stats.queued === 0);
    await exporter.consume(makeRequest(rootSpan())); // waits in the queue
    await expect(exporter.consume(makeRequest(rootSpan()))).rejects.toMatchObject({ kind: 'overloaded' });
    expect(exporter.stats.delivered.batches).toBe(0);
    expect(exporter.stats.failed.batches).toBe(0);
  });
});

async function mlflowPost(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${mlflowUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`MLflow answered ${response.status} to POST ${path}: ${await response.text()}`);
}

interface StoredAssessment {
  assessment_id: string;
  assessment_name: string;
  source: { source_type: string; source_id: string };
  feedback: { value: number };
  rationale?: string;
  metadata?: Record<string, string>;
  valid?: boolean;
}

async function storedTrace(traceId: string) {
  const response = await fetch(`${mlflowUrl}/api/3.0/mlflow/traces/${traceId}`);
  if (!response.ok) return undefined;
  const { trace } = (await response.json()) as {
    trace: { trace_info: { tags?: Record<string, string>; assessments?: StoredAssessment[] } };
  };
  return trace.trace_info;
}

/** A root as trace assembly leaves it: its trace's totals and breakdowns (contract.md, "On the root span"). */
function enrichedRoot(totals: { cost: number; input: number; output: number; providers: string[] }): Span {
  const providers = totals.providers.map((name) => ({ name, calls: 1, tokens: 1, cost_usd: 0, wall_ms: 1 }));
  return rootSpan([
    { key: 'tokenmeter.cost.total_usd', value: doubleValue(totals.cost) },
    { key: 'tokenmeter.tokens.input', value: intValue(totals.input) },
    { key: 'tokenmeter.tokens.output', value: intValue(totals.output) },
    { key: 'tokenmeter.tokens.total', value: intValue(totals.input + totals.output) },
    { key: 'tokenmeter.breakdown.providers', value: stringValue(JSON.stringify(providers)) },
    { key: 'tokenmeter.breakdown.nodes', value: stringValue('[{"name":"plan"}]') },
    { key: 'tokenmeter.bottleneck.node', value: stringValue('plan') },
    { key: 'tokenmeter.llm.calls', value: intValue(totals.providers.length) },
  ]);
}

describe('MLflow exporter follow-ups against a real MLflow server', () => {
  const exporters: MlflowExporter[] = [];
  afterEach(async () => {
    for (const exporter of exporters.splice(0)) await exporter.shutdown(2000);
  });

  async function startExporter(experimentId: string, config: Record<string, unknown> = {}, storage?: ExporterStorage): Promise<MlflowExporter> {
    const exporter = new MlflowExporter(
      mlflowExporterConfigSchema.parse({
        tracking_uri: mlflowUrl,
        experiment_id: experimentId,
        retry_on_failure: { initial_interval: '50ms', max_interval: '200ms' },
        ...config,
      }),
      silentLogger(),
      storage,
    );
    exporters.push(exporter);
    await exporter.start();
    return exporter;
  }

  const byName = (assessments: StoredAssessment[] | undefined) =>
    Object.fromEntries((assessments ?? []).map((assessment) => [assessment.assessment_name, assessment]));

  it('tags the trace name and logs the cost feedback once MLflow has the trace; a re-sent root updates it in place', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-feedback');
    const exporter = await startExporter(experimentId);
    const root = enrichedRoot({ cost: 0.001234, input: 800, output: 90, providers: ['openai', 'anthropic'] });
    const traceId = `tr-${hex(root.traceId)}`;
    await exporter.consume(makeRequest(root));
    await until(() => exporter.stats.followUps.assessmentsCreated === 4);

    const first = (await storedTrace(traceId))!;
    expect(first.tags?.['mlflow.traceName']).toBe('workflow');
    const assessments = byName(first.assessments);
    expect(Object.keys(assessments).sort()).toEqual(['cost_usd', 'input_tokens', 'output_tokens', 'total_tokens']);
    expect(assessments['cost_usd']).toMatchObject({
      source: { source_type: 'CODE', source_id: 'cost_estimator' },
      feedback: { value: 0.001234 },
      rationale: '890 tokens across 2 provider(s)',
      metadata: { bottleneck_node: 'plan', llm_calls: '2' },
    });
    expect(JSON.parse(assessments['cost_usd']!.metadata!['providers']!)).toHaveLength(2);
    expect(assessments['total_tokens']?.feedback.value).toBe(890);
    expect(assessments['input_tokens']?.feedback.value).toBe(800);
    expect(assessments['output_tokens']?.feedback.value).toBe(90);
    expect(assessments['cost_usd']?.assessment_id).toBe(assessmentId(traceId, 'cost_estimator', 'cost_usd'));

    // A late child made trace assembly send the root again with bigger numbers.
    const resent = enrichedRoot({ cost: 0.002, input: 900, output: 100, providers: ['openai', 'anthropic'] });
    resent.traceId = root.traceId;
    resent.spanId = root.spanId;
    await exporter.consume(makeRequest(resent));
    await until(() => exporter.stats.followUps.assessmentsUpdated === 4);
    const updated = (await storedTrace(traceId))!;
    expect(updated.assessments).toHaveLength(4);
    expect(byName(updated.assessments)['cost_usd']).toMatchObject({ feedback: { value: 0.002 }, rationale: '1000 tokens across 2 provider(s)', valid: true });
    expect(byName(updated.assessments)['total_tokens']?.feedback.value).toBe(1000);
  });

  it('with sending_queue.batch, sends a request as several; each root’s follow-ups go once, with the part that carries it', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-batch-parts');
    const exporter = await startExporter(experimentId, { sending_queue: { batch: { sizer: 'items', max_size: 1 } } });
    const roots = [enrichedRoot({ cost: 0.001, input: 100, output: 10, providers: ['openai'] }), enrichedRoot({ cost: 0.002, input: 200, output: 20, providers: ['anthropic'] })];
    await exporter.consume(makeRequest(...roots));
    await until(() => exporter.stats.followUps.assessmentsCreated === 8 && exporter.stats.followUps.tagsSet === 2);
    expect(exporter.stats.delivered).toEqual({ batches: 2, spans: 2 });
    for (const [index, root] of roots.entries()) {
      const stored = (await storedTrace(`tr-${hex(root.traceId)}`))!;
      expect(stored.tags?.['mlflow.traceName']).toBe('workflow');
      expect(byName(stored.assessments)['total_tokens']?.feedback.value).toBe(110 * (index + 1));
    }
    // Each follow-up went once: a second would have updated the assessments.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(exporter.stats.followUps).toMatchObject({ assessmentsCreated: 8, assessmentsUpdated: 0, tagsSet: 2 });
  });

  it('sends at most sending_queue.batch.max_traces traces per request, each trace whole, with the follow-ups of its roots', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-max-traces');
    const exporter = await startExporter(experimentId, { sending_queue: { batch: { max_traces: 2 } } });
    const traces = [0, 1, 2].map(() => withCountedChild(enrichedRoot({ cost: 0.01, input: 10, output: 5, providers: ['openai'] })));
    // Children first, as a batch span processor sends them, then the roots: each trace's spans are apart in the request.
    await exporter.consume(makeRequest(...traces.map(([, child]) => child), ...traces.map(([root]) => root)));
    await until(() => exporter.stats.followUps.sent === 3);
    expect(exporter.stats.delivered).toEqual({ batches: 2, spans: 6 });
    for (const [root] of traces) expect((await storedTrace(`tr-${hex(root.traceId)}`))!.tags?.['mlflow.traceName']).toBe('workflow');
  });

  it('sends a request of several traces that MLflow takes longer than timeout over again in halves: each trace stored once, totals not doubled, followed up', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-too-slow');
    const proxy = await startManyTracesTimingOutProxy(mlflowUrl);
    try {
      const exporter = await startExporter(experimentId, {
        tracking_uri: proxy.url,
        timeout: '500ms',
        compression: 'none',
        retry_on_failure: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '10s' },
      });
      const traces = [0, 1, 2].map(() => withCountedChild(enrichedRoot({ cost: 0.01, input: 10, output: 5, providers: ['openai'] })));
      await exporter.consume(makeRequest(...traces.flat()));
      await until(() => exporter.stats.followUps.sent === 3 || exporter.stats.failed.batches > 0);
      expect(proxy.heldAnswers()).toBeGreaterThan(0);
      expect(exporter.stats.failed.batches).toBe(0);
      expect(exporter.stats.delivered.spans).toBe(6);
      for (const [root] of traces) {
        const traceId = `tr-${hex(root.traceId)}`;
        // MLflow stored every request it was not let answer: the usage is counted from the first of them alone.
        expect(JSON.parse((await getTrace(mlflowUrl, traceId))!.trace_info.trace_metadata!['mlflow.trace.tokenUsage']!)).toEqual(CHILD_USAGE);
        const stored = (await storedTrace(traceId))!;
        expect(stored.tags?.['mlflow.traceName']).toBe('workflow');
        expect(byName(stored.assessments)['cost_usd']?.feedback.value).toBe(0.01);
      }
    } finally {
      await proxy.close();
    }
  });

  it('keeps retrying while MLflow 3.9 answers 422 for a SQLite database locked by other writers, as often as that lasts', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-sqlite-locked');
    let lockedAnswers = 0;
    // MLflow 3.9's answer when log_spans meets a locked SQLite (mlflow-wire.md §1.1: any store failure is a 422).
    const locked = { status: 422, text: JSON.stringify({ detail: 'Failed to log OpenTelemetry spans: Trace tr-1: (sqlite3.OperationalError) database is locked' }) };
    const proxy = await startInterceptingProxy(mlflowUrl, (method, path) => (method === 'POST' && path === '/v1/traces' && lockedAnswers++ < 3 ? locked : 'forward'));
    try {
      const exporter = await startExporter(experimentId, { tracking_uri: proxy.url });
      const [root, child] = withCountedChild(enrichedRoot({ cost: 0.01, input: 10, output: 5, providers: ['openai'] }));
      await exporter.consume(makeRequest(root, child));
      await until(() => exporter.stats.followUps.sent === 1 || exporter.stats.failed.batches > 0);
      expect(exporter.stats.failed.batches).toBe(0);
      expect(lockedAnswers).toBeGreaterThan(3);
      const traceId = `tr-${hex(root.traceId)}`;
      expect(JSON.parse((await getTrace(mlflowUrl, traceId))!.trace_info.trace_metadata!['mlflow.trace.tokenUsage']!)).toEqual(CHILD_USAGE);
    } finally {
      await proxy.close();
    }
  });

  it('is idempotent across restarts: a second exporter sending the same root updates, it does not duplicate', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-feedback-restart');
    const root = enrichedRoot({ cost: 0.5, input: 10, output: 5, providers: ['openai'] });
    const traceId = `tr-${hex(root.traceId)}`;
    const before = await startExporter(experimentId);
    await before.consume(makeRequest(root));
    await until(() => before.stats.followUps.assessmentsCreated === 4);
    const after = await startExporter(experimentId, { feedback: { source_id: 'cost_estimator' } });
    await after.consume(makeRequest(enrichedRoot({ cost: 0.5, input: 10, output: 5, providers: ['openai'] })));
    const again = enrichedRoot({ cost: 0.5, input: 10, output: 5, providers: ['openai'] });
    again.traceId = root.traceId;
    await after.consume(makeRequest(again));
    await until(() => after.stats.followUps.assessmentsUpdated === 4);
    expect((await storedTrace(traceId))!.assessments).toHaveLength(4);
  });

  it('keeps only unfinished follow-ups for a restart: one sent is not sent again, one MLflow could not take yet is', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-feedback-restart-unfinished');
    const storage = { store: Store.memory(), id: 'mlflow/restart' };
    const before = await startExporter(experimentId, {}, storage);
    const sent = enrichedRoot({ cost: 0.5, input: 10, output: 5, providers: ['openai'] });
    await before.consume(makeRequest(sent));
    // The follow-up of a root MLflow does not have yet, as when a batch is committed after its answer.
    const unfinished = enrichedRoot({ cost: 0.75, input: 20, output: 6, providers: ['openai'] });
    await storage.store.transaction(() => before['delivered'](followUpsOf(makeRequest(unfinished)), Date.now()));
    await until(() => before.stats.followUps.sent === 1 && before.stats.followUps.retries >= 1);
    await before.shutdown(500);

    const after = await startExporter(experimentId, {}, storage);
    expect(after.stats.followUps.waiting).toBe(1);
    expect(after['pendingFollowUps'].all().map((followUp) => followUp.traceId)).toEqual([`tr-${hex(unfinished.traceId)}`]);
    await after.consume(makeRequest(rootSpanOf(unfinished)));
    await until(() => after.stats.followUps.sent === 1);
    expect(byName((await storedTrace(`tr-${hex(unfinished.traceId)}`))!.assessments)['cost_usd']?.feedback.value).toBe(0.75);
    expect(after['pendingFollowUps'].all()).toEqual([]);
  });

  it('retries while MLflow has not stored the trace (404), then logs the feedback', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-feedback-early');
    const exporter = await startExporter(experimentId, { feedback: { source_id: 'tokenmeter-test', names: { cost_usd: 'cost' } } });
    const root = enrichedRoot({ cost: 0.25, input: 1, output: 2, providers: ['openai'] });
    const traceId = `tr-${hex(root.traceId)}`;
    // The follow-up of a root MLflow does not have yet, as when a batch is committed after its answer.
    exporter['followUps'].enqueue(followUpsOf(makeRequest(root)));
    await until(() => exporter.stats.followUps.retries >= 2);
    expect(await storedTrace(traceId)).toBeUndefined();
    await exporter.consume(makeRequest(rootSpanOf(root)));
    await until(() => exporter.stats.followUps.assessmentsCreated === 4);
    const assessments = byName((await storedTrace(traceId))!.assessments);
    expect(assessments['cost']).toMatchObject({ source: { source_id: 'tokenmeter-test' }, feedback: { value: 0.25 } });
  });

  /**
   * MLflow behind a TLS-terminating proxy, as behind an ingress: an exporter with the `refused` TLS settings gets
   * nothing through (refused in the handshake), one with the `accepted` settings has its spans and feedback stored.
   */
  async function throughIngress(experimentName: string, ingressTls: Parameters<typeof startProxy>[2], refused: Record<string, string>, accepted: Record<string, string>) {
    const experimentId = await createUniqueExperiment(mlflowUrl, experimentName);
    const ingress = await startProxy(mlflowUrl, () => 0, ingressTls);
    try {
      const refusedExporter = await startExporter(experimentId, {
        tracking_uri: ingress.url,
        tls: refused,
        retry_on_failure: { initial_interval: '50ms', max_interval: '100ms', max_elapsed_time: '300ms' },
      });
      await refusedExporter.consume(makeRequest(enrichedRoot({ cost: 0.5, input: 1, output: 1, providers: ['openai'] })));
      await until(() => refusedExporter.stats.failed.batches === 1);
      expect(ingress.statuses).toHaveLength(0);

      const acceptedExporter = await startExporter(experimentId, { tracking_uri: ingress.url, tls: accepted });
      const root = enrichedRoot({ cost: 0.125, input: 3, output: 4, providers: ['openai'] });
      await acceptedExporter.consume(makeRequest(root));
      await until(() => acceptedExporter.stats.followUps.sent === 1);
      expect(byName((await storedTrace(`tr-${hex(root.traceId)}`))!.assessments)['cost_usd']?.feedback.value).toBe(0.125);
    } finally {
      await ingress.close();
    }
  }

  it('reaches an https MLflow whose certificate a private CA signed once tls.ca_file names that CA', async () => {
    const { certFile, keyFile } = makeSelfSignedCert('tokenmeter-mlflow-tls-');
    await throughIngress('exporter-tls', { certFile, keyFile }, {}, { ca_file: certFile });
  });

  it('reaches an https MLflow behind an ingress asking for client certificates once tls.cert_file and key_file present one', async () => {
    const server = makeSelfSignedCert('tokenmeter-mlflow-mtls-server-');
    const client = makeSelfSignedCert('tokenmeter-mlflow-mtls-client-');
    await throughIngress(
      'exporter-mtls',
      { certFile: server.certFile, keyFile: server.keyFile, clientCaFile: client.certFile },
      { ca_file: server.certFile },
      { ca_file: server.certFile, cert_file: client.certFile, key_file: client.keyFile },
    );
  });

  it('names tls.ca_file and its path when the file cannot be read, and refuses one for a plaintext tracking_uri or half a client pair', () => {
    const plaintext = mlflowExporterConfigSchema.safeParse({ tracking_uri: 'http://mlflow:5000', tls: { ca_file: '/etc/ca.pem' } });
    expect(plaintext.error?.issues).toMatchObject([{ path: ['tls', 'ca_file'], message: 'expected nothing: the http:// endpoint asks for plaintext (write https:// for TLS)' }]);
    const halfPair = mlflowExporterConfigSchema.safeParse({ tracking_uri: 'https://mlflow', tls: { cert_file: '/etc/client.pem' } });
    expect(halfPair.error?.issues).toMatchObject([{ path: ['tls', 'key_file'], message: 'expected the PEM file of the client key: cert_file is set (mutual TLS needs both)' }]);
    const unreadable = (() => {
      try {
        new MlflowExporter(mlflowExporterConfigSchema.parse({ tracking_uri: 'https://mlflow.example', tls: { ca_file: '/nonexistent/ca.pem' } }), silentLogger());
      } catch (error) {
        return error as Error & { cause?: { code?: string } };
      }
    })();
    expect(unreadable?.message).toBe('cannot read tls.ca_file /nonexistent/ca.pem');
    expect(unreadable?.cause?.code).toBe('ENOENT');
  });

  it('keeps the feedback of a follow-up in flight when the root comes again without it', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-feedback-in-flight');
    // MLflow's answer to the first tag request (404: it has not stored the trace yet) is held back two seconds.
    let tagAnswers = 0;
    const proxy = await startProxy(mlflowUrl, (method, path) => (method === 'PATCH' && path.endsWith('/tags') && tagAnswers++ === 0 ? 2_000 : 0));
    try {
      const exporter = await startExporter(experimentId, { tracking_uri: proxy.url });
      const root = enrichedRoot({ cost: 0.375, input: 30, output: 7, providers: ['openai'] });
      exporter['followUps'].enqueue(followUpsOf(makeRequest(root)));
      await until(() => tagAnswers === 1);
      // While that follow-up is in flight, the root arrives plain (as from a pipeline without trace assembly): its
      // follow-up has a tag to set and no feedback. The one in flight fails; the feedback must not go with it.
      await exporter.consume(makeRequest(rootSpanOf(root)));
      await until(() => exporter.stats.followUps.sent === 1);
      expect(exporter.stats.followUps.retries).toBe(0);
      const assessments = byName((await storedTrace(`tr-${hex(root.traceId)}`))!.assessments);
      expect(assessments['cost_usd']?.feedback.value).toBe(0.375);
      expect(assessments['total_tokens']?.feedback.value).toBe(37);
    } finally {
      await proxy.close();
    }
  });

  it('reports its follow-ups as metrics: waiting until MLflow stores them, then sent, dropped past the queue or failed', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-feedback-metrics');
    const exporter = await startExporter(experimentId, {
      feedback: { queue_size: 2 },
      retry_on_failure: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '3s' },
    });
    const telemetry = new Telemetry();
    telemetry.meterExporter('mlflow/metrics', exporter);
    const metric = async (name: string, labels: string): Promise<number | undefined> => {
      const line = new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(await telemetry.registry.metrics());
      return line === null ? undefined : Number(line[1]);
    };
    const waiting = () => metric('tokenmeter_exporter_feedback_waiting_traces', 'exporter="mlflow/metrics"');
    const outcome = (name: string) => metric('tokenmeter_exporter_feedback_total', `exporter="mlflow/metrics",outcome="${name}"`);

    // Three roots MLflow does not have yet, as when batches are committed after their answer: the queue takes two.
    const [stored, neverStored, third] = [0, 1, 2].map(() => enrichedRoot({ cost: 0.1, input: 1, output: 1, providers: ['openai'] })) as [Span, Span, Span];
    exporter['followUps'].enqueue(followUpsOf(makeRequest(stored, neverStored, third)));
    await until(() => exporter.stats.followUps.retries >= 2);
    expect(await waiting()).toBe(2);
    expect(await outcome('dropped')).toBe(1);
    expect(await outcome('sent')).toBe(0);

    await exporter.consume(makeRequest(rootSpanOf(stored)));
    await until(() => exporter.stats.followUps.sent === 1);
    expect(await waiting()).toBe(1);
    // The other is retried until retry_on_failure.max_elapsed_time, then given up.
    await until(() => exporter.stats.followUps.failed === 1);
    expect(await waiting()).toBe(0);
    expect([await outcome('sent'), await outcome('dropped'), await outcome('failed')]).toEqual([1, 1, 1]);
    expect(byName((await storedTrace(`tr-${hex(stored.traceId)}`))!.assessments)['cost_usd']?.feedback.value).toBe(0.1);
  });

  it('can be told to log no feedback and set no tag', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'exporter-feedback-off');
    const exporter = await startExporter(experimentId, { feedback: { enabled: false }, trace_name_tag: false });
    const root = enrichedRoot({ cost: 1, input: 1, output: 1, providers: ['openai'] });
    await exporter.consume(makeRequest(root));
    await until(() => exporter.stats.delivered.spans === 1);
    await exporter.shutdown(2000);
    const stored = (await storedTrace(`tr-${hex(root.traceId)}`))!;
    expect(stored.assessments ?? []).toHaveLength(0);
    expect(stored.tags?.['mlflow.traceName']).toBeUndefined();
    expect(exporter.stats.followUps).toMatchObject({ tagsSet: 0, assessmentsCreated: 0 });
  });
});

describe('pending follow-ups kept for a restart', () => {
  it('forgets a sent follow-up, but not a newer version of its trace queued meanwhile, even in the same millisecond', () => {
    const pending = new PendingFollowUps(Store.memory().db, 'mlflow');
    const first = { traceId: 'tr-0af7651916cd43dd8448eb211c80319c', traceName: 'workflow', feedback: undefined };
    const newer = { ...first, feedback: { costUsd: 0.5, totalTokens: 3, inputTokens: 2, outputTokens: 1, rationale: '3 tokens across 1 provider(s)', metadata: {} } };
    pending.add([first], 1_000);
    pending.add([newer], 1_000);
    pending.remove(first);
    expect(pending.all()).toEqual([newer]);
    pending.remove(newer);
    expect(pending.all()).toEqual([]);
  });
});

const CHILD_USAGE = { input_tokens: 10, output_tokens: 5, total_tokens: 15 };

/** The root and a child LLM span whose token usage MLflow adds to the trace's totals on every delivery. */
function withCountedChild(root: Span): [Span, Span] {
  const child = makeSpan({
    traceId: root.traceId,
    spanId: Uint8Array.from([9, 9, 9, 9, 9, 9, 9, root.spanId[7]!]),
    parentSpanId: root.spanId,
    name: 'ChatOpenAI',
    startTimeUnixNano: root.startTimeUnixNano,
    endTimeUnixNano: root.endTimeUnixNano,
    attributes: [{ key: 'mlflow.chat.tokenUsage', value: stringValue(JSON.stringify(CHILD_USAGE)) }],
    status: { code: 1, message: '' },
  });
  return [root, child];
}

/**
 * A proxy in front of MLflow that forwards every request, and never passes on MLflow's answer to a POST /v1/traces
 * (uncompressed) of several traces: as with an MLflow too slow for the exporter's timeout, it stores each such request
 * and the exporter hears nothing.
 */
async function startManyTracesTimingOutProxy(target: string): Promise<{ url: string; heldAnswers(): number; close(): Promise<void> }> {
  let held = 0;
  const proxy = await startInterceptingProxy(target, (method, path, body) => {
    if (method !== 'POST' || path !== '/v1/traces' || traceCount(decodeTracesProtobuf(body)) < 2) return 'forward';
    held++;
    return 'hold';
  });
  return { ...proxy, heldAnswers: () => held };
}

/**
 * A proxy in front of MLflow that forwards each request, and then passes on MLflow's answer, or withholds it
 * (`hold`), or answers in MLflow's place without forwarding (`{ status, text }`), as `intercept` says.
 */
async function startInterceptingProxy(
  target: string,
  intercept: (method: string | undefined, path: string | undefined, body: Buffer) => 'forward' | 'hold' | { status: number; text: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = intercept(incoming.method, incoming.url, body);
      if (typeof action === 'object') return void outgoing.writeHead(action.status, { 'content-type': 'application/json' }).end(action.text);
      const forwarded = request({ hostname, port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
        const answerChunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
        answer.on('end', () => {
          if (action === 'hold') return;
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          outgoing.end(Buffer.concat(answerChunks));
        });
      });
      forwarded.on('error', () => outgoing.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same span without tokenmeter's enrichment: what MLflow stores first. */
function rootSpanOf(span: Span): Span {
  return { ...span, attributes: [] };
}
