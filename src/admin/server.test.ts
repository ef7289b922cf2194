import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { capturedLogger } from '../../test/fixtures/captured-logs.js';
import { components } from '../components.js';
import { validateConfig } from '../config/load.js';
import { LedgerExporter } from '../exporters/ledger/exporter.js';
import { ledgerExporterConfigSchema } from '../exporters/ledger/config.js';
import { Service } from '../pipeline/service.js';
import { makeSpan, tracesData } from '../recognition/testSpans.js';
import { silentLogger } from '../telemetry/logger.js';
import type { Logger } from '../telemetry/logger.js';
import { adminConfigSchema } from './config.js';
import { MAX_LIVE_CLIENTS, MAX_REPLAY } from './live.js';
import type { LiveStreamOptions } from './live.js';
import { AdminServer } from './server.js';
import { rawExchange } from '../../test/fixtures/raw-exchange.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startAdmin(
  withLedger: boolean,
  options: { startLedger?: boolean; logger?: Logger; live?: LiveStreamOptions } = {},
): Promise<{ admin: AdminServer; ledger: LedgerExporter | undefined }> {
  let ledger: LedgerExporter | undefined;
  if (withLedger) {
    ledger = new LedgerExporter(ledgerExporterConfigSchema.parse({ path: ':memory:' }), silentLogger());
    if (options.startLedger !== false) await ledger.start();
    cleanups.push(() => ledger!.shutdown());
  }
  const admin = new AdminServer(adminConfigSchema.parse({ endpoint: '127.0.0.1:0' }), ledger, options.logger ?? silentLogger(), options.live);
  await admin.start();
  cleanups.push(() => admin.shutdown());
  return { admin, ledger };
}

/** Opens a stream on its own connection and resolves once its headers have come (the body is left unread). */
function openStream(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, { agent: false }, resolve).on('error', reject));
}


/**
 * A raw connection that sends `head` (a request, whole or not) and reads nothing more; `closed` resumes reading (a
 * paused socket sees no end) and resolves once the server has closed the connection.
 */
async function rawClient(url: string, head: string, options: { paused: boolean }): Promise<{ closed: () => Promise<unknown> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  // Should the server never cut it, the test fails on its timeout and the cleanups do not hang on it too.
  cleanups.push(async () => void socket.destroy());
  const closing = new Promise((resolve) => socket.once('close', resolve));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(head);
  if (options.paused) socket.pause();
  return {
    closed: () => {
      socket.resume();
      return closing;
    },
  };
}

/** A live stream whose client reads nothing after asking for it. */
const pausedStream = (url: string) => rawClient(url, 'GET /v1/live HTTP/1.1\r\nHost: x\r\n\r\n', { paused: true });

/** A live stream read as fast as it comes; `text` grows with what it got. */
async function readingStream(url: string): Promise<{ text: () => string }> {
  const reader = (await fetch(`${url}/v1/live`)).body!.getReader();
  cleanups.push(async () => void (await reader.cancel()));
  let text = '';
  void (async () => {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
  })().catch(() => {});
  return { text: () => text };
}

/**
 * More events than a loopback connection's kernel buffers hold (a few MB here) for a client that reads nothing, so that
 * megabytes stay in the stream's own buffer: trace events of roots with no calls, ~600 bytes each.
 */
const OVERFLOWING = 20_000;
const overflowingRoots = (tag: string) => tracesData(Array.from({ length: OVERFLOWING }, (_, index) => makeSpan({ trace: `${tag}-${index}`, id: 'root', name: 'wf', attributes: [] })));

/** A client that starts a request and never finishes its headers. */
const stalledClient = (url: string) => rawClient(url, 'GET /metrics HTTP/1.1\r\nHost: x\r\n', { paused: false });

/** Only a hang exceeds this: the stalled client is cut at a deadline well under a second. */
const HANG_BOUND_MS = 30_000;

describe('admin listener', () => {
  it('is live at once and ready only once told', async () => {
    const { admin } = await startAdmin(true);
    expect((await fetch(`${admin.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${admin.url}/readyz`)).status).toBe(503);
    admin.setReady(true);
    expect((await fetch(`${admin.url}/readyz`)).status).toBe(200);
  });

  it('serves the page and its assets itself, and answers 404 / 405 elsewhere', async () => {
    const { admin } = await startAdmin(true);
    const page = await fetch(`${admin.url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['/assets/live.js', '/assets/live.css']) {
      expect(html).toContain(asset);
      expect((await fetch(`${admin.url}${asset}`)).status).toBe(200);
    }
    expect((await fetch(`${admin.url}/nope`)).status).toBe(404);
    expect((await fetch(`${admin.url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect(await (await fetch(`${admin.url}/metrics`)).text()).toContain('tokenmeter_receiver_accepted_spans_total');
  });

  it('says why the page has no data when no ledger is configured', async () => {
    const { admin } = await startAdmin(false);
    const response = await fetch(`${admin.url}/v1/summary`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('ledger');
    expect((await fetch(`${admin.url}/v1/live`)).status).toBe(503);
  });

  it('says the ledger is starting, or shutting down, rather than missing, while the listener is up without it', async () => {
    const { admin, ledger } = await startAdmin(true, { startLedger: false });
    const summary = async () => {
      const response = await fetch(`${admin.url}/v1/summary`);
      return [response.status, await response.text()];
    };
    expect(await summary()).toEqual([503, 'starting: the ledger is not open yet\n']);
    await ledger!.start();
    expect((await summary())[0]).toBe(200);
    await ledger!.shutdown();
    expect(await summary()).toEqual([503, 'shutting down: the ledger is closed\n']);
    expect(await (await fetch(`${admin.url}/v1/live`)).text()).toBe('shutting down: the ledger is closed\n');
  });

  it('refuses a live stream past MAX_LIVE_CLIENTS open at once, each of which may buffer megabytes, and takes one again when one closes', async () => {
    const { admin } = await startAdmin(true);
    const streams = await Promise.all(Array.from({ length: MAX_LIVE_CLIENTS }, () => openStream(`${admin.url}/v1/live`)));
    cleanups.push(async () => streams.forEach((stream) => stream.destroy()));
    const refused = await fetch(`${admin.url}/v1/live`);
    expect(refused.status).toBe(503);
    expect(await refused.text()).toMatch(/too many live streams open \(100\)/);
    streams.pop()!.destroy();
    await vi.waitFor(async () => {
      const again = await openStream(`${admin.url}/v1/live`);
      again.destroy();
      expect(again.statusCode).toBe(200);
    });
  });

  it('cuts a stream that stopped reading at the next keepalive, though no event comes to find it behind; one that reads stays', { timeout: HANG_BOUND_MS }, async () => {
    const { admin, ledger } = await startAdmin(true, { live: { keepaliveMs: 200 } });
    const paused = await pausedStream(admin.url);
    const reading = await readingStream(admin.url);
    await vi.waitFor(() => expect(admin.liveClients).toBe(2));
    await ledger!.consume(overflowingRoots('a'));
    // Nothing more is recorded (as while the memory limiter refuses data): the keepalive alone finds it stalled.
    await vi.waitFor(() => expect(admin.liveClients).toBe(1), { timeout: 10_000 });
    await paused.closed();
    await ledger!.consume(tracesData([makeSpan({ trace: 'after', id: 'root', name: 'still-read', attributes: [] })]));
    await vi.waitFor(() => expect(reading.text()).toContain('"workflow":"still-read"'), { timeout: 10_000 });
    expect(admin.liveClients).toBe(1);
  });

  it('cuts a stream that stopped reading once it is past its share of what all streams may buffer', { timeout: HANG_BOUND_MS }, async () => {
    // Each client alone may buffer far more than it will: only its share of the 1 MiB all may buffer can cut it.
    const { admin, ledger } = await startAdmin(true, { live: { maxBufferedBytes: 256 * 1024 * 1024, totalBufferedBytes: 1024 * 1024 } });
    const paused = [await pausedStream(admin.url), await pausedStream(admin.url)];
    const reading = await readingStream(admin.url);
    await vi.waitFor(() => expect(admin.liveClients).toBe(3));
    await ledger!.consume(overflowingRoots('a'));
    // The next event finds each paused client past a third of 1 MiB (the keepalive, 15 s away, plays no part), and the
    // reading one done with the burst.
    await vi.waitFor(() => expect(reading.text()).toContain(`id: ${OVERFLOWING}\nevent: trace`), { timeout: 10_000 });
    await ledger!.consume(tracesData([makeSpan({ trace: 'next', id: 'root', name: 'still-read', attributes: [] })]));
    await vi.waitFor(() => expect(admin.liveClients).toBe(1), { timeout: 5000 });
    await Promise.all(paused.map((stream) => stream.closed()));
    await vi.waitFor(() => expect(reading.text()).toContain('"workflow":"still-read"'), { timeout: 10_000 });
    expect(admin.liveClients).toBe(1);
  });

  it('answers HEAD /v1/live with the stream\'s headers only', async () => {
    const { admin } = await startAdmin(true);
    const response = await fetch(`${admin.url}/v1/live`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await response.text()).toBe('');
  });

  it('replays a large gap page by page, the last MAX_REPLAY events after saying the older ones were skipped, then goes live', async () => {
    const { admin, ledger } = await startAdmin(true);
    const missed = MAX_REPLAY + 1000;
    await ledger!.consume(tracesData(Array.from({ length: missed }, (_, index) => makeSpan({ trace: `missed-${index}`, id: 'root', name: 'wf', attributes: [] }))));
    const latest = ledger!.ledger.lastEventId();
    expect(latest).toBe(missed);

    // The client reads nothing yet: the replay waits for it, and the listener and the ledger go on meanwhile.
    const response = await fetch(`${admin.url}/v1/live?last_event_id=0`);
    expect(response.status).toBe(200);
    expect((await fetch(`${admin.url}/healthz`)).status).toBe(200);
    await ledger!.consume(tracesData([makeSpan({ trace: 'during-replay', id: 'root', name: 'wf', attributes: [] })]));

    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(`id: ${latest + 1}\n`)) text += decoder.decode((await reader.read()).value, { stream: true });
    await reader.cancel();
    const frames = text
      .split('\n\n')
      .filter((block) => block.startsWith('id: '))
      .map((block) => /^id: (\d+)\nevent: (\w+)\ndata: (.*)$/.exec(block)!.slice(1));
    const skippedThrough = latest - MAX_REPLAY;
    expect(frames[0]).toEqual([String(skippedThrough), 'skipped', JSON.stringify({ afterId: 0, throughId: skippedThrough })]);
    const ids = frames.slice(1).map(([id]) => Number(id));
    // The event recorded during the replay comes once, last, live.
    expect(ids).toEqual(Array.from({ length: MAX_REPLAY + 1 }, (_, index) => skippedThrough + 1 + index));
  });

  it('streams live events with the workflow filter once the trace names it, and ends streams on shutdown', async () => {
    const { admin, ledger } = await startAdmin(true);
    const response = await fetch(`${admin.url}/v1/live?workflow=wanted&last_event_id=0`);
    const reader = response.body!.getReader();
    await ledger!.consume(tracesData([makeSpan({ trace: 'a', id: 'root', name: 'other', attributes: [] })]));
    await ledger!.consume(tracesData([makeSpan({ trace: 'b', id: 'root', name: 'wanted', attributes: [] })]));
    let text = '';
    while (!text.includes('"workflow":"wanted"')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).not.toContain('"workflow":"other"');
    expect(text).toMatch(/id: 2\nevent: trace\n/);
    await admin.shutdown();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
  });
});

describe('admin listener and bad clients', () => {
  it('answers a request target that is no URL with 400, as the client\'s mistake: no error logged', async () => {
    const logs = capturedLogger();
    const { admin } = await startAdmin(false, { logger: logs.logger });
    const answer = await rawExchange(admin.url, 'GET http://[x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(logs.lines.filter((line) => line.level >= 50)).toEqual([]);
    expect((await fetch(`${admin.url}/healthz`)).status).toBe(200);
  });

  it('cuts a client that never finishes its request once the shutdown deadline passes', { timeout: HANG_BOUND_MS }, async () => {
    const { admin } = await startAdmin(false);
    const stalled = await stalledClient(admin.url);
    await admin.shutdown(100);
    await stalled.closed();
  });

  it('is given what is left of the service\'s shutdown deadline, so that a stalled client cannot hold the service', { timeout: HANG_BOUND_MS }, async () => {
    const config = validateConfig(
      {
        receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
        exporters: { ledger: { path: ':memory:' } },
        admin: { endpoint: '127.0.0.1:0' },
        storage: { mode: 'memory' },
        service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['ledger'] } } },
      },
      components,
    );
    const service = new Service(config, components, silentLogger());
    await service.start();
    const adminShutdown = vi.spyOn(service.admin!, 'shutdown');
    const stalled = await stalledClient(service.admin!.url);
    await service.shutdown(300);
    await stalled.closed();
    const [deadline] = adminShutdown.mock.calls[0]!;
    expect(deadline).toBeLessThanOrEqual(300);
  });
});

describe('admin listener on a taken port', () => {
  it('lets tokenmeter run on without it', async () => {
    const { admin: first } = await startAdmin(false);
    const second = new AdminServer(adminConfigSchema.parse({ endpoint: first.url.replace('http://', '') }), undefined, silentLogger());
    await second.start();
    await second.shutdown();
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  });
});
