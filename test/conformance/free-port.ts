import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A port free on 127.0.0.1 right now, for components configured through the factory, which keeps the bound port
 * to itself (tests that construct a receiver directly use port 0 instead).
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
