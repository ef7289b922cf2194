import type { ExporterFactory } from '../../pipeline/component.js';
import { mlflowExporterConfigSchema } from './config.js';
import type { MlflowExporterConfig } from './config.js';
import { MlflowExporter } from './exporter.js';

export const mlflowExporterFactory: ExporterFactory<MlflowExporterConfig> = {
  type: 'mlflow',
  configSchema: mlflowExporterConfigSchema,
  create: (config, context) => new MlflowExporter(config, context.logger, context.store && { store: context.store, id: context.id }),
};
