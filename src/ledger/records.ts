/** What the ledger keeps: one row per counted LLM call, one per finished trace, and the live events it emitted. */

export type CostStatus = 'priced' | 'provider_reported' | 'unpriced';

export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export interface CostSplitUsd {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
}

/** One counted LLM call, as read from its priced span. */
export interface CallRecord {
  spanId: string;
  traceId: string;
  service: string | null;
  node: string | null;
  model: string | null;
  provider: string | null;
  status: CostStatus;
  unpricedReason: string | null;
  tokens: TokenCounts;
  /** tokenmeter's price (`tokenmeter.cost.total_usd`); null when unpriced: never a silent $0. What it cost: `spendOf`. */
  costUsd: number | null;
  split: CostSplitUsd | null;
  /** What the provider itself reported (`mlflow.llm.cost`), when status is `provider_reported`. */
  reportedCostUsd: number | null;
  startMs: number;
  endMs: number;
}

/**
 * What a call cost the app: the amount the provider (or the instrumentation) reported when there is one, else our price;
 * null when there is neither. Every spend the ledger adds up (its summaries, cost metrics, a trace summed from its calls)
 * counts a call by this, as MLflow's cost field and trace assembly's totals do: the status `provider_reported` keeps
 * the reported amount as the call's cost, with our price beside it. They differ by OpenRouter's fee on a call made with
 * the app's own provider key, and a model that no price list has is still counted at what the provider charged.
 */
export function spendOf(call: Pick<CallRecord, 'costUsd' | 'reportedCostUsd'>): number | null {
  return call.reportedCostUsd ?? call.costUsd;
}

export interface CallRow extends CallRecord {
  /** The root span's name, once the trace has finished. */
  workflow: string | null;
  recordedMs: number;
}

/** A trace's totals: from the root span trace assembly enriched, or summed here from the trace's call rows. */
export interface TraceTotals {
  calls: number;
  unpricedCalls: number;
  tokens: TokenCounts;
  costUsd: number;
  models: string[];
  bottleneckNode: string | null;
  /** 0–1: the bottleneck's share of the trace's time. */
  bottleneckShare: number | null;
}

/** A finished trace, as read from its root span. */
export interface RootRecord {
  traceId: string;
  service: string | null;
  workflow: string;
  status: 'ok' | 'error' | 'unset';
  startMs: number;
  endMs: number;
  /** Present when trace assembly wrote the totals onto the root span. */
  totals: TraceTotals | undefined;
}

export interface TraceRow extends Omit<RootRecord, 'totals'>, TraceTotals {
  source: 'root_span' | 'calls';
  durationMs: number;
  recordedMs: number;
}

/** What `/v1/live` streams; `id` orders every event and is what `Last-Event-ID` resumes from. */
export type LiveEventBody = { type: 'call'; call: CallRow } | { type: 'trace'; trace: TraceRow };
export type LiveEvent = LiveEventBody & { id: number };

export interface LiveFilter {
  service?: string | undefined;
  workflow?: string | undefined;
  model?: string | undefined;
}

/** A call matches a workflow filter only once its trace has finished and named it. */
export function matchesFilter(event: LiveEvent, filter: LiveFilter): boolean {
  const row = event.type === 'call' ? event.call : event.trace;
  if (filter.service !== undefined && row.service !== filter.service) return false;
  if (filter.workflow !== undefined && row.workflow !== filter.workflow) return false;
  if (filter.model !== undefined) {
    const models = event.type === 'call' ? [event.call.model] : event.trace.models;
    if (!models.includes(filter.model)) return false;
  }
  return true;
}
