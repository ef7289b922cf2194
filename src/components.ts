import { mlflowExporterFactory } from './exporters/mlflow/factory.js';
import { costEstimatorProcessorFactory } from './processors/costestimator/factory.js';
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
  processors: { [costEstimatorProcessorFactory.type]: costEstimatorProcessorFactory as ProcessorFactory<never> },
  exporters: { [mlflowExporterFactory.type]: mlflowExporterFactory as ExporterFactory<never> },
};
