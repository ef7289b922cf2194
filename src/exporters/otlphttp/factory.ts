import type { ExporterFactory } from '../../pipeline/component.js';
import { otlpHttpExporterConfigSchema } from './config.js';
import type { OtlpHttpExporterConfig } from './config.js';
import { createOtlpHttpExporter } from './exporter.js';

export const otlpHttpExporterFactory: ExporterFactory<OtlpHttpExporterConfig> = {
  type: 'otlphttp',
  configSchema: otlpHttpExporterConfigSchema,
  create: (config, context) => createOtlpHttpExporter(config, context.logger, context.store && { store: context.store, id: context.id }),
};
