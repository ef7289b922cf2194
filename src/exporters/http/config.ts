/** The request config keys of the exporters (MLflow and otlphttp over HTTP, otlp over gRPC), shared so that each means the same everywhere. */
import { z } from 'zod';
import { durationMs } from '../../config/units.js';

export const compressionConfigSchema = z.enum(['gzip', 'none']).default('gzip');

/** Per request or call; each exporter picks its default (the Collector's otlphttp exporter waits 30 s, its otlp exporter 5 s). */
export const requestTimeoutConfigSchema = (defaultTimeout: string) => durationMs.prefault(defaultTimeout);

/** Extra headers on every request (gRPC metadata on every call), e.g. `Authorization`. */
export const headersConfigSchema = z.record(z.string(), z.string()).default({});

/** Whom an exporter trusts and what it presents, as the Collector's TLS client settings name them (the ones tokenmeter has). */
export const tlsClientFileKeys = {
  /** PEM file of the CA (or the self-signed certificate) the server's certificate must chain to; else the system's. */
  ca_file: z.string().min(1).optional(),
  /** PEM files of the client certificate and its key, for a server that asks for one (mutual TLS). */
  cert_file: z.string().min(1).optional(),
  key_file: z.string().min(1).optional(),
};

/** One of the client certificate and key without the other cannot be presented: say which is missing, not fail the handshake later. */
export function checkClientCertificatePair(tls: { cert_file?: string | undefined; key_file?: string | undefined }, ctx: z.RefinementCtx): void {
  if (tls.cert_file !== undefined && tls.key_file === undefined) {
    ctx.addIssue({ code: 'custom', path: ['key_file'], message: 'expected the PEM file of the client key: cert_file is set (mutual TLS needs both)' });
  }
  if (tls.key_file !== undefined && tls.cert_file === undefined) {
    ctx.addIssue({ code: 'custom', path: ['cert_file'], message: 'expected the PEM file of the client certificate: key_file is set (mutual TLS needs both)' });
  }
}

/** TLS of an https:// destination: the URL's scheme decides whether TLS is used; these keys, whom to trust and what to present. */
export const httpTlsConfigSchema = z.object(tlsClientFileKeys).strict().superRefine(checkClientCertificatePair).prefault({});

export type Compression = z.output<typeof compressionConfigSchema>;
export type HttpTlsConfig = z.output<typeof httpTlsConfigSchema>;

/**
 * TLS files given for a plaintext (`http://`) destination are a mistake to report, not to ignore; `hint` says how
 * to ask for TLS instead.
 */
export function reportTlsFilesForPlaintext(tls: HttpTlsConfig, ctx: z.RefinementCtx, hint = 'write https:// for TLS'): void {
  for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
    if (tls[key] !== undefined) ctx.addIssue({ code: 'custom', path: ['tls', key], message: `expected nothing: the http:// endpoint asks for plaintext (${hint})` });
  }
}
