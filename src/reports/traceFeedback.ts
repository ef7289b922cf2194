/**
 * A stored trace's feedback exactly as the exporter logs it, for `reprice` to write a trace's first assessments or
 * refresh the breakdown beside a new cost. The trace, already priced by the TracePricer, goes through the pipeline's
 * own trace assembly, which enriches its root as it would in flight; the exporter's own reader then takes the numbers
 * off that root. Nothing here computes a total or a breakdown itself.
 */
import type { TracesData } from '../otlp/index.js';
import { followUpsOf } from '../exporters/mlflow/trace-followups.js';
import type { TraceFeedback } from '../exporters/mlflow/trace-followups.js';
import { TraceAssemblyProcessor, traceAssemblyConfigSchema } from '../processors/traceassembly/index.js';
import { silentLogger } from '../telemetry/logger.js';
import { traceBatch } from './trace.js';
import type { ReportTrace } from './trace.js';

/** Undefined for a trace whose root has not arrived: the exporter does not assess it either. */
export async function assembledFeedback(trace: ReportTrace): Promise<TraceFeedback | undefined> {
  const forwarded: TracesData[] = [];
  const assembly = new TraceAssemblyProcessor(traceAssemblyConfigSchema.parse({}), { consume: async (data) => void forwarded.push(data) }, silentLogger());
  await assembly.consume(traceBatch(trace));
  // Stopping forwards the held root, enriched, without waiting for root_wait.
  await assembly.shutdown();
  return forwarded.flatMap(followUpsOf).find((followUp) => followUp.feedback !== undefined)?.feedback;
}
