/** The HTTP ends of the benchmarks that drive a sidecar: a stand-in MLflow, and an app's OTLP/HTTP exporter. */
import { createServer, request } from 'node:http';
import type { Agent, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in MLflow that answers 200 at once to every call (OTLP ingest, assessments, tags). */
export async function startSink(): Promise<{ url: string; server: Server }> {
  const server = createServer((incoming, outgoing) => {
    incoming.resume();
    incoming.on('end', () => outgoing.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** POSTs an OTLP/HTTP protobuf request to /v1/traces on 127.0.0.1:`port`; resolves with the status code. */
export function postOtlp(agent: Agent, port: number, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { agent, host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.byteLength } },
      (answer) => {
        answer.resume();
        answer.on('end', () => resolve(answer.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
