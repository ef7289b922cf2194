/**
 * Faults of MLflow with a real server and the real OTel JS exporter as the app: MLflow down at start, killed
 * mid-stream, slow past the exporter's timeout (while still committing), and a full sending queue. Each test ends
 * with MLflow holding exactly what the app sent: every span once, token totals equal to the app's usage (nothing
 * re-sent was counted twice), four cost assessments per trace.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createUniqueExperiment } from '../harness/mlflow-client.js';
import { startMlflowServer } from '../harness/mlflow-server.js';
import { getFreePort } from '../harness/ports.js';
import type { MlflowServer } from '../harness/mlflow-server.js';
import { startSidecar } from './sidecar.js';
import { buildTraces, expectedTraces, exportAll, startProxy, storedTraces } from './workload.js';
import type { Proxy } from './workload.js';

const sharedMlflowUrl = inject('mlflowUrl');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startReceiver(trackingUri: string, experimentId: string, mlflow: Record<string, unknown> = {}): Promise<string> {
  const sidecar = await startSidecar(trackingUri, experimentId, mlflow);
  cleanups.push(() => sidecar.shutdown());
  return sidecar.http;
}

describe('MLflow faults, with durable delivery', () => {
  it('MLflow down when tokenmeter starts, then up; then killed mid-stream and restarted: everything arrives once', async () => {
    const port = await getFreePort();
    const receiver = await startReceiver(`http://127.0.0.1:${port}`, '0');
    const first = buildTraces(4, 100);
    expect(await exportAll(receiver, first.spans)).toEqual(Array(2).fill(0)); // acknowledged while MLflow is down

    let mlflow: MlflowServer = await startMlflowServer({ port });
    cleanups.push(() => mlflow.stop({ removeDir: true }));
    expect(await storedTraces(mlflow.url, first.sent)).toEqual(expectedTraces(first.sent));

    const before = buildTraces(3, 200);
    const during = buildTraces(3, 300);
    await exportAll(receiver, before.spans);
    await mlflow.kill();
    expect(await exportAll(receiver, during.spans)).toEqual(Array(2).fill(0));
    mlflow = await mlflow.restart();
    const sent = [...first.sent, ...before.sent, ...during.sent];
    expect(await storedTraces(mlflow.url, sent)).toEqual(expectedTraces(sent));
  });

  it('MLflow slower than the exporter timeout for a spell while it still commits: no span or token counted twice', async () => {
    const experimentId = await createUniqueExperiment(sharedMlflowUrl, 'faults-slow');
    // Answers to the first span posts come after the exporter gave up; everything else (later posts, the checks,
    // feedback) is prompt. Slow for ever, a batch of roots alone could never be known delivered: roots are posted
    // again even when stored, as they may carry newer numbers.
    let slowAnswers = 4;
    const proxy: Proxy = await startProxy(sharedMlflowUrl, (method, url) => (method === 'POST' && url.startsWith('/v1/traces') && slowAnswers-- > 0 ? 1_500 : 0));
    cleanups.push(() => proxy.close());
    const receiver = await startReceiver(proxy.url, experimentId, { timeout: '500ms' });
    const { spans, sent } = buildTraces(4, 400);
    await exportAll(receiver, spans);
    expect(await storedTraces(sharedMlflowUrl, sent)).toEqual(expectedTraces(sent));
  });

  it('behind a proxy refusing bodies over its limit (413, nginx’s client_max_body_size): a batch goes again in halves and everything arrives once; sending_queue.batch keeps requests under it', async () => {
    const experimentId = await createUniqueExperiment(sharedMlflowUrl, 'faults-body-limit');
    const limit = 4 * 1024;
    // Uncompressed, so that the body the proxy measures is the one encoded.
    for (const [sendingQueue, seed, refused] of [
      [{}, 600, true],
      [{ sending_queue: { batch: { sizer: 'bytes', max_size: limit } } }, 650, false],
    ] as const) {
      const ingress = await startProxy(sharedMlflowUrl, () => 0, undefined, limit);
      cleanups.push(() => ingress.close());
      const receiver = await startReceiver(ingress.url, experimentId, { compression: 'none', ...sendingQueue });
      const { spans, sent } = buildTraces(6, seed);
      expect(await exportAll(receiver, spans, spans.length)).toEqual([0]);
      expect(await storedTraces(sharedMlflowUrl, sent)).toEqual(expectedTraces(sent));
      expect(ingress.statuses.includes(413)).toBe(refused);
    }
  });

  it('a full sending queue answers 429; the app’s exporter retries and everything arrives', async () => {
    const experimentId = await createUniqueExperiment(sharedMlflowUrl, 'faults-queue-full');
    const slowMlflow = await startProxy(sharedMlflowUrl, (method) => (method === 'POST' ? 300 : 0));
    cleanups.push(() => slowMlflow.close());
    const receiver = await startReceiver(slowMlflow.url, experimentId, { sending_queue: { queue_size: 1, num_consumers: 1 } });
    const app = await startProxy(receiver.replace('/v1/traces', ''), () => 0);
    cleanups.push(() => app.close());
    const { spans, sent } = buildTraces(8, 500);
    const codes = await exportAll(`${app.url}/v1/traces`, spans, 3, 4);
    expect(app.statuses).toContain(429);
    expect(codes.every((code) => code === 0)).toBe(true);
    expect(await storedTraces(sharedMlflowUrl, sent)).toEqual(expectedTraces(sent));
  });
});
