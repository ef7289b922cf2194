/**
 * Who owns a trace's cost assessment once `tokenmeter reprice --write` has overridden it, against the real MLflow
 * server: the exporter's later update (a late span re-sent the root with new numbers) leaves the overridden
 * assessment and its overrider alone, and still updates the token assessments nobody overrode.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makeRequest, makeSpan } from '../../../test/fixtures/spans.js';
import { createUniqueExperiment, getTrace } from '../../../test/harness/mlflow-client.js';
import { encodeTracesProtobuf } from '../../otlp/index.js';
import type { Span } from '../../otlp/index.js';
import { silentLogger } from '../../telemetry/logger.js';
import { MlflowClient } from './client.js';
import { mlflowExporterConfigSchema } from './config.js';
import { FollowUpSender } from './followup-sender.js';
import { assessmentId } from './trace-followups.js';
import type { TraceFeedback } from './trace-followups.js';

const mlflowUrl = inject('mlflowUrl');

const senders: FollowUpSender[] = [];
afterEach(async () => {
  for (const sender of senders.splice(0)) await sender.shutdown(1000);
});

function rootSpan(traceId: Uint8Array): Span {
  const now = BigInt(Date.now()) * 1_000_000n;
  return makeSpan({
    traceId,
    spanId: Uint8Array.from([9, 8, 7, 6, 5, 4, 3, 2]),
    flags: 1,
    name: 'checkout',
    startTimeUnixNano: now,
    endTimeUnixNano: now + 5_000_000n,
    status: { code: 1, message: '' },
  });
}

const randomTraceId = (): Uint8Array => Uint8Array.from({ length: 16 }, () => Math.floor(Math.random() * 256));
const mlflowTraceId = (traceId: Uint8Array): string => `tr-${Buffer.from(traceId).toString('hex')}`;

async function storeTrace(experimentId: string, traceId = randomTraceId()): Promise<string> {
  const body = encodeTracesProtobuf(makeRequest(rootSpan(traceId)));
  const response = await fetch(`${mlflowUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'x-mlflow-experiment-id': experimentId },
    body,
  });
  expect(response.status).toBe(200);
  return mlflowTraceId(traceId);
}

function feedback(costUsd: number, inputTokens: number, outputTokens: number): TraceFeedback {
  const totalTokens = inputTokens + outputTokens;
  return { costUsd, totalTokens, inputTokens, outputTokens, rationale: `${totalTokens} tokens across 1 provider(s)`, metadata: { llm_calls: '1' } };
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface StoredAssessment {
  assessment_id: string;
  assessment_name: string;
  valid?: boolean;
  overrides?: string;
  feedback?: { value?: number };
}

describe('feedback after a reprice overrode the cost', () => {
  it('leaves the overridden cost assessment and its overrider alone, and still updates the token assessments', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'followups');
    const traceId = await storeTrace(experimentId);
    const config = mlflowExporterConfigSchema.parse({ tracking_uri: mlflowUrl, experiment_id: experimentId, retry_on_failure: { initial_interval: '50ms' } });
    const client = new MlflowClient(mlflowUrl, 10_000);
    const sender = new FollowUpSender(client, config, silentLogger());
    senders.push(sender);
    sender.start();

    sender.enqueue([{ traceId, traceName: 'checkout', feedback: feedback(0.001, 1000, 100) }]);
    await until(() => sender.stats.assessmentsCreated === 4);

    // What `tokenmeter reprice --write` does: a new cost assessment overriding the exporter's.
    const costId = assessmentId(traceId, 'cost_estimator', 'cost_usd');
    const repriced = await client.json<{ assessment: StoredAssessment }>('POST', `/api/3.0/mlflow/traces/${traceId}/assessments`, {
      assessment: { assessment_name: 'cost_usd', trace_id: traceId, source: { source_type: 'CODE', source_id: 'cost_estimator' }, feedback: { value: 0.0042 }, overrides: costId },
    });

    // A late span: trace assembly re-sends the root with more tokens and a higher cost at the pipeline's prices.
    sender.enqueue([{ traceId, traceName: 'checkout', feedback: feedback(0.002, 2000, 150) }]);
    await until(() => sender.stats.assessmentsUpdated + sender.stats.assessmentsLeftOverridden === 3 + 1);
    expect(sender.stats).toMatchObject({ assessmentsUpdated: 3, assessmentsLeftOverridden: 1, failed: 0 });

    const assessments = ((await getTrace(mlflowUrl, traceId))!.trace_info as unknown as { assessments: StoredAssessment[] }).assessments;
    const byId = new Map(assessments.map((assessment) => [assessment.assessment_id, assessment]));
    // History stays as MLflow shows it: the exporter's value replaced, reprice's value current.
    expect(byId.get(costId)).toMatchObject({ valid: false, feedback: { value: 0.001 } });
    expect(byId.get(repriced.assessment.assessment_id)).toMatchObject({ valid: true, overrides: costId, feedback: { value: 0.0042 } });
    expect(assessments.filter((assessment) => assessment.assessment_name === 'cost_usd' && assessment.valid !== false)).toHaveLength(1);
    // Token counts are facts nobody overrode: they follow the late span.
    expect(byId.get(assessmentId(traceId, 'cost_estimator', 'total_tokens'))?.feedback?.value).toBe(2150);
    expect(byId.get(assessmentId(traceId, 'cost_estimator', 'input_tokens'))?.feedback?.value).toBe(2000);
  });
});

describe('retry_on_failure.max_elapsed_time: 0', () => {
  it('retries a trace\'s feedback without limit, as the queue retries batches, until MLflow has the trace', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'followups-unlimited');
    const id = randomTraceId();
    const config = mlflowExporterConfigSchema.parse({
      tracking_uri: mlflowUrl,
      experiment_id: experimentId,
      retry_on_failure: { initial_interval: '50ms', max_interval: '100ms', max_elapsed_time: 0 },
    });
    const sender = new FollowUpSender(new MlflowClient(mlflowUrl, 10_000), config, silentLogger());
    senders.push(sender);
    sender.start();

    // MLflow does not have the trace yet (its batch is still on the way): the feedback is refused, and retried.
    sender.enqueue([{ traceId: mlflowTraceId(id), traceName: 'checkout', feedback: feedback(0.001, 1000, 100) }]);
    await until(() => sender.stats.retries >= 3 || sender.stats.failed > 0);
    expect(sender.stats.failed).toBe(0);
    await storeTrace(experimentId, id);
    await until(() => sender.stats.assessmentsCreated === 4);
    expect(sender.stats.failed).toBe(0);
  });
});
