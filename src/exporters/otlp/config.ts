import { z } from 'zod';
import { checkTlsClientKeys, compressionConfigSchema, headersConfigSchema, reportTlsKeysForPlaintext, requestTimeoutConfigSchema, tlsClientKeys } from '../http/config.js';
import { retryOnFailureConfigSchema, splittingSendingQueueConfigSchema } from '../sendingqueue/config.js';

const ENDPOINT_EXPECTED = 'expected host:port or http(s)://host:port, e.g. tempo:4317';

/** Where a gRPC channel connects: `host:port` as grpc-js takes it, and the scheme the endpoint was written with. */
export interface GrpcEndpoint {
  address: string;
  scheme: 'http' | 'https' | undefined;
}

/** `host:port`, `[::1]:port`, or either after `http://` / `https://` (a trailing `/` tolerated, as the Collector does). */
const grpcEndpoint = z
  .string()
  .optional()
  .transform((text, ctx): GrpcEndpoint => {
    const match = text === undefined ? null : /^(?:(https?):\/\/)?((?:\[[0-9a-fA-F:.]+\]|[^:/\s[\]]+):(\d{1,5}))\/?$/.exec(text.trim());
    if (match === null || Number(match[3]) > 65535) {
      ctx.addIssue({ code: 'custom', message: ENDPOINT_EXPECTED });
      return z.NEVER;
    }
    return { address: match[2]!, scheme: match[1] as GrpcEndpoint['scheme'] };
  });

const tlsClientConfigSchema = z
  .object({
    /** `true`: plaintext. Unset: see `usesTls`. */
    insecure: z.boolean().optional(),
    ...tlsClientKeys,
  })
  .strict()
  .superRefine(checkTlsClientKeys)
  .prefault({});

/**
 * The Collector's `otlp` exporter (OTLP over gRPC), traces only: its keys and, where the Collector's otlpexporter
 * factory sets them, its defaults (gzip, 5 s per call); the sending queue and retries are tokenmeter's, shared with
 * otlphttp and MLflow.
 */
export const otlpGrpcExporterConfigSchema = z
  .object({
    endpoint: grpcEndpoint,
    tls: tlsClientConfigSchema,
    /** gRPC metadata on every call, e.g. `authorization`. */
    headers: headersConfigSchema,
    compression: compressionConfigSchema,
    timeout: requestTimeoutConfigSchema('5s'),
    // gRPC receivers refuse a message over 4 MiB unless configured otherwise (the Collector's and grpc-go's default):
    // a larger batch, which pricing makes larger still, is sent in parts rather than dead-lettered.
    sending_queue: splittingSendingQueueConfigSchema({ sizer: 'bytes', max_size: 4 * 1024 * 1024 }),
    retry_on_failure: retryOnFailureConfigSchema,
  })
  .strict()
  .superRefine((config, ctx) => {
    // A scheme and a tls key that contradict each other are a mistake to report, not to guess through.
    const { scheme } = config.endpoint;
    if (scheme === 'https' && config.tls.insecure === true) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'insecure'], message: 'expected false or nothing: the https:// endpoint asks for TLS' });
    }
    if (scheme === 'http') {
      const hint = 'write https:// or host:port for TLS';
      if (config.tls.insecure === false) ctx.addIssue({ code: 'custom', path: ['tls', 'insecure'], message: `expected nothing: the http:// endpoint asks for plaintext (${hint})` });
      reportTlsKeysForPlaintext(config.tls, ctx, hint);
    }
  });

export type OtlpGrpcExporterConfig = z.output<typeof otlpGrpcExporterConfigSchema>;

/**
 * TLS or plaintext. The scheme decides when there is one (`https://` TLS, `http://` plaintext, as OTLP exporters read
 * it); a bare `host:port` uses TLS unless `tls.insecure: true`, as in the Collector, whose `insecure` defaults to false.
 */
export function usesTls(config: Pick<OtlpGrpcExporterConfig, 'endpoint' | 'tls'>): boolean {
  if (config.endpoint.scheme !== undefined) return config.endpoint.scheme === 'https';
  return config.tls.insecure !== true;
}
