/**
 * The memory limiter: while the process uses more memory than its soft limit, requests are turned away with a
 * retryable refusal (HTTP 429 with Retry-After, gRPC UNAVAILABLE with RetryInfo), so that apps hold their spans and
 * send them again later instead of this process growing until a container's OOM killer or V8's heap limit ends it,
 * losing what it had not yet made durable. As in the Collector, memory is measured every `check_interval`, not per
 * request, and refusing starts over the soft limit (the limit less the spike expected between two checks).
 *
 * Two measures, each against its own ceiling: the resident set size against the configured limit (what a container
 * counts), and the JavaScript heap against V8's heap limit, scaled the same way (soft limit / limit of it): on a large
 * machine V8's limit is the one reached first.
 *
 * The refusal happens before a request enters any pipeline (the service asks `admissionRefusal`), never halfway: the
 * processors after this one keep state that a refused request must not have touched (see `Service`). So `consume`
 * only passes batches on.
 */
import type { Component, TracesConsumer } from '../../pipeline/consumer.js';
import { PipelineError } from '../../pipeline/consumer.js';
import type { TracesData } from '../../otlp/index.js';
import type { Logger } from '../../telemetry/logger.js';
import { memoryLimits } from './config.js';
import type { MemoryLimiterConfig, MemoryLimits } from './config.js';
import { availableMemoryBytes, collectGarbage, readProcessMemory } from './memoryUsage.js';
import type { MemoryReading } from './memoryUsage.js';

const MIB = 1024 * 1024;
const mib = (bytes: number): string => `${Math.round(bytes / MIB)} MiB`;

export interface MemorySource {
  read(): MemoryReading;
  /** What the process may use, for limits given in percent. */
  availableBytes(): number;
  /** Frees what is garbage now (see `collectGarbage`). */
  collectGarbage(): void;
}

const processMemory: MemorySource = { read: readProcessMemory, availableBytes: availableMemoryBytes, collectGarbage };

export class MemoryLimiterProcessor implements TracesConsumer, Component {
  private readonly limits: MemoryLimits;
  private refusal: PipelineError | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the last full collection was forced (see `check`). */
  private lastCollectionMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: MemoryLimiterConfig,
    private readonly next: TracesConsumer,
    private readonly logger: Logger,
    private readonly memory: MemorySource = processMemory,
  ) {
    this.limits = memoryLimits(config, memory.availableBytes());
  }

  async start(): Promise<void> {
    const { heapLimitBytes } = this.memory.read();
    this.logger.info(
      { limit: mib(this.limits.limitBytes), soft_limit: mib(this.limits.softLimitBytes), heap_soft_limit: mib(this.heapSoftLimit(heapLimitBytes)) },
      'memory limiter started',
    );
    this.check();
    this.timer = setInterval(() => this.check(), this.config.check_interval);
    this.timer.unref();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  consume(data: TracesData): Promise<void> {
    return this.next.consume(data);
  }

  /** For the `tokenmeter_memory_limiter_refusing` gauge: 1 while requests are refused. */
  get stats(): { refusing: number } {
    return { refusing: this.refusal === undefined ? 0 : 1 };
  }

  /** Why a request is turned away now: memory over the soft limit at the last check. */
  admissionRefusal(): PipelineError | undefined {
    return this.refusal;
  }

  /**
   * Measures memory and decides, until the next check, whether requests are refused. Over the soft limit, a full
   * collection is forced first, as the Collector's limiter does, at most every `min_gc_interval_when_soft_limited`:
   * what is over may be garbage V8 has not collected yet, and refusing data keeps it from allocating enough to.
   */
  check(nowMs = Date.now()): void {
    let reading = this.memory.read();
    let overBy = this.overSoftLimit(reading);
    if (overBy !== undefined && nowMs - this.lastCollectionMs >= this.config.min_gc_interval_when_soft_limited) {
      this.lastCollectionMs = nowMs;
      this.memory.collectGarbage();
      reading = this.memory.read();
      overBy = this.overSoftLimit(reading);
    }
    if (overBy === undefined) {
      if (this.refusal !== undefined) this.logger.info({ rss: mib(reading.rssBytes), heap_used: mib(reading.heapUsedBytes) }, 'memory back under the soft limit: accepting data again');
      this.refusal = undefined;
      return;
    }
    if (this.refusal === undefined) this.logger.warn({ rss: mib(reading.rssBytes), heap_used: mib(reading.heapUsedBytes) }, `refusing data: ${overBy}`);
    this.refusal = new PipelineError(`tokenmeter is refusing data to stay within its memory limit: ${overBy}`, 'overloaded', Math.max(1, Math.ceil(this.config.check_interval / 1000)));
  }

  /** What is over its soft limit, in words, or undefined. */
  private overSoftLimit({ rssBytes, heapUsedBytes, heapLimitBytes }: MemoryReading): string | undefined {
    const { limitBytes, softLimitBytes } = this.limits;
    if (rssBytes > softLimitBytes) return `resident memory ${mib(rssBytes)} is over the soft limit ${mib(softLimitBytes)} (memory_limiter limit ${mib(limitBytes)} less the spike)`;
    const heapSoftLimit = this.heapSoftLimit(heapLimitBytes);
    if (heapUsedBytes > heapSoftLimit) return `JavaScript heap ${mib(heapUsedBytes)} is over ${mib(heapSoftLimit)} (V8's heap limit ${mib(heapLimitBytes)}, scaled as the memory_limiter's soft limit)`;
    return undefined;
  }

  /** V8's heap limit scaled as the soft limit is to the limit. */
  private heapSoftLimit(heapLimitBytes: number): number {
    return (heapLimitBytes * this.limits.softLimitBytes) / this.limits.limitBytes;
  }
}
