import { afterEach, describe, expect, inject, it } from 'vitest';
import { createUniqueExperiment, getTrace } from '../../../test/harness/mlflow-client.js';
import { getFreePort } from '../../../test/harness/mlflow-server.js';
import { stringValue } from '../../otlp/model.js';
import type { Span, TracesData } from '../../otlp/model.js';
import { silentLogger } from '../../telemetry/logger.js';
import { mlflowExporterConfigSchema } from './config.js';
import { MlflowExporter } from './exporter.js';
import { applyMlflowWireFixes } from './wire-fixes.js';

const mlflowUrl = inject('mlflowUrl');

let nextId = 1;
function rootSpan(attributes: Span['attributes'] = []): Span {
  const traceId = new Uint8Array(16);
  new DataView(traceId.buffer).setUint32(12, nextId++);
  traceId[0] = 0xab;
  return {
    traceId,
    spanId: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, nextId & 0xff]),
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 1,
    name: 'workflow',
    kind: 1,
    startTimeUnixNano: BigInt(Date.now()) * 1_000_000n,
    endTimeUnixNano: BigInt(Date.now() + 5) * 1_000_000n,
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 1, message: '' },
  };
}

const batch = (...spans: Span[]): TracesData => ({
  resourceSpans: [{ resource: undefined, scopeSpans: [{ scope: undefined, spans, schemaUrl: '' }], schemaUrl: '' }],
});

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('MLflow wire fixes', () => {
  it('drops mlflow.traceRequestId and unquotes mlflow.spanType, leaving other attributes alone', () => {
    const span = rootSpan([
      { key: 'mlflow.traceRequestId', value: stringValue('"tr-abc"') },
      { key: 'mlflow.spanType', value: stringValue('"CHAT_MODEL"') },
      { key: 'mlflow.spanInputs', value: stringValue('"hello"') },
    ]);
    span.raw = new Uint8Array([1]);
    applyMlflowWireFixes(batch(span));
    expect(span.attributes).toEqual([
      { key: 'mlflow.spanType', value: stringValue('CHAT_MODEL') },
      { key: 'mlflow.spanInputs', value: stringValue('"hello"') },
    ]);
    expect(span.raw).toBeUndefined();
  });

  it('leaves an already plain span type and a span without MLflow keys untouched', () => {
    const span = rootSpan([{ key: 'mlflow.spanType', value: stringValue('LLM') }]);
    const raw = new Uint8Array([1]);
    span.raw = raw;
    applyMlflowWireFixes(batch(span));
    expect(span.attributes).toEqual([{ key: 'mlflow.spanType', value: stringValue('LLM') }]);
    expect(span.raw).toBe(raw);
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
    await exporter.consume(batch(span));
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
    await exporter.consume(batch(span));
    await until(() => exporter!.stats.delivered.spans === 1);
    const trace = await getTrace(mlflowUrl, `tr-${hex(span.traceId)}`);
    expect(trace?.trace_info.trace_location?.mlflow_experiment?.experiment_id).toBe(experimentId);
  });

  it('does not retry what MLflow can never accept, and counts it as failed', async () => {
    exporter = new MlflowExporter(
      mlflowExporterConfigSchema.parse({ tracking_uri: mlflowUrl, experiment_id: '999999' }),
      silentLogger(),
    );
    await exporter.start();
    await exporter.consume(batch(rootSpan()));
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
    await exporter.consume(batch(rootSpan())); // taken by the worker, retrying
    await until(() => exporter!.stats.queued === 0);
    await exporter.consume(batch(rootSpan())); // waits in the queue
    await expect(exporter.consume(batch(rootSpan()))).rejects.toMatchObject({ kind: 'overloaded' });
    expect(exporter.stats.delivered.batches).toBe(0);
    expect(exporter.stats.failed.batches).toBe(0);
  });
});
