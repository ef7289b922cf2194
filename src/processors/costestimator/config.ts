import { z } from 'zod';
import { positiveDurationMs } from '../../config/units.js';
import { pricingConfigSchema } from '../../pricing/index.js';

/** snake_case keys like the rest of the config; strict, so a misspelt key is an error rather than a silent default. */
export const costEstimatorConfigSchema = z
  .object({
    pricing: pricingConfigSchema.prefault({}),
    /** Traces whose model calls are remembered for de-duplication across batches; the least recently seen is forgotten first. */
    max_open_traces: z.number().int().min(1).default(10_000),
    /**
     * How often that memory is saved to durable storage while running (it is saved at shutdown too), so that after a
     * crash the memory of this long ago comes back rather than none.
     */
    checkpoint_interval: positiveDurationMs.prefault('10s'),
  })
  .strict();

export type CostEstimatorConfig = z.input<typeof costEstimatorConfigSchema>;
