import path from 'node:path';
import { z } from 'zod';

export const storageConfigSchema = z
  .object({
    /**
     * `disk`: what a receiver acknowledged survives a crash or restart (queued batches, held roots, open traces).
     * `memory`: the same queues and limits without the disk, faster, lost when the process ends.
     */
    mode: z.enum(['disk', 'memory']).default('disk'),
    /** The SQLite file; by default `tokenmeter-state.db` beside the ledger, else in the working directory. */
    path: z.string().min(1).optional(),
    /** `normal` survives a crash of tokenmeter; `full` also a power loss, with an fsync per request. */
    synchronous: z.enum(['normal', 'full']).default('normal'),
  })
  .strict();

export type StorageConfig = z.output<typeof storageConfigSchema>;

export const DEFAULT_STORAGE_FILE = 'tokenmeter-state.db';

/** Beside the ledger, so that a deployment keeps its state in the one volume it already persists. */
export function defaultStoragePath(ledgerPaths: readonly string[]): string {
  const ledger = ledgerPaths.find((file) => file !== ':memory:');
  return ledger === undefined ? DEFAULT_STORAGE_FILE : path.join(path.dirname(ledger), DEFAULT_STORAGE_FILE);
}
