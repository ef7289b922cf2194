/**
 * `GET /v1/live`: server-sent events, one per priced call (`event: call`) and per finished or grown trace
 * (`event: trace`), filtered by `?service=`, `?workflow=` and `?model=`. A client that reconnects with
 * `Last-Event-ID` (EventSource does it by itself), or that passes `?last_event_id=`, first gets what it missed,
 * read from the ledger, then the live events; without either it gets only what happens from now on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LedgerExporter } from '../exporters/ledger/exporter.js';
import { matchesFilter } from '../ledger/index.js';
import type { LiveEvent, LiveFilter } from '../ledger/index.js';

const REPLAY_PAGE = 500;
const KEEPALIVE_MS = 15_000;
/** A client this far behind is cut off rather than buffered without limit; EventSource reconnects and resumes. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

interface Client {
  response: ServerResponse;
  filter: LiveFilter;
}

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

  constructor(private readonly source: LedgerExporter) {
    this.unsubscribe = source.subscribe((events) => {
      for (const client of this.clients) this.send(client, events);
    });
    this.keepalive = setInterval(() => {
      for (const client of this.clients) client.response.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  handle(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const client: Client = { response, filter: filterOf(url) };
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 2000\n\n');
    const after = resumeFrom(request, url);
    // Replaying is synchronous, so no live event can slip in between the replay and joining the live clients.
    if (after !== undefined) {
      for (let events = this.source.ledger.eventsAfter(after, REPLAY_PAGE); events.length > 0; ) {
        this.send(client, events);
        events = this.source.ledger.eventsAfter(events.at(-1)!.id, REPLAY_PAGE);
      }
    }
    this.clients.add(client);
    response.on('close', () => this.clients.delete(client));
  }

  /** Ends every stream, so that the admin listener can close. */
  close(): void {
    clearInterval(this.keepalive);
    this.unsubscribe();
    for (const client of this.clients) client.response.end();
    this.clients.clear();
  }

  private send(client: Client, events: readonly LiveEvent[]): void {
    const text = events.filter((event) => matchesFilter(event, client.filter)).map(frame).join('');
    if (text === '') return;
    if (client.response.writableLength > MAX_BUFFERED_BYTES) {
      client.response.destroy();
      return;
    }
    client.response.write(text);
  }
}
