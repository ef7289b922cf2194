/**
 * `status`: is MLflow reachable (and which version), is a tokenmeter running (its admin health endpoint), and what
 * the window holds: traces by state, spend, and the calls that could not be priced, by model.
 */
import { addUsd } from '../pricing/index.js';
import type { ReportsMlflowClient } from './mlflow/client.js';
import type { Cell, Report } from './output/report.js';
import type { PricedCall } from './priceTrace.js';
import type { ReportTrace, TraceState } from './trace.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9464';

export type Reachability = { reachable: true; detail: string } | { reachable: false; detail: string };

/** `connect` may throw (a tracking URI that is no URL): that is an unreachable MLflow too, not a failed status. */
export async function checkMlflow(connect: () => ReportsMlflowClient): Promise<Reachability> {
  try {
    return { reachable: true, detail: await connect().version() };
  } catch (error) {
    return { reachable: false, detail: (error as Error).message };
  }
}

/**
 * The admin endpoint's answers as they are (their bodies are the running tokenmeter's own account of its health):
 * alive (`/healthz`) and ready (`/readyz`). One that is alive but not ready (starting, or draining to stop) takes no
 * spans: said so, not called healthy.
 */
export async function checkTokenmeter(adminUrl: string, timeoutMs: number): Promise<Reachability> {
  const base = adminUrl.replace(/\/+$/, '');
  try {
    const alive = await probe(`${base}/healthz`, timeoutMs);
    if (!alive.ok) return { reachable: false, detail: `unhealthy: ${alive.detail}` };
    const ready = await probe(`${base}/readyz`, timeoutMs);
    return ready.ok ? { reachable: true, detail: alive.detail } : { reachable: false, detail: `alive, not ready (starting or stopping): ${ready.detail}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return { reachable: false, detail: `not reachable at ${base}/healthz (${cause})` };
  }
}

async function probe(url: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await response.text()).trim().replace(/\s+/g, ' ').slice(0, 300);
  return { ok: response.ok, detail: `${response.status}${body ? ` ${body}` : ''}` };
}

interface UnpricedModel {
  model: string;
  provider: string;
  calls: number;
  reason: string;
}

export class StatusCollector {
  readonly states: Record<TraceState, number> = { OK: 0, ERROR: 0, IN_PROGRESS: 0 };
  calls = 0;
  spendUsd = 0;
  private readonly unpriced = new Map<string, UnpricedModel>();

  /** A trace of MLflow's, with its priced calls. */
  add(trace: ReportTrace, calls: readonly PricedCall[]): void {
    this.states[trace.state] += 1;
    calls.forEach((call) => this.addCall(call));
  }

  addCall(call: PricedCall): void {
    this.calls += 1;
    if (call.costUsd !== undefined) {
      this.spendUsd = addUsd(this.spendUsd, call.costUsd);
      return;
    }
    const model = call.model ?? '(none)';
    const provider = call.provider ?? '(none)';
    const key = `${provider}\u0000${model}`;
    const entry = this.unpriced.get(key) ?? { model, provider, calls: 0, reason: call.unpricedReason ?? '' };
    entry.calls += 1;
    this.unpriced.set(key, entry);
  }

  unpricedByModel(): UnpricedModel[] {
    return [...this.unpriced.values()].sort((a, b) => b.calls - a.calls);
  }

  get unpricedCalls(): number {
    return this.unpricedByModel().reduce((sum, entry) => sum + entry.calls, 0);
  }
}

/** `collected` is undefined when the traces could not be read (MLflow unreachable). */
export function statusReport(mlflow: Reachability, tokenmeter: Reachability, collected: StatusCollector | undefined, window: Record<string, Cell>): Report {
  const summary: Record<string, Cell> = {
    mlflow: mlflow.reachable ? 'reachable' : `UNREACHABLE: ${mlflow.detail}`,
    mlflow_version: mlflow.reachable ? mlflow.detail : null,
    tokenmeter: tokenmeter.reachable ? `healthy (${tokenmeter.detail})` : tokenmeter.detail,
    ...window,
  };
  if (collected === undefined) return { summary, sections: [] };
  return {
    summary: {
      ...summary,
      traces_ok: collected.states.OK,
      traces_error: collected.states.ERROR,
      traces_in_progress: collected.states.IN_PROGRESS,
      llm_calls: collected.calls,
      spend_usd: collected.spendUsd,
      unpriced_calls: collected.unpricedCalls,
    },
    sections: [
      {
        title: 'Unpriced calls by model',
        columns: [
          { key: 'model', header: 'model', kind: 'text' },
          { key: 'provider', header: 'provider', kind: 'text' },
          { key: 'calls', header: 'calls', kind: 'int' },
          { key: 'reason', header: 'reason', kind: 'text' },
        ],
        rows: collected.unpricedByModel().map((entry) => ({ ...entry })),
      },
    ],
  };
}
