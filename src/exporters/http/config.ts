/** The request config keys of the exporters (MLflow and otlphttp over HTTP, otlp over gRPC), shared so that each means the same everywhere. */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { z } from 'zod';
import { positiveDurationMs } from '../../config/units.js';

export const compressionConfigSchema = z.enum(['gzip', 'none']).default('gzip');

/** Per request or call; each exporter picks its default (the Collector's otlphttp exporter waits 30 s, its otlp exporter 5 s). */
export const requestTimeoutConfigSchema = (defaultTimeout: string) => positiveDurationMs.prefault(defaultTimeout);

/** Whether Node's HTTP client would take this header (its checks are RFC 9110's token and field-value, as undici's). */
const isValidHeader = (name: string, value = ''): boolean => {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
};

/**
 * Extra headers on every request (gRPC metadata on every call), e.g. `Authorization`. Checked at load: a header that
 * cannot be sent (a secret read with its trailing newline) would otherwise fail every request, retried for minutes.
 * A value is shown masked but for the characters that cannot be sent, since headers carry credentials.
 */
export const headersConfigSchema = z
  .record(z.string(), z.string())
  .superRefine((headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      if (!isValidHeader(name)) {
        ctx.addIssue({ code: 'custom', path: [name], params: { value: name }, message: "expected a header name of letters, digits and !#$%&'*+-.^_`|~ (an RFC 9110 token)" });
      } else if (!isValidHeader(name, value)) {
        const masked = [...value].map((char) => (isValidHeader(name, char) ? '*' : char)).join('');
        ctx.addIssue({ code: 'custom', path: [name], params: { value: masked }, message: 'expected a header value without line breaks or other control characters (an RFC 9110 field-value)' });
      }
    }
  })
  .default({});

/** TLS versions as the Collector names them. */
const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/** Whom an exporter trusts and what it presents, as the Collector's TLS client settings name them (the ones tokenmeter has). */
export const tlsClientKeys = {
  /** PEM file of the CA (or the self-signed certificate) the server's certificate must chain to; else the system's. */
  ca_file: z.string().min(1).optional(),
  /** PEM files of the client certificate and its key, for a server that asks for one (mutual TLS). */
  cert_file: z.string().min(1).optional(),
  key_file: z.string().min(1).optional(),
  /** The oldest and newest TLS versions to agree on; unset, Node's (1.2 and 1.3). */
  min_version: z.enum(TLS_VERSIONS).optional(),
  max_version: z.enum(TLS_VERSIONS).optional(),
  /** The name the server's certificate must carry (and the TLS server name asked for), when not the endpoint's host. */
  server_name_override: z.string().min(1).optional(),
  /** Accepts any certificate the server shows, whoever signed it and whatever name it carries: for test setups. */
  insecure_skip_verify: z.boolean().optional(),
};

type TlsClientKeys = { [Key in keyof typeof tlsClientKeys]: z.output<(typeof tlsClientKeys)[Key]> };

/**
 * What cannot work is said at load, not found in a handshake later: one of the client certificate and key without
 * the other, or a newest version older than the oldest.
 */
export function checkTlsClientKeys(tls: Partial<TlsClientKeys>, ctx: z.RefinementCtx): void {
  if (tls.cert_file !== undefined && tls.key_file === undefined) {
    ctx.addIssue({ code: 'custom', path: ['key_file'], message: 'expected the PEM file of the client key: cert_file is set (mutual TLS needs both)' });
  }
  if (tls.key_file !== undefined && tls.cert_file === undefined) {
    ctx.addIssue({ code: 'custom', path: ['cert_file'], message: 'expected the PEM file of the client certificate: key_file is set (mutual TLS needs both)' });
  }
  if (tls.min_version !== undefined && tls.max_version !== undefined && tls.max_version < tls.min_version) {
    ctx.addIssue({ code: 'custom', path: ['max_version'], message: `expected ${tls.min_version} or newer: min_version is ${tls.min_version}` });
  }
}

/** TLS of an https:// destination: the URL's scheme decides whether TLS is used; these keys, whom to trust and what to present. */
export const httpTlsConfigSchema = z.object(tlsClientKeys).strict().superRefine(checkTlsClientKeys).prefault({});

export type Compression = z.output<typeof compressionConfigSchema>;
export type HttpTlsConfig = z.output<typeof httpTlsConfigSchema>;

/**
 * TLS keys given for a plaintext (`http://`) destination are a mistake to report, not to ignore; `hint` says how
 * to ask for TLS instead.
 */
export function reportTlsKeysForPlaintext(tls: Partial<TlsClientKeys>, ctx: z.RefinementCtx, hint = 'write https:// for TLS'): void {
  for (const key of Object.keys(tlsClientKeys) as Array<keyof TlsClientKeys>) {
    // Skipping verification of no TLS at all is no contradiction: only `true` is.
    if (key === 'insecure_skip_verify' ? tls[key] !== true : tls[key] === undefined) continue;
    const expected = key === 'insecure_skip_verify' ? 'false or nothing' : 'nothing';
    ctx.addIssue({ code: 'custom', path: ['tls', key], message: `expected ${expected}: the http:// endpoint asks for plaintext (${hint})` });
  }
}
