import { ledgerExporterFactory } from './exporters/ledger/factory.js';
import { mlflowExporterFactory } from './exporters/mlflow/factory.js';
import { otlpGrpcExporterFactory } from './exporters/otlp/factory.js';
import { otlpHttpExporterFactory } from './exporters/otlphttp/factory.js';
import { costEstimatorProcessorFactory } from './processors/costestimator/factory.js';
import { memoryLimiterProcessorFactory } from './processors/memorylimiter/factory.js';
import { traceAssemblyProcessorFactory } from './processors/traceassembly/factory.js';
import type { ExporterFactory, ProcessorFactory, ReceiverFactory } from './pipeline/component.js';
import { otlpReceiverFactory } from './receivers/otlp/factory.js';

/** Every component type a config can name, by kind. Adding a component means adding its factory here. */
export interface ComponentRegistry {
  receivers: Record<string, ReceiverFactory<never>>;
  processors: Record<string, ProcessorFactory<never>>;
  exporters: Record<string, ExporterFactory<never>>;
}

export const components: ComponentRegistry = {
  receivers: { [otlpReceiverFactory.type]: otlpReceiverFactory as ReceiverFactory<never> },
  // Order matters: the embedded default pipeline runs processors in this order. The memory limiter comes first, as
  // the Collector advises; trace assembly sums what the CostEstimator wrote.
  processors: {
    [memoryLimiterProcessorFactory.type]: memoryLimiterProcessorFactory as ProcessorFactory<never>,
    [costEstimatorProcessorFactory.type]: costEstimatorProcessorFactory as ProcessorFactory<never>,
    [traceAssemblyProcessorFactory.type]: traceAssemblyProcessorFactory as ProcessorFactory<never>,
  },
  exporters: {
    [mlflowExporterFactory.type]: mlflowExporterFactory as ExporterFactory<never>,
    [ledgerExporterFactory.type]: ledgerExporterFactory as ExporterFactory<never>,
    [otlpHttpExporterFactory.type]: otlpHttpExporterFactory as ExporterFactory<never>,
    [otlpGrpcExporterFactory.type]: otlpGrpcExporterFactory as ExporterFactory<never>,
  },
};
