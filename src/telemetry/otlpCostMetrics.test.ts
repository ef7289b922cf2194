import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpCostMetrics } from './otlpCostMetrics.js';

describe('OtlpCostMetrics', () => {
  // An endpoint that refuses every push, as a collector does for a payload it cannot take.
  const refusing = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(400, { 'Content-Type': 'application/json' }).end('{"message":"no"}'));
  });
  let endpoint: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1/metrics`;
  });
  afterAll(() => refusing.close());

  it('logs a refused push as a warning, periodic or final, and stops without failing', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
          done();
        },
      }),
    );
    const metrics = new OtlpCostMetrics({ endpoint, interval: 100, timeout: 100, headers: {} }, logger);
    metrics.addCalls({ service: 'svc', provider: 'openai', model: 'gpt-4o-mini', node: 'agent' }, 'priced', 1, 0.00027, [['input', 1000]]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(metrics.shutdown()).resolves.toBeUndefined();
    const warnings = lines.filter((line) => line.level === 40 && line.msg.startsWith('OTLP metrics push:'));
    expect(warnings.length).toBeGreaterThan(0);
  });
});
