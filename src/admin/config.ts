import { z } from 'zod';
import { durationMs, listenEndpoint } from '../config/units.js';
import { DEFAULT_MAX_LABEL_VALUES } from '../telemetry/metrics.js';

/** The top-level `admin:` section: the one listener for people and scrapers, apart from the OTLP ports. */
export const adminConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    endpoint: listenEndpoint.prefault('127.0.0.1:9464'),
    /** The `ledger` exporter the page and the live stream read; by default the first one in `exporters`. */
    ledger: z.string().min(1).optional(),
    metrics: z
      .object({
        /** Distinct values kept per label (model, workflow, node, …); later new values are reported as `other`. */
        max_label_values: z.number().int().positive().default(DEFAULT_MAX_LABEL_VALUES),
      })
      .strict()
      .prefault({}),
    page: z
      .object({
        /** How far back the page's totals, per-minute spend and top lists look. */
        window: durationMs.prefault('1h'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type AdminConfig = z.output<typeof adminConfigSchema>;
