import type { ExporterFactory } from '../../pipeline/component.js';
import { ledgerExporterConfigSchema } from './config.js';
import type { LedgerExporterConfig } from './config.js';
import { LedgerExporter } from './exporter.js';

export const ledgerExporterFactory: ExporterFactory<LedgerExporterConfig> = {
  type: 'ledger',
  configSchema: ledgerExporterConfigSchema,
  create: (config, context) => new LedgerExporter(config, context.logger),
};
