/**
 * Minimal MLflow 3.9 REST helpers for tests: experiments, trace search/get, and polling until a trace has landed.
 *
 * Wire facts these helpers absorb (observed against a real 3.9.0 server):
 * - Responses are protobuf MessageToJson output: span `trace_id`/`span_id`/`parent_span_id` are BASE64, and
 *   `start_time_unix_nano`/`end_time_unix_nano` are JSON numbers above 2^53 -> parsed into BigInt (lossless-json:
 *   json-bigint's `useNativeBigInt` also takes a long decimal, as MLflow >= 3.10 writes costs, for one and throws).
 * - Span `attributes` come back as a LIST of `{key, value: AnyValue}` (OTel proto KeyValue), not a map; values are
 *   decoded once (`{"string_value":"CHAT_MODEL"}`, token usage as `kvlist_value` with `int_value`s).
 * - A trace exported by the MLflow Python SDK straight to `/v1/traces` is stored under the id `"tr-…"` WITH
 *   literal double quotes (the SDK sends `mlflow.traceRequestId` JSON-encoded and it overrides the server's id).
 *   `GET /traces/get?trace_id=tr-…` then 404s; only the quoted id finds it. getTrace/waitForTrace try both forms.
 *   tokenmeter drops that attribute before forwarding, so traces that pass through it have the plain id.
 * - Trace metadata values set from span attributes keep their JSON quoting too, e.g.
 *   `mlflow.trace.session` = `"\"thread-1\""`.
 */
import { isInteger, isSafeNumber, parse } from 'lossless-json';
import { setTimeout as sleep } from 'node:timers/promises';

/** Integers beyond 2^53 as BigInt, every other number as a double. */
const parseNumber = (digits: string): number | bigint => (isInteger(digits) && !isSafeNumber(digits) ? BigInt(digits) : Number(digits));

/** OTel AnyValue as MLflow renders it (snake_case proto field names; int64 may be number or BigInt). */
export interface AnyValue {
  string_value?: string;
  bool_value?: boolean;
  int_value?: number | bigint | string;
  double_value?: number;
  array_value?: { values?: AnyValue[] };
  kvlist_value?: { values?: KeyValue[] };
  bytes_value?: string;
}

export interface KeyValue {
  key: string;
  value?: AnyValue;
}

export interface MlflowSpan {
  /** base64 */
  trace_id: string;
  /** base64 */
  span_id: string;
  /** base64; absent on the root span */
  parent_span_id?: string;
  name: string;
  kind?: string;
  start_time_unix_nano: bigint | number;
  end_time_unix_nano: bigint | number;
  attributes?: KeyValue[];
  status?: { code?: string; message?: string };
  events?: unknown[];
}

export interface TraceInfo {
  trace_id: string;
  trace_location?: { type?: string; mlflow_experiment?: { experiment_id?: string } };
  request_time?: string;
  execution_duration?: string;
  state?: string;
  trace_metadata?: Record<string, string>;
  tags?: Record<string, string>;
  request_preview?: string;
  response_preview?: string;
}

export interface Trace {
  trace_info: TraceInfo;
  spans: MlflowSpan[];
}

export interface SearchTracesOptions {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface SearchTracesResult {
  traces: TraceInfo[];
  nextPageToken?: string;
}

export class MlflowHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly requestDescription: string,
  ) {
    super(`${requestDescription} -> HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = 'MlflowHttpError';
  }
}

export function parseBigJson<T>(text: string): T {
  return parse(text, null, parseNumber) as T;
}

async function request<T>(baseUrl: string, method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, signal: AbortSignal.timeout(30_000) };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${baseUrl}${pathAndQuery}`, init);
  const text = await response.text();
  if (!response.ok) throw new MlflowHttpError(response.status, text, `${method} ${pathAndQuery}`);
  return parseBigJson<T>(text);
}

/** Creates an experiment and returns its id. Use a unique name per test (names are unique per server). */
export async function createExperiment(baseUrl: string, name: string): Promise<string> {
  const result = await request<{ experiment_id: string }>(baseUrl, 'POST', '/api/2.0/mlflow/experiments/create', {
    name,
  });
  return result.experiment_id;
}

/** Experiment with a collision-free name, for test isolation on the shared server. */
export async function createUniqueExperiment(baseUrl: string, prefix: string): Promise<string> {
  return await createExperiment(baseUrl, `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
}

/** POST /api/3.0/mlflow/traces/search (trace infos only, no spans). */
export async function searchTraces(
  baseUrl: string,
  experimentId: string,
  options: SearchTracesOptions = {},
): Promise<SearchTracesResult> {
  const body: Record<string, unknown> = {
    locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
    max_results: options.maxResults ?? 100,
  };
  if (options.filter !== undefined) body['filter'] = options.filter;
  if (options.orderBy !== undefined) body['order_by'] = options.orderBy;
  if (options.pageToken !== undefined) body['page_token'] = options.pageToken;
  const result = await request<{ traces?: TraceInfo[]; next_page_token?: string }>(
    baseUrl,
    'POST',
    '/api/3.0/mlflow/traces/search',
    body,
  );
  const page: SearchTracesResult = { traces: result.traces ?? [] };
  if (result.next_page_token) page.nextPageToken = result.next_page_token;
  return page;
}

/** All trace infos of an experiment, following page tokens. */
export async function searchAllTraces(baseUrl: string, experimentId: string, filter?: string): Promise<TraceInfo[]> {
  const all: TraceInfo[] = [];
  let pageToken: string | undefined;
  do {
    const page = await searchTraces(baseUrl, experimentId, {
      maxResults: 500,
      ...(filter !== undefined ? { filter } : {}),
      ...(pageToken !== undefined ? { pageToken } : {}),
    });
    all.push(...page.traces);
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return all;
}

/**
 * GET /api/3.0/mlflow/traces/get: trace info plus spans, or undefined if MLflow does not know the id.
 * Accepts `tr-<hex>`, a bare 32-hex OTel id, or the quoted form; tries the plain and the quoted id (see above).
 */
export async function getTrace(baseUrl: string, traceId: string): Promise<Trace | undefined> {
  for (const candidate of traceIdCandidates(traceId)) {
    const query = new URLSearchParams({ trace_id: candidate, allow_partial: 'true' });
    try {
      const result = await request<{ trace?: { trace_info: TraceInfo; spans?: MlflowSpan[] } }>(
        baseUrl,
        'GET',
        `/api/3.0/mlflow/traces/get?${query.toString()}`,
      );
      if (result.trace) return { trace_info: result.trace.trace_info, spans: result.trace.spans ?? [] };
    } catch (error) {
      if (error instanceof MlflowHttpError && error.status === 404) continue;
      throw error;
    }
  }
  return undefined;
}

/** `tr-<hex>` then `"tr-<hex>"` (how SDK-direct OTLP traces end up stored). */
export function traceIdCandidates(traceId: string): string[] {
  const plain = toMlflowTraceId(traceId);
  return [plain, `"${plain}"`];
}

/** Normalises `0af7…`, `tr-0af7…` and `"tr-0af7…"` to `tr-0af7…`. */
export function toMlflowTraceId(traceId: string): string {
  const unquoted = traceId.replace(/^"(.*)"$/, '$1');
  return unquoted.startsWith('tr-') ? unquoted : `tr-${unquoted.toLowerCase()}`;
}

/** MLflow renders proto bytes (trace/span ids) as base64; OTLP/JSON and our app's output use lowercase hex. */
export function base64ToHex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * Polls getTrace until predicate(trace) holds. Spans arrive in batches (children usually before the root), so
 * "the trace exists" is rarely enough: wait for what the test needs, e.g. the span count or state 'OK'.
 */
export async function waitForTrace(
  baseUrl: string,
  traceId: string,
  predicate: (trace: Trace) => boolean = (trace) => trace.trace_info.state === 'OK',
  timeoutMs = 20_000,
  pollIntervalMs = 200,
): Promise<Trace> {
  const deadline = Date.now() + timeoutMs;
  let last: Trace | undefined;
  for (;;) {
    last = await getTrace(baseUrl, traceId);
    if (last !== undefined && predicate(last)) return last;
    if (Date.now() >= deadline) break;
    await sleep(pollIntervalMs);
  }
  const seen =
    last === undefined
      ? 'trace not found'
      : `state=${last.trace_info.state}, spans=[${last.spans.map((span) => span.name).join(', ')}]`;
  throw new Error(`waitForTrace(${traceId}) timed out after ${timeoutMs} ms: ${seen}`);
}

// ---- span helpers -------------------------------------------------------------------------------------------

/** Converts an AnyValue to plain JS (kvlist -> object, array -> list, int64 -> number when safe). */
export function anyValueToJs(value: AnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.string_value !== undefined) return value.string_value;
  if (value.bool_value !== undefined) return value.bool_value;
  if (value.int_value !== undefined) return toSafeNumber(value.int_value);
  if (value.double_value !== undefined) return value.double_value;
  if (value.array_value !== undefined) return (value.array_value.values ?? []).map(anyValueToJs);
  if (value.kvlist_value !== undefined) {
    return Object.fromEntries((value.kvlist_value.values ?? []).map((kv) => [kv.key, anyValueToJs(kv.value)]));
  }
  if (value.bytes_value !== undefined) return value.bytes_value;
  return null; // an empty AnyValue, e.g. a None in invocation_params
}

function toSafeNumber(value: number | bigint | string): number | bigint {
  const big = BigInt(value);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
}

/** All attributes of a span as a plain object. */
export function spanAttributes(span: MlflowSpan): Record<string, unknown> {
  return Object.fromEntries((span.attributes ?? []).map((kv) => [kv.key, anyValueToJs(kv.value)]));
}

export function spanAttribute(span: MlflowSpan, key: string): unknown {
  return anyValueToJs(span.attributes?.find((kv) => kv.key === key)?.value);
}

/** `mlflow.spanType`, e.g. WORKFLOW, CHAIN, CHAT_MODEL (stored decoded: no JSON quotes). */
export function spanType(span: MlflowSpan): string | undefined {
  const type = spanAttribute(span, 'mlflow.spanType');
  return typeof type === 'string' ? type : undefined;
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens?: number;
}

/** `mlflow.chat.tokenUsage` of a span (stored as a kvlist; tolerate a JSON string too). */
export function spanTokenUsage(span: MlflowSpan): TokenUsage | undefined {
  let usage = spanAttribute(span, 'mlflow.chat.tokenUsage');
  if (typeof usage === 'string') usage = JSON.parse(usage) as unknown;
  if (usage === null || typeof usage !== 'object') return undefined;
  return usage as TokenUsage;
}

export function rootSpan(trace: Trace): MlflowSpan | undefined {
  return trace.spans.find((span) => span.parent_span_id === undefined || span.parent_span_id === '');
}
