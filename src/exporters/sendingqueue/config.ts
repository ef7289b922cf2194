/**
 * The config sections every queued exporter shares, as in the Collector's exporterhelper: the same keys, defaults
 * and error messages for MLflow and any OTLP endpoint.
 */
import { z } from 'zod';
import { byteSize, durationMs } from '../../config/units.js';

export const sendingQueueConfigSchema = z
  .object({
    /** Batches waiting while the destination is slow or down; past it, receivers answer 429 so apps retry. */
    queue_size: z.number().int().positive().default(1000),
    /** Encoded bytes held (waiting or being sent); past it, receivers answer 429 too. */
    max_bytes: byteSize.prefault('256MiB'),
    num_consumers: z.number().int().positive().default(2),
  })
  .strict()
  .prefault({});

export const retryOnFailureConfigSchema = z
  .object({
    initial_interval: durationMs.prefault('1s'),
    max_interval: durationMs.prefault('30s'),
    /** How long one batch is retried (from its first attempt) before it goes to the dead letters. */
    max_elapsed_time: durationMs.prefault('5m'),
  })
  .strict()
  .prefault({});

export type SendingQueueConfig = z.output<typeof sendingQueueConfigSchema>;
export type RetryOnFailureConfig = z.output<typeof retryOnFailureConfigSchema>;
