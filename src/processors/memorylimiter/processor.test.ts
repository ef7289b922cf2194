/**
 * The memory limiter's decisions, its limits and its config errors. Memory is given by a scripted source where a
 * test needs a figure (the process's own memory cannot be set to one); the last test reads the real process.
 * The whole way through a running sidecar, with real memory, is test/faults/memory-limit.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { capturedLogger, WARN } from '../../../test/fixtures/captured-logs.js';
import { ConfigError } from '../../config/errors.js';
import { validateConfig } from '../../config/load.js';
import { components } from '../../components.js';
import { PipelineError } from '../../pipeline/consumer.js';
import type { TracesData } from '../../otlp/index.js';
import { silentLogger } from '../../telemetry/logger.js';
import { memoryLimiterConfigSchema, memoryLimits } from './config.js';
import { MemoryLimiterProcessor } from './processor.js';
import type { MemorySource } from './processor.js';
import type { MemoryReading } from './memoryUsage.js';
import { collectGarbage, readProcessMemory } from './memoryUsage.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/**
 * Memory as a test sets it: `reading` is what the next check sees; a forced collection frees `garbageBytes` of it
 * (none unless set), and is counted.
 */
function scriptedMemory(availableBytes = 4 * GIB): MemorySource & { reading: MemoryReading; garbageBytes: number; collections: number } {
  return {
    reading: { rssBytes: 100 * MIB, heapUsedBytes: 50 * MIB, heapLimitBytes: 2 * GIB },
    garbageBytes: 0,
    collections: 0,
    read() {
      return { ...this.reading };
    },
    availableBytes: () => availableBytes,
    collectGarbage() {
      this.collections++;
      this.reading.rssBytes -= this.garbageBytes;
      this.reading.heapUsedBytes -= this.garbageBytes;
      this.garbageBytes = 0;
    },
  };
}

function limiter(config: Record<string, unknown>, memory: MemorySource, logger = silentLogger()) {
  const forwarded: TracesData[] = [];
  const processor = new MemoryLimiterProcessor(memoryLimiterConfigSchema.parse(config), { consume: async (data) => void forwarded.push(data) }, logger, memory);
  return { processor, forwarded };
}

describe('memory limits', () => {
  it('takes the soft limit as the limit less the spike, a fifth of the limit unless set, in MiB or in percent of what the process may use', () => {
    const parse = (config: Record<string, unknown>) => memoryLimiterConfigSchema.parse(config);
    expect(memoryLimits(parse({ limit_mib: 500 }), 8 * GIB)).toEqual({ limitBytes: 500 * MIB, softLimitBytes: 400 * MIB });
    expect(memoryLimits(parse({ limit_mib: 500, spike_limit_mib: 50 }), 8 * GIB)).toEqual({ limitBytes: 500 * MIB, softLimitBytes: 450 * MIB });
    // The default: 80% of what is available, less a fifth of that.
    expect(memoryLimits(parse({}), 10 * GIB)).toEqual({ limitBytes: 8 * GIB, softLimitBytes: 6.4 * GIB });
    expect(memoryLimits(parse({ limit_percentage: 50, spike_limit_percentage: 10 }), 10 * GIB)).toEqual({ limitBytes: 5 * GIB, softLimitBytes: 4 * GIB });
  });

  it('names the key, the value and what was expected when the limits do not make sense', () => {
    const problems = (memoryLimiter: Record<string, unknown>): string[] => {
      try {
        validateConfig(
          {
            receivers: { otlp: { protocols: { http: {} } } },
            processors: { memory_limiter: memoryLimiter },
            exporters: { ledger: { path: ':memory:' } },
            service: { pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['ledger'] } } },
          },
          components,
          {},
        );
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
    };
    expect(problems({ limit_mib: 512, spike_limit_mib: 512 })).toEqual(['processors.memory_limiter.spike_limit_mib: got 512, expected less than limit_mib (512)']);
    expect(problems({ limit_mib: 512, limit_percentage: 50 })).toEqual([
      'processors.memory_limiter.limit_percentage: got 50, expected nothing: limits are set in MiB (limit_mib, spike_limit_mib) or in percent, not both',
    ]);
    expect(problems({ spike_limit_mib: 64 })).toEqual(['processors.memory_limiter.limit_mib: got nothing, expected a number of MiB: spike_limit_mib is set, so the limit is in MiB too']);
    expect(problems({ spike_limit_percentage: 90 })).toEqual(['processors.memory_limiter.spike_limit_percentage: got 90, expected less than limit_percentage (80)']);
    expect(problems({ limit_percentage: 120 })).toEqual(['processors.memory_limiter.limit_percentage: got 120, expected <= 100']);
    expect(problems({ check_interval: '0s' })).toEqual(['processors.memory_limiter.check_interval: got "0s", expected a duration above 0, such as 1s']);
    expect(problems({ limit_mib: 512, spike_limit_mib: 100, check_interval: '500ms' })).toEqual([]);
  });
});

describe('memory limiter', () => {
  it('refuses, retryably, while resident memory is over the soft limit, and accepts again once it falls back', async () => {
    const memory = scriptedMemory();
    const { logger, lines } = capturedLogger();
    const { processor } = limiter({ limit_mib: 1000, spike_limit_mib: 200, check_interval: '2s' }, memory, logger);
    await processor.start();
    expect(processor.admissionRefusal()).toBeUndefined();

    memory.reading.rssBytes = 801 * MIB;
    // Nothing changes between checks: memory is measured every check_interval, not per request.
    expect(processor.admissionRefusal()).toBeUndefined();
    processor.check();
    const refusal = processor.admissionRefusal();
    expect(refusal).toBeInstanceOf(PipelineError);
    expect(refusal).toMatchObject({ kind: 'overloaded', retryAfterSeconds: 2 });
    expect(refusal?.message).toBe(
      'tokenmeter is refusing data to stay within its memory limit: resident memory 801 MiB is over the soft limit 800 MiB (memory_limiter limit 1000 MiB less the spike)',
    );
    expect(lines.filter((line) => line.level === WARN).map((line) => line.msg)).toEqual([`refusing data: ${refusal!.message.split(': ').slice(1).join(': ')}`]);

    // Still over: still refused, and said once, not at every check.
    processor.check();
    expect(processor.admissionRefusal()?.kind).toBe('overloaded');
    expect(lines.filter((line) => line.level === WARN)).toHaveLength(1);

    memory.reading.rssBytes = 799 * MIB;
    processor.check();
    expect(processor.admissionRefusal()).toBeUndefined();
    expect(lines.at(-1)?.msg).toBe('memory back under the soft limit: accepting data again');
    await processor.shutdown();
  });

  it('refuses too when the JavaScript heap nears V8 heap limit, scaled as the soft limit is to the limit', async () => {
    const memory = scriptedMemory();
    // Soft limit at 80% of the limit: the heap is refused past 80% of V8's 2 GiB.
    const { processor } = limiter({ limit_mib: 10_000, spike_limit_mib: 2_000 }, memory);
    memory.reading.heapUsedBytes = 1638 * MIB;
    await processor.start();
    expect(processor.admissionRefusal()).toBeUndefined();
    memory.reading.heapUsedBytes = 1640 * MIB;
    processor.check();
    expect(processor.admissionRefusal()?.message).toContain("JavaScript heap 1640 MiB is over 1638 MiB (V8's heap limit 2048 MiB");
    await processor.shutdown();
  });

  it('checks by itself every check_interval once started, and stops with shutdown', async () => {
    const memory = scriptedMemory();
    const { processor } = limiter({ limit_mib: 1000, check_interval: '20ms' }, memory);
    await processor.start();
    memory.reading.rssBytes = 900 * MIB;
    await expect.poll(() => processor.admissionRefusal()?.kind, { timeout: 5_000, interval: 10 }).toBe('overloaded');
    await processor.shutdown();
    memory.reading.rssBytes = 100 * MIB;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(processor.admissionRefusal()?.kind).toBe('overloaded');
  });

  it('over the soft limit, collects garbage before refusing, at most every min_gc_interval_when_soft_limited', async () => {
    const memory = scriptedMemory();
    const { processor } = limiter({ limit_mib: 1000, spike_limit_mib: 200, min_gc_interval_when_soft_limited: '10s' }, memory);
    await processor.start();
    // Over only by garbage (cut live streams' buffers, say): collected, nothing refused.
    memory.reading.rssBytes = 900 * MIB;
    memory.garbageBytes = 300 * MIB;
    processor.check(1_000_000);
    expect(memory.collections).toBe(1);
    expect(processor.admissionRefusal()).toBeUndefined();
    // Over again within the interval: refused without another collection (a full one pauses the process).
    memory.reading.rssBytes = 900 * MIB;
    memory.garbageBytes = 300 * MIB;
    processor.check(1_005_000);
    expect(memory.collections).toBe(1);
    expect(processor.admissionRefusal()?.kind).toBe('overloaded');
    // Past the interval: collected again, and accepting once what was over turns out to be garbage.
    processor.check(1_011_000);
    expect(memory.collections).toBe(2);
    expect(processor.admissionRefusal()).toBeUndefined();
    // Under the soft limit, nothing is collected.
    processor.check(1_030_000);
    expect(memory.collections).toBe(2);
    await processor.shutdown();
  });

  it('frees the real process\'s garbage when it forces a collection', () => {
    // Made and dropped within a call: unreachable once it returns.
    const leaveGarbage = (): number => Array.from({ length: 500_000 }, (_, index) => ({ index, text: `garbage ${index}` })).length;
    expect(leaveGarbage()).toBe(500_000);
    const before = readProcessMemory().heapUsedBytes;
    collectGarbage();
    expect(readProcessMemory().heapUsedBytes).toBeLessThan(before - 20 * MIB);
  });

  it('passes every batch on: requests are refused before they enter the pipeline, never halfway through it', async () => {
    const memory = scriptedMemory();
    const { processor, forwarded } = limiter({ limit_mib: 1000 }, memory);
    await processor.start();
    memory.reading.rssBytes = 999 * MIB;
    processor.check();
    const batch: TracesData = { resourceSpans: [] };
    await processor.consume(batch);
    expect(forwarded).toEqual([batch]);
    await processor.shutdown();
  });

  it('measures the real process: a limit below what it already uses refuses at once', async () => {
    const processor = new MemoryLimiterProcessor(memoryLimiterConfigSchema.parse({ limit_mib: 1 }), { consume: async () => {} }, silentLogger());
    await processor.start();
    expect(processor.admissionRefusal()?.message).toMatch(/resident memory \d+ MiB is over the soft limit 1 MiB/);
    await processor.shutdown();
  });
});
