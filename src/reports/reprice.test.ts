import { describe, expect, it } from 'vitest';
import { mlflowExporterConfigSchema } from '../exporters/mlflow/config.js';
import { makeSpan } from '../recognition/testSpans.js';
import type { AssessmentJson } from './mlflow/wire.js';
import type { PricedCall } from './priceTrace.js';
import { plannedChange } from './reprice.js';
import type { ReportTrace } from './trace.js';

const cost = (id: string, value: unknown, extra: Partial<AssessmentJson> = {}): AssessmentJson => ({
  assessment_id: id,
  assessment_name: 'cost_usd',
  source: { source_type: 'CODE', source_id: 'cost_estimator' },
  feedback: { value },
  valid: true,
  create_time: '2026-11-29T00:00:00Z',
  ...extra,
});

const settings = mlflowExporterConfigSchema.parse({}).feedback;

function trace(assessments: AssessmentJson[], spans = [makeSpan({ name: 'wf', attributes: [] })]): ReportTrace {
  return { storedId: 'tr-1', traceId: 'tr-1', state: 'OK', startMs: 0, durationMs: 0, workflow: 'wf', tags: {}, assessments, spans };
}

const calls = (...costs: (number | undefined)[]): PricedCall[] =>
  costs.map((costUsd) => ({ costUsd } as PricedCall));

describe('plannedChange', () => {
  it('compares with the valid assessment of our source, ignoring overridden ones and other sources', () => {
    const assessments = [
      cost('a-old', 0.5, { valid: false }),
      cost('a-human', 9, { source: { source_type: 'HUMAN', source_id: 'alice' } }),
      cost('a-now', 0.3),
    ];
    const change = plannedChange(trace(assessments), calls(0.1, 0.25, undefined), settings);
    expect(change).toMatchObject({ oldUsd: 0.3, newUsd: 0.35, deltaUsd: 0.05, calls: 3, unpricedCalls: 1 });
    expect(change?.current?.assessment_id).toBe('a-now');
  });

  it('sees no change when the assessment holds today\'s price, float noise and long-decimal text included', () => {
    expect(plannedChange(trace([cost('a', 0.3)]), calls(0.1, 0.2), settings)).toBeUndefined();
    expect(plannedChange(trace([cost('a', '0.000123456789012')]), calls(0.000123456789012), settings)).toBeUndefined();
  });

  it('plans a first assessment for a priced trace without one, and nothing for a trace without calls', () => {
    expect(plannedChange(trace([]), calls(0.2), settings)).toMatchObject({ oldUsd: undefined, newUsd: 0.2, deltaUsd: 0.2 });
    expect(plannedChange(trace([]), [], settings)).toBeUndefined();
  });

  it('leaves a trace whose root has not arrived to the exporter, which assesses it first when the root comes', () => {
    expect(plannedChange(trace([], [makeSpan({ parent: 'root', attributes: [] })]), calls(0.2), settings)).toBeUndefined();
  });
});
