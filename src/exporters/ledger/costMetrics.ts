/**
 * The cost metrics on `/metrics`, and pushed over OTLP when configured, fed by what the ledger newly recorded: an
 * app's retried export is recorded once, so it is counted once. Every label value passes through the registry's
 * bound (`admin.metrics.max_label_values`).
 */
import { Counter, Histogram } from 'prom-client';
import { spendOf } from '../../ledger/index.js';
import type { CallRow, CostStatus, LedgerUpdate, TokenCounts, TraceRow } from '../../ledger/index.js';
import { telemetry } from '../../telemetry/metrics.js';
import type { Telemetry } from '../../telemetry/metrics.js';
import { WORKFLOW_COST_BUCKETS, WORKFLOW_SECONDS_BUCKETS } from '../../telemetry/otlpCostMetrics.js';
import type { CallLabels, OtlpCostMetrics, WorkflowLabels } from '../../telemetry/otlpCostMetrics.js';

const TOKEN_TYPES = ['input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'] as const;
const TOKEN_TYPE_LABEL: Record<(typeof TOKEN_TYPES)[number], string> = {
  input: 'input',
  output: 'output',
  cacheRead: 'cache_read',
  cacheWrite: 'cache_write',
  reasoning: 'reasoning',
};

/**
 * The calls of one batch with the same labels and status, added up: prom-client hashes the labels of every
 * increment, and incrementing each call's four series one by one cost ~3.8 µs per call (ad hoc, batches of 112
 * calls), more than recording the call in SQLite's index.
 */
interface CallGroup {
  labels: CallLabels;
  status: CostStatus;
  calls: number;
  /** Null while no call of the group was priced: an unpriced call adds no $0 to the cost series. */
  costUsd: number | null;
  tokens: TokenCounts;
}

export class CostMetrics {
  private readonly callCost: Counter<'service' | 'provider' | 'model' | 'node'>;
  private readonly callTokens: Counter<'service' | 'provider' | 'model' | 'node' | 'type'>;
  private readonly calls: Counter<'service' | 'provider' | 'model' | 'node' | 'status'>;
  private readonly unpricedCalls: Counter<'provider' | 'model'>;
  private readonly workflowCost: Counter<'service' | 'workflow'>;
  private readonly workflowRuns: Counter<'service' | 'workflow' | 'status'>;
  private readonly workflowCostPerRun: Histogram<'service' | 'workflow'>;
  private readonly workflowSeconds: Histogram<'service' | 'workflow'>;
  /** The same metrics pushed over OTLP (`admin.metrics.otlp`), while the service runs. */
  pushed: OtlpCostMetrics | undefined;

  constructor(private readonly telemetry: Telemetry) {
    const registers = [telemetry.registry];
    const callLabels = ['service', 'provider', 'model', 'node'] as const;
    const workflowLabels = ['service', 'workflow'] as const;
    this.callCost = new Counter({ name: 'tokenmeter_llm_cost_usd_total', help: 'USD spent on LLM calls: the provider-reported cost where there is one, else tokenmeter.cost.total_usd', labelNames: callLabels, registers });
    this.callTokens = new Counter({ name: 'tokenmeter_llm_tokens_total', help: 'Tokens of counted LLM calls, by type (input includes cache, output includes reasoning)', labelNames: [...callLabels, 'type'], registers });
    this.calls = new Counter({ name: 'tokenmeter_llm_calls_total', help: 'Counted LLM calls, by cost status', labelNames: [...callLabels, 'status'], registers });
    this.unpricedCalls = new Counter({ name: 'tokenmeter_llm_unpriced_calls_total', help: 'LLM calls tokenmeter could not price: their spend is missing from the cost totals', labelNames: ['provider', 'model'], registers });
    this.workflowCost = new Counter({ name: 'tokenmeter_workflow_cost_usd_total', help: 'USD spent by finished traces, by workflow (root span name)', labelNames: workflowLabels, registers });
    this.workflowRuns = new Counter({ name: 'tokenmeter_workflow_runs_total', help: 'Finished traces, by workflow and root span status', labelNames: [...workflowLabels, 'status'], registers });
    // Not `tokenmeter_workflow_cost_usd`: OpenMetrics names the counter above by that family, and parsers refuse a
    // second family of the same name. `run` as in its OTLP name, tokenmeter.workflow.run.cost.
    this.workflowCostPerRun = new Histogram({
      name: 'tokenmeter_workflow_run_cost_usd',
      help: 'USD per finished trace, as it was when the trace first finished (later calls add to tokenmeter_workflow_cost_usd_total only)',
      labelNames: workflowLabels,
      buckets: WORKFLOW_COST_BUCKETS,
      registers,
    });
    this.workflowSeconds = new Histogram({
      name: 'tokenmeter_workflow_duration_seconds',
      help: 'Wall time per finished trace (root span duration)',
      labelNames: workflowLabels,
      buckets: WORKFLOW_SECONDS_BUCKETS,
      registers,
    });
  }

  observe(update: LedgerUpdate): void {
    for (const group of this.groupCalls(update.newCalls)) this.observeCalls(group);
    for (const trace of update.newTraces) this.observeTrace(trace);
    // What came after a trace finished adds to its workflow's spend, not to the histograms: the run was observed
    // once, when it finished, and an observation cannot be changed; observing the addition would count a second run.
    for (const { trace, addedCostUsd } of update.grownTraces) {
      if (addedCostUsd <= 0) continue;
      const labels = this.workflowLabels(trace);
      this.workflowCost.inc(labels, addedCostUsd);
      this.pushed?.grownTrace(labels, addedCostUsd);
    }
  }

  /** Labels are bounded call by call, in order, so that which values overflow the bound does not change. */
  private groupCalls(calls: readonly CallRow[]): IterableIterator<CallGroup> {
    const groups = new Map<string, CallGroup>();
    const bound = (label: string, value: string | null) => this.telemetry.labels.bound(label, value ?? undefined);
    for (const call of calls) {
      const labels: CallLabels = { service: bound('service', call.service), provider: bound('provider', call.provider), model: bound('model', call.model), node: bound('node', call.node) };
      const key = JSON.stringify([labels.service, labels.provider, labels.model, labels.node, call.status]);
      let group = groups.get(key);
      if (group === undefined) {
        group = { labels, status: call.status, calls: 0, costUsd: null, tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 } };
        groups.set(key, group);
      }
      group.calls++;
      const spend = spendOf(call);
      if (spend !== null) group.costUsd = (group.costUsd ?? 0) + spend;
      for (const type of TOKEN_TYPES) group.tokens[type] += call.tokens[type];
    }
    return groups.values();
  }

  private observeCalls({ labels, status, calls, costUsd, tokens: counts }: CallGroup): void {
    const tokens = TOKEN_TYPES.filter((type) => counts[type] > 0).map((type) => [TOKEN_TYPE_LABEL[type], counts[type]] as const);
    this.calls.inc({ ...labels, status }, calls);
    if (costUsd !== null) this.callCost.inc(labels, costUsd);
    if (status === 'unpriced') this.unpricedCalls.inc({ provider: labels.provider, model: labels.model }, calls);
    for (const [type, count] of tokens) this.callTokens.inc({ ...labels, type }, count);
    this.pushed?.addCalls(labels, status, calls, costUsd, tokens);
  }

  private observeTrace(trace: TraceRow): void {
    const labels = this.workflowLabels(trace);
    const seconds = Math.max(0, trace.durationMs) / 1000;
    this.workflowRuns.inc({ ...labels, status: trace.status });
    this.workflowCost.inc(labels, trace.costUsd);
    this.workflowCostPerRun.observe(labels, trace.costUsd);
    this.workflowSeconds.observe(labels, seconds);
    this.pushed?.trace(labels, trace.status, trace.costUsd, seconds);
  }

  private workflowLabels(row: { service: string | null; workflow: string | null }): WorkflowLabels {
    return { service: this.telemetry.labels.bound('service', row.service ?? undefined), workflow: this.telemetry.labels.bound('workflow', row.workflow ?? undefined) };
  }
}

/** One set per registry: prom-client refuses a metric name registered twice. */
export const costMetrics = new CostMetrics(telemetry);
