import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/** What the process uses now, in bytes. */
export interface MemoryReading {
  /** Resident set size: what a container's memory limit and the OOM killer count. */
  rssBytes: number;
  /** The JavaScript heap in use, and the size at which V8 aborts the process ("heap out of memory"). */
  heapUsedBytes: number;
  heapLimitBytes: number;
}

export function readProcessMemory(): MemoryReading {
  const heap = getHeapStatistics();
  return { rssBytes: process.memoryUsage.rss(), heapUsedBytes: heap.used_heap_size, heapLimitBytes: heap.heap_size_limit };
}

/**
 * The memory this process may use: its cgroup's limit when it runs in a container that sets one, else the machine's.
 * Without a limit Node reports 2^64 (cgroup v2 `max`), hence the smaller of the two.
 */
export function availableMemoryBytes(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  const machine = totalmem();
  return constrained > 0 && constrained < machine ? constrained : machine;
}
