import { z } from 'zod';
import { durationMs } from '../../config/units.js';

export const traceAssemblyConfigSchema = z
  .object({
    /** How long a root span is held after it arrives, so that children exported just after it still make its totals. */
    root_wait: durationMs.prefault('2s'),
    /** How long a trace stays open after its root was forwarded: a child arriving within it updates the root and feedback. */
    late_span_wait: durationMs.prefault('30s'),
    /** A trace whose root never comes is given up (and its summary recorded) after this long without a new span. */
    trace_timeout: durationMs.prefault('5m'),
    /** Open traces kept at most; past it the least recently active one is finished early and counted as evicted. */
    max_open_traces: z.number().int().positive().default(10_000),
    /** Rows per breakdown (nodes, models, providers) and trace; further names are folded into one `(other)` row. */
    max_breakdown_rows: z.number().int().positive().default(50),
  })
  .strict();

export type TraceAssemblyConfig = z.output<typeof traceAssemblyConfigSchema>;
