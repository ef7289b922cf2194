import { describe, expect, it } from 'vitest';
import { components } from '../../components.js';
import { ConfigError } from '../../config/errors.js';
import { validateConfig } from '../../config/load.js';
import type { OtlpGrpcExporterConfig } from './config.js';
import { usesTls } from './config.js';

const withExporter = (id: string, section: unknown) => ({
  receivers: { otlp: null },
  exporters: { [id]: section },
  service: { pipelines: { traces: { receivers: ['otlp'], exporters: [id] } } },
});

const configOf = (section: unknown) => validateConfig(withExporter('otlp/tempo', section), components, {}).exporters.get('otlp/tempo')!.config as OtlpGrpcExporterConfig;

/** The problems the config error lists, one line each as tokenmeter prints them. */
function rejected(section: unknown): string[] {
  try {
    configOf(section);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the config was accepted');
}

describe('otlp (gRPC) exporter config', () => {
  it('has the Collector otlpexporter factory’s defaults (gzip, 5 s per call) and the shared queue and retry defaults', () => {
    expect(configOf({ endpoint: 'tempo:4317' })).toMatchObject({
      endpoint: { address: 'tempo:4317', scheme: undefined },
      tls: {},
      compression: 'gzip',
      timeout: 5_000,
      headers: {},
      sending_queue: { queue_size: 1000, max_bytes: 256 * 1024 ** 2, num_consumers: 2 },
      retry_on_failure: { initial_interval: 1_000, max_interval: 30_000, max_elapsed_time: 300_000 },
    });
  });

  it('uses TLS for https:// and for a bare host:port unless tls.insecure; plaintext for http://', () => {
    expect(usesTls(configOf({ endpoint: 'tempo:4317' }))).toBe(true);
    expect(usesTls(configOf({ endpoint: 'tempo:4317', tls: { insecure: true } }))).toBe(false);
    expect(usesTls(configOf({ endpoint: 'https://tempo:4317', tls: { ca_file: '/etc/ca.pem' } }))).toBe(true);
    expect(usesTls(configOf({ endpoint: 'http://127.0.0.1:4317/' }))).toBe(false);
    expect(configOf({ endpoint: 'http://[::1]:4317' }).endpoint).toEqual({ address: '[::1]:4317', scheme: 'http' });
  });

  it('names the key, the value and what was expected', () => {
    const endpointExpected = 'expected host:port or http(s)://host:port, e.g. tempo:4317';
    expect(rejected({})).toEqual([`exporters.otlp/tempo.endpoint: got nothing, ${endpointExpected}`]);
    expect(rejected({ endpoint: 'tempo' })).toEqual([`exporters.otlp/tempo.endpoint: got "tempo", ${endpointExpected}`]);
    expect(rejected({ endpoint: 'grpc://tempo:4317' })).toEqual([`exporters.otlp/tempo.endpoint: got "grpc://tempo:4317", ${endpointExpected}`]);
    expect(rejected({ endpoint: 'tempo:4317/v1/traces' })).toEqual([`exporters.otlp/tempo.endpoint: got "tempo:4317/v1/traces", ${endpointExpected}`]);
    expect(rejected({ endpoint: 'tempo:4317', timeout: '5 seconds', compression: 'zstd', tls: { insecure: 'yes' } })).toEqual([
      'exporters.otlp/tempo.tls.insecure: got "yes", expected boolean',
      'exporters.otlp/tempo.compression: got "zstd", expected one of "gzip", "none"',
      'exporters.otlp/tempo.timeout: got "5 seconds", expected a duration such as 500ms, 10s, 2m or 1h',
    ]);
    expect(rejected({ endpoint: 'https://tempo:4317', tls: { insecure: true } })).toEqual([
      'exporters.otlp/tempo.tls.insecure: got true, expected false or nothing: the https:// endpoint asks for TLS',
    ]);
    expect(rejected({ endpoint: 'http://tempo:4317', tls: { ca_file: '/etc/ca.pem' } })).toEqual([
      'exporters.otlp/tempo.tls.ca_file: got "/etc/ca.pem", expected nothing: the http:// endpoint asks for plaintext (write https:// or host:port for TLS)',
    ]);
    expect(rejected({ endpoint: 'tempo:4317', tls: { cert_file: 'c.pem' }, encoding: 'json' })).toEqual([
      'exporters.otlp/tempo.tls.key_file: got nothing, expected the PEM file of the client key: cert_file is set (mutual TLS needs both)',
      'exporters.otlp/tempo: unknown key(s) "encoding"',
    ]);
    expect(rejected({ endpoint: 'http://tempo:4317', tls: { insecure: false, cert_file: 'c.pem', key_file: 'k.pem' } })).toEqual([
      'exporters.otlp/tempo.tls.insecure: got false, expected nothing: the http:// endpoint asks for plaintext (write https:// or host:port for TLS)',
      'exporters.otlp/tempo.tls.cert_file: got "c.pem", expected nothing: the http:// endpoint asks for plaintext (write https:// or host:port for TLS)',
      'exporters.otlp/tempo.tls.key_file: got "k.pem", expected nothing: the http:// endpoint asks for plaintext (write https:// or host:port for TLS)',
    ]);
    expect(configOf({ endpoint: 'tempo:4317', tls: { cert_file: 'c.pem', key_file: 'k.pem' } }).tls).toEqual({ cert_file: 'c.pem', key_file: 'k.pem' });
  });

  it('sends a batch in requests of at most 4 MiB by default, as gRPC receivers take them; the Collector\'s merging keys are refused', () => {
    expect(configOf({ endpoint: 'tempo:4317' }).sending_queue.batch).toEqual({ sizer: 'bytes', max_size: 4 * 1024 * 1024 });
    expect(configOf({ endpoint: 'tempo:4317', sending_queue: { batch: { sizer: 'items', max_size: 512 } } }).sending_queue.batch).toEqual({ sizer: 'items', max_size: 512 });
    expect(rejected({ endpoint: 'tempo:4317', sending_queue: { batch: { min_size: 100, sizer: 'requests' } } })).toEqual([
      'exporters.otlp/tempo.sending_queue.batch.sizer: got "requests", expected one of "items", "bytes"',
      'exporters.otlp/tempo.sending_queue.batch: unknown key(s) "min_size"',
    ]);
  });

  it('takes the Collector\'s other TLS client keys, and says what cannot work', () => {
    const tls = { insecure_skip_verify: true, min_version: '1.2', max_version: '1.3', server_name_override: 'collector.internal' };
    expect(configOf({ endpoint: '10.0.0.7:4317', tls }).tls).toEqual(tls);
    expect(rejected({ endpoint: 'tempo:4317', tls: { min_version: '1.3', max_version: '1.2' } })).toEqual([
      'exporters.otlp/tempo.tls.max_version: got "1.2", expected 1.3 or newer: min_version is 1.3',
    ]);
    expect(rejected({ endpoint: 'tempo:4317', tls: { min_version: 'TLSv1.3' } })).toEqual([
      'exporters.otlp/tempo.tls.min_version: got "TLSv1.3", expected one of "1.0", "1.1", "1.2", "1.3"',
    ]);
    expect(rejected({ endpoint: 'http://tempo:4317', tls: { insecure_skip_verify: true, server_name_override: 'tempo.internal' } })).toEqual([
      'exporters.otlp/tempo.tls.server_name_override: got "tempo.internal", expected nothing: the http:// endpoint asks for plaintext (write https:// or host:port for TLS)',
      'exporters.otlp/tempo.tls.insecure_skip_verify: got true, expected false or nothing: the http:// endpoint asks for plaintext (write https:// or host:port for TLS)',
    ]);
  });
});
