/**
 * The running summary of one trace: what `get_workflow_cost_summary()` and the BottleneckAnalyzer of the reference
 * app computed after the fact, kept incrementally from spans as they pass. Its size is bounded by the number of
 * distinct nodes, models and providers (capped), never by the number of spans.
 */
import type { CountedCall } from './spanFacts.js';
import { fromPicoUsd } from '../../pricing/index.js';

export interface TokenTotals {
  input: number;
  output: number;
  total: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

/** One row of a breakdown (contract.md: name, calls, tokens, cost_usd, wall time). */
export interface BreakdownRow {
  name: string;
  calls: number;
  tokens: number;
  cost_usd: number;
  /** Time in model calls for models and providers; for nodes, the time of the node's spans. */
  wall_ms: number;
}

/** A node row adds its own time: the node's wall time outside the model calls made in it. */
export interface NodeRow extends BreakdownRow {
  self_ms: number;
}

/** The finished picture of a trace: what goes onto the root span and what `onTraceFinished` listeners receive. */
export interface TraceSummary {
  traceId: string;
  rootSpanName: string | undefined;
  threadId: string | undefined;
  costUsd: { input: number; output: number; total: number };
  tokens: TokenTotals;
  llmCalls: number;
  unpricedCalls: number;
  nodes: NodeRow[];
  models: BreakdownRow[];
  providers: BreakdownRow[];
  /** The node with the most wall time, and its share of the workflow's wall time (0–1). */
  bottleneck: { node: string; share: number } | undefined;
  /** Time in model calls over the workflow's wall time, capped at 1 (parallel calls can overlap). */
  llmTimeShare: number;
  /** Wall time of the workflow: the root span, else the extent of the spans seen. */
  wallMs: number;
  /** When the first span seen started and the last one ended (Unix ms); undefined before any span. */
  extentMs: { start: number; end: number } | undefined;
  spans: number;
}

const OTHER_ROW = '(other)';
const UNKNOWN = 'unknown';

class RowAggregate {
  calls = 0;
  tokens = 0;
  costPico = 0;
  callNs = 0;
  /** Wall time of node spans; stays 0 for models and providers. */
  spanNs = 0;
  spans = 0;

  addCall(tokens: number, costPico: number, durationNs: number): void {
    this.calls++;
    this.tokens += tokens;
    this.costPico += costPico;
    this.callNs += durationNs;
  }
}

/** A name → aggregate map that folds names past its limit into one `(other)` row, so a trace cannot grow it without end. */
class BoundedRows {
  private readonly rows = new Map<string, RowAggregate>();

  constructor(private readonly limit: number) {}

  get(name: string): RowAggregate {
    let row = this.rows.get(name);
    if (row !== undefined) return row;
    const key = this.rows.size < this.limit - 1 || name === OTHER_ROW ? name : OTHER_ROW;
    row = this.rows.get(key) ?? new RowAggregate();
    this.rows.set(key, row);
    return row;
  }

  entries(): IterableIterator<[string, RowAggregate]> {
    return this.rows.entries();
  }

  toState(): RowState[] {
    return [...this.rows].map(([name, row]) => [name, row.calls, row.tokens, String(row.costPico), row.callNs, row.spanNs, row.spans]);
  }

  restore(rows: readonly RowState[]): void {
    for (const [name, calls, tokens, costPico, callNs, spanNs, spans] of rows) {
      this.rows.set(name, Object.assign(new RowAggregate(), { calls, tokens, costPico: Number(costPico), callNs, spanNs, spans }));
    }
  }
}

/** A breakdown row as stored: name, calls, tokens, cost (picoUSD as text, as when it was a bigint), call ns, span ns, spans. */
type RowState = [string, number, number, string, number, number, number];

/** A running summary as JSON, for trace assembly's storage; pico-USD and nanosecond instants as text. */
export interface SummaryState {
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; reasoning: number };
  picoUsd: [input: string, output: string, total: string];
  llmCalls: number;
  unpricedCalls: number;
  llmNs: number;
  nodes: RowState[];
  models: RowState[];
  providers: RowState[];
  extentNs: [first: string, last: string] | undefined;
  spans: number;
  threadId: string | undefined;
}

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** A call counted without a LangGraph node, as its node's row will count it once an ancestor names the node. */
interface UnplacedCall {
  tokens: number;
  costPico: number;
  durationNs: number;
}

/** Per trace, at most this many spans with a node are remembered, and this many calls wait for one (see `placeLater`). */
const MAX_PLACEMENTS = 512;

export class RunningSummary {
  private readonly tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
  private inputPico = 0;
  private outputPico = 0;
  private totalPico = 0;
  private llmCalls = 0;
  private unpricedCalls = 0;
  private llmNs = 0;
  private readonly nodes: BoundedRows;
  private readonly models: BoundedRows;
  private readonly providers: BoundedRows;
  private firstStartNs: bigint | undefined;
  private lastEndNs: bigint | undefined;
  private spans = 0;
  /**
   * §7 step 3.2, the deepest span of a nested call counts and takes its node from the ancestor: the provider client's
   * span (MLflow's openai autolog, OpenInference's ChatCompletion) carries no LangGraph metadata, the framework's span
   * around it (and the node span) does. Spans arrive in any order, so a call without a node waits, by the span it
   * waits on (its parent, then each ancestor that names no node as it arrives); and the spans such a call sits in
   * (node spans, and model-call spans another span of the call was counted on) are remembered with their node, for a
   * call that comes after them (an OTLP request groups spans by scope, so a parent may come first). Made for a trace's
   * first such call or span only; in memory only. Limits: a call keeps no node when still waiting at a restart, or
   * when it comes after the ancestor naming its node and that ancestor is of neither kind, or after an ancestor
   * between them that names none.
   */
  private waiting: Map<number, UnplacedCall[]> | undefined;
  private waitingCalls = 0;
  private spanNodes: Map<number, string> | undefined;
  threadId: string | undefined;

  constructor(
    readonly traceId: string,
    maxRows: number,
  ) {
    this.nodes = new BoundedRows(maxRows);
    this.models = new BoundedRows(maxRows);
    this.providers = new BoundedRows(maxRows);
  }

  addSpan(startNs: bigint, endNs: bigint): void {
    this.spans++;
    if (this.firstStartNs === undefined || startNs < this.firstStartNs) this.firstStartNs = startNs;
    if (this.lastEndNs === undefined || endNs > this.lastEndNs) this.lastEndNs = endNs;
  }

  addNodeSpan(node: string, durationNs: number): void {
    const row = this.nodes.get(node);
    row.spanNs += durationNs;
    row.spans++;
  }

  /** `parent`: the key of the call span's parent (see `spanKey`), by which a call without a node finds it. */
  addCall(call: CountedCall, parent: number | undefined): void {
    const { tokens } = call;
    this.tokens.input += tokens.input;
    this.tokens.output += tokens.output;
    this.tokens.cacheRead += tokens.cacheRead;
    this.tokens.cacheWrite += tokens.cacheWrite;
    this.tokens.reasoning += tokens.reasoning;
    this.llmCalls++;
    this.llmNs += call.durationNs;
    const costPico = call.cost?.totalPico ?? 0;
    if (call.cost === undefined) this.unpricedCalls++;
    else {
      this.inputPico += call.cost.inputPico;
      this.outputPico += call.cost.outputPico;
      this.totalPico += call.cost.totalPico;
    }
    // Tokens are inclusive (input counts cache, output counts reasoning), so these two make the total.
    const callTokens = tokens.input + tokens.output;
    this.models.get(call.model ?? UNKNOWN).addCall(callTokens, costPico, call.durationNs);
    this.providers.get(call.provider ?? UNKNOWN).addCall(callTokens, costPico, call.durationNs);
    if (call.node !== undefined) this.nodes.get(call.node).addCall(callTokens, costPico, call.durationNs);
    else if (parent !== undefined) this.placeLater(parent, { tokens: callTokens, costPico, durationNs: call.durationNs });
  }

  /** Whether calls wait for a node: then every span of the trace may be the ancestor they wait on. */
  get awaitsNodes(): boolean {
    return this.waitingCalls > 0;
  }

  /**
   * A span of the trace seen, with the node its metadata names, if any: the calls waiting on it are placed in that
   * node, or wait on its parent. For spans with a node, or any span while `awaitsNodes`; `remember` for the spans a
   * later call may sit in (see `waiting`).
   */
  addSpanInGraph(span: number, parent: number | undefined, node: string | undefined, remember: boolean): void {
    if (node !== undefined && remember) {
      this.spanNodes ??= new Map();
      if (this.spanNodes.size < MAX_PLACEMENTS) this.spanNodes.set(span, node);
    }
    const calls = this.waiting?.get(span);
    if (calls === undefined) return;
    this.waiting!.delete(span);
    this.waitingCalls -= calls.length;
    for (const call of calls) {
      if (node !== undefined) this.nodes.get(node).addCall(call.tokens, call.costPico, call.durationNs);
      else if (parent !== undefined) this.placeLater(parent, call);
    }
  }

  private placeLater(ancestor: number, call: UnplacedCall): void {
    const node = this.spanNodes?.get(ancestor);
    if (node !== undefined) {
      this.nodes.get(node).addCall(call.tokens, call.costPico, call.durationNs);
      return;
    }
    if (this.waitingCalls >= MAX_PLACEMENTS) return;
    this.waiting ??= new Map();
    const calls = this.waiting.get(ancestor);
    if (calls === undefined) this.waiting.set(ancestor, [call]);
    else calls.push(call);
    this.waitingCalls++;
  }

  toState(): SummaryState {
    return {
      tokens: { ...this.tokens },
      picoUsd: [String(this.inputPico), String(this.outputPico), String(this.totalPico)],
      llmCalls: this.llmCalls,
      unpricedCalls: this.unpricedCalls,
      llmNs: this.llmNs,
      nodes: this.nodes.toState(),
      models: this.models.toState(),
      providers: this.providers.toState(),
      extentNs: this.firstStartNs === undefined || this.lastEndNs === undefined ? undefined : [String(this.firstStartNs), String(this.lastEndNs)],
      spans: this.spans,
      threadId: this.threadId,
    };
  }

  /** A summary as it was stored, to go on counting after a restart. */
  static restore(traceId: string, maxRows: number, state: SummaryState): RunningSummary {
    const summary = new RunningSummary(traceId, maxRows);
    Object.assign(summary.tokens, state.tokens);
    summary.inputPico = Number(state.picoUsd[0]);
    summary.outputPico = Number(state.picoUsd[1]);
    summary.totalPico = Number(state.picoUsd[2]);
    summary.llmCalls = state.llmCalls;
    summary.unpricedCalls = state.unpricedCalls;
    summary.llmNs = state.llmNs;
    summary.nodes.restore(state.nodes);
    summary.models.restore(state.models);
    summary.providers.restore(state.providers);
    if (state.extentNs !== undefined) {
      summary.firstStartNs = BigInt(state.extentNs[0]);
      summary.lastEndNs = BigInt(state.extentNs[1]);
    }
    summary.spans = state.spans;
    summary.threadId = state.threadId;
    return summary;
  }

  /** The summary as of now; `root` gives the workflow's name and wall time once it has arrived. */
  snapshot(root: { name: string; durationNs: number } | undefined): TraceSummary {
    const extentNs = this.firstStartNs !== undefined && this.lastEndNs !== undefined ? Number(this.lastEndNs - this.firstStartNs) : 0;
    const workflowNs = root?.durationNs ?? extentNs;
    const nodes: NodeRow[] = [];
    let bottleneck: { node: string; wallNs: number } | undefined;
    for (const [name, row] of this.nodes.entries()) {
      // A node seen only through its model calls (no node span, e.g. OTel GenAI) spent at least that long.
      const wallNs = row.spans > 0 ? row.spanNs : row.callNs;
      // Spelt out rather than spread from breakdownRow: spreading into a literal was most of the snapshot's time.
      nodes.push({ name, calls: row.calls, tokens: row.tokens, cost_usd: fromPicoUsd(row.costPico), wall_ms: ms(wallNs), self_ms: ms(Math.max(0, wallNs - row.callNs)) });
      if (bottleneck === undefined || wallNs > bottleneck.wallNs) bottleneck = { node: name, wallNs };
    }
    const callRows = (rows: BoundedRows) => [...rows.entries()].map(([name, row]) => breakdownRow(name, row, row.callNs));
    return {
      traceId: this.traceId,
      rootSpanName: root?.name,
      threadId: this.threadId,
      costUsd: { input: fromPicoUsd(this.inputPico), output: fromPicoUsd(this.outputPico), total: fromPicoUsd(this.totalPico) },
      tokens: { ...this.tokens, total: this.tokens.input + this.tokens.output },
      llmCalls: this.llmCalls,
      unpricedCalls: this.unpricedCalls,
      nodes,
      models: callRows(this.models),
      providers: callRows(this.providers),
      bottleneck: bottleneck === undefined ? undefined : { node: bottleneck.node, share: share(bottleneck.wallNs, workflowNs) },
      llmTimeShare: share(this.llmNs, workflowNs),
      wallMs: ms(workflowNs),
      extentMs:
        this.firstStartNs === undefined || this.lastEndNs === undefined
          ? undefined
          : { start: Number(this.firstStartNs / 1_000_000n), end: Number(this.lastEndNs / 1_000_000n) },
      spans: this.spans,
    };
  }
}

function breakdownRow(name: string, row: RowAggregate, wallNs: number): BreakdownRow {
  return { name, calls: row.calls, tokens: row.tokens, cost_usd: fromPicoUsd(row.costPico), wall_ms: ms(wallNs) };
}

function share(partNs: number, wholeNs: number): number {
  if (wholeNs <= 0) return 0;
  return Math.min(1, Math.round((partNs / wholeNs) * 1e4) / 1e4);
}
