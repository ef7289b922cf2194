/**
 * The reports over tokenmeter's own ledger (`--source ledger`): its call rows become the same priced calls MLflow's
 * spans become, so grouping, totals and rendering are the reports' one implementation. The costs are the ones the
 * ledger holds: priced in flight, or by the last `tokenmeter reprice --write`; a report does not price them again.
 */
import { existsSync } from 'node:fs';
import { Ledger } from '../../ledger/index.js';
import type { WindowCall } from '../../ledger/index.js';
import type { PricedCall } from '../priceTrace.js';
import { UNKNOWN_WORKFLOW } from '../trace.js';
import type { TraceState } from '../trace.js';
import type { TimeWindow } from '../window.js';

/** Opens an existing ledger; a report never creates an empty one where a path was mistyped. */
export function openLedger(file: string): Ledger {
  if (!existsSync(file)) throw new Error(`no ledger at ${file} (give --ledger, or a --config whose ledger exporter names it)`);
  return new Ledger(file, { mustExist: true });
}

export function pricedCallOf(row: WindowCall): PricedCall {
  return {
    // MLflow's form of the id, so a trace counts once whichever source it is read from.
    traceId: `tr-${row.traceId}`,
    spanId: row.spanId,
    workflow: row.workflow ?? UNKNOWN_WORKFLOW,
    node: row.node ?? undefined,
    model: row.model ?? undefined,
    provider: row.provider ?? undefined,
    startMs: row.startMs,
    tokens: row.tokens,
    costUsd: row.costUsd ?? undefined,
    unpricedReason: row.unpricedReason ?? undefined,
    // The ledger's cost is tokenmeter's own price of the call: there is no second, recorded one to compare it with.
    recorded: undefined,
  };
}

/**
 * Visits the calls that started in the window and counts the window's traces by state: the finished ones that started
 * in it (a root with ERROR status is ERROR, any other OK, as MLflow's ingest decides) and, as still in progress, those
 * with calls in it whose root has not arrived. A trace without LLM calls and without its root is not in the ledger.
 */
export function visitLedgerWindow(ledger: Ledger, window: TimeWindow, visit: (call: PricedCall) => void): Record<TraceState, number> {
  const states: Record<TraceState, number> = { OK: 0, ERROR: 0, IN_PROGRESS: 0 };
  for (const trace of ledger.window.tracesStartedIn(window)) states[trace.status === 'error' ? 'ERROR' : 'OK'] += 1;
  const inProgress = new Set<string>();
  for (const row of ledger.window.callsStartedIn(window)) {
    if (row.traceStatus === null) inProgress.add(row.traceId);
    visit(pricedCallOf(row));
  }
  states.IN_PROGRESS = inProgress.size;
  return states;
}
