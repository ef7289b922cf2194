// The memory limiter: refuses requests, retryably, while the process is over its soft memory limit.
export { MemoryLimiterProcessor } from './processor.js';
export type { MemorySource } from './processor.js';
export { memoryLimiterProcessorFactory } from './factory.js';
export { memoryLimiterConfigSchema, memoryLimits } from './config.js';
export type { MemoryLimiterConfig, MemoryLimits } from './config.js';
