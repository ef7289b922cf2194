import { describe, expect, it } from 'vitest';
import { components } from '../components.js';
import type { LedgerExporterConfig } from '../exporters/ledger/config.js';
import type { OtlpReceiverConfig } from '../receivers/otlp/config.js';
import { embeddedDefaultConfig } from './defaults.js';
import { validateConfig } from './load.js';

const processors = Object.keys(components.processors);
const load = (env: NodeJS.ProcessEnv) => validateConfig(embeddedDefaultConfig(processors, env), components, env);

describe('embedded defaults', () => {
  it('listen on loopback, record into tokenmeter.db and forward nowhere without MLFLOW_TRACKING_URI', () => {
    const config = load({});
    const { protocols } = config.receivers.get('otlp')!.config as OtlpReceiverConfig;
    expect(protocols.grpc!.endpoint).toEqual({ host: '127.0.0.1', port: 4317 });
    expect(protocols.http!.endpoint).toEqual({ host: '127.0.0.1', port: 4318 });
    expect(config.admin.endpoint).toEqual({ host: '127.0.0.1', port: 9464 });
    expect((config.exporters.get('ledger')!.config as LedgerExporterConfig).path).toBe('tokenmeter.db');
    expect([...config.exporters.keys()]).toEqual(['ledger']);
    expect(config.pipelines.get('traces')!.processors).toEqual(processors);
  });

  // The container image runs on these defaults: a config file there would forward to an MLflow that may not exist,
  // whose full queue would then refuse every request, stopping the metering too.
  it('take the addresses and the ledger file from the variables config/tokenmeter.yaml reads, and MLflow when its URI is set', () => {
    const config = load({
      TOKENMETER_OTLP_GRPC_ENDPOINT: '0.0.0.0:4317',
      TOKENMETER_OTLP_HTTP_ENDPOINT: '0.0.0.0:14318',
      TOKENMETER_ADMIN_ENDPOINT: '0.0.0.0:9464',
      TOKENMETER_LEDGER_PATH: '/var/lib/tokenmeter/tokenmeter.db',
      MLFLOW_TRACKING_URI: 'http://mlflow:5000',
    });
    const { protocols } = config.receivers.get('otlp')!.config as OtlpReceiverConfig;
    expect(protocols.grpc!.endpoint).toEqual({ host: '0.0.0.0', port: 4317 });
    expect(protocols.http!.endpoint).toEqual({ host: '0.0.0.0', port: 14318 });
    expect(config.admin.endpoint).toEqual({ host: '0.0.0.0', port: 9464 });
    expect((config.exporters.get('ledger')!.config as LedgerExporterConfig).path).toBe('/var/lib/tokenmeter/tokenmeter.db');
    // The queue and the memory of open traces are kept beside the ledger, on the same volume.
    expect(config.storage.path.startsWith('/var/lib/tokenmeter/')).toBe(true);
    expect(config.pipelines.get('traces')!.exporters).toEqual(['ledger', 'mlflow']);
  });

  it('name the key and the value when a variable holds no valid setting', () => {
    expect(() => load({ TOKENMETER_OTLP_HTTP_ENDPOINT: 'nowhere' })).toThrow(
      /receivers\.otlp\.protocols\.http\.endpoint: got "nowhere", expected host:port/,
    );
  });
});
