/**
 * Reads what the ledger records from spans that have been through pricing (and, when configured, trace assembly):
 * counted LLM calls carry `tokenmeter.cost.*` and `tokenmeter.tokens.*`; a root span closes its trace.
 */
import { findAttribute, isRootSpan, StatusCode, toHex } from '../../otlp/index.js';
import type { AnyValue, KeyValue, Span } from '../../otlp/index.js';
import type { CallRecord, CostStatus, RootRecord, TokenCounts, TraceTotals } from '../../ledger/index.js';
import { recognizeCallContext } from '../../processors/costestimator/index.js';
import type { TracesData } from '../../otlp/index.js';

const COST_STATUSES: ReadonlySet<string> = new Set<CostStatus>(['priced', 'provider_reported', 'unpriced']);

function numberOf(value: AnyValue | undefined): number | undefined {
  if (value?.kind === 'int') return Number(value.value);
  if (value?.kind === 'double') return value.value;
  return undefined;
}

function stringOf(value: AnyValue | undefined): string | undefined {
  return value?.kind === 'string' ? value.value : undefined;
}

const nanosToMs = (nanos: bigint): number => Number(nanos / 1_000_000n);

function tokensOf(attributes: readonly KeyValue[]): TokenCounts {
  const count = (key: string) => numberOf(findAttribute(attributes, `tokenmeter.tokens.${key}`)) ?? 0;
  return { input: count('input'), output: count('output'), cacheRead: count('cache_read'), cacheWrite: count('cache_write'), reasoning: count('reasoning') };
}

/** The provider's own total, kept beside ours when the span came with one. */
function reportedCostOf(attributes: readonly KeyValue[]): number | null {
  const json = stringOf(findAttribute(attributes, 'mlflow.llm.cost'));
  if (json === undefined) return null;
  try {
    const total = (JSON.parse(json) as { total_cost?: unknown }).total_cost;
    return typeof total === 'number' ? total : null;
  } catch {
    return null;
  }
}

function callOf(span: Span, service: string | null): CallRecord | undefined {
  const { attributes } = span;
  const counted = findAttribute(attributes, 'tokenmeter.cost.counted');
  const status = stringOf(findAttribute(attributes, 'tokenmeter.cost.status'));
  if (counted?.kind !== 'bool' || !counted.value || status === undefined || !COST_STATUSES.has(status)) return undefined;
  const recognised = recognizeCallContext(span);
  const usd = (key: string) => numberOf(findAttribute(attributes, `tokenmeter.cost.${key}_usd`));
  const total = usd('total');
  return {
    spanId: toHex(span.spanId),
    traceId: toHex(span.traceId),
    service,
    node: recognised?.node ?? null,
    model: recognised?.model ?? stringOf(findAttribute(attributes, 'mlflow.llm.model')) ?? null,
    provider: recognised?.provider ?? stringOf(findAttribute(attributes, 'mlflow.llm.provider')) ?? null,
    status: status as CostStatus,
    unpricedReason: stringOf(findAttribute(attributes, 'tokenmeter.cost.unpriced_reason')) ?? null,
    tokens: tokensOf(attributes),
    costUsd: total ?? null,
    split:
      total === undefined
        ? null
        : { input: usd('input') ?? 0, cacheRead: usd('cache_read') ?? 0, cacheWrite: usd('cache_write') ?? 0, output: usd('output') ?? 0, reasoning: usd('reasoning') ?? 0 },
    reportedCostUsd: status === 'provider_reported' ? reportedCostOf(attributes) : null,
    startMs: nanosToMs(span.startTimeUnixNano),
    endMs: nanosToMs(span.endTimeUnixNano),
  };
}

/** The names in a `tokenmeter.breakdown.*` JSON array of rows. */
function breakdownNames(attributes: readonly KeyValue[], key: string): string[] {
  const json = stringOf(findAttribute(attributes, key));
  if (json === undefined) return [];
  try {
    const rows = JSON.parse(json) as unknown;
    if (!Array.isArray(rows)) return [];
    return rows.flatMap((row: unknown) => {
      const name = (row as { name?: unknown } | null)?.name;
      return typeof name === 'string' ? [name] : [];
    });
  } catch {
    return [];
  }
}

/** The totals trace assembly wrote onto a root span, or undefined when it did not run. */
function enrichedTotalsOf(attributes: readonly KeyValue[]): TraceTotals | undefined {
  const calls = numberOf(findAttribute(attributes, 'tokenmeter.llm.calls'));
  if (calls === undefined) return undefined;
  return {
    calls,
    unpricedCalls: numberOf(findAttribute(attributes, 'tokenmeter.llm.unpriced_calls')) ?? 0,
    tokens: tokensOf(attributes),
    costUsd: numberOf(findAttribute(attributes, 'tokenmeter.cost.total_usd')) ?? 0,
    models: breakdownNames(attributes, 'tokenmeter.breakdown.models').sort(),
    bottleneckNode: stringOf(findAttribute(attributes, 'tokenmeter.bottleneck.node')) ?? null,
    bottleneckShare: numberOf(findAttribute(attributes, 'tokenmeter.bottleneck.share')) ?? null,
  };
}

function rootOf(span: Span, service: string | null): RootRecord {
  const code = span.status.code;
  return {
    traceId: toHex(span.traceId),
    service,
    workflow: span.name,
    status: code === StatusCode.ERROR ? 'error' : code === StatusCode.OK ? 'ok' : 'unset',
    startMs: nanosToMs(span.startTimeUnixNano),
    endMs: nanosToMs(span.endTimeUnixNano),
    totals: enrichedTotalsOf(span.attributes),
  };
}

/** The counted calls and the finished traces (root spans) in a batch. */
export function readLedgerRecords(data: TracesData): { calls: CallRecord[]; roots: RootRecord[] } {
  const calls: CallRecord[] = [];
  const roots: RootRecord[] = [];
  for (const resourceSpans of data.resourceSpans) {
    const service = stringOf(findAttribute(resourceSpans.resource?.attributes ?? [], 'service.name')) ?? null;
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        const call = callOf(span, service);
        if (call !== undefined) calls.push(call);
        if (isRootSpan(span)) roots.push(rootOf(span, service));
      }
    }
  }
  return { calls, roots };
}
