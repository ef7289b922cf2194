import { totalmem } from 'node:os';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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

let fullCollection: (() => void) | undefined;

/**
 * Runs a full garbage collection now. V8 collects the old generation only when it allocates enough to need to: a
 * process that was refusing data allocates little, so garbage left by what it let go (the buffers of live streams
 * that were cut) kept its memory over the soft limit, and it went on refusing for minutes with nothing alive to free.
 * Node exposes the collector only with `--expose-gc`: the flag is set here and `gc` taken from a new context, which
 * sees it (the way to reach it without restarting the process with the flag).
 */
export function collectGarbage(): void {
  if (fullCollection === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed === undefined) setFlagsFromString('--expose-gc');
    fullCollection = exposed ?? (runInNewContext('gc') as () => void);
  }
  fullCollection();
}
