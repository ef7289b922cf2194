/** How ledger rows map to SQLite columns (snake_case, tokens and costs flattened). */
import type { CallRow, TraceRow } from './records.js';

export interface CallColumns {
  span_id: string;
  trace_id: string;
  service: string | null;
  workflow: string | null;
  node: string | null;
  model: string | null;
  provider: string | null;
  status: CallRow['status'];
  unpriced_reason: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number | null;
  input_usd: number | null;
  cache_read_usd: number | null;
  cache_write_usd: number | null;
  output_usd: number | null;
  reasoning_usd: number | null;
  reported_cost_usd: number | null;
  start_ms: number;
  end_ms: number;
  recorded_ms: number;
}

export interface TraceColumns {
  trace_id: string;
  service: string | null;
  workflow: string;
  status: TraceRow['status'];
  source: TraceRow['source'];
  calls: number;
  unpriced_calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  models: string;
  bottleneck_node: string | null;
  bottleneck_share: number | null;
  start_ms: number;
  end_ms: number;
  recorded_ms: number;
  /** When a reprice last changed the trace's calls (read only: written by `Ledger.reprice`). */
  repriced_ms?: number | null;
}

/** The token counts, as columns of both tables. */
export type TokenColumns = Pick<CallColumns, 'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_write_tokens' | 'reasoning_tokens'>;

function tokenColumns(tokens: CallRow['tokens']): TokenColumns {
  return {
    input_tokens: tokens.input,
    output_tokens: tokens.output,
    cache_read_tokens: tokens.cacheRead,
    cache_write_tokens: tokens.cacheWrite,
    reasoning_tokens: tokens.reasoning,
  };
}

export function callColumns(row: CallRow): CallColumns {
  return {
    span_id: row.spanId,
    trace_id: row.traceId,
    service: row.service,
    workflow: row.workflow,
    node: row.node,
    model: row.model,
    provider: row.provider,
    status: row.status,
    unpriced_reason: row.unpricedReason,
    ...tokenColumns(row.tokens),
    cost_usd: row.costUsd,
    input_usd: row.split?.input ?? null,
    cache_read_usd: row.split?.cacheRead ?? null,
    cache_write_usd: row.split?.cacheWrite ?? null,
    output_usd: row.split?.output ?? null,
    reasoning_usd: row.split?.reasoning ?? null,
    reported_cost_usd: row.reportedCostUsd,
    start_ms: row.startMs,
    end_ms: row.endMs,
    recorded_ms: row.recordedMs,
  };
}

export function traceColumns(row: TraceRow): TraceColumns {
  return {
    trace_id: row.traceId,
    service: row.service,
    workflow: row.workflow,
    status: row.status,
    source: row.source,
    calls: row.calls,
    unpriced_calls: row.unpricedCalls,
    ...tokenColumns(row.tokens),
    cost_usd: row.costUsd,
    models: JSON.stringify(row.models),
    bottleneck_node: row.bottleneckNode,
    bottleneck_share: row.bottleneckShare,
    start_ms: row.startMs,
    end_ms: row.endMs,
    recorded_ms: row.recordedMs,
  };
}

export function tokensOf(columns: TokenColumns): CallRow['tokens'] {
  return {
    input: columns.input_tokens,
    output: columns.output_tokens,
    cacheRead: columns.cache_read_tokens,
    cacheWrite: columns.cache_write_tokens,
    reasoning: columns.reasoning_tokens,
  };
}

export function callRowOf(columns: CallColumns): CallRow {
  const split =
    columns.cost_usd === null
      ? null
      : {
          input: columns.input_usd ?? 0,
          cacheRead: columns.cache_read_usd ?? 0,
          cacheWrite: columns.cache_write_usd ?? 0,
          output: columns.output_usd ?? 0,
          reasoning: columns.reasoning_usd ?? 0,
        };
  return {
    spanId: columns.span_id,
    traceId: columns.trace_id,
    service: columns.service,
    workflow: columns.workflow,
    node: columns.node,
    model: columns.model,
    provider: columns.provider,
    status: columns.status,
    unpricedReason: columns.unpriced_reason,
    tokens: tokensOf(columns),
    costUsd: columns.cost_usd,
    split,
    reportedCostUsd: columns.reported_cost_usd,
    startMs: columns.start_ms,
    endMs: columns.end_ms,
    recordedMs: columns.recorded_ms,
  };
}

export function traceRowOf(columns: TraceColumns): TraceRow {
  return {
    traceId: columns.trace_id,
    service: columns.service,
    workflow: columns.workflow,
    status: columns.status,
    source: columns.source,
    calls: columns.calls,
    unpricedCalls: columns.unpriced_calls,
    tokens: tokensOf(columns),
    costUsd: columns.cost_usd,
    models: JSON.parse(columns.models) as string[],
    bottleneckNode: columns.bottleneck_node,
    bottleneckShare: columns.bottleneck_share,
    startMs: columns.start_ms,
    endMs: columns.end_ms,
    durationMs: columns.end_ms - columns.start_ms,
    recordedMs: columns.recorded_ms,
  };
}

/** `spendOf` in SQL, over `llm_calls` columns. */
export const CALL_SPEND_SQL = 'coalesce(reported_cost_usd, cost_usd)';

export const CALL_COLUMN_NAMES = Object.keys(callColumns({ tokens: {}, split: null } as unknown as CallRow));
export const TRACE_COLUMN_NAMES = Object.keys(traceColumns({ tokens: {}, models: [] } as unknown as TraceRow));
export const placeholders = (names: readonly string[]) => names.map((name) => `@${name}`).join(', ');
export const positionalPlaceholders = (names: readonly string[]) => names.map(() => '?').join(', ');

/**
 * A call's columns in `CALL_COLUMN_NAMES` order, for a statement that binds them by position: the names are the keys
 * of `callColumns` in order, so its values are in that order too (looking each name up was slower).
 */
export function callValues(row: CallRow): unknown[] {
  return Object.values(callColumns(row));
}

/** A trace's columns in `TRACE_COLUMN_NAMES` order, for a statement that binds them by position (see `callValues`). */
export function traceValues(row: TraceRow): unknown[] {
  return Object.values(traceColumns(row));
}

