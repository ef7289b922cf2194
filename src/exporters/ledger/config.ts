import { z } from 'zod';
import { durationMs, positiveDurationMs } from '../../config/units.js';

export const ledgerExporterConfigSchema = z
  .object({
    /** The SQLite file, relative to the working directory; `:memory:` keeps the ledger for the life of the process. */
    path: z.string().min(1).default('tokenmeter.db'),
    /** Rows recorded longer ago than this are deleted. */
    retention: durationMs.prefault('720h'),
    /** How often old rows are looked for (also once at start). */
    prune_interval: positiveDurationMs.prefault('10m'),
  })
  .strict();

export type LedgerExporterConfig = z.output<typeof ledgerExporterConfigSchema>;
