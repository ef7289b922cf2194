import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowClient } from './client.js';

/** What an MLflow behind a proxy receives: the raw header lines of each request. */
describe('the MLflow client\'s headers', () => {
  const received: string[][] = [];
  const server = createServer((request: IncomingMessage, response) => {
    received.push(request.rawHeaders);
    request.resume();
    request.on('end', () => response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Each header's values, by its name in lower case. */
  const headers = (raw: readonly string[]): Map<string, string[]> => {
    const byName = new Map<string, string[]>();
    for (let at = 0; at < raw.length; at += 2) byName.set(raw[at]!.toLowerCase(), [...(byName.get(raw[at]!.toLowerCase()) ?? []), raw[at + 1]!]);
    return byName;
  };

  it('sends a configured header in place of the default of any case, never what the request needs in place of its own', async () => {
    const client = new MlflowClient(url, 5000, { 'user-agent': 'gateway/2', 'content-type': 'text/plain', 'X-Tenant': 'a' });
    await client.postSpans(new Uint8Array(0), '12', false);
    await client.text('GET', '/api/2.0/mlflow/experiments/get?experiment_id=12');
    await client.close();
    const [spans, rest] = received.map(headers);
    expect(spans!.get('user-agent')).toEqual(['gateway/2']);
    expect(spans!.get('content-type')).toEqual(['application/x-protobuf']);
    expect(spans!.get('x-mlflow-experiment-id')).toEqual(['12']);
    expect(spans!.get('x-tenant')).toEqual(['a']);
    expect(rest!.get('user-agent')).toEqual(['gateway/2']);
    // No body, no type of ours: the configured one goes as configured.
    expect(rest!.get('content-type')).toEqual(['text/plain']);
  });
});
