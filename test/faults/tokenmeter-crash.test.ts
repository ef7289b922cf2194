/**
 * Faults of tokenmeter itself, run as the real CLI: killed with SIGKILL under load from several apps and restarted
 * on the same storage, and an app re-sending requests tokenmeter stored but could not answer. Each test ends with
 * MLflow holding exactly what the apps sent (every span once, token totals and the total_tokens assessment equal
 * to the apps' usage, four assessments per trace), and tokenmeter's /metrics telling how many duplicates it avoided.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startTokenmeter } from '../e2e/tokenmeter-process.js';
import type { TokenmeterProcess } from '../e2e/tokenmeter-process.js';
import { createUniqueExperiment } from '../harness/mlflow-client.js';
import { getFreePort } from '../harness/ports.js';
import { buildTraces, expectedTraces, exportAll, startAnswerLosingProxy, storedTraces } from './workload.js';
import type { SentTrace } from './workload.js';

const mlflowUrl = inject('mlflowUrl');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Sidecar {
  tokenmeter: TokenmeterProcess;
  receiver: string;
  metrics: () => Promise<string>;
}

async function startSidecar(experimentId: string, traceAssembly: Record<string, string> = {}): Promise<Sidecar> {
  const [otlpPort, adminPort] = [await getFreePort(), await getFreePort()];
  const tokenmeter = await startTokenmeter({
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
    processors: { costestimator: {}, traceassembly: { root_wait: '300ms', late_span_wait: '2s', ...traceAssembly } },
    exporters: {
      mlflow: {
        tracking_uri: mlflowUrl,
        experiment_id: experimentId,
        timeout: '5s',
        retry_on_failure: { initial_interval: '200ms', max_interval: '1s' },
      },
    },
    admin: { enabled: true, endpoint: `127.0.0.1:${adminPort}` },
    storage: { path: 'state.db' },
    service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['mlflow'] } } },
  });
  return {
    tokenmeter,
    receiver: `http://127.0.0.1:${otlpPort}/v1/traces`,
    metrics: async () => (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text(),
  };
}

/** The value of a counter in a Prometheus text exposition, summed over its label sets (0 when absent). */
function counter(exposition: string, name: string): number {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** One app: its own exporter (with the SDK's retries), its batches one after another; reports each acknowledgement. */
async function runApp(url: string, batches: readonly ReadableSpan[][], acknowledged: () => void): Promise<number[]> {
  const exporter = new OTLPTraceExporter({ url, timeoutMillis: 30_000 });
  const codes: number[] = [];
  for (const batch of batches) {
    codes.push(await new Promise<number>((resolve) => exporter.export(batch, (result) => resolve(result.code))));
    acknowledged();
  }
  await exporter.shutdown();
  return codes;
}

describe('tokenmeter faults, as the CLI with durable storage', () => {
  it('SIGKILL under load from several apps, restart on the same storage: every span counted once', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'faults-sigkill');
    let sidecar = await startSidecar(experimentId);
    cleanups.push(() => sidecar.tokenmeter.stop());

    const apps = [0, 1, 2, 3].map((app) => buildTraces(24, 1_000 * (app + 1)));
    const sent: SentTrace[] = apps.flatMap((app) => app.sent);
    // Two traces (six spans) per request, each trace's children before its root, as a batching app sends them.
    const batchesOf = (spans: readonly ReadableSpan[]) => Array.from({ length: spans.length / 6 }, (_, i) => spans.slice(i * 6, i * 6 + 6));
    const totalRequests = apps.reduce((sum, app) => sum + app.spans.length / 6, 0);

    let acknowledgedRequests = 0;
    let killedAndRestarted: Promise<void> | undefined;
    const onAcknowledged = () => {
      acknowledgedRequests++;
      // A third of the way in, while the other apps have requests in flight.
      if (acknowledgedRequests === Math.floor(totalRequests / 3)) {
        killedAndRestarted = (async () => {
          await sidecar.tokenmeter.kill();
          sidecar = { ...sidecar, tokenmeter: await sidecar.tokenmeter.restart() };
        })();
      }
    };
    const codes = await Promise.all(apps.map((app) => runApp(sidecar.receiver, batchesOf(app.spans), onAcknowledged)));
    await killedAndRestarted;

    expect(codes.flat()).toEqual(Array(totalRequests).fill(0));
    expect(await storedTraces(mlflowUrl, sent)).toEqual(expectedTraces(sent));
    const metrics = await sidecar.metrics();
    const resumed = /"batches":(\d+),"spans":\d+,[^\n]*resuming the MLflow sending queue/.exec(sidecar.tokenmeter.logs())?.[1] ?? '0';
    const reopened = /"traces":(\d+),"msg":"trace assembly: reopened/.exec(sidecar.tokenmeter.logs())?.[1] ?? '0';
    console.log(
      `[sigkill] ${sent.length} traces from ${apps.length} apps; the restart resumed ${resumed} queued batches and ` +
        `${reopened} open traces; ${counter(metrics, 'tokenmeter_receiver_duplicate_spans_total')} re-sent spans left out ` +
        `on arrival, ${counter(metrics, 'tokenmeter_exporter_duplicate_spans_avoided_total')} by the MLflow exporter`,
    );
  });

  it('an app re-sending requests tokenmeter stored but could not answer, across a SIGKILL: counted once, duplicates reported', async () => {
    const experimentId = await createUniqueExperiment(mlflowUrl, 'faults-resend');
    // Traces stay open for late children long enough that the re-sent copies find them open after the restart.
    let sidecar = await startSidecar(experimentId, { late_span_wait: '30s' });
    cleanups.push(() => sidecar.tokenmeter.stop());
    let restarts = 0;
    // The first request is stored, then tokenmeter is killed before its answer reaches the app; later ones only lose it.
    const lossy = await startAnswerLosingProxy(sidecar.receiver.replace('/v1/traces', ''), async () => {
      if (restarts++ > 0) return;
      await sidecar.tokenmeter.kill();
      sidecar = { ...sidecar, tokenmeter: await sidecar.tokenmeter.restart() };
    });
    cleanups.push(() => lossy.close());

    const { spans, sent } = buildTraces(6, 7_000);
    expect(await exportAll(`${lossy.url}/v1/traces`, spans)).toEqual(Array(3).fill(0));
    // Every request reached tokenmeter twice and was acknowledged both times.
    expect(lossy.statuses).toEqual(Array(6).fill(200));
    expect(await storedTraces(mlflowUrl, sent)).toEqual(expectedTraces(sent));
    expect(counter(await sidecar.metrics(), 'tokenmeter_receiver_duplicate_spans_total')).toBe(spans.length);
  });
});
