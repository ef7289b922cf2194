import { z } from 'zod';
import { byteSize, listenEndpoint } from '../../config/units.js';

export const httpProtocolConfigSchema = z
  .object({
    /** Where to listen; the OTLP/HTTP default port is 4318. Loopback by default: a sidecar shares the app's host. */
    endpoint: listenEndpoint.prefault('127.0.0.1:4318'),
    traces_path: z.string().startsWith('/').default('/v1/traces'),
    /** Checked after decompression, so a gzip bomb is refused like any other oversize body (OTLP 1.11). */
    max_request_body_size: byteSize.prefault('20MiB'),
  })
  .strict();

export type HttpProtocolConfig = z.output<typeof httpProtocolConfigSchema>;

export const otlpReceiverConfigSchema = z
  .object({
    protocols: z
      .object({
        http: httpProtocolConfigSchema.optional(),
      })
      .strict()
      .prefault({ http: {} }),
  })
  .strict();

export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;
