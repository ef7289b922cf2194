import { describe, expect, it } from 'vitest';
import { components } from '../../components.js';
import { ConfigError } from '../../config/errors.js';
import { validateConfig } from '../../config/load.js';
import type { OtlpHttpExporterConfig } from './config.js';
import { tracesUrl } from './config.js';

const withExporter = (id: string, section: unknown) => ({
  receivers: { otlp: null },
  exporters: { [id]: section },
  service: { pipelines: { traces: { receivers: ['otlp'], exporters: [id] } } },
});

const configOf = (id: string, section: unknown) => validateConfig(withExporter(id, section), components, {}).exporters.get(id)!.config as OtlpHttpExporterConfig;

/** The problems the config error lists, one line each as tokenmeter prints them. */
function rejected(section: unknown): string[] {
  const error: unknown = (() => {
    try {
      configOf('otlphttp/tempo', section);
    } catch (thrown) {
      return thrown;
    }
  })();
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('otlphttp exporter config', () => {
  it('has the Collector’s defaults where it sets them (gzip, 30 s) and the shared queue and retry defaults', () => {
    const config = configOf('otlphttp', { endpoint: 'http://tempo:4318' });
    expect(config).toMatchObject({
      encoding: 'proto',
      compression: 'gzip',
      timeout: 30_000,
      headers: {},
      sending_queue: { queue_size: 1000, max_bytes: 256 * 1024 ** 2, num_consumers: 2 },
      retry_on_failure: { initial_interval: 1_000, max_interval: 30_000, max_elapsed_time: 300_000 },
    });
  });

  it('sends to <endpoint>/v1/traces, or to traces_endpoint as given when it is set', () => {
    expect(tracesUrl(configOf('otlphttp', { endpoint: 'http://collector:4318' }))).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl(configOf('otlphttp', { endpoint: 'https://example.com/otlp/' }))).toBe('https://example.com/otlp/v1/traces');
    const both = configOf('otlphttp/langfuse', { endpoint: 'http://a:4318', traces_endpoint: 'https://cloud.langfuse.com/api/public/otel/v1/traces' });
    expect(tracesUrl(both)).toBe('https://cloud.langfuse.com/api/public/otel/v1/traces');
  });

  it('names the key, the value and what was expected', () => {
    expect(rejected({})).toEqual([
      'exporters.otlphttp/tempo.endpoint: got nothing, expected an http:// or https:// base URL such as http://collector:4318 (or traces_endpoint, the full traces URL)',
    ]);
    expect(rejected({ endpoint: 'tempo:4318' })).toEqual(['exporters.otlphttp/tempo.endpoint: got "tempo:4318", expected an http:// or https:// URL']);
    expect(rejected({ traces_endpoint: 'ftp://tempo/v1/traces' })).toEqual([
      'exporters.otlphttp/tempo.traces_endpoint: got "ftp://tempo/v1/traces", expected an http:// or https:// URL',
    ]);
    expect(rejected({ endpoint: 'http://tempo:4318', timeout: '30 seconds', compression: 'zstd', sending_queue: { queue_size: 0 } })).toEqual([
      'exporters.otlphttp/tempo.compression: got "zstd", expected one of "gzip", "none"',
      'exporters.otlphttp/tempo.timeout: got "30 seconds", expected a duration such as 500ms, 10s, 2m or 1h',
      'exporters.otlphttp/tempo.sending_queue.queue_size: got 0, expected > 0',
    ]);
    expect(rejected({ timeout: -1 })).toEqual([
      'exporters.otlphttp/tempo.timeout: got -1, expected >= 0',
      'exporters.otlphttp/tempo.endpoint: got nothing, expected an http:// or https:// base URL such as http://collector:4318 (or traces_endpoint, the full traces URL)',
    ]);
    expect(rejected({ endpoint: 'http://tempo:4318', encoding: 'xml', batch_size: 100 })).toEqual([
      'exporters.otlphttp/tempo.encoding: got "xml", expected one of "proto", "json"',
      'exporters.otlphttp/tempo: unknown key(s) "batch_size"',
    ]);
  });

  it('refuses a header that cannot be sent, naming it, its value masked but for what cannot be sent', () => {
    expect(configOf('otlphttp', { endpoint: 'http://tempo:4318', headers: { 'X-Scope-OrgID': 'team a', Authorization: 'Bearer t\tok' } }).headers).toEqual({
      'X-Scope-OrgID': 'team a',
      Authorization: 'Bearer t\tok',
    });
    expect(rejected({ endpoint: 'http://tempo:4318', headers: { Authorization: 'Bearer abc\n', 'X Team': 'a', 'X-Id': 'a\u0000b' } })).toEqual([
      'exporters.otlphttp/tempo.headers.Authorization: got "**********\\n", expected a header value without line breaks or other control characters (an RFC 9110 field-value)',
      'exporters.otlphttp/tempo.headers.X Team: got "X Team", expected a header name of letters, digits and !#$%&\'*+-.^_`|~ (an RFC 9110 token)',
      'exporters.otlphttp/tempo.headers.X-Id: got "*\\u0000*", expected a header value without line breaks or other control characters (an RFC 9110 field-value)',
    ]);
  });

  it('takes a CA file for an https:// destination, and refuses one for a plaintext destination', () => {
    expect(configOf('otlphttp', { endpoint: 'https://tempo:4318', tls: { ca_file: '/etc/ca.pem' } }).tls).toEqual({ ca_file: '/etc/ca.pem' });
    expect(configOf('otlphttp', { endpoint: 'http://tempo:4318' }).tls).toEqual({});
    expect(rejected({ endpoint: 'http://tempo:4318', tls: { ca_file: '/etc/ca.pem' } })).toEqual([
      'exporters.otlphttp/tempo.tls.ca_file: got "/etc/ca.pem", expected nothing: the http:// endpoint asks for plaintext (write https:// for TLS)',
    ]);
    // The URL requests go to decides: traces_endpoint wins over endpoint.
    expect(configOf('otlphttp', { endpoint: 'http://a:4318', traces_endpoint: 'https://b/v1/traces', tls: { ca_file: '/etc/ca.pem' } }).tls.ca_file).toBe('/etc/ca.pem');
    expect(rejected({ endpoint: 'https://tempo:4318', tls: { insecure: true } })).toEqual(['exporters.otlphttp/tempo.tls: unknown key(s) "insecure"']);
  });
});
