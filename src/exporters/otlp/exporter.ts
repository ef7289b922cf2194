import { Client, Metadata, compressionAlgorithms, credentials } from '@grpc/grpc-js';
import type { ChannelCredentials, ServiceError } from '@grpc/grpc-js';
import { createSecureContext } from 'node:tls';
import { traceServiceDefinition } from '../../otlp/grpc-service.js';
import type { Logger } from '../../telemetry/logger.js';
import { USER_AGENT } from '../../version.js';
import { isLoopbackHost } from '../http/request.js';
import { tlsConnectOptions } from '../http/tls.js';
import { partialSuccessOf } from '../otlpforwarding/answer.js';
import type { OtlpAnswer } from '../otlpforwarding/answer.js';
import { OtlpForwardingExporter } from '../otlpforwarding/exporter.js';
import type { OtlpTransport } from '../otlpforwarding/exporter.js';
import type { ExporterStorage } from '../sendingqueue/destination.js';
import type { OtlpGrpcExporterConfig } from './config.js';
import { usesTls } from './config.js';
import { classifyFailure } from './status.js';

/** Forwards spans to any OTLP/gRPC receiver: unary `TraceService/Export` on one channel (see OtlpForwardingExporter). */
export function createOtlpGrpcExporter(config: OtlpGrpcExporterConfig, logger: Logger, storage?: ExporterStorage): OtlpForwardingExporter {
  return new OtlpForwardingExporter(config, new GrpcTransport(config), logger, 'OTLP/gRPC exporter ready', storage, 'otlp');
}

/** One grpc-js channel per exporter, opened at start and closed at shutdown; every batch is one unary call on it. */
class GrpcTransport implements OtlpTransport {
  readonly url: string;
  readonly describe: Record<string, unknown>;
  private readonly tls: boolean;
  private readonly metadata = new Metadata();
  private client: Client | undefined;

  constructor(private readonly config: OtlpGrpcExporterConfig) {
    this.tls = usesTls(config);
    this.url = `${this.tls ? 'https' : 'http'}://${config.endpoint.address}`;
    this.describe = { compression: config.compression, tls: this.tls };
    for (const [key, value] of Object.entries(config.headers)) this.metadata.set(key, value);
  }

  async open(): Promise<void> {
    const { compression, retry_on_failure: retry } = this.config;
    this.client = withGoProxyVariables(() => new Client(this.config.endpoint.address, this.credentials(), {
      'grpc.primary_user_agent': USER_AGENT,
      'grpc.default_compression_algorithm': compression === 'gzip' ? compressionAlgorithms.gzip : compressionAlgorithms.identity,
      // The channel reconnects on its own schedule (grpc-js waits up to 2 min by default); keep it to the queue's
      // retry pace, so a receiver that comes back is used at the next retry rather than minutes later.
      'grpc.initial_reconnect_backoff_ms': retry.initial_interval,
      'grpc.max_reconnect_backoff_ms': retry.max_interval,
      // grpc-js tunnels through `grpc_proxy` / `https_proxy` / `http_proxy` even to this machine; Go, and so the
      // Collector, and tokenmeter's HTTP exporters never proxy loopback.
      'grpc.enable_http_proxy': isLoopbackHost(hostOf(this.config.endpoint.address)) ? 0 : 1,
      // The name the server's certificate is checked against and asked for, instead of the endpoint's host.
      ...(this.config.tls.server_name_override === undefined ? {} : { 'grpc.ssl_target_name_override': this.config.tls.server_name_override }),
    }));
  }

  send(body: Uint8Array, cancel: AbortSignal): Promise<OtlpAnswer> {
    const client = this.client;
    if (client === undefined) throw new Error('the OTLP/gRPC exporter sent before it was started');
    const { path, requestSerialize, responseDeserialize } = traceServiceDefinition.Export;
    return new Promise((resolve) => {
      const call = client.makeUnaryRequest(
        path,
        requestSerialize,
        responseDeserialize,
        body,
        this.metadata,
        { deadline: Date.now() + this.config.timeout },
        (error: ServiceError | null, response?: Uint8Array) => {
          cancel.removeEventListener('abort', onCancel);
          if (error !== null) resolve({ result: classifyFailure(error, this.url) });
          else resolve({ result: { outcome: 'delivered' }, partialSuccess: response && partialSuccessOf(response, 'protobuf') });
        },
      );
      // Stopping tokenmeter cancels the call: CANCELLED, kept for the next start.
      const onCancel = () => call.cancel();
      cancel.addEventListener('abort', onCancel, { once: true });
    });
  }

  close(): void {
    this.client?.close();
  }

  /**
   * Plaintext, or TLS as the `tls` keys ask (see tlsConnectOptions): checked against `ca_file` when given, else the
   * system's CAs, presenting the client certificate of `cert_file` / `key_file` when given (mutual TLS). grpc-js takes
   * versions only inside a whole TLS context, so that is made only when a version is set: otherwise grpc-js picks
   * the roots (`GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`, then Node's) as for any gRPC client.
   */
  private credentials(): ChannelCredentials {
    if (!this.tls) return credentials.createInsecure();
    const { ca, key, cert, minVersion, maxVersion, rejectUnauthorized } = tlsConnectOptions(this.config.tls);
    const verify = rejectUnauthorized === false ? { rejectUnauthorized } : {};
    if (minVersion === undefined && maxVersion === undefined) {
      return credentials.createSsl(ca ?? null, key ?? null, cert ?? null, verify);
    }
    return credentials.createFromSecureContext(createSecureContext({ ca, key, cert, minVersion, maxVersion }), verify);
  }
}

/**
 * grpc-js reads only lower-case proxy variables (`grpc_proxy`, `https_proxy`, `http_proxy`, `no_proxy`); Go, and so
 * the Collector, reads `HTTPS_PROXY` and `NO_PROXY` as well, the form containers and CI usually set. A channel reads
 * them once, when it is made: it is made with the upper-case ones standing in for lower-case ones that are not set.
 */
function withGoProxyVariables<T>(make: () => T): T {
  const filled = (['https_proxy', 'no_proxy'] as const).filter((name) => process.env[name] === undefined && process.env[name.toUpperCase()] !== undefined);
  for (const name of filled) process.env[name] = process.env[name.toUpperCase()];
  try {
    return make();
  } finally {
    for (const name of filled) delete process.env[name];
  }
}

/** The host of a `host:port` address (`[::1]:4317` too). */
function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}
