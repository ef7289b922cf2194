import { z } from 'zod';
import { byteSize, listenEndpoint } from '../../config/units.js';

/** Serve over TLS (https / gRPC with SSL) with this certificate chain and key, both PEM files read at start. */
export const tlsServerConfigSchema = z
  .object({
    cert_file: z.string().min(1),
    key_file: z.string().min(1),
    /** Mutual TLS: only clients presenting a certificate this CA (PEM) signed may connect (the Collector's key). */
    client_ca_file: z.string().min(1).optional(),
  })
  .strict();

export type TlsServerConfig = z.output<typeof tlsServerConfigSchema>;

/** Require `Authorization: Bearer <token>` on every export; without it, any client that can connect may export. */
export const authConfigSchema = z
  .object({
    bearer_token: z.string().min(1, 'expected a non-empty token'),
  })
  .strict();

export type AuthConfig = z.output<typeof authConfigSchema>;

/**
 * Cross-origin access for browser exporters. Without this section no CORS headers are sent, so browsers keep
 * other origins out, as before.
 */
export const corsConfigSchema = z
  .object({
    /** Exact origins (`https://app.example.com`) or `*` for any origin. */
    allowed_origins: z.array(z.string().min(1)).min(1),
    /** Request headers a browser may send besides the CORS-safelisted ones; Content-Type and Content-Encoding are always allowed. */
    allowed_headers: z.array(z.string().min(1)).default([]),
    /** How long browsers may cache a preflight answer. */
    max_age_seconds: z.number().int().nonnegative().default(7200),
  })
  .strict();

export type CorsConfig = z.output<typeof corsConfigSchema>;

export const httpProtocolConfigSchema = z
  .object({
    /** Where to listen; the OTLP/HTTP default port is 4318. Loopback by default: a sidecar shares the app's host. */
    endpoint: listenEndpoint.prefault('127.0.0.1:4318'),
    traces_path: z.string().startsWith('/').default('/v1/traces'),
    /** Checked after decompression, so a gzip bomb is refused like any other oversize body (OTLP 1.11). */
    max_request_body_size: byteSize.prefault('20MiB'),
    tls: tlsServerConfigSchema.optional(),
    auth: authConfigSchema.optional(),
    cors: corsConfigSchema.optional(),
  })
  .strict();

export type HttpProtocolConfig = z.output<typeof httpProtocolConfigSchema>;

export const grpcProtocolConfigSchema = z
  .object({
    /** The OTLP/gRPC default port is 4317; loopback by default, as for HTTP. */
    endpoint: listenEndpoint.prefault('127.0.0.1:4317'),
    /** Largest accepted request message, checked after decompression; the usual gRPC server default. */
    max_recv_msg_size: byteSize.prefault('4MiB'),
    tls: tlsServerConfigSchema.optional(),
    auth: authConfigSchema.optional(),
  })
  .strict();

export type GrpcProtocolConfig = z.output<typeof grpcProtocolConfigSchema>;

/**
 * `grpc:` or `http:` with nothing under it, as the Collector's documentation writes them, is YAML null: that protocol
 * with its defaults, as a bare `otlp:` is the receiver with its own.
 */
const emptyAsDefaults = <T extends z.ZodType>(schema: T) => z.preprocess((section) => section ?? {}, schema).optional();

export const otlpReceiverConfigSchema = z
  .object({
    protocols: z
      .object({
        http: emptyAsDefaults(httpProtocolConfigSchema),
        grpc: emptyAsDefaults(grpcProtocolConfigSchema),
      })
      .strict()
      // A receiver with no protocol would listen nowhere, and its pipeline would never get a span.
      .refine((protocols) => protocols.http !== undefined || protocols.grpc !== undefined, 'expected at least one of http, grpc')
      .prefault({ http: {} }),
  })
  .strict();

export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;
