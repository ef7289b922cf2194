import { MLFLOW_EXPERIMENT_RESOURCE_ATTRIBUTE } from '../../contract/attributes.js';
import { setAttribute, stringValue } from '../../otlp/model.js';
import type { PartialSuccess, TracesData } from '../../otlp/model.js';
import { PipelineError } from '../../pipeline/consumer.js';
import type { TracesConsumer } from '../../pipeline/consumer.js';
import { telemetry } from '../../telemetry/metrics.js';
import { rejectInvalidSpans } from './validate.js';

/** What a transport answers for an Export call: success (possibly partial) or a classified failure. */
export type ExportOutcome =
  | { ok: true; partialSuccess: PartialSuccess | undefined }
  | { ok: false; error: PipelineError };

/**
 * The request header (gRPC metadata key) naming the MLflow experiment of a request's spans: what an app sending to
 * MLflow's own OTLP endpoint sets (`OTEL_EXPORTER_OTLP_TRACES_HEADERS=x-mlflow-experiment-id=…`), kept when it is
 * pointed at tokenmeter instead.
 */
export const EXPERIMENT_HEADER = 'x-mlflow-experiment-id';

/** The experiment id a request's header gives: undefined without one; a message naming the problem for a value that is none. */
export function requestExperiment(value: string | undefined): { id: string | undefined } | { problem: string } {
  if (value === undefined || value === '') return { id: undefined };
  const id = value.trim();
  return /^\d+$/.test(id) ? { id } : { problem: `${EXPERIMENT_HEADER}: got ${JSON.stringify(value)}, expected an MLflow experiment id (digits)` };
}

/**
 * The transport-independent part of an OTLP Export: drop the spans that can never be accepted (reported as a
 * partial success, so the client does not retry them), mark the spans with the experiment the request names, hand
 * them to the pipeline, classify failures.
 */
export async function handleExport(data: TracesData, next: TracesConsumer, experimentId?: string): Promise<ExportOutcome> {
  if (experimentId !== undefined) markExperiment(data, experimentId);
  const rejection = rejectInvalidSpans(data);
  if (rejection !== undefined) telemetry.spansRefused('otlp', rejection.rejectedSpans, 'invalid');
  try {
    await next.consume(data);
  } catch (error) {
    return { ok: false, error: toPipelineError(error) };
  }
  return { ok: true, partialSuccess: rejection };
}

/**
 * On each resource, so that it stays with the spans however the pipeline regroups them (trace assembly holds roots,
 * across a restart too).
 */
function markExperiment(data: TracesData, experimentId: string): void {
  for (const resourceSpans of data.resourceSpans) {
    resourceSpans.resource ??= { attributes: [], droppedAttributesCount: 0, entityRefs: [] };
    setAttribute(resourceSpans.resource, MLFLOW_EXPERIMENT_RESOURCE_ATTRIBUTE, stringValue(experimentId));
  }
}

/**
 * A failure without a classification is treated as temporary (as the Collector does): the client keeps the data
 * and retries, rather than losing it to what may be a passing fault.
 */
function toPipelineError(error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PipelineError(`pipeline failed: ${message}`, 'unavailable', 1);
}
