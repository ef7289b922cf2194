import type { ProcessorFactory } from '../../pipeline/component.js';
import { memoryLimiterConfigSchema } from './config.js';
import type { MemoryLimiterConfig } from './config.js';
import { MemoryLimiterProcessor } from './processor.js';

export const memoryLimiterProcessorFactory: ProcessorFactory<MemoryLimiterConfig> = {
  // The Collector's name, so that its configs carry over.
  type: 'memory_limiter',
  configSchema: memoryLimiterConfigSchema as never,
  create: (config, context, next) => new MemoryLimiterProcessor(config, next, context.logger),
};
