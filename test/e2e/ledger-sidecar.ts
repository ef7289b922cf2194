/**
 * The sidecar as `npm start` runs it with no MLflow anywhere (the embedded default pipeline, ledger only), on free
 * ports and a fresh ledger file, plus readers for what it serves: the ledger file itself and the live stream.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { components } from '../../src/components.js';
import { embeddedDefaultConfig } from '../../src/config/defaults.js';
import { getFreePort } from '../harness/ports.js';
import { startTokenmeter } from './tokenmeter-process.js';
import type { TokenmeterProcess } from './tokenmeter-process.js';

export interface LedgerSidecar {
  otlpTracesUrl: string;
  adminUrl: string;
  ledgerPath: string;
  process: TokenmeterProcess;
}

export async function startLedgerSidecar(): Promise<LedgerSidecar> {
  // The embedded defaults as they are without MLFLOW_TRACKING_URI; only ports and the ledger file are moved.
  const config = embeddedDefaultConfig(Object.keys(components.processors), {}) as {
    receivers: { otlp: { protocols: { http: Record<string, unknown>; grpc: Record<string, unknown> } } };
    exporters: { ledger: Record<string, unknown> };
  } & Record<string, unknown>;
  const otlpPort = await getFreePort();
  const adminPort = await getFreePort();
  const ledgerPath = path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-ledger-')), 'tokenmeter.db');
  config.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${otlpPort}`;
  // Moved too, though unused: on its default port two sidecars of test files running side by side would collide.
  config.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${await getFreePort()}`;
  config.exporters.ledger.path = ledgerPath;
  const tokenmeter = await startTokenmeter({ ...config, admin: { endpoint: `127.0.0.1:${adminPort}` } }, { MLFLOW_TRACKING_URI: '' });
  return { otlpTracesUrl: `http://127.0.0.1:${otlpPort}/v1/traces`, adminUrl: `http://127.0.0.1:${adminPort}`, ledgerPath, process: tokenmeter };
}

export interface LedgerCallRow {
  span_id: string;
  trace_id: string;
  node: string | null;
  model: string | null;
  provider: string | null;
  status: string;
  unpriced_reason: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  input_usd: number | null;
  cache_read_usd: number | null;
  cache_write_usd: number | null;
  output_usd: number | null;
  reasoning_usd: number | null;
  /** What the provider reported the call cost, when status is `provider_reported`. */
  reported_cost_usd: number | null;
  workflow: string | null;
  /** When the call started (its span's start), in ms since the epoch: what the catalog's dated prices go by. */
  start_ms: number;
}

export interface LedgerTraceRow {
  trace_id: string;
  workflow: string;
  source: string;
  calls: number;
  cost_usd: number;
  bottleneck_node: string | null;
}

/** Reads the ledger file the way any other reader would: read-only, beside the running writer (WAL). */
export function readLedger(ledgerPath: string): { calls: LedgerCallRow[]; traces: LedgerTraceRow[] } {
  const db = new BetterSqlite3(ledgerPath, { readonly: true, fileMustExist: true });
  try {
    return {
      calls: db.prepare('SELECT * FROM llm_calls ORDER BY recorded_ms, span_id').all() as LedgerCallRow[],
      traces: db.prepare('SELECT * FROM traces ORDER BY recorded_ms, trace_id').all() as LedgerTraceRow[],
    };
  } finally {
    db.close();
  }
}

/** Polls until `probe` returns a value; fails with `what` and the last value seen when it never does. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface SseEvent {
  id: string;
  event: string;
  data: string;
}

/** A client of `/v1/live` that keeps every event it got. */
export class SseClient {
  readonly events: SseEvent[] = [];
  private readonly abort = new AbortController();
  private constructor() {}

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: client.abort.signal });
    if (!response.ok || response.body === null) throw new Error(`${url}: HTTP ${response.status}`);
    void client.read(response.body);
    return client;
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
          const data = field('data');
          if (data !== undefined) this.events.push({ id: field('id') ?? '', event: field('event') ?? 'message', data });
        }
      }
    } catch (error) {
      if (!this.abort.signal.aborted) throw error;
    }
  }
}
