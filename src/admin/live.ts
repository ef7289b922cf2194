/**
 * `GET /v1/live`: server-sent events, one per priced call (`event: call`) and per finished or grown trace
 * (`event: trace`), filtered by `?service=`, `?workflow=` and `?model=`. A client that reconnects with
 * `Last-Event-ID` (EventSource does it by itself), or that passes `?last_event_id=`, first gets what it missed,
 * read from the ledger, then the live events; without either it gets only what happens from now on. What it missed
 * beyond the last MAX_REPLAY events is not replayed: an `event: skipped` says so, and the client reads
 * `/v1/summary` again for the totals.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LedgerExporter } from '../exporters/ledger/exporter.js';
import { matchesFilter } from '../ledger/index.js';
import type { LiveEvent, LiveFilter } from '../ledger/index.js';

const REPLAY_PAGE = 500;
/**
 * The most events one reconnection replays. A client days behind would otherwise be sent the whole retention; the
 * totals are in `/v1/summary`, and the feed shows only the latest calls anyway.
 */
export const MAX_REPLAY = 10_000;
const KEEPALIVE_MS = 15_000;
/** A client this far behind is cut off rather than buffered without limit; EventSource reconnects and resumes. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/**
 * What all clients together may have buffered: each gets its share of it (at most MAX_BUFFERED_BYTES). A hundred
 * clients that stopped reading held 400 MB at 4 MB each, enough to put the memory limiter over its soft limit, which
 * then refused every request, so no event came to cut them off.
 */
const TOTAL_BUFFERED_BYTES = 32 * 1024 * 1024;
/**
 * Streams open at once; past it a new one is refused (503). Each may buffer up to its share of TOTAL_BUFFERED_BYTES,
 * so without a bound, clients that connect and stop reading could hold memory without limit.
 */
export const MAX_LIVE_CLIENTS = 100;

export interface LiveStreamOptions {
  /** How often a comment keeps idle streams open, and a client is checked for having stopped reading. */
  keepaliveMs?: number;
  /** What one client may buffer at most (MAX_BUFFERED_BYTES), and all of them together (TOTAL_BUFFERED_BYTES). */
  maxBufferedBytes?: number;
  totalBufferedBytes?: number;
}

interface Client {
  response: ServerResponse;
  filter: LiveFilter;
  /** False while it is being replayed what it missed: live events would come before older ones. */
  live: boolean;
  /** What it had buffered at the last keepalive; a client that took none of it since has stopped reading. */
  bufferedAtKeepalive: number;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

function filterOf(url: URL): LiveFilter {
  const value = (name: string) => url.searchParams.get(name) || undefined;
  return { service: value('service'), workflow: value('workflow'), model: value('model') };
}

function resumeFrom(request: IncomingMessage, url: URL): number | undefined {
  const given = request.headers['last-event-id'] ?? url.searchParams.get('last_event_id') ?? undefined;
  if (given === undefined || Array.isArray(given) || !/^\d+$/.test(given)) return undefined;
  return Number(given);
}

function frame(event: LiveEvent): string {
  const data = event.type === 'call' ? event.call : event.trace;
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class LiveStream {
  private readonly clients = new Set<Client>();
  private readonly keepalive: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  private readonly maxBufferedBytes: number;
  private readonly totalBufferedBytes: number;

  constructor(
    private readonly source: LedgerExporter,
    options: LiveStreamOptions = {},
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.totalBufferedBytes = options.totalBufferedBytes ?? TOTAL_BUFFERED_BYTES;
    this.unsubscribe = source.subscribe((events) => {
      for (const client of this.clients) if (client.live) this.send(client, events);
    });
    this.keepalive = setInterval(() => this.keepAlive(), options.keepaliveMs ?? KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /**
   * Keeps idle streams open, and cuts a client that took nothing of what it had buffered over a whole interval: one
   * that stopped reading would otherwise hold its buffer for as long as no new event comes to find it behind (while
   * the sidecar refuses data, none does).
   */
  private keepAlive(): void {
    for (const client of this.clients) {
      const { response } = client;
      const buffered = response.writableLength;
      if (buffered > 0 && client.bufferedAtKeepalive > 0 && buffered >= client.bufferedAtKeepalive) {
        response.destroy();
        continue;
      }
      client.bufferedAtKeepalive = buffered;
      response.write(': keepalive\n\n');
    }
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Resolves once the client has been replayed what it missed (or has gone) and receives live events. */
  async handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    if (request.method === 'HEAD') {
      response.writeHead(200, SSE_HEADERS).end();
      return;
    }
    if (this.clients.size >= MAX_LIVE_CLIENTS) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '30' });
      response.end(`too many live streams open (${MAX_LIVE_CLIENTS}); close one, or read /v1/summary\n`);
      return;
    }
    const client: Client = { response, filter: filterOf(url), live: false, bufferedAtKeepalive: 0 };
    response.writeHead(200, SSE_HEADERS);
    response.write('retry: 2000\n\n');
    // Listed from the start, so that shutdown ends a stream still replaying as well.
    this.clients.add(client);
    response.on('close', () => this.clients.delete(client));
    const after = resumeFrom(request, url);
    if (after === undefined) client.live = true;
    else await this.replay(client, after);
  }

  /**
   * Sends the events after `after` from the ledger, a page at a time, letting the event loop run between pages (the
   * ledger keeps recording, probes keep answering) and waiting for a slow client to take what was written. Joins
   * the live clients right after the read that found nothing more, in the same synchronous run (not after an await,
   * when a recording could come in between): every event recorded later is published live, and none recorded before
   * is missed. Stops when the client goes away (or the ledger closes) meanwhile.
   */
  private async replay(client: Client, after: number): Promise<void> {
    const { response } = client;
    let from = after;
    const latest = this.source.ledger.lastEventId();
    if (latest - from > MAX_REPLAY) {
      from = latest - MAX_REPLAY;
      response.write(`id: ${from}\nevent: skipped\ndata: ${JSON.stringify({ afterId: after, throughId: from })}\n\n`);
    }
    for (;;) {
      if (response.writableEnded || response.destroyed || !this.source.isOpen) return;
      const events = this.source.ledger.eventsAfter(from, REPLAY_PAGE);
      if (events.length === 0) {
        client.live = true;
        return;
      }
      from = events.at(-1)!.id;
      const text = this.framesFor(client, events);
      if (text !== '' && !response.write(text)) await drainedOrClosed(response);
      await nextTurn();
    }
  }

  /** Ends every stream, so that the admin listener can close. */
  close(): void {
    clearInterval(this.keepalive);
    this.unsubscribe();
    for (const client of this.clients) client.response.end();
    this.clients.clear();
  }

  private framesFor(client: Client, events: readonly LiveEvent[]): string {
    return events.filter((event) => matchesFilter(event, client.filter)).map(frame).join('');
  }

  private send(client: Client, events: readonly LiveEvent[]): void {
    const text = this.framesFor(client, events);
    if (text === '') return;
    // Its share of what all clients may buffer: a client that far behind is cut off (it reconnects and resumes).
    if (client.response.writableLength > Math.min(this.maxBufferedBytes, this.totalBufferedBytes / this.clients.size)) {
      client.response.destroy();
      return;
    }
    client.response.write(text);
  }
}

/** Waits until the response's buffer has been taken by the socket, or the client is gone. */
function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
