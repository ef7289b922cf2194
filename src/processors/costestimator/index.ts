// The CostEstimator processor: recognition of model calls, de-duplication, pricing, attributes on the wire.
export { CostEstimatorProcessor } from './processor.js';
export { costEstimatorConfigSchema } from './config.js';
export type { CostEstimatorConfig } from './config.js';
export { recognizeCallContext, recognizeSpan } from './recognize.js';
export type { LlmCall, ReportedCost } from './recognize.js';
export type { CostStatus } from './writeAttributes.js';
