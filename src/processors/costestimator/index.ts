// The CostEstimator processor: model calls recognised (src/recognition), de-duplicated, priced (src/pricing), and the
// result written on the wire.
export { CostEstimatorProcessor } from './processor.js';
export { costEstimatorConfigSchema } from './config.js';
export type { CostEstimatorConfig } from './config.js';
export type { CostStatus } from './writeAttributes.js';
