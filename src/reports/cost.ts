/** `report cost`: spend grouped by any combination of workflow, node, model, provider and day. */
import { addUsd } from '../pricing/index.js';
import type { PricedCall } from './priceTrace.js';

export const COST_DIMENSIONS = ['workflow', 'node', 'model', 'provider', 'day'] as const;
export type CostDimension = (typeof COST_DIMENSIONS)[number];

/** Shown for a call that lacks the dimension (no LangGraph node, no model name on the span). */
export const NONE = '(none)';

export interface CostTotals {
  calls: number;
  unpricedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Calls whose span already carried a cost, the sum of those costs, and our price of the same calls minus it. */
  recordedCalls: number;
  recordedUsd: number;
  differenceUsd: number;
}

export interface CostRow extends CostTotals {
  group: Partial<Record<CostDimension, string>>;
}

export function emptyTotals(): CostTotals {
  return { calls: 0, unpricedCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, recordedCalls: 0, recordedUsd: 0, differenceUsd: 0 };
}

export function addCall(totals: CostTotals, call: PricedCall): void {
  totals.calls += 1;
  totals.inputTokens += call.tokens.input;
  totals.outputTokens += call.tokens.output;
  if (call.costUsd === undefined) totals.unpricedCalls += 1;
  else totals.costUsd = addUsd(totals.costUsd, call.costUsd);
  if (call.recorded !== undefined) {
    totals.recordedCalls += 1;
    totals.recordedUsd = addUsd(totals.recordedUsd, call.recorded.usd);
    totals.differenceUsd = addUsd(totals.differenceUsd, (call.costUsd ?? 0) - call.recorded.usd);
  }
}

/** UTC calendar day of the call's start: a trace running over midnight spends on both days. */
export function dayOf(startMs: number): string {
  return new Date(startMs).toISOString().slice(0, 10);
}

function dimensionOf(call: PricedCall, dimension: CostDimension): string {
  switch (dimension) {
    case 'workflow':
      return call.workflow;
    case 'node':
      return call.node ?? NONE;
    case 'model':
      return call.model ?? NONE;
    case 'provider':
      return call.provider ?? NONE;
    case 'day':
      return dayOf(call.startMs);
  }
}

export function parseDimensions(text: string): CostDimension[] {
  const dimensions = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const dimension of dimensions) {
    if (!(COST_DIMENSIONS as readonly string[]).includes(dimension)) {
      throw new Error(`cannot group by ${JSON.stringify(dimension)}: expected a comma-separated list of ${COST_DIMENSIONS.join(', ')}`);
    }
  }
  return [...new Set(dimensions)] as CostDimension[];
}

export class CostAggregator {
  private readonly groups = new Map<string, CostRow>();
  readonly total: CostTotals = emptyTotals();
  private readonly traceIds = new Set<string>();

  constructor(readonly by: readonly CostDimension[]) {}

  add(call: PricedCall): void {
    this.traceIds.add(call.traceId);
    addCall(this.total, call);
    const group = Object.fromEntries(this.by.map((dimension) => [dimension, dimensionOf(call, dimension)])) as CostRow['group'];
    const key = JSON.stringify(this.by.map((dimension) => group[dimension]));
    let row = this.groups.get(key);
    if (row === undefined) this.groups.set(key, (row = { group, ...emptyTotals() }));
    addCall(row, call);
  }

  get tracesWithCalls(): number {
    return this.traceIds.size;
  }

  /** Most expensive first; days in calendar order when grouping by day alone. */
  rows(): CostRow[] {
    const rows = [...this.groups.values()];
    if (this.by.length === 1 && this.by[0] === 'day') return rows.sort((a, b) => (a.group.day! < b.group.day! ? -1 : 1));
    return rows.sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls);
  }
}
