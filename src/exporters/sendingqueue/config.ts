/**
 * The config sections every queued exporter shares, as in the Collector's exporterhelper: the same keys, defaults
 * and error messages for MLflow and any OTLP endpoint.
 */
import { z } from 'zod';
import { byteSize, durationMs, positiveDurationMs } from '../../config/units.js';
import type { RequestLimit } from '../../otlp/index.js';

export const sendingQueueKeys = {
  /** Batches waiting while the destination is slow or down; past it, receivers answer 429 so apps retry. */
  queue_size: z.number().int().positive().default(1000),
  /** Encoded bytes held (waiting or being sent); past it, receivers answer 429 too. */
  max_bytes: byteSize.prefault('256MiB'),
  num_consumers: z.number().int().positive().default(2),
  /**
   * Bodies the dead letters keep for `tokenmeter dlq replay` (storage on disk only); past it, the oldest are dropped.
   * Without a bound, a destination refusing every batch (a wrong token) would fill the disk.
   */
  dead_letters: z.object({ max_bytes: byteSize.prefault('64MiB') }).strict().prefault({}),
};

export const sendingQueueConfigSchema = z.object(sendingQueueKeys).strict().prefault({});

/**
 * How many spans (`sizer: items`) or encoded bytes (`sizer: bytes`) one request to the destination may carry; a
 * larger batch is sent as several, 0 is no limit. The Collector's `sending_queue.batch` keys, without its merging of
 * small batches (`min_size`, `flush_timeout`), which tokenmeter does not do.
 */
export const requestLimitKeys = (defaults: RequestLimit) => ({
  sizer: z.enum(['items', 'bytes']).default(defaults.sizer),
  max_size: z.number().int().nonnegative().default(defaults.max_size),
});

/** The sending queue of an exporter that splits batches into requests of a bounded size (the OTLP exporters). */
export const splittingSendingQueueConfigSchema = (defaults: RequestLimit) =>
  z
    .object({ ...sendingQueueKeys, batch: z.object(requestLimitKeys(defaults)).strict().prefault({}) })
    .strict()
    .prefault({});

export const retryOnFailureConfigSchema = z
  .object({
    initial_interval: positiveDurationMs.prefault('1s'),
    max_interval: positiveDurationMs.prefault('30s'),
    /** How long one batch is retried (from its first attempt) before it goes to the dead letters; 0: no limit (see retriedTooLong). */
    max_elapsed_time: durationMs.prefault('5m'),
  })
  .strict()
  .prefault({});

/**
 * Whether something first tried `elapsedMs` ago has used up `max_elapsed_time`. 0 is no limit, as in the Collector's
 * exporterhelper, where it means retrying never stops: read as a limit, it would give up at the first failure.
 */
export const retriedTooLong = (retry: RetryOnFailureConfig, elapsedMs: number): boolean => retry.max_elapsed_time > 0 && elapsedMs >= retry.max_elapsed_time;

export type SendingQueueConfig = z.output<typeof sendingQueueConfigSchema>;
export type RetryOnFailureConfig = z.output<typeof retryOnFailureConfigSchema>;
