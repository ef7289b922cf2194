/**
 * tokenmeter built in-process from a config, as the fault tests run it: OTLP/HTTP and OTLP/gRPC receivers, cost
 * estimator and trace assembly (short waits), the exporters given (MLflow's by default), durable storage in a
 * scratch dir, or in `dir` to start again on the storage of an earlier run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { components } from '../../src/components.js';
import { validateConfig } from '../../src/config/load.js';
import { Service } from '../../src/pipeline/service.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { getFreePort } from '../harness/ports.js';

export interface InProcessSidecar {
  /** The OTLP/HTTP traces URL. */
  http: string;
  /** The OTLP/gRPC endpoint, `http://host:port` as OTel exporters take it. */
  grpc: string;
  /** Where its storage is: give it to the next sidecar to restart on it. */
  dir: string;
  shutdown: (deadlineMs?: number) => Promise<void>;
}

export interface SidecarOptions {
  dir?: string;
  logger?: Logger;
  /** A `memory_limiter` section: the processor then runs first in the pipeline. */
  memoryLimiter?: Record<string, unknown>;
}

export async function startSidecar(trackingUri: string, experimentId: string, mlflow: Record<string, unknown> = {}): Promise<InProcessSidecar> {
  return startSidecarWith({
    mlflow: {
      tracking_uri: trackingUri,
      experiment_id: experimentId,
      timeout: '2s',
      retry_on_failure: { initial_interval: '200ms', max_interval: '1s' },
      ...mlflow,
    },
  });
}

/** A sidecar whose pipeline ends in `exporters` (component id → its config section). */
export async function startSidecarWith(exporters: Record<string, unknown>, options: SidecarOptions = {}): Promise<InProcessSidecar> {
  const [httpPort, grpcPort] = [await getFreePort(), await getFreePort()];
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'tokenmeter-faults-'));
  const config = validateConfig(
    {
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` }, grpc: { endpoint: `127.0.0.1:${grpcPort}` } } } },
      processors: {
        ...(options.memoryLimiter === undefined ? {} : { memory_limiter: options.memoryLimiter }),
        costestimator: {},
        traceassembly: { root_wait: '300ms', late_span_wait: '2s' },
      },
      exporters,
      admin: { enabled: false },
      storage: { path: path.join(dir, 'state.db') },
      service: {
        pipelines: {
          traces: {
            receivers: ['otlp'],
            processors: [...(options.memoryLimiter === undefined ? [] : ['memory_limiter']), 'costestimator', 'traceassembly'],
            exporters: Object.keys(exporters),
          },
        },
      },
    },
    components,
  );
  const service = new Service(config, components, options.logger ?? silentLogger());
  await service.start();
  return {
    http: `http://127.0.0.1:${httpPort}/v1/traces`,
    grpc: `http://127.0.0.1:${grpcPort}`,
    dir,
    shutdown: (deadlineMs = 5_000) => service.shutdown(deadlineMs),
  };
}
