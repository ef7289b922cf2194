/**
 * The admin listener: `/metrics` for Prometheus, `/v1/live` (server-sent events), `/v1/summary` and the live page
 * at `/` for people, `/healthz` and `/readyz` for orchestrators. Apart from the OTLP ports so that it can be
 * kept on loopback (the default) while OTLP is open to other containers.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { LedgerExporter } from '../exporters/ledger/exporter.js';
import type { Logger } from '../telemetry/logger.js';
import { telemetry } from '../telemetry/metrics.js';
import type { AdminConfig } from './config.js';
import { LiveStream } from './live.js';
import type { LiveStreamOptions } from './live.js';
import { livePageAssets } from './page/assets.js';

export class AdminServer {
  private readonly server: Server;
  private readonly live: LiveStream | undefined;
  private ready = false;

  constructor(
    private readonly config: AdminConfig,
    private readonly ledger: LedgerExporter | undefined,
    private readonly logger: Logger,
    liveOptions: LiveStreamOptions = {},
  ) {
    this.live = ledger === undefined ? undefined : new LiveStream(ledger, liveOptions);
    this.server = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => {
        this.logger.error({ err: error, path: request.url }, 'admin request failed');
        if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else response.destroy();
      });
    });
  }

  /** Live streams open now. */
  get liveClients(): number {
    return this.live?.clientCount ?? 0;
  }

  /** Where it listens, once started (the port is the real one when the config asked for port 0). */
  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the admin listener is not started');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Metering goes on when the admin port is taken (another tokenmeter on the same machine): the listener is for
   * people and scrapers, the pipeline for the app. The error says so loudly, and probes fail, as they should.
   */
  async start(): Promise<void> {
    const { host, port } = this.config.endpoint;
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(port, host, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.logger.error({ err: error, endpoint: `${host}:${port}` }, 'admin listener cannot listen: running without the live page, /metrics and probes; set admin.endpoint');
      return;
    }
    this.logger.info({ url: this.url, ledger: this.ledger !== undefined }, 'admin listener: live page, /metrics, /v1/live, /healthz, /readyz');
  }

  /** `/readyz` answers 200 only between a complete start and the beginning of shutdown. */
  setReady(ready: boolean): void {
    this.ready = ready;
  }

  /**
   * Requests in progress may finish within the deadline; connections still open then are cut (a client trickling its
   * headers would otherwise hold the process for as long as it likes), so that the deadline is a hard limit.
   */
  async shutdown(deadlineMs = 5000): Promise<void> {
    this.ready = false;
    this.live?.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), deadlineMs);
    await closed;
    clearTimeout(timer);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = request.url ?? '/';
    // A request target that is no URL (`GET http://[x`) is the client's mistake, not a failure of ours.
    if (!URL.canParse(target, 'http://admin')) return send(response, 400, 'text/plain; charset=utf-8', 'bad request target\n');
    const url = new URL(target, 'http://admin');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    const asset = livePageAssets.get(url.pathname);
    if (asset !== undefined) return send(response, 200, asset.contentType, asset.body);
    switch (url.pathname) {
      case '/healthz':
        return send(response, 200, 'text/plain; charset=utf-8', 'ok\n');
      case '/readyz':
        return this.ready
          ? send(response, 200, 'text/plain; charset=utf-8', 'ready\n')
          : send(response, 503, 'text/plain; charset=utf-8', 'not ready\n');
      case '/metrics':
        return send(response, 200, telemetry.registry.contentType, await telemetry.registry.metrics());
      case '/v1/summary': {
        if (!this.ledger?.isOpen) return this.noLedger(response);
        const summary = await this.ledger.summary(this.config.page.window);
        return send(response, 200, 'application/json', JSON.stringify({ ...summary, windowMs: this.config.page.window }));
      }
      case '/v1/live':
        if (this.live === undefined || !this.ledger?.isOpen) return this.noLedger(response);
        return this.live.handle(request, response, url);
      default:
        return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  }

  /**
   * The listener starts before the exporters and stops after them: a ledger that is configured but not open yet (or
   * any more) is said so, not taken for a missing `ledger` exporter.
   */
  private noLedger(response: ServerResponse): void {
    const why =
      this.ledger === undefined ? 'no ledger: add a `ledger` exporter to a pipeline' : this.ledger.isShutDown ? 'shutting down: the ledger is closed' : 'starting: the ledger is not open yet';
    send(response, 503, 'text/plain; charset=utf-8', `${why}\n`);
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
