import type { Logger } from '../../telemetry/logger.js';
import { compressed, HttpPool } from '../http/request.js';
import { OtlpForwardingExporter } from '../otlpforwarding/exporter.js';
import type { ExporterStorage } from '../sendingqueue/destination.js';
import { exportTraces } from './client.js';
import type { OtlpHttpRequest } from './client.js';
import type { OtlpHttpExporterConfig } from './config.js';
import { tracesUrl } from './config.js';

/** Forwards spans to any OTLP/HTTP receiver: `POST` protobuf to its traces URL (see OtlpForwardingExporter). */
export function createOtlpHttpExporter(config: OtlpHttpExporterConfig, logger: Logger, storage?: ExporterStorage): OtlpForwardingExporter {
  const url = tracesUrl(config);
  const request: OtlpHttpRequest = { pool: new HttpPool(url, config.timeout, config.tls), url, headers: config.headers, timeoutMs: config.timeout };
  const { compression } = config;
  const transport = {
    url: request.url,
    describe: { compression, ...(config.tls.ca_file === undefined ? {} : { caFile: config.tls.ca_file }) },
    send: async (body: Uint8Array, cancel: AbortSignal) => exportTraces(request, await compressed(body, compression), compression === 'gzip', cancel),
    close: () => void request.pool.close(),
  };
  return new OtlpForwardingExporter(config, transport, logger, 'OTLP/HTTP exporter ready', storage, 'otlphttp');
}
