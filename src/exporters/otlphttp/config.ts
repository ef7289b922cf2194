import { z } from 'zod';
import { httpUrl } from '../../config/units.js';
import { compressionConfigSchema, headersConfigSchema, httpTlsConfigSchema, reportTlsKeysForPlaintext, requestTimeoutConfigSchema } from '../http/config.js';
import { retryOnFailureConfigSchema, splittingSendingQueueConfigSchema } from '../sendingqueue/config.js';

/**
 * The Collector's `otlphttp` exporter, traces only: its keys and, where the Collector sets them, its defaults
 * (gzip, 30 s per request); the sending queue and retries are tokenmeter's, as for MLflow.
 */
export const otlpHttpExporterConfigSchema = z
  .object({
    /** Base URL: traces go to `<endpoint>/v1/traces`. */
    endpoint: httpUrl.optional(),
    /** The full traces URL, used as it is; wins over `endpoint`. */
    traces_endpoint: httpUrl.optional(),
    tls: httpTlsConfigSchema,
    headers: headersConfigSchema,
    /** What the body is: `proto` (protobuf, the Collector's default) or `json` (OTLP/JSON), for receivers that take only JSON. */
    encoding: z.enum(['proto', 'json']).default('proto'),
    compression: compressionConfigSchema,
    timeout: requestTimeoutConfigSchema('30s'),
    // OTLP/HTTP receivers limit the (compressed) body, the Collector's to 20 MiB: no limit by default.
    sending_queue: splittingSendingQueueConfigSchema({ sizer: 'items', max_size: 0 }),
    retry_on_failure: retryOnFailureConfigSchema,
  })
  .strict()
  .refine((config) => config.endpoint !== undefined || config.traces_endpoint !== undefined, {
    path: ['endpoint'],
    message: 'expected an http:// or https:// base URL such as http://collector:4318 (or traces_endpoint, the full traces URL)',
    // Also when other keys are wrong: every problem of the section is reported at once.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  })
  .superRefine((config, ctx) => {
    // Where requests go decides: traces_endpoint wins over endpoint.
    if ((config.traces_endpoint ?? config.endpoint)?.startsWith('http://')) reportTlsKeysForPlaintext(config.tls, ctx);
  });

export type OtlpHttpExporterConfig = z.output<typeof otlpHttpExporterConfigSchema>;

/** Where traces go, as the Collector composes it: `traces_endpoint` as given, else `<endpoint>/v1/traces`. */
export function tracesUrl(config: Pick<OtlpHttpExporterConfig, 'endpoint' | 'traces_endpoint'>): string {
  if (config.traces_endpoint !== undefined) return config.traces_endpoint;
  const base = config.endpoint!;
  return base.endsWith('/') ? `${base}v1/traces` : `${base}/v1/traces`;
}
