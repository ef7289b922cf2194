/**
 * What the live page shows, read from the ledger: spend per minute, the top spenders and the latest traces over a
 * window of recent time. Times are when tokenmeter recorded a row, not the app's clock, so "the last hour" means
 * the same thing for every app however its clock is set.
 */
import type { Database, Statement } from 'better-sqlite3';
import { CALL_SPEND_SQL, traceRowOf } from './columns.js';
import type { TraceColumns } from './columns.js';
import type { TraceRow } from './records.js';

export interface SpendRow {
  name: string;
  /** Null when none of the row's calls has a price: its spend is unknown, not $0. */
  costUsd: number | null;
  calls: number;
  unpricedCalls: number;
}

interface SpendColumns {
  name: string;
  cost_usd: number | null;
  calls: number;
  unpriced_calls: number;
}

/** A workflow's row: its runs (traces), and, as on every row, the model calls they made and those without a price. */
export interface WorkflowSpendRow extends SpendRow {
  runs: number;
}

interface WorkflowSpendColumns extends SpendColumns {
  runs: number;
}

export interface CostSummary {
  windowStartMs: number;
  nowMs: number;
  totals: { costUsd: number; calls: number; unpricedCalls: number; traces: number; tokens: number };
  /** One entry per minute of the window, oldest first, minutes without calls included as 0. */
  perMinute: Array<{ minuteMs: number; costUsd: number }>;
  topModels: Array<SpendRow & { provider: string | null }>;
  topWorkflows: WorkflowSpendRow[];
  topNodes: SpendRow[];
  recentTraces: TraceRow[];
  /** Models whose calls could not be priced: their spend is missing from the totals. */
  unpricedModels: Array<{ model: string | null; provider: string | null; calls: number; reason: string | null }>;
}

const MINUTE_MS = 60_000;
const TOP = 8;
const RECENT_TRACES = 15;

/**
 * The queries of a summary, by name: each takes the window's start, and those listing rows a limit. Kept as SQL text so
 * that a worker thread can run them on a connection of its own (`SummaryWorker`).
 */
export const SUMMARY_QUERIES = {
  totals: {
    sql: `SELECT coalesce(sum(${CALL_SPEND_SQL}), 0) AS cost_usd, count(*) AS calls, coalesce(sum(status = 'unpriced'), 0) AS unpriced_calls,
                 coalesce(sum(input_tokens + output_tokens), 0) AS tokens
          FROM llm_calls WHERE recorded_ms >= ?`,
  },
  traceCount: { sql: 'SELECT count(*) AS traces FROM traces WHERE recorded_ms >= ?' },
  perMinute: {
    sql: `SELECT (recorded_ms / ${MINUTE_MS}) * ${MINUTE_MS} AS minute, sum(coalesce(${CALL_SPEND_SQL}, 0)) AS cost_usd
          FROM llm_calls WHERE recorded_ms >= ? GROUP BY minute ORDER BY minute`,
  },
  // sum() of costs that are all NULL is NULL: a row none of whose calls is priced has no cost (listed after the
  // priced ones, since NULL sorts lowest).
  topModels: {
    sql: `SELECT coalesce(model, 'unknown') AS name, provider, sum(${CALL_SPEND_SQL}) AS cost_usd, count(*) AS calls,
                 sum(status = 'unpriced') AS unpriced_calls
          FROM llm_calls WHERE recorded_ms >= ? GROUP BY model, provider ORDER BY cost_usd DESC, calls DESC, name LIMIT ?`,
    limit: TOP,
  },
  // A trace's cost is 0 when none of its calls is priced: a workflow whose calls were all unpriced has no cost.
  topWorkflows: {
    sql: `SELECT workflow AS name, CASE WHEN sum(unpriced_calls) > 0 AND sum(unpriced_calls) = sum(calls) THEN NULL ELSE sum(cost_usd) END AS cost_usd,
                 count(*) AS runs, sum(calls) AS calls, sum(unpriced_calls) AS unpriced_calls
          FROM traces WHERE recorded_ms >= ? GROUP BY workflow ORDER BY cost_usd DESC, runs DESC, name LIMIT ?`,
    limit: TOP,
  },
  topNodes: {
    sql: `SELECT coalesce(node, 'unknown') AS name, sum(${CALL_SPEND_SQL}) AS cost_usd, count(*) AS calls, sum(status = 'unpriced') AS unpriced_calls
          FROM llm_calls WHERE recorded_ms >= ? GROUP BY node ORDER BY cost_usd DESC, calls DESC, name LIMIT ?`,
    limit: TOP,
  },
  recentTraces: { sql: 'SELECT * FROM traces WHERE recorded_ms >= ? ORDER BY recorded_ms DESC, end_ms DESC LIMIT ?', limit: RECENT_TRACES },
  unpricedModels: {
    sql: `SELECT model, provider, count(*) AS calls, max(unpriced_reason) AS reason
          FROM llm_calls WHERE recorded_ms >= ? AND status = 'unpriced' GROUP BY model, provider ORDER BY calls DESC`,
  },
} as const satisfies Record<string, { sql: string; limit?: number }>;

export type SummaryQueryName = keyof typeof SUMMARY_QUERIES;

/** What each query found, as its rows. */
export interface SummaryRows {
  totals: Array<{ cost_usd: number; calls: number; unpriced_calls: number; tokens: number }>;
  traceCount: Array<{ traces: number }>;
  perMinute: Array<{ minute: number; cost_usd: number }>;
  topModels: Array<SpendColumns & { provider: string | null }>;
  topWorkflows: WorkflowSpendColumns[];
  topNodes: SpendColumns[];
  recentTraces: TraceColumns[];
  unpricedModels: CostSummary['unpricedModels'];
}

/** Where the window of a summary over `windowMs` up to `nowMs` starts, aligned to whole minutes, and how many it has. */
export function summaryWindow(windowMs: number, nowMs: number): { since: number; minutes: number } {
  const lastMinute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const minutes = Math.max(1, Math.ceil(windowMs / MINUTE_MS));
  return { since: lastMinute - (minutes - 1) * MINUTE_MS, minutes };
}

/** The summary the queries' rows make. */
export function summaryOf(rows: SummaryRows, since: number, minutes: number, nowMs: number): CostSummary {
  const totals = rows.totals[0]!;
  const spentByMinute = new Map(rows.perMinute.map((row) => [row.minute, row.cost_usd]));
  const spend = (row: SpendColumns): SpendRow => ({ name: row.name, costUsd: row.cost_usd, calls: row.calls, unpricedCalls: row.unpriced_calls });
  return {
    windowStartMs: since,
    nowMs,
    totals: {
      costUsd: totals.cost_usd,
      calls: totals.calls,
      unpricedCalls: totals.unpriced_calls,
      traces: rows.traceCount[0]!.traces,
      tokens: totals.tokens,
    },
    perMinute: Array.from({ length: minutes }, (_, index) => {
      const minuteMs = since + index * MINUTE_MS;
      return { minuteMs, costUsd: spentByMinute.get(minuteMs) ?? 0 };
    }),
    topModels: rows.topModels.map((row) => ({ ...spend(row), provider: row.provider })),
    topWorkflows: rows.topWorkflows.map((row) => ({ ...spend(row), runs: row.runs })),
    topNodes: rows.topNodes.map(spend),
    recentTraces: rows.recentTraces.map(traceRowOf),
    unpricedModels: rows.unpricedModels,
  };
}

/** Runs a summary's queries on the ledger's own connection (in this thread). */
export class LedgerSummaries {
  private readonly statements: Record<SummaryQueryName, Statement<unknown[], unknown>>;

  constructor(db: Database) {
    this.statements = Object.fromEntries(Object.entries(SUMMARY_QUERIES).map(([name, { sql }]) => [name, db.prepare(sql)])) as Record<SummaryQueryName, Statement<unknown[], unknown>>;
  }

  /** The summary of the `windowMs` up to `nowMs`, aligned to whole minutes. */
  summary(windowMs: number, nowMs = Date.now()): CostSummary {
    const { since, minutes } = summaryWindow(windowMs, nowMs);
    return summaryOf(this.rows(since), since, minutes, nowMs);
  }

  /** Every query's rows from `since`. */
  rows(since: number): SummaryRows {
    const rows = {} as Record<SummaryQueryName, unknown[]>;
    for (const [name, query] of Object.entries(SUMMARY_QUERIES) as Array<[SummaryQueryName, { sql: string; limit?: number }]>) {
      rows[name] = this.statements[name].all(...(query.limit === undefined ? [since] : [since, query.limit]));
    }
    return rows as unknown as SummaryRows;
  }
}
