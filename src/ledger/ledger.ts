/**
 * The embedded ledger: SQLite in WAL mode (readers such as the live page, reports or `sqlite3` never block the
 * writer). Writes are idempotent on span id and trace id, because apps retry an export that was refused by any one
 * exporter of a fan-out, and the ledger may already have recorded it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { CALL_COLUMN_NAMES, CALL_SPEND_SQL, callColumns, callRowOf, callValues, positionalPlaceholders, TRACE_COLUMN_NAMES, tokensOf, traceColumns, traceRowOf, traceValues } from './columns.js';
import type { CallColumns, TokenColumns, TraceColumns } from './columns.js';
import type { CallRecord, CallRow, LiveEvent, LiveEventBody, RootRecord, TraceRow, TraceTotals } from './records.js';
import { migrate } from './schema.js';
import { LedgerSummaries } from './summary.js';
import { LedgerWindowQueries } from './window.js';
import { WalCheckpoints } from '../storage/wal-checkpoints.js';
import type { Logger } from '../telemetry/logger.js';

/** A row of `live_events`: the event's JSON copy in `data` when written before schema version 4, else ''. */
interface StoredEvent {
  seq: number;
  type: LiveEventBody['type'];
  trace_id: string | null;
  span_id: string | null;
  data: string;
}

/** What one `record` call changed, for metrics and the live stream. */
export interface LedgerUpdate {
  /** Calls seen for the first time. */
  newCalls: CallRow[];
  /** Traces that finished with this batch. */
  newTraces: TraceRow[];
  /** Finished traces whose totals changed because a call, or trace assembly's re-sent root, came after the root. */
  grownTraces: Array<{ trace: TraceRow; addedCostUsd: number }>;
  events: LiveEvent[];
}

/** What a trace's calls add up to, as the trace's columns. */
type CallTotalsColumns = Pick<TraceColumns, 'calls' | 'unpriced_calls' | keyof TokenColumns | 'cost_usd'>;

function changed(before: TraceColumns, after: TraceColumns): boolean {
  return TRACE_COLUMN_NAMES.some((name) => before[name as keyof TraceColumns] !== after[name as keyof TraceColumns]);
}

/**
 * A call's row. Its fields are listed rather than spread from the record: spreading the records into new rows was about
 * a third of recording a batch (ad hoc, 112 calls and 56 traces: 3.0 ms a batch, 1.7 without), and the rows it made
 * were slow to read afterwards.
 */
function recordedCall(call: CallRecord, workflow: string | null, recordedMs: number): CallRow {
  return {
    spanId: call.spanId,
    traceId: call.traceId,
    service: call.service,
    workflow,
    node: call.node,
    model: call.model,
    provider: call.provider,
    status: call.status,
    unpricedReason: call.unpricedReason,
    tokens: call.tokens,
    costUsd: call.costUsd,
    split: call.split,
    reportedCostUsd: call.reportedCostUsd,
    startMs: call.startMs,
    endMs: call.endMs,
    recordedMs,
  };
}

/** A finished trace's row, listed field by field as `recordedCall` is. */
function recordedTrace(root: RootRecord, totals: TraceTotals, source: TraceRow['source'], recordedMs: number): TraceRow {
  return {
    traceId: root.traceId,
    service: root.service,
    workflow: root.workflow,
    status: root.status,
    startMs: root.startMs,
    endMs: root.endMs,
    calls: totals.calls,
    unpricedCalls: totals.unpricedCalls,
    tokens: totals.tokens,
    costUsd: totals.costUsd,
    models: totals.models,
    bottleneckNode: totals.bottleneckNode,
    bottleneckShare: totals.bottleneckShare,
    source,
    durationMs: root.endMs - root.startMs,
    recordedMs,
  };
}

export class Ledger {
  readonly summaries: LedgerSummaries;
  readonly window: LedgerWindowQueries;
  private readonly db: Database;
  private readonly insertCall: Statement<unknown[]>;
  private readonly insertTrace: Statement<unknown[]>;
  private readonly replaceTraceTotals: Statement<TraceColumns>;
  private readonly selectTrace: Statement<[string], TraceColumns>;
  private readonly nameCallsWorkflow: Statement<[string, string, string]>;
  private readonly callTotals: Statement<[string], CallTotalsColumns>;
  private readonly callModels: Statement<[string], { model: string }>;
  private readonly callTimeByNode: Statement<[string], { node: string; ms: number }>;
  private readonly insertEvent: Statement<[string, string, string | null, number]>;
  private readonly selectEvents: Statement<[number, number], StoredEvent>;
  private readonly selectLastEventId: Statement<[], { seq: number }>;
  private readonly selectCall: Statement<[string, string], CallColumns>;
  private readonly updateCallPrice: Statement<CallColumns>;
  private readonly resumTracePrice: Statement<[number, string]>;
  private readonly pruneCalls: Statement<[number, number]>;
  private readonly pruneTraces: Statement<[number, number]>;
  private readonly pruneEvents: Statement<[number, number]>;
  private readonly recordBatch: (calls: readonly CallRecord[], roots: readonly RootRecord[], nowMs: number) => LedgerUpdate;

  /**
   * Opens (creating when needed) the ledger at `file`; `:memory:` for a ledger that lives as long as the process.
   * `mustExist` is for readers such as the reports: a mistyped path is an error, not a new empty ledger.
   */
  constructor(file: string, options: { mustExist?: boolean } = {}) {
    if (file !== ':memory:' && !options.mustExist) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new BetterSqlite3(file, { fileMustExist: options.mustExist === true });
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power loss may lose the last transactions but never corrupts the file.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);

    // Inserts bind by position (`callValues`, `traceValues`): binding two dozen named parameters looked each name up on
    // the row object, a twentieth of the ledger's time.
    this.insertCall = this.db.prepare(
      `INSERT INTO llm_calls (${CALL_COLUMN_NAMES.join(', ')}) VALUES (${positionalPlaceholders(CALL_COLUMN_NAMES)}) ON CONFLICT (trace_id, span_id) DO NOTHING`,
    );
    this.insertTrace = this.db.prepare(
      `INSERT INTO traces (${TRACE_COLUMN_NAMES.join(', ')}) VALUES (${positionalPlaceholders(TRACE_COLUMN_NAMES)}) ON CONFLICT (trace_id) DO NOTHING`,
    );
    this.replaceTraceTotals = this.db.prepare(
      `UPDATE traces SET ${TRACE_COLUMN_NAMES.filter((name) => name !== 'trace_id')
        .map((name) => `${name} = @${name}`)
        .join(', ')} WHERE trace_id = @trace_id`,
    );
    this.selectTrace = this.db.prepare('SELECT * FROM traces WHERE trace_id = ?');
    // Calls already named (those of the root's own batch) are left as they are, not rewritten with the same name.
    this.nameCallsWorkflow = this.db.prepare('UPDATE llm_calls SET workflow = ? WHERE trace_id = ? AND workflow IS NOT ?');
    this.callTotals = this.db.prepare(`
      SELECT count(*) AS calls, coalesce(sum(status = 'unpriced'), 0) AS unpriced_calls,
             coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
             coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens, coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens,
             coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens, coalesce(sum(${CALL_SPEND_SQL}), 0) AS cost_usd
      FROM llm_calls WHERE trace_id = ?`);
    this.callModels = this.db.prepare(
      'SELECT DISTINCT model FROM llm_calls WHERE trace_id = ? AND model IS NOT NULL ORDER BY model',
    );
    this.callTimeByNode = this.db.prepare(`
      SELECT coalesce(node, '') AS node, sum(max(end_ms - start_ms, 0)) AS ms
      FROM llm_calls WHERE trace_id = ? GROUP BY coalesce(node, '') ORDER BY ms DESC, node`);
    this.insertEvent = this.db.prepare("INSERT INTO live_events (type, trace_id, span_id, data, recorded_ms) VALUES (?, ?, ?, '', ?)");
    this.selectEvents = this.db.prepare('SELECT seq, type, trace_id, span_id, data FROM live_events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.selectLastEventId = this.db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM live_events');
    this.selectCall = this.db.prepare('SELECT * FROM llm_calls WHERE trace_id = ? AND span_id = ?');
    const priceColumns = ['status', 'unpriced_reason', 'cost_usd', 'input_usd', 'cache_read_usd', 'cache_write_usd', 'output_usd', 'reasoning_usd', 'reported_cost_usd'];
    this.updateCallPrice = this.db.prepare(
      `UPDATE llm_calls SET ${priceColumns.map((name) => `${name} = @${name}`).join(', ')}
       WHERE trace_id = @trace_id AND span_id = @span_id AND (${priceColumns.map((name) => `${name} IS NOT @${name}`).join(' OR ')})`,
    );
    this.resumTracePrice = this.db.prepare(`
      UPDATE traces SET
        cost_usd = (SELECT coalesce(sum(${CALL_SPEND_SQL}), 0) FROM llm_calls WHERE llm_calls.trace_id = traces.trace_id),
        unpriced_calls = (SELECT coalesce(sum(status = 'unpriced'), 0) FROM llm_calls WHERE llm_calls.trace_id = traces.trace_id),
        repriced_ms = ?
      WHERE trace_id = ?`);
    const pruneOf = (table: string) => this.db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE recorded_ms < ? LIMIT ?)`);
    this.pruneCalls = pruneOf('llm_calls');
    this.pruneTraces = pruneOf('traces');
    this.pruneEvents = pruneOf('live_events');
    this.recordBatch = this.db.transaction((calls, roots, nowMs) => this.write(calls, roots, nowMs));
    this.summaries = new LedgerSummaries(this.db);
    this.window = new LedgerWindowQueries(this.db);
  }

  /**
   * Records a batch's calls, then its finished traces, in one transaction. Calls come first so that a trace whose
   * root span arrives in the same batch as its last calls is summed with them.
   */
  record(calls: readonly CallRecord[], roots: readonly RootRecord[], nowMs = Date.now()): LedgerUpdate {
    return this.recordBatch(calls, roots, nowMs);
  }

  /**
   * Gives calls already recorded a new price (`tokenmeter reprice --write`): status, unpriced reason, cost and its
   * split, then adds their finished traces' cost and unpriced calls up again from the call rows. A call the ledger
   * never recorded is not added: a reprice changes prices, not what happened. Returns what changed.
   */
  reprice(calls: readonly CallRecord[], nowMs = Date.now()): { calls: number; traces: number } {
    return this.db.transaction(() => {
      const traceIds = new Set<string>();
      let changedCalls = 0;
      for (const call of calls) {
        // Only the price columns are bound; the row's identity, tokens and times stay as recorded.
        if (this.updateCallPrice.run(callColumns({ ...call, workflow: null, recordedMs: 0 })).changes === 0) continue;
        changedCalls += 1;
        traceIds.add(call.traceId);
      }
      let traces = 0;
      for (const traceId of traceIds) traces += this.resumTracePrice.run(nowMs, traceId).changes;
      return { calls: changedCalls, traces };
    })();
  }

  /**
   * Events after `afterId`, oldest first, at most `limit`. An event carries its row as it is now (a call replayed
   * after its trace finished names the workflow; a trace that grew twice replays its last totals twice); one whose
   * row was pruned before it is left out.
   */
  eventsAfter(afterId: number, limit: number): LiveEvent[] {
    const events: LiveEvent[] = [];
    for (let after = afterId; events.length < limit; ) {
      const stored = this.selectEvents.all(after, limit - events.length);
      if (stored.length === 0) break;
      for (const event of stored) {
        const body = this.eventBody(event);
        if (body !== undefined) events.push({ ...body, id: event.seq });
      }
      after = stored.at(-1)!.seq;
    }
    return events;
  }

  /** The id of the latest event, 0 when there is none. */
  lastEventId(): number {
    return this.selectLastEventId.get()!.seq;
  }

  private eventBody({ type, trace_id: traceId, span_id: spanId, data }: StoredEvent): LiveEventBody | undefined {
    // Written before events pointed at their rows (schema version 4).
    if (data !== '') return JSON.parse(data) as LiveEventBody;
    if (type === 'call') {
      const call = this.selectCall.get(traceId!, spanId!);
      return call === undefined ? undefined : { type, call: callRowOf(call) };
    }
    const trace = this.selectTrace.get(traceId!);
    return trace === undefined ? undefined : { type: 'trace', trace: traceRowOf(trace) };
  }

  /**
   * Deletes what was recorded before `cutoffMs`: calls, traces and live events alike; at most `limit` rows of each
   * table, so that a caller can delete a backlog in steps, letting the sidecar run between them (the writer and the
   * readers wait while a transaction deletes: 90,000 rows at once held them 0.7 s).
   */
  prune(cutoffMs: number, limit = Number.MAX_SAFE_INTEGER): { calls: number; traces: number; events: number } {
    return this.db.transaction(() => ({
      calls: this.pruneCalls.run(cutoffMs, limit).changes,
      traces: this.pruneTraces.run(cutoffMs, limit).changes,
      events: this.pruneEvents.run(cutoffMs, limit).changes,
    }))();
  }

  /** Checkpoints this ledger's WAL on a worker thread from now on (the sidecar writes it on every batch). */
  checkpointInBackground(logger: Logger): WalCheckpoints | undefined {
    return WalCheckpoints.start(this.db, logger);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private write(calls: readonly CallRecord[], roots: readonly RootRecord[], nowMs: number): LedgerUpdate {
    const update: LedgerUpdate = { newCalls: [], newTraces: [], grownTraces: [], events: [] };
    const grown = new Map<string, { trace: TraceRow; addedCostUsd: number }>();
    const grow = (before: TraceColumns, trace: TraceRow) => {
      this.replaceTraceTotals.run(traceColumns(trace));
      const addedCostUsd = trace.costUsd - before.cost_usd + (grown.get(trace.traceId)?.addedCostUsd ?? 0);
      grown.set(trace.traceId, { trace, addedCostUsd });
    };
    // A call whose root is in the same batch (a whole trace exported at once, the usual case) is written with its
    // workflow: naming it when the root is recorded would write its row a second time.
    const workflowOfRoot = new Map<string, string>();
    for (const root of roots) if (!workflowOfRoot.has(root.traceId)) workflowOfRoot.set(root.traceId, root.workflow);
    // The calls of a trace are next to each other in a batch, and the calls loop finishes no trace: one lookup each.
    let unfinishedTrace: string | undefined;
    for (const call of calls) {
      const finished = call.traceId === unfinishedTrace ? undefined : this.selectTrace.get(call.traceId);
      if (finished === undefined) unfinishedTrace = call.traceId;
      const row = recordedCall(call, finished?.workflow ?? workflowOfRoot.get(call.traceId) ?? null, nowMs);
      if (this.insertCall.run(callValues(row)).changes === 0) continue; // an app's retry: already recorded
      update.newCalls.push(row);
      update.events.push(this.emit({ type: 'call', call: row }, nowMs));
      // The call arrived after its root span: a trace summed here must include it.
      if (finished?.source === 'calls') grow(finished, { ...traceRowOf(finished), ...this.sumCalls(call.traceId) });
    }
    for (const root of roots) {
      const { totals } = root;
      const before = this.selectTrace.get(root.traceId);
      const row = recordedTrace(root, totals ?? this.sumCalls(root.traceId), totals ? 'root_span' : 'calls', before?.recorded_ms ?? nowMs);
      // A repriced trace's cost is its calls' (reprice's prices, and those of calls that came since): a root re-sent
      // after a late child carries the cost priced in flight, which would undo the reprice.
      if (before?.repriced_ms != null) {
        const { costUsd, unpricedCalls } = this.sumCalls(root.traceId);
        row.costUsd = costUsd;
        row.unpricedCalls = unpricedCalls;
      }
      if (before === undefined) {
        this.insertTrace.run(traceValues(row));
        this.nameCallsWorkflow.run(row.workflow, row.traceId, row.workflow);
        update.newTraces.push(row);
        update.events.push(this.emit({ type: 'trace', trace: row }, nowMs));
      } else if (totals !== undefined && changed(before, traceColumns(row))) {
        // Trace assembly re-sends a root with new totals when a child came late; its word beats our own sum.
        grow(before, row);
      }
      // Otherwise an app's retry, or a plain root seen again: already recorded.
    }
    for (const entry of grown.values()) {
      update.grownTraces.push(entry);
      update.events.push(this.emit({ type: 'trace', trace: entry.trace }, nowMs));
    }
    return update;
  }

  /** A trace's totals from its call rows; the bottleneck is the node with the most LLM time. */
  private sumCalls(traceId: string): TraceTotals {
    const sums = this.callTotals.get(traceId)!;
    const tokens = tokensOf(sums);
    const byNode = this.callTimeByNode.all(traceId);
    const totalMs = byNode.reduce((sum, entry) => sum + entry.ms, 0);
    const top = byNode.find((entry) => entry.node !== '');
    return {
      calls: sums.calls,
      unpricedCalls: sums.unpriced_calls,
      tokens,
      costUsd: sums.cost_usd,
      models: this.callModels.all(traceId).map((entry) => entry.model),
      bottleneckNode: top?.node ?? null,
      bottleneckShare: top && totalMs > 0 ? top.ms / totalMs : null,
    };
  }

  private emit(event: LiveEventBody, nowMs: number): LiveEvent {
    const [traceId, spanId] = event.type === 'call' ? [event.call.traceId, event.call.spanId] : [event.trace.traceId, null];
    const { lastInsertRowid } = this.insertEvent.run(event.type, traceId, spanId, nowMs);
    return { ...event, id: Number(lastInsertRowid) };
  }
}
