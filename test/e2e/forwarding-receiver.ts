/**
 * The far end of a forwarding exporter's e2e test: a second tokenmeter's OTLP receiver recording what it gets, and
 * what every span that went through the sidecar must carry when it arrives there.
 */
import { expect } from 'vitest';
import { findAttribute, numberOf, stringOf } from '../../src/otlp/index.js';
import type { Span } from '../../src/otlp/index.js';
import { otlpReceiverFactory } from '../../src/receivers/otlp/factory.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { RecordingConsumer } from '../fixtures/recording-consumer.js';

export interface RecordingReceiver {
  /** Every span received so far. */
  spans(): Span[];
  /** How many export requests it accepted. */
  requests(): number;
  shutdown(): Promise<void>;
}

/** An `otlp` receiver with these `protocols` (its config section), started. */
export async function startRecordingReceiver(protocols: unknown): Promise<RecordingReceiver> {
  const received = new RecordingConsumer();
  const receiver = otlpReceiverFactory.create(otlpReceiverFactory.configSchema.parse({ protocols }), { id: 'otlp', logger: silentLogger() }, received);
  await receiver.start();
  return {
    spans: () => received.received.flatMap((data) => data.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))),
    requests: () => received.received.length,
    shutdown: () => receiver.shutdown(),
  };
}

/** The model calls carry the CostEstimator's cost, the roots trace assembly's count of calls (workload.ts traces). */
export function expectPricedByTokenmeter(arrived: readonly Span[]): void {
  const calls = arrived.filter((span) => span.name === 'ChatOpenAI');
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    const cost = JSON.parse(stringOf(findAttribute(call.attributes, 'mlflow.llm.cost'))!) as { total_cost: number };
    expect(cost.total_cost).toBeGreaterThan(0);
    expect(stringOf(findAttribute(call.attributes, 'tokenmeter.cost.status'))).toBe('priced');
    expect(numberOf(findAttribute(call.attributes, 'tokenmeter.cost.total_usd'))).toBeCloseTo(cost.total_cost, 12);
  }
  const roots = arrived.filter((span) => span.name === 'workflow');
  expect(roots.length).toBeGreaterThan(0);
  for (const root of roots) expect(numberOf(findAttribute(root.attributes, 'tokenmeter.llm.calls'))).toBe(2);
}
