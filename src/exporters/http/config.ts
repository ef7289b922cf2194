/** The request config keys of the exporters (MLflow and otlphttp over HTTP, otlp over gRPC), shared so that each means the same everywhere. */
import { z } from 'zod';
import { durationMs } from '../../config/units.js';

export const compressionConfigSchema = z.enum(['gzip', 'none']).default('gzip');

/** Per request or call; each exporter picks its default (the Collector's otlphttp exporter waits 30 s, its otlp exporter 5 s). */
export const requestTimeoutConfigSchema = (defaultTimeout: string) => durationMs.prefault(defaultTimeout);

/** Extra headers on every request (gRPC metadata on every call), e.g. `Authorization`. */
export const headersConfigSchema = z.record(z.string(), z.string()).default({});

/**
 * TLS of an https:// destination. The URL's scheme decides whether TLS is used; these keys only say whom to trust
 * (the Collector's `tls` settings of an HTTP client, the ones tokenmeter has).
 */
export const httpTlsConfigSchema = z
  .object({
    /** PEM file of the CA (or the self-signed certificate) the server's certificate must chain to; else the system's. */
    ca_file: z.string().min(1).optional(),
  })
  .strict()
  .prefault({});

export type Compression = z.output<typeof compressionConfigSchema>;
export type HttpTlsConfig = z.output<typeof httpTlsConfigSchema>;

/** A CA file for a plaintext destination is a mistake to report, not to ignore. */
export function checkTlsMatchesScheme(urls: ReadonlyArray<string | undefined>, tls: HttpTlsConfig, ctx: z.RefinementCtx): void {
  if (tls.ca_file !== undefined && urls.some((url) => url?.startsWith('http://'))) {
    ctx.addIssue({ code: 'custom', path: ['tls', 'ca_file'], message: 'expected nothing: the http:// endpoint asks for plaintext (write https:// for TLS)' });
  }
}
