import type { ExporterFactory } from '../../pipeline/component.js';
import { otlpGrpcExporterConfigSchema } from './config.js';
import type { OtlpGrpcExporterConfig } from './config.js';
import { createOtlpGrpcExporter } from './exporter.js';

/** The Collector's `otlp` exporter: OTLP over gRPC (`otlp/tempo`, …), beside `otlphttp`. */
export const otlpGrpcExporterFactory: ExporterFactory<OtlpGrpcExporterConfig> = {
  type: 'otlp',
  configSchema: otlpGrpcExporterConfigSchema,
  create: (config, context) => createOtlpGrpcExporter(config, context.logger, context.store && { store: context.store, id: context.id }),
};
