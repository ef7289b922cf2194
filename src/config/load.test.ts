import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { components } from '../components.js';
import type { MlflowExporterConfig } from '../exporters/mlflow/config.js';
import type { OtlpReceiverConfig } from '../receivers/otlp/config.js';
import { embeddedDefaultConfig } from './defaults.js';
import { ConfigError } from './errors.js';
import { readConfigFile, validateConfig } from './load.js';

const minimal = (exporter: Record<string, unknown> = {}) => ({
  receivers: { otlp: null },
  exporters: { mlflow: exporter },
  service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['mlflow'] } } },
});

function problemsOf(document: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    validateConfig(document, components, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('config', () => {
  it('fills defaults: loopback 4318, /v1/traces, 20 MiB, gzip to MLflow', () => {
    const config = validateConfig(minimal(), components, {});
    const receiver = config.receivers.get('otlp')!.config as OtlpReceiverConfig;
    expect(receiver.protocols.http).toEqual({
      endpoint: { host: '127.0.0.1', port: 4318 },
      traces_path: '/v1/traces',
      max_request_body_size: 20 * 1024 * 1024,
    });
    const exporter = config.exporters.get('mlflow')!.config as MlflowExporterConfig;
    expect(exporter.compression).toBe('gzip');
    expect(exporter.timeout).toBe(10_000);
  });

  it('takes MLflow from MLflow\'s own environment variables by default', () => {
    const saved = { ...process.env };
    process.env.MLFLOW_TRACKING_URI = 'http://mlflow.internal:5000';
    process.env.MLFLOW_EXPERIMENT_NAME = 'agents';
    delete process.env.MLFLOW_EXPERIMENT_ID;
    try {
      const config = validateConfig(embeddedDefaultConfig([]), components, {});
      const exporter = config.exporters.get('mlflow')!.config as MlflowExporterConfig;
      expect(exporter.tracking_uri).toBe('http://mlflow.internal:5000');
      expect(exporter.experiment_name).toBe('agents');
      expect(exporter.experiment_id).toBeUndefined();
    } finally {
      process.env = saved;
    }
  });

  it('substitutes ${VAR}, ${env:VAR} and ${VAR:-default}, keeping a whole reference typed', () => {
    const document = parseYaml(`
receivers:
  otlp:
    protocols:
      http:
        endpoint: \${HOST:-127.0.0.1}:\${env:PORT}
        max_request_body_size: \${LIMIT}
exporters:
  mlflow:
    tracking_uri: \${MLFLOW:-http://localhost:5000}
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [mlflow] }
`);
    const config = validateConfig(document, components, { PORT: '14318', LIMIT: '1024' });
    const receiver = config.receivers.get('otlp')!.config as OtlpReceiverConfig;
    expect(receiver.protocols.http!.endpoint).toEqual({ host: '127.0.0.1', port: 14318 });
    expect(receiver.protocols.http!.max_request_body_size).toBe(1024);
    expect((config.exporters.get('mlflow')!.config as MlflowExporterConfig).tracking_uri).toBe('http://localhost:5000');
  });

  it('names a missing environment variable and where it is used', () => {
    const document = minimal({ tracking_uri: '${NOPE}' });
    expect(problemsOf(document)).toEqual([
      'exporters.mlflow.tracking_uri: environment variable NOPE is not set (write ${NOPE:-default} to give a default)',
    ]);
  });

  it('names the key, the value and what was expected, for every problem at once', () => {
    const document = {
      receivers: { otlp: { protocols: { http: { endpoint: 'localhost', max_request_body_size: 'lots' } } } },
      exporters: { mlflow: { compression: 'zstd', timeout: 'soon', experiment_id: 'abc', sending_queue: { num_consumers: 0 } } },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['mlflow'] } } },
    };
    const problems = problemsOf(document);
    expect(problems).toContain('receivers.otlp.protocols.http.endpoint: got "localhost", expected host:port, e.g. 127.0.0.1:4318');
    expect(problems).toContain(
      'receivers.otlp.protocols.http.max_request_body_size: got "lots", expected a size such as 4194304, 512KiB or 20MiB',
    );
    expect(problems).toContain('exporters.mlflow.compression: got "zstd", expected one of "gzip", "none"');
    expect(problems).toContain('exporters.mlflow.timeout: got "soon", expected a duration such as 500ms, 10s, 2m or 1h');
    expect(problems).toContain('exporters.mlflow.experiment_id: got "abc", expected a numeric MLflow experiment id');
    expect(problems).toContain('exporters.mlflow.sending_queue.num_consumers: got 0, expected > 0');
    expect(problemsOf({ ...minimal(), admin: { metrics: { otlp: { endpoint: 'localhost:4318' } } } })).toEqual([
      'admin.metrics.otlp.endpoint: got "localhost:4318", expected an http(s) URL such as http://127.0.0.1:4318/v1/metrics',
    ]);
  });

  it('rejects unknown keys, unknown component types and dangling pipeline references', () => {
    const document = {
      receivers: { otlp: { protocol: {} }, kafka: {} },
      exporters: { mlflow: {} },
      service: { pipelines: { traces: { receivers: ['otlp', 'zipkin'], exporters: ['mlflow'] } } },
    };
    const problems = problemsOf(document);
    expect(problems).toContain('receivers.otlp: unknown key(s) "protocol"');
    expect(problems).toContain('receivers.kafka: unknown receiver type "kafka", expected one of: otlp');
    expect(problems).toContain(
      'service.pipelines.traces.receivers[1]: got "zipkin", expected one of the receivers defined above (otlp, kafka)',
    );
  });

  it('requires at least one pipeline with receivers and exporters', () => {
    expect(problemsOf({ receivers: {}, service: { pipelines: {} } })).toEqual([
      'service.pipelines: got {}, expected at least one pipeline',
    ]);
    expect(problemsOf({ service: { pipelines: { traces: { receivers: [], exporters: ['x'] } } } })).toContain(
      'service.pipelines.traces.receivers: got [], expected >= 1',
    );
  });

  it('reports a YAML syntax error with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenmeter-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'receivers: [unclosed\n');
    expect(() => readConfigFile(file)).toThrow(/bad\.yaml: not valid YAML/);
    expect(() => readConfigFile(join(dir, 'missing.yaml'))).toThrow(/cannot read config file/);
  });

  it('accepts the commented example in config/', () => {
    const config = validateConfig(readConfigFile('config/tokenmeter.yaml'), components, {});
    expect([...config.pipelines.keys()]).toEqual(['traces']);
  });
});
