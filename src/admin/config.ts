import { z } from 'zod';
import { listenEndpoint, positiveDurationMs } from '../config/units.js';
import { DEFAULT_MAX_LABEL_VALUES } from '../telemetry/metrics.js';

const otlpMetricsConfigSchema = z
  .object({
    /** Full URL of the metrics endpoint, e.g. http://127.0.0.1:4318/v1/metrics. */
    endpoint: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:4318/v1/metrics' }),
    /** How often the metrics are pushed (the OTel SDK's default is 60s). */
    interval: positiveDurationMs.prefault('60s'),
    /** How long one push may take. */
    timeout: positiveDurationMs.prefault('10s'),
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type OtlpMetricsConfig = z.output<typeof otlpMetricsConfigSchema>;

/** The top-level `admin:` section: the one listener for people and scrapers, apart from the OTLP ports. */
export const adminConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    endpoint: listenEndpoint.prefault('127.0.0.1:9464'),
    /** The `ledger` exporter the page and the live stream read; by default the first one a pipeline lists. */
    ledger: z.string().min(1).optional(),
    metrics: z
      .object({
        /** Distinct values kept per label (model, workflow, node, …); later new values are reported as `other`. */
        max_label_values: z.number().int().positive().default(DEFAULT_MAX_LABEL_VALUES),
        /** Also push the cost metrics to an OTLP/HTTP metrics endpoint (e.g. a collector's :4318/v1/metrics). */
        otlp: otlpMetricsConfigSchema.optional(),
      })
      .strict()
      .prefault({}),
    page: z
      .object({
        /** How far back the page's totals, per-minute spend and top lists look. */
        window: positiveDurationMs.prefault('1h'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type AdminConfig = z.output<typeof adminConfigSchema>;
