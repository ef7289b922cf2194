/**
 * Ports for servers that must be told theirs up front (MLflow, a sidecar configured by file, components built by a
 * factory from config); tests that construct a server directly listen on port 0 instead.
 *
 * A port found free is free only until someone else binds it. Probing with `listen(0)` drew from the kernel's
 * ephemeral range, which every other `listen(0)` and every outgoing connection draws from too: two probes of one
 * sidecar's config once returned the same port, and its gRPC receiver found it taken by its HTTP receiver
 * (EADDRINUSE, a failed CI run). So ports are handed out from below that range, where the kernel never picks one, each
 * vitest worker from a block of its own (the workers run at the same time), each port once per process, and each
 * checked free before it is handed out (another run's leftover process may hold it).
 */
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

const BLOCK_SIZE = 1000;
const BLOCKS = 12;

/** Where the kernel's ephemeral ports start (32768 on Linux unless configured otherwise). */
export function ephemeralStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : 32768;
  } catch {
    return 32768;
  }
}

const firstPort = Math.max(1024, ephemeralStart() - BLOCKS * BLOCK_SIZE);
/** Vitest numbers its concurrent workers from 1 (VITEST_POOL_ID); the main process (global setup, benches) is 0. */
const blockStart = firstPort + (Number(process.env['VITEST_POOL_ID'] ?? 0) % BLOCKS) * BLOCK_SIZE;
/** From a random place in the block: test files that run one after another in one worker mostly get other ports. */
let nextOffset = randomInt(BLOCK_SIZE);
let handedOut = 0;

function isFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 now, that no other call in this process has returned and that the kernel hands nobody. */
export async function getFreePort(): Promise<number> {
  while (handedOut < BLOCK_SIZE) {
    const port = blockStart + (nextOffset++ % BLOCK_SIZE);
    handedOut++;
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port left in ${blockStart}–${blockStart + BLOCK_SIZE - 1} for this process`);
}
