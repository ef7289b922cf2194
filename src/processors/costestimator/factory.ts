import type { ProcessorFactory } from '../../pipeline/component.js';
import { costEstimatorConfigSchema } from './config.js';
import type { CostEstimatorConfig } from './config.js';
import { CostEstimatorProcessor } from './processor.js';

export const costEstimatorProcessorFactory: ProcessorFactory<CostEstimatorConfig> = {
  type: 'costestimator',
  configSchema: costEstimatorConfigSchema as never,
  create: (config, _context, next) => new CostEstimatorProcessor(config, next),
};
