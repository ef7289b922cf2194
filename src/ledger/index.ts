// The embedded ledger: SQLite rows per priced LLM call and per finished trace, live events, page summaries.
export { Ledger } from './ledger.js';
export type { LedgerUpdate } from './ledger.js';
export { matchesFilter, spendOf } from './records.js';
export type { CallRecord, CallRow, CostStatus, LiveEvent, LiveFilter, RootRecord, TokenCounts, TraceRow, TraceTotals } from './records.js';
export type { CostSummary } from './summary.js';
export type { LedgerWindow, WindowCall } from './window.js';
