import { z } from 'zod';
import { durationMs, positiveDurationMs } from '../../config/units.js';

/**
 * The OpenTelemetry Collector's `memory_limiter` settings, under the same names, so that a Collector config carries
 * over. A limit is either absolute (`limit_mib`, `spike_limit_mib`) or a share of the memory this process may use
 * (`limit_percentage`, `spike_limit_percentage`), not a mix. The Collector requires a limit; here the default is 80%
 * so that the embedded default pipeline is protected too. The spike defaults to a fifth of the limit, as there.
 */
export const memoryLimiterConfigSchema = z
  .object({
    /** How often memory is measured; a reading holds until the next. */
    check_interval: positiveDurationMs.prefault('1s'),
    limit_mib: z.number().int().positive().optional(),
    spike_limit_mib: z.number().int().nonnegative().optional(),
    limit_percentage: z.number().int().min(1).max(100).optional(),
    spike_limit_percentage: z.number().int().min(0).max(100).optional(),
    /** Over the soft limit, a full garbage collection is run before refusing, at most this often (the Collector's key). */
    min_gc_interval_when_soft_limited: durationMs.prefault('10s'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const absolute = config.limit_mib !== undefined || config.spike_limit_mib !== undefined;
    const relative = config.limit_percentage !== undefined || config.spike_limit_percentage !== undefined;
    if (absolute && relative) {
      const key = config.limit_percentage !== undefined ? 'limit_percentage' : 'spike_limit_percentage';
      ctx.addIssue({ code: 'custom', path: [key], message: 'expected nothing: limits are set in MiB (limit_mib, spike_limit_mib) or in percent, not both' });
      return;
    }
    if (config.spike_limit_mib !== undefined && config.limit_mib === undefined) {
      ctx.addIssue({ code: 'custom', path: ['limit_mib'], message: 'expected a number of MiB: spike_limit_mib is set, so the limit is in MiB too' });
    }
    if (config.spike_limit_mib !== undefined && config.limit_mib !== undefined && config.spike_limit_mib >= config.limit_mib) {
      ctx.addIssue({ code: 'custom', path: ['spike_limit_mib'], message: `expected less than limit_mib (${config.limit_mib})` });
    }
    const limitPercentage = config.limit_percentage ?? DEFAULT_LIMIT_PERCENTAGE;
    if (config.spike_limit_percentage !== undefined && config.spike_limit_percentage >= limitPercentage) {
      ctx.addIssue({ code: 'custom', path: ['spike_limit_percentage'], message: `expected less than limit_percentage (${limitPercentage})` });
    }
  });

export type MemoryLimiterConfig = z.output<typeof memoryLimiterConfigSchema>;

const DEFAULT_LIMIT_PERCENTAGE = 80;
const MIB = 1024 * 1024;

/** The limits in bytes for a process that may use `availableBytes`. */
export interface MemoryLimits {
  /** Over this, the process is about to be killed (a container's limit) or to run out. */
  limitBytes: number;
  /** The limit less the spike: over this, data is refused until memory falls back below it. */
  softLimitBytes: number;
}

export function memoryLimits(config: MemoryLimiterConfig, availableBytes: number): MemoryLimits {
  if (config.limit_mib !== undefined) {
    const limitBytes = config.limit_mib * MIB;
    return { limitBytes, softLimitBytes: limitBytes - (config.spike_limit_mib ?? config.limit_mib / 5) * MIB };
  }
  const limitPercentage = config.limit_percentage ?? DEFAULT_LIMIT_PERCENTAGE;
  const limitBytes = (availableBytes * limitPercentage) / 100;
  const spikeBytes = config.spike_limit_percentage === undefined ? limitBytes / 5 : (availableBytes * config.spike_limit_percentage) / 100;
  return { limitBytes, softLimitBytes: limitBytes - spikeBytes };
}
