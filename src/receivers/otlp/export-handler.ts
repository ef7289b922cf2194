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
 * The transport-independent part of an OTLP Export: drop the spans that can never be accepted (reported as a
 * partial success, so the client does not retry them), hand the rest to the pipeline, classify failures.
 */
export async function handleExport(data: TracesData, next: TracesConsumer): Promise<ExportOutcome> {
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
 * A failure without a classification is treated as temporary (as the Collector does): the client keeps the data
 * and retries, rather than losing it to what may be a passing fault.
 */
function toPipelineError(error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PipelineError(`pipeline failed: ${message}`, 'unavailable', 1);
}
