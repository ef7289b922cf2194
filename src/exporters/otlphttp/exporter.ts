import { decodeTracesProtobuf, encodeTracesJson } from '../../otlp/index.js';
import type { Logger } from '../../telemetry/logger.js';
import { compressed, HttpPool } from '../http/request.js';
import { OtlpForwardingExporter } from '../otlpforwarding/exporter.js';
import type { ExporterStorage } from '../sendingqueue/destination.js';
import { exportTraces } from './client.js';
import type { OtlpHttpRequest } from './client.js';
import type { OtlpHttpExporterConfig } from './config.js';
import { tracesUrl } from './config.js';

/**
 * The body as `encoding` asks. Batches are kept as protobuf (as every exporter's queue keeps them, whatever its
 * config at the next start or replay); OTLP/JSON is made from them as each is sent.
 */
function encoded(body: Uint8Array, encoding: OtlpHttpExporterConfig['encoding']): Uint8Array {
  return encoding === 'json' ? Buffer.from(encodeTracesJson(decodeTracesProtobuf(body))) : body;
}

/** Forwards spans to any OTLP/HTTP receiver: `POST` protobuf (or OTLP/JSON) to its traces URL (see OtlpForwardingExporter). */
export function createOtlpHttpExporter(config: OtlpHttpExporterConfig, logger: Logger, storage?: ExporterStorage): OtlpForwardingExporter {
  const url = tracesUrl(config);
  const { compression, encoding } = config;
  const request: OtlpHttpRequest = { pool: new HttpPool(url, config.timeout, config.tls), url, encoding, headers: config.headers, timeoutMs: config.timeout };
  const transport = {
    url: request.url,
    describe: { compression, encoding, ...(config.tls.ca_file === undefined ? {} : { caFile: config.tls.ca_file }) },
    send: async (body: Uint8Array, cancel: AbortSignal) => exportTraces(request, await compressed(encoded(body, encoding), compression), compression === 'gzip', cancel),
    close: () => void request.pool.close(),
  };
  return new OtlpForwardingExporter(config, transport, logger, 'OTLP/HTTP exporter ready', storage, 'otlphttp');
}
