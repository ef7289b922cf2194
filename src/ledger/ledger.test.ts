import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { readLedgerRecords } from '../exporters/ledger/spanRecords.js';
import type { Span } from '../otlp/index.js';
import { CostEstimatorProcessor } from '../processors/costestimator/processor.js';
import type { CostEstimatorConfig } from '../processors/costestimator/index.js';
import { makeSpan, mlflowAttributes, tracesData } from '../recognition/testSpans.js';
import { CALL_COLUMN_NAMES, callColumns, placeholders } from './columns.js';
import { Ledger } from './ledger.js';
import type { SpendRow } from './summary.js';
import { migrations } from './schema.js';

const opened: Ledger[] = [];
afterEach(() => opened.splice(0).forEach((ledger) => ledger.close()));

function open(file = ':memory:'): Ledger {
  const ledger = new Ledger(file);
  opened.push(ledger);
  return ledger;
}

function chatSpan(trace: string, id: string, start: string, model: string, input: number, output: number, node = 'plan'): Span {
  return makeSpan({
    trace,
    id,
    parent: `root-${trace}`,
    start,
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.chat.tokenUsage': { input_tokens: input, output_tokens: output, total_tokens: input + output },
      invocation_params: { model },
      metadata: { langgraph_node: node, ls_provider: 'openai', ls_model_name: model },
    }),
  });
}

function rootSpan(trace: string, start: string): Span {
  return makeSpan({ trace, id: `root-${trace}`, name: 'checkout', start, attributes: [] });
}

/** Spans as the real CostEstimator prices them. */
function priced(spans: Span[], pricing: CostEstimatorConfig['pricing'] = {}): ReturnType<typeof tracesData> {
  const data = tracesData(spans);
  new CostEstimatorProcessor({ pricing }, { consume: async () => {} }).process(data);
  return data;
}

/** Records spans priced by the real CostEstimator, read as the ledger exporter reads them. */
function recordPriced(ledger: Ledger, spans: Span[], pricing: CostEstimatorConfig['pricing'] = {}): void {
  const { calls, roots } = readLedgerRecords(priced(spans, pricing));
  ledger.record(calls, roots);
}

// openai.com/api/pricing, gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens.
const miniUsd = (input: number, output: number) => (input * 0.15 + output * 0.6) / 1e6;
const negotiated = { overrides: [{ name: 'negotiated', match: { exact: 'gpt-4o-mini' }, prices: { input: 1, output: 2 } }] };

describe('ledger window queries', () => {
  it('lists the calls and the finished traces that started in a window, with the trace’s workflow and status', () => {
    const ledger = open();
    recordPriced(ledger, [
      chatSpan('a', 'a1', '2025-09-01T12:00:00Z', 'gpt-4o-mini', 1000, 100),
      chatSpan('a', 'a2', '2025-09-01T12:30:00Z', 'acme-private-1', 10, 1),
      rootSpan('a', '2025-09-01T12:00:00Z'),
      // A trace still in progress (no root yet), and one outside the window.
      chatSpan('b', 'b1', '2025-09-01T12:45:00Z', 'gpt-4o-mini', 2000, 0),
      chatSpan('c', 'c1', '2025-09-01T13:00:00Z', 'gpt-4o-mini', 5, 5),
      rootSpan('c', '2025-09-01T13:00:00Z'),
    ]);
    const window = { fromMs: Date.parse('2025-09-01T12:00:00Z'), untilMs: Date.parse('2025-09-01T13:00:00Z') };
    const calls = [...ledger.window.callsStartedIn(window)];
    expect(calls.map((call) => [call.model, call.workflow, call.traceStatus, call.status, call.tokens.input, call.tokens.output])).toEqual([
      ['gpt-4o-mini', 'checkout', 'unset', 'priced', 1000, 100],
      ['acme-private-1', 'checkout', 'unset', 'unpriced', 10, 1],
      ['gpt-4o-mini', null, null, 'priced', 2000, 0],
    ]);
    expect(calls[0]!.costUsd).toBeCloseTo(miniUsd(1000, 100), 15);
    expect(calls[0]!.split?.output).toBeCloseTo(miniUsd(0, 100), 15);
    expect(calls[1]!.costUsd).toBeNull();
    const traces = [...ledger.window.tracesStartedIn(window)];
    expect(traces.map((trace) => [trace.workflow, trace.calls, trace.unpricedCalls])).toEqual([['checkout', 2, 1]]);
    expect(traces[0]!.costUsd).toBeCloseTo(miniUsd(1000, 100), 15);
  });

  it('refuses to open a ledger that does not exist when asked to read one', () => {
    const missing = path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-ledger-')), 'nope', 'tokenmeter.db');
    expect(() => new Ledger(missing, { mustExist: true })).toThrow();
  });
});

describe('ledger summary', () => {
  it('gives a model, node or workflow none of whose calls is priced no cost, not $0, and counts unpriced calls per row', () => {
    const ledger = open();
    const now = new Date().toISOString();
    recordPriced(ledger, [
      chatSpan('a', 'a1', now, 'gpt-4o-mini', 1000, 100),
      chatSpan('a', 'a2', now, 'acme-private-1', 10, 1),
      rootSpan('a', now),
      chatSpan('u', 'u1', now, 'acme-private-1', 10, 1, 'search'),
      makeSpan({ trace: 'u', id: 'root-u', name: 'research', start: now, attributes: [] }),
    ]);
    const summary = ledger.summaries.summary(3_600_000);
    const rows = (list: readonly SpendRow[]) => list.map(({ name, costUsd, calls, unpricedCalls }) => [name, costUsd === null ? null : Number(costUsd.toFixed(12)), calls, unpricedCalls]);
    const mini = Number(miniUsd(1000, 100).toFixed(12));
    expect(rows(summary.topModels)).toEqual([
      ['gpt-4o-mini', mini, 1, 0],
      ['acme-private-1', null, 2, 2],
    ]);
    expect(rows(summary.topNodes)).toEqual([
      ['plan', mini, 2, 1],
      ['search', null, 1, 1],
    ]);
    // A workflow's runs apart from its calls: one run of checkout made two calls, one of them unpriced.
    expect(summary.topWorkflows.map((row) => [...rows([row])[0]!, row.runs])).toEqual([
      ['checkout', mini, 2, 1, 1],
      ['research', null, 1, 1, 1],
    ]);
  });
});

describe('ledger reprice', () => {
  it('gives recorded calls their new price and adds their trace up again; calls it never recorded stay out', () => {
    const ledger = open();
    const spans = () => [
      chatSpan('a', 'a1', '2025-09-01T12:00:00Z', 'gpt-4o-mini', 1000, 100),
      chatSpan('a', 'a2', '2025-09-01T12:01:00Z', 'gpt-4o-mini', 3000, 300),
      rootSpan('a', '2025-09-01T12:00:00Z'),
    ];
    recordPriced(ledger, spans());
    const window = { fromMs: 0, untilMs: Date.parse('2030-01-01T00:00:00Z') };

    const repriced = tracesData([...spans(), chatSpan('a', 'a3', '2025-09-01T12:02:00Z', 'gpt-4o-mini', 1, 1)]);
    new CostEstimatorProcessor({ pricing: negotiated }, { consume: async () => {} }).process(repriced);
    expect(ledger.reprice(readLedgerRecords(repriced).calls)).toEqual({ calls: 2, traces: 1 });

    const calls = [...ledger.window.callsStartedIn(window)];
    expect(calls.map((call) => call.spanId)).toHaveLength(2);
    expect(calls[0]!.costUsd).toBeCloseTo((1000 * 1 + 100 * 2) / 1e6, 15);
    expect(calls[0]!.split?.input).toBeCloseTo(1000 / 1e6, 15);
    expect(calls[1]!.costUsd).toBeCloseTo((3000 * 1 + 300 * 2) / 1e6, 15);
    const [trace] = [...ledger.window.tracesStartedIn(window)];
    expect(trace!.costUsd).toBeCloseTo((1200 + 3600) / 1e6, 15);
    // Tokens and identity are what was recorded; only the price moved.
    expect(trace!.tokens.input).toBe(4000);

    // The same prices again change nothing.
    expect(ledger.reprice(readLedgerRecords(repriced).calls)).toEqual({ calls: 0, traces: 0 });
  });

  it('keeps a repriced trace at its calls\' prices when trace assembly re-sends its root after a late child', () => {
    const ledger = open();
    const early = () => [chatSpan('a', 'a1', '2025-09-01T12:00:00Z', 'gpt-4o-mini', 1000, 100), chatSpan('a', 'a2', '2025-09-01T12:01:00Z', 'gpt-4o-mini', 3000, 300)];
    const late = chatSpan('a', 'a3', '2025-09-01T12:02:00Z', 'gpt-4o-mini', 2000, 200);
    // The root as trace assembly sends it: with the totals of the calls priced in flight.
    const rootWith = (calls: number, costUsd: number, input: number, output: number) =>
      readLedgerRecords(tracesData([rootSpan('a', '2025-09-01T12:00:00Z')])).roots.map((root) => ({
        ...root,
        totals: { calls, unpricedCalls: 0, tokens: { input, output, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, costUsd, models: ['gpt-4o-mini'], bottleneckNode: 'plan', bottleneckShare: 1 },
      }));
    ledger.record(readLedgerRecords(priced(early())).calls, rootWith(2, miniUsd(4000, 400), 4000, 400));
    const repriced = tracesData(early());
    new CostEstimatorProcessor({ pricing: negotiated }, { consume: async () => {} }).process(repriced);
    expect(ledger.reprice(readLedgerRecords(repriced).calls)).toEqual({ calls: 2, traces: 1 });

    // The late call, priced in flight, then the root re-sent with the in-flight totals of all three.
    ledger.record(readLedgerRecords(priced([late])).calls, rootWith(3, miniUsd(6000, 600), 6000, 600));
    const window = { fromMs: 0, untilMs: Date.parse('2030-01-01T00:00:00Z') };
    const [trace] = [...ledger.window.tracesStartedIn(window)];
    // The reprice's prices for the first two, the in-flight price of the late one: what the call rows add up to.
    expect(trace!.costUsd).toBeCloseTo((4000 * 1 + 400 * 2) / 1e6 + miniUsd(2000, 200), 15);
    expect([trace!.calls, trace!.tokens.input]).toEqual([3, 6000]);
  });

  it('prices a call that was unpriced once its model gets a price, and its trace no longer counts it unpriced', () => {
    const ledger = open();
    const spans = () => [chatSpan('a', 'a1', '2025-09-01T12:00:00Z', 'acme-private-1', 1000, 100), rootSpan('a', '2025-09-01T12:00:00Z')];
    recordPriced(ledger, spans());
    const window = { fromMs: 0, untilMs: Date.parse('2030-01-01T00:00:00Z') };
    expect([...ledger.window.tracesStartedIn(window)].map((trace) => [trace.costUsd, trace.unpricedCalls])).toEqual([[0, 1]]);

    const repriced = tracesData(spans());
    const privatePrice = { overrides: [{ name: 'private', match: { exact: 'acme-private-1' }, prices: { input: 3, output: 4 } }] };
    new CostEstimatorProcessor({ pricing: privatePrice }, { consume: async () => {} }).process(repriced);
    expect(ledger.reprice(readLedgerRecords(repriced).calls)).toEqual({ calls: 1, traces: 1 });
    const [call] = [...ledger.window.callsStartedIn(window)];
    expect([call!.status, call!.unpricedReason]).toEqual(['priced', null]);
    expect(call!.costUsd).toBeCloseTo((1000 * 3 + 100 * 4) / 1e6, 15);
    const [trace] = [...ledger.window.tracesStartedIn(window)];
    expect(trace!.unpricedCalls).toBe(0);
    expect(trace!.costUsd).toBeCloseTo((1000 * 3 + 100 * 4) / 1e6, 15);
  });
});

describe('ledger identity of a call', () => {
  const window = { fromMs: 0, untilMs: Date.parse('2030-01-01T00:00:00Z') };

  it('is its span within its trace: calls of two traces that share a span id both count; the same span again is a retry', () => {
    const ledger = open();
    // Span ids are unique only within a trace (OTel): two traces may use the same one (here, deterministic ids).
    recordPriced(ledger, [chatSpan('a', 'call', '2025-09-01T12:00:00Z', 'gpt-4o-mini', 1000, 100)]);
    recordPriced(ledger, [chatSpan('b', 'call', '2025-09-01T12:01:00Z', 'gpt-4o-mini', 3000, 300)]);
    recordPriced(ledger, [chatSpan('a', 'call', '2025-09-01T12:00:00Z', 'gpt-4o-mini', 1000, 100)]);
    const calls = [...ledger.window.callsStartedIn(window)];
    expect(new Set(calls.map((call) => call.spanId)).size).toBe(1);
    expect(calls.map((call) => call.costUsd)).toEqual([miniUsd(1000, 100), miniUsd(3000, 300)].map((usd) => expect.closeTo(usd, 15)));

    // Repricing one trace's call leaves the other trace's call with the same span id as it was.
    const repriced = tracesData([chatSpan('b', 'call', '2025-09-01T12:01:00Z', 'gpt-4o-mini', 3000, 300)]);
    new CostEstimatorProcessor({ pricing: negotiated }, { consume: async () => {} }).process(repriced);
    expect(ledger.reprice(readLedgerRecords(repriced).calls)).toEqual({ calls: 1, traces: 0 });
    expect([...ledger.window.callsStartedIn(window)].map((call) => call.costUsd)).toEqual(
      [miniUsd(1000, 100), (3000 * 1 + 300 * 2) / 1e6].map((usd) => expect.closeTo(usd, 15)),
    );
  });

  it('upgrades a ledger written with calls keyed by span id alone, keeping its rows', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ledger-')), 'ledger.db');
    // The file as the version before wrote it: the first two migrations, and a recorded call.
    const old = new Database(file);
    for (const migration of migrations.slice(0, 2)) old.exec(migration);
    old.pragma('user_version = 2');
    const data = tracesData([chatSpan('a', 'call', '2025-09-01T12:00:00Z', 'gpt-4o-mini', 1000, 100)]);
    new CostEstimatorProcessor({}, { consume: async () => {} }).process(data);
    const [recorded] = readLedgerRecords(data).calls;
    old.prepare(`INSERT INTO llm_calls (${CALL_COLUMN_NAMES.join(', ')}) VALUES (${placeholders(CALL_COLUMN_NAMES)})`).run(callColumns({ ...recorded!, workflow: 'checkout', recordedMs: Date.now() }));
    old.close();

    const ledger = open(file);
    expect([...ledger.window.callsStartedIn(window)]).toMatchObject([{ ...recorded, workflow: 'checkout' }]);
    recordPriced(ledger, [chatSpan('b', 'call', '2025-09-01T12:01:00Z', 'gpt-4o-mini', 3000, 300)]);
    expect([...ledger.window.callsStartedIn(window)]).toHaveLength(2);
  });
});

describe('ledger live events', () => {
  it('replay each event with its row as it is now: a call recorded before its trace finished names the workflow', () => {
    const ledger = open();
    const call = chatSpan('a', 'call', '2025-09-01T12:00:00Z', 'gpt-4o-mini', 1000, 100);
    const live = [call, rootSpan('a', '2025-09-01T12:00:00Z')].flatMap((span) => {
      const { calls, roots } = readLedgerRecords(priced([span]));
      return ledger.record(calls, roots).events;
    });
    expect(live.map((event) => event.type)).toEqual(['call', 'trace']);
    expect(live[0]?.type === 'call' && live[0].call.workflow).toBeNull();
    const replayed = ledger.eventsAfter(0, 10);
    expect(replayed).toEqual([{ ...live[0], call: { ...(live[0]?.type === 'call' && live[0].call), workflow: 'checkout' } }, live[1]]);
    expect(ledger.eventsAfter(live[0]!.id, 10)).toEqual([live[1]]);
  });

  it('announce a call that arrives with its root already named, and name calls from earlier batches once the root comes', () => {
    const ledger = open();
    const record = (spans: Span[]) => {
      const { calls, roots } = readLedgerRecords(priced(spans));
      return ledger.record(calls, roots).events;
    };
    record([chatSpan('a', 'early', '2025-09-01T12:00:00Z', 'gpt-4o-mini', 1000, 100)]);
    const live = record([chatSpan('a', 'late', '2025-09-01T12:01:00Z', 'gpt-4o-mini', 10, 1), rootSpan('a', '2025-09-01T12:00:00Z')]);
    expect(live.map((event) => [event.type, event.type === 'call' ? event.call.workflow : event.trace.workflow])).toEqual([
      ['call', 'checkout'],
      ['trace', 'checkout'],
    ]);
    const window = { fromMs: Date.parse('2025-09-01T12:00:00Z'), untilMs: Date.parse('2025-09-01T13:00:00Z') };
    expect([...ledger.window.callsStartedIn(window)].map((call) => call.workflow)).toEqual(['checkout', 'checkout']);
  });

  it('leave out an event whose row was pruned before it, and still fill the page with the events after it', () => {
    const ledger = open();
    const [calls, roots] = [(spans: Span[]) => readLedgerRecords(priced(spans)).calls, (spans: Span[]) => readLedgerRecords(priced(spans)).roots];
    // Trace a finishes at t=1000; a call of it arrives at t=5000, and the trace grows (a second trace event, t=5000).
    ledger.record([], roots([rootSpan('a', '2025-09-01T12:00:00Z')]), 1000);
    const late = ledger.record(calls([chatSpan('a', 'late', '2025-09-01T12:00:01Z', 'gpt-4o-mini', 1000, 100)]), [], 5000).events;
    const other = ledger.record(calls([chatSpan('b', 'call', '2025-09-01T12:00:02Z', 'gpt-4o-mini', 2000, 100)]), [], 6000).events;
    expect(late.map((event) => event.type)).toEqual(['call', 'trace']);
    // Retention drops what was recorded before t=3000: trace a's row, which its later event points at.
    ledger.prune(3000);
    expect(ledger.eventsAfter(0, 10).map((event) => event.id)).toEqual([late[0]!.id, other[0]!.id]);
    expect(ledger.eventsAfter(late[0]!.id, 1)).toEqual(other);
  });

  it('upgrade from events that held a copy of their row: those replay as written, and ids go on after them', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ledger-')), 'ledger.db');
    const old = new Database(file);
    for (const migration of migrations.slice(0, 3)) old.exec(migration);
    old.pragma('user_version = 3');
    const copy = { type: 'trace', trace: { traceId: 'f'.repeat(32), workflow: 'from-version-3', calls: 0 } };
    old.prepare('INSERT INTO live_events (type, data, recorded_ms) VALUES (?, ?, ?)').run('trace', JSON.stringify(copy), Date.now());
    // Pruned events still count: ids never go back.
    old.prepare('INSERT INTO live_events (type, data, recorded_ms) VALUES (?, ?, ?)').run('trace', JSON.stringify(copy), 0);
    old.prepare('DELETE FROM live_events WHERE recorded_ms = 0').run();
    old.close();

    const ledger = open(file);
    expect(ledger.eventsAfter(0, 10)).toEqual([{ ...copy, id: 1 }]);
    recordPriced(ledger, [chatSpan('b', 'call', '2025-09-01T12:01:00Z', 'gpt-4o-mini', 3000, 300)]);
    expect(ledger.eventsAfter(0, 10).map((event) => [event.id, event.type])).toEqual([
      [1, 'trace'],
      [3, 'call'],
    ]);
  });
});
