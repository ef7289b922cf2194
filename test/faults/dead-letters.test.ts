/**
 * Dead letters for real: MLflow stays down past `max_elapsed_time`, so the exporter gives up on its batches and
 * moves them to the dead-letter table. `tokenmeter dlq list` (the CLI, beside the running sidecar) shows them with
 * the reason; once MLflow is up, `tokenmeter dlq replay --all` puts them back, the running sidecar picks them up,
 * and MLflow ends up holding exactly what the app sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runTokenmeterCommand, startTokenmeter } from '../e2e/tokenmeter-process.js';
import { startMlflowServer } from '../harness/mlflow-server.js';
import { getFreePort } from '../harness/ports.js';
import { buildTraces, expectedTraces, exportAll, storedTraces } from './workload.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Listed {
  spans: number;
  lines: string[];
}

/** What `dlq list` prints: one line per dead letter, `id  exporter  N spans  time  reason`. */
function parseList(stdout: string): Listed {
  const lines = stdout.split('\n').filter((line) => /^\d+\t/.test(line));
  return { lines, spans: lines.reduce((sum, line) => sum + Number(/\t(\d+) spans\t/.exec(line)?.[1] ?? 0), 0) };
}

describe('dead letters', () => {
  it('batches MLflow never took within max_elapsed_time: dlq list shows them and why, dlq replay delivers them once MLflow is up', async () => {
    const [mlflowPort, otlpPort] = [await getFreePort(), await getFreePort()];
    const tokenmeter = await startTokenmeter({
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
      processors: { costestimator: {}, traceassembly: { root_wait: '300ms', late_span_wait: '500ms' } },
      exporters: {
        mlflow: {
          tracking_uri: `http://127.0.0.1:${mlflowPort}`,
          experiment_id: '0',
          retry_on_failure: { initial_interval: '200ms', max_interval: '500ms', max_elapsed_time: '2s' },
        },
      },
      admin: { enabled: false },
      storage: { path: 'state.db' },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['mlflow'] } } },
    });
    cleanups.push(() => tokenmeter.stop());
    const dlq = (...args: string[]) => runTokenmeterCommand(['dlq', ...args, '--config', tokenmeter.configFile], tokenmeter.dir);

    const { spans, sent } = buildTraces(3, 900);
    expect(await exportAll(`http://127.0.0.1:${otlpPort}/v1/traces`, spans, spans.length)).toEqual([0]);

    // Children and held roots leave in separate batches; wait (bounded) until all of the app's spans are dead letters.
    let listed: Listed = { spans: 0, lines: [] };
    for (let round = 0; round < 60 && listed.spans < spans.length; round++) {
      const result = await dlq('list');
      expect(result.code).toBe(0);
      listed = parseList(result.stdout);
    }
    expect(listed.spans).toBe(spans.length);
    for (const line of listed.lines) {
      expect(line).toMatch(/\tmlflow\t/);
      expect(line).toContain(`MLflow unreachable at http://127.0.0.1:${mlflowPort}: ECONNREFUSED`);
    }

    const mlflow = await startMlflowServer({ port: mlflowPort });
    cleanups.push(() => mlflow.stop({ removeDir: true }));
    const replay = await dlq('replay', '--all');
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(`replayed ${listed.lines.length} dead letter(s)`);
    expect(await storedTraces(mlflow.url, sent)).toEqual(expectedTraces(sent));
    expect((await dlq('list')).stdout.trim()).toBe('no dead letters');
  });
});
