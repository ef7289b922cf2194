import { afterEach, describe, expect, it } from 'vitest';
import { describeZodIssues } from '../../config/errors.js';
import { mlflowExporterConfigSchema } from './config.js';

const VARIABLES = ['MLFLOW_TRACKING_URI', 'MLFLOW_EXPERIMENT_ID', 'MLFLOW_EXPERIMENT_NAME'] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

function problemsWith(variables: Partial<Record<(typeof VARIABLES)[number], string>>, section: Record<string, unknown> = {}): string[] {
  for (const name of VARIABLES) delete process.env[name];
  Object.assign(process.env, variables);
  const parsed = mlflowExporterConfigSchema.safeParse(section);
  return parsed.success ? [] : describeZodIssues(parsed.error, section, ['exporters', 'mlflow']);
}

afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('mlflow exporter config from MLflow’s variables', () => {
  it('holds MLFLOW_TRACKING_URI to what tracking_uri must be, naming the variable and its value', () => {
    expect(problemsWith({ MLFLOW_TRACKING_URI: 'localhost:5000' })).toEqual([
      'exporters.mlflow.tracking_uri: got "localhost:5000", expected an http:// or https:// URL (from MLFLOW_TRACKING_URI)',
    ]);
    expect(problemsWith({ MLFLOW_TRACKING_URI: 'ftp://x' })).toHaveLength(1);
    // Written in the file, the file's value is the one checked, and the variable is not read.
    expect(problemsWith({ MLFLOW_TRACKING_URI: 'ftp://x' }, { tracking_uri: 'http://mlflow:5000' })).toEqual([]);
  });

  it('reports a bad MLFLOW_EXPERIMENT_ID with its value, together with the file’s own problems', () => {
    expect(problemsWith({ MLFLOW_EXPERIMENT_ID: '12a' }, { compression: 'zstd' })).toEqual([
      'exporters.mlflow.compression: got "zstd", expected one of "gzip", "none"',
      'exporters.mlflow.experiment_id: got "12a", expected a numeric MLflow experiment id (from MLFLOW_EXPERIMENT_ID)',
    ]);
    // A config naming an experiment wins over both variables, so a bad one is not read either.
    expect(problemsWith({ MLFLOW_EXPERIMENT_ID: '12a' }, { experiment_name: 'agents' })).toEqual([]);
  });

  it('fills what the file leaves out; empty variables are unset', () => {
    for (const name of VARIABLES) delete process.env[name];
    Object.assign(process.env, { MLFLOW_TRACKING_URI: 'https://mlflow.internal', MLFLOW_EXPERIMENT_ID: '', MLFLOW_EXPERIMENT_NAME: 'agents' });
    const config = mlflowExporterConfigSchema.parse({});
    expect([config.tracking_uri, config.experiment_id, config.experiment_name]).toEqual(['https://mlflow.internal', undefined, 'agents']);
  });
});

describe('exporters.mlflow.sending_queue.batch', () => {
  it('bounds a request to 100 traces by default, its spans and bytes not; max_traces 0 is no bound', () => {
    expect(mlflowExporterConfigSchema.parse({}).sending_queue.batch).toEqual({ sizer: 'bytes', max_size: 0, max_traces: 100 });
    expect(mlflowExporterConfigSchema.parse({ sending_queue: { batch: { max_traces: 0 } } }).sending_queue.batch.max_traces).toBe(0);
  });

  it('refuses a max_traces that is no whole number of traces, naming the key and the value', () => {
    for (const bad of [-1, 1.5, '100', null]) {
      expect(problemsWith({}, { sending_queue: { batch: { max_traces: bad } } })).toEqual([
        `exporters.mlflow.sending_queue.batch.max_traces: got ${JSON.stringify(bad)}, expected a whole number of traces, such as 100 (0: no limit)`,
      ]);
    }
  });
});
