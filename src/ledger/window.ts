/**
 * What the reports read from the ledger: the calls and the traces that started in a time window. Start times are the
 * app's clock, the one MLflow's trace search filters on, so a report over the ledger and one over MLflow cover the
 * same traces. Rows are streamed, so a report over a long window never holds them all at once.
 */
import type { Database, Statement } from 'better-sqlite3';
import { callRowOf, traceRowOf } from './columns.js';
import type { CallColumns, TraceColumns } from './columns.js';
import type { CallRow, TraceRow } from './records.js';

export interface LedgerWindow {
  /** Inclusive, ms since the epoch. */
  fromMs: number;
  /** Exclusive. */
  untilMs: number;
}

export interface WindowCall extends CallRow {
  /** The status of the call's finished trace; null while its root span has not arrived. */
  traceStatus: TraceRow['status'] | null;
}

type WindowCallColumns = CallColumns & { trace_status: TraceRow['status'] | null };

export class LedgerWindowQueries {
  private readonly calls: Statement<[number, number], WindowCallColumns>;
  private readonly traces: Statement<[number, number], TraceColumns>;

  constructor(db: Database) {
    this.calls = db.prepare(`
      SELECT llm_calls.*, traces.status AS trace_status
      FROM llm_calls LEFT JOIN traces ON traces.trace_id = llm_calls.trace_id
      WHERE llm_calls.start_ms >= ? AND llm_calls.start_ms < ? ORDER BY llm_calls.start_ms, llm_calls.span_id`);
    this.traces = db.prepare('SELECT * FROM traces WHERE start_ms >= ? AND start_ms < ? ORDER BY start_ms, trace_id');
  }

  /** The calls started in the window, oldest first, each with its trace's workflow (once finished) and status. */
  *callsStartedIn(window: LedgerWindow): IterableIterator<WindowCall> {
    for (const columns of this.calls.iterate(window.fromMs, window.untilMs)) {
      yield { ...callRowOf(columns), traceStatus: columns.trace_status };
    }
  }

  /** The finished traces started in the window, oldest first. */
  *tracesStartedIn(window: LedgerWindow): IterableIterator<TraceRow> {
    for (const columns of this.traces.iterate(window.fromMs, window.untilMs)) yield traceRowOf(columns);
  }
}
