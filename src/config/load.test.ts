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

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tokenmeter-config-')), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

/** Runs `use` with these of MLflow's variables set and the others unset, as the exporter reads them from process.env. */
function withMlflowVariables<T>(variables: Record<string, string>, use: () => T): T {
  const saved = { ...process.env };
  for (const name of ['MLFLOW_TRACKING_URI', 'MLFLOW_EXPERIMENT_ID', 'MLFLOW_EXPERIMENT_NAME']) delete process.env[name];
  Object.assign(process.env, variables);
  try {
    return use();
  } finally {
    process.env = saved;
  }
}

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

  it('keeps numeric text where a key wants text: quoted references stay strings, plain ones turn back', () => {
    const file = configFile(`
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:\${PORT}
        auth:
          bearer_token: \${TM_TOKEN}
        max_request_body_size: \${LIMIT}
exporters:
  mlflow:
    tracking_uri: https://mlflow.internal
    experiment_id: \${MLFLOW_EXPERIMENT_ID}
    experiment_from_header: \${FROM_HEADER}
    timeout: \${TIMEOUT_MS}
    headers:
      X-Scope-OrgID: "\${TENANT}"
      X-Team: '\${TENANT}'
      X-Plain: \${TENANT}
    tls:
      min_version: \${TLS_MIN}
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [mlflow] }
`);
    const env = { PORT: '14318', TM_TOKEN: '123456', LIMIT: '1024', MLFLOW_EXPERIMENT_ID: '12', FROM_HEADER: 'false', TIMEOUT_MS: '5000', TENANT: '42', TLS_MIN: '1.2' };
    const config = withMlflowVariables({}, () => validateConfig(readConfigFile(file), components, env));
    const http = (config.receivers.get('otlp')!.config as OtlpReceiverConfig).protocols.http!;
    expect(http.endpoint.port).toBe(14318);
    expect(http.auth).toEqual({ bearer_token: '123456' });
    expect(http.max_request_body_size).toBe(1024);
    const exporter = config.exporters.get('mlflow')!.config as MlflowExporterConfig;
    expect(exporter).toMatchObject({ experiment_id: '12', experiment_from_header: false, timeout: 5000, headers: { 'X-Scope-OrgID': '42', 'X-Team': '42', 'X-Plain': '42' } });
    expect(exporter.tls.min_version).toBe('1.2');
    // Where a number is wanted, a quoted reference is still text, as YAML reads "5000".
    const quoted = configFile(`
exporters: { mlflow: { feedback: { queue_size: "\${QUEUE}" } } }
receivers: { otlp: }
service: { pipelines: { traces: { receivers: [otlp], exporters: [mlflow] } } }
`);
    expect(problemsOf(readConfigFile(quoted), { QUEUE: '10' })).toEqual(['exporters.mlflow.feedback.queue_size: got "10", expected number']);
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

  it('reports the problems of every section and every missing variable at once', () => {
    const document = {
      receivers: { otlp: { protocols: { http: { endpoint: '${HOST}:${PORT}' } } } },
      exporters: { mlflow: { compression: 'zstd', tracking_uri: '${MLFLOW}' } },
      storage: { mode: 'tape' },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['mlflow', 'ledger'] } } },
    };
    expect(problemsOf(document)).toEqual([
      'receivers.otlp.protocols.http.endpoint: environment variable HOST is not set (write ${HOST:-default} to give a default)',
      'receivers.otlp.protocols.http.endpoint: environment variable PORT is not set (write ${PORT:-default} to give a default)',
      'exporters.mlflow.tracking_uri: environment variable MLFLOW is not set (write ${MLFLOW:-default} to give a default)',
      'storage.mode: got "tape", expected one of "disk", "memory"',
      'exporters.mlflow.compression: got "zstd", expected one of "gzip", "none"',
      'service.pipelines.traces.exporters[1]: got "ledger", expected one of the exporters defined above (mlflow)',
    ]);
  });

  it('refuses a component listed twice in a pipeline, which would get every span twice', () => {
    const document = {
      ...minimal(),
      processors: { costestimator: {} },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'costestimator'], exporters: ['mlflow', 'mlflow'] } } },
    };
    expect(problemsOf(document)).toEqual([
      'service.pipelines.traces.processors[1]: "costestimator" is listed more than once',
      'service.pipelines.traces.exporters[1]: "mlflow" is listed more than once',
    ]);
  });

  it('refuses trace assembly listed before the CostEstimator whose costs it sums, and takes the memory limiter anywhere', () => {
    const document = (...processors: string[]) => ({
      ...minimal(),
      processors: { memory_limiter: {}, costestimator: {}, 'costestimator/azure': {}, traceassembly: {}, 'traceassembly/slow': {} },
      service: { pipelines: { traces: { receivers: ['otlp'], processors, exporters: ['mlflow'] } } },
    });
    expect(problemsOf(document('traceassembly', 'costestimator'))).toEqual([
      'service.pipelines.traces.processors: got "traceassembly" at [0] before "costestimator" at [1], expected "costestimator" before "traceassembly" (trace assembly sums the costs the CostEstimator writes onto the spans)',
    ]);
    expect(problemsOf(document('memory_limiter', 'traceassembly/slow', 'costestimator/azure'))).toEqual([
      'service.pipelines.traces.processors: got "traceassembly/slow" at [1] before "costestimator/azure" at [2], expected "costestimator/azure" before "traceassembly/slow" (trace assembly sums the costs the CostEstimator writes onto the spans)',
    ]);
    // The memory limiter refuses before a request enters the pipeline, wherever it is listed.
    expect(validateConfig(document('costestimator', 'traceassembly', 'memory_limiter'), components, {}).pipelines.get('traces')!.processors).toEqual([
      'costestimator',
      'traceassembly',
      'memory_limiter',
    ]);
  });

  it('refuses an admin.ledger that is no ledger exporter of a pipeline, whose page would answer 503 forever', () => {
    const document = (ledger: string) => ({
      receivers: { otlp: null },
      exporters: { ledger: {}, 'ledger/archive': {}, mlflow: {} },
      admin: { ledger },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['ledger', 'mlflow'] } } },
    });
    const expected = (value: string) => `admin.ledger: got "${value}", expected the id of a ledger exporter that a pipeline in service.pipelines uses (ledger)`;
    expect(problemsOf(document('ledger/archive'))).toEqual([expected('ledger/archive')]);
    expect(problemsOf(document('mlflow'))).toEqual([expected('mlflow')]);
    expect(problemsOf(document('ledger/missing'))).toEqual([expected('ledger/missing')]);
    expect(validateConfig(document('ledger'), components, {}).admin.ledger).toBe('ledger');
    // Another problem under service leaves the pipelines readable: the receiver and the ledger are still seen in use.
    const loud = { ...document('ledger'), service: { ...document('ledger').service, telemetry: { logs: { level: 'loud' } } } };
    expect(problemsOf(loud)).toEqual(['service.telemetry.logs.level: got "loud", expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent"']);
  });

  it('takes a bare grpc: or http: under the OTLP receiver\'s protocols as that protocol with its defaults, as the Collector does', () => {
    const file = configFile(`
receivers:
  otlp:
    protocols:
      grpc:
      http:
exporters:
  ledger:
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [ledger] }
`);
    const receiver = validateConfig(readConfigFile(file), components, {}).receivers.get('otlp')!.config as OtlpReceiverConfig;
    expect(receiver.protocols.grpc).toEqual({ endpoint: { host: '127.0.0.1', port: 4317 }, max_recv_msg_size: 4 * 1024 * 1024 });
    expect(receiver.protocols.http).toMatchObject({ endpoint: { host: '127.0.0.1', port: 4318 }, traces_path: '/v1/traces' });
  });

  it('takes TOKENMETER_LOG_LEVEL over the file, empty as unset, and refuses an unknown level', () => {
    const document = { ...minimal(), service: { ...minimal().service, telemetry: { logs: { level: 'warn' } } } };
    expect(validateConfig(document, components, { TOKENMETER_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(validateConfig(document, components, { TOKENMETER_LOG_LEVEL: '' }).logLevel).toBe('warn');
    expect(problemsOf(document, { TOKENMETER_LOG_LEVEL: 'verbose' })).toEqual([
      'service.telemetry.logs.level: got "verbose", expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent" (from TOKENMETER_LOG_LEVEL)',
    ]);
  });

  it('refuses sizes and intervals of 0, in either form, and an OTLP receiver with no protocol', () => {
    const document = {
      receivers: { otlp: { protocols: { http: { max_request_body_size: '0' }, grpc: { max_recv_msg_size: '0.5b' } } }, 'otlp/none': { protocols: {} } },
      exporters: {
        mlflow: { timeout: 0, retry_on_failure: { initial_interval: '0s', max_interval: 0 } },
        ledger: { prune_interval: 0 },
      },
      admin: { page: { window: '0m' }, metrics: { otlp: { endpoint: 'http://127.0.0.1:4318/v1/metrics', interval: 0 } } },
      service: { pipelines: { traces: { receivers: ['otlp', 'otlp/none'], exporters: ['mlflow', 'ledger'] } } },
    };
    expect(problemsOf(document)).toEqual([
      'admin.metrics.otlp.interval: got 0, expected a duration above 0, such as 1s',
      'admin.page.window: got "0m", expected a duration above 0, such as 1s',
      'receivers.otlp.protocols.http.max_request_body_size: got "0", expected a size above 0, such as 512KiB',
      'receivers.otlp.protocols.grpc.max_recv_msg_size: got "0.5b", expected a size above 0, such as 512KiB',
      'receivers.otlp/none.protocols: got {}, expected at least one of http, grpc',
      'exporters.mlflow.timeout: got 0, expected a duration above 0, such as 1s',
      'exporters.mlflow.retry_on_failure.initial_interval: got "0s", expected a duration above 0, such as 1s',
      'exporters.mlflow.retry_on_failure.max_interval: got 0, expected a duration above 0, such as 1s',
      'exporters.ledger.prune_interval: got 0, expected a duration above 0, such as 1s',
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

  it('takes MLflow from either experiment variable in the commented example, else experiment 0', () => {
    const mlflowOf = (variables: Record<string, string>) =>
      withMlflowVariables(variables, () => validateConfig(readConfigFile('config/tokenmeter.yaml'), components, variables).exporters.get('mlflow')!.config as MlflowExporterConfig);
    expect(mlflowOf({ MLFLOW_TRACKING_URI: 'http://mlflow:5000', MLFLOW_EXPERIMENT_ID: '12' })).toMatchObject({ tracking_uri: 'http://mlflow:5000', experiment_id: '12' });
    expect(mlflowOf({ MLFLOW_EXPERIMENT_ID: '12' }).experiment_name).toBeUndefined();
    expect(mlflowOf({ MLFLOW_EXPERIMENT_NAME: 'agents' })).toMatchObject({ experiment_name: 'agents' });
    expect(mlflowOf({ MLFLOW_EXPERIMENT_NAME: 'agents' }).experiment_id).toBeUndefined();
    const neither = mlflowOf({});
    expect([neither.tracking_uri, neither.experiment_id, neither.experiment_name]).toEqual(['http://127.0.0.1:5000', undefined, undefined]);
  });
});
