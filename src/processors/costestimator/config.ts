import { z } from 'zod';
import { pricingConfigSchema } from '../../pricing/index.js';

export const costEstimatorConfigSchema = z.object({
  pricing: pricingConfigSchema.prefault({}),
  /** Traces whose model calls are remembered for de-duplication across batches; the least recently seen is forgotten first. */
  maxOpenTraces: z.number().int().positive().default(10_000),
});

export type CostEstimatorConfig = z.input<typeof costEstimatorConfigSchema>;
