import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralStart, getFreePort } from './ports.js';

function listen(port: number): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('getFreePort', () => {
  it('hands out distinct ports below the kernel ephemeral range, each one bindable', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 40; i++) ports.push(await getFreePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart());
    // All of them at once: the same port twice (one sidecar's HTTP and gRPC receivers) would fail here.
    const servers = await Promise.all(ports.map(listen));
    await Promise.all(servers.map(close));
  });

  it('skips a port someone else holds', async () => {
    const before = await getFreePort();
    // The next candidate, unless the walk wraps around to the start of its block (1 in 1000).
    const holder = await listen(before + 1);
    try {
      expect(await getFreePort()).not.toBe(before + 1);
    } finally {
      await close(holder);
    }
  });
});
