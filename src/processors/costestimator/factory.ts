import type { ProcessorFactory } from '../../pipeline/component.js';
import { costEstimatorConfigSchema } from './config.js';
import type { CostEstimatorConfig } from './config.js';
import { CostEstimatorProcessor } from './processor.js';
import { CallMemoryStore } from './store.js';

export const costEstimatorProcessorFactory: ProcessorFactory<CostEstimatorConfig> = {
  type: 'costestimator',
  configSchema: costEstimatorConfigSchema as never,
  create: (config, context, next) =>
    new CostEstimatorProcessor(config, next, {
      // With `storage.mode: memory` nothing survives a restart anyway.
      store: context.store?.durable === true ? new CallMemoryStore(context.store, context.id) : undefined,
      logger: context.logger,
    }),
};
