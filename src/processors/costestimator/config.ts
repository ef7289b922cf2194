import { z } from 'zod';
import { pricingConfigSchema } from '../../pricing/index.js';

/** snake_case keys like the rest of the config; strict, so a misspelt key is an error rather than a silent default. */
export const costEstimatorConfigSchema = z
  .object({
    pricing: pricingConfigSchema.prefault({}),
    /** Traces whose model calls are remembered for de-duplication across batches; the least recently seen is forgotten first. */
    max_open_traces: z.number().int().min(1).default(10_000),
  })
  .strict();

export type CostEstimatorConfig = z.input<typeof costEstimatorConfigSchema>;
