/**
 * Reads what the ledger records from spans that have been through pricing (and, when configured, trace assembly):
 * counted LLM calls carry `tokenmeter.cost.*` and `tokenmeter.tokens.*`; a root span closes its trace.
 */
import { PRICING_ATTRIBUTES, TOKEN_ATTRIBUTES, TRACE_ATTRIBUTES, USD_ATTRIBUTES } from '../../contract/attributes.js';
import { findAttribute, isRootSpan, numberOf, scalarText, StatusCode, stringOf, toHex } from '../../otlp/index.js';
import type { KeyValue, Span } from '../../otlp/index.js';
import type { CallRecord, CostStatus, RootRecord, TokenCounts, TraceTotals } from '../../ledger/index.js';
import { readMlflowCost, recognizeCallContext } from '../../recognition/index.js';
import { rootCostUsd } from '../../processors/traceassembly/spanFacts.js';
import type { TracesData } from '../../otlp/index.js';

const COST_STATUSES: ReadonlySet<string> = new Set<CostStatus>(['priced', 'provider_reported', 'unpriced']);

const nanosToMs = (nanos: bigint): number => Number(nanos / 1_000_000n);

function tokensOf(attributes: readonly KeyValue[]): TokenCounts {
  const count = (key: keyof typeof TOKEN_ATTRIBUTES) => numberOf(findAttribute(attributes, TOKEN_ATTRIBUTES[key])) ?? 0;
  return { input: count('input'), output: count('output'), cacheRead: count('cacheRead'), cacheWrite: count('cacheWrite'), reasoning: count('reasoning') };
}

/**
 * The provider's own total, kept beside ours when the span came with one: read as recognition read it when it
 * called the span `provider_reported` (any JSON spelling, twice-encoded, or an OTLP kvlist), so that no such call
 * is recorded without the amount.
 */
function reportedCostOf(attributes: readonly KeyValue[]): number | null {
  return readMlflowCost(findAttribute(attributes, 'mlflow.llm.cost'))?.totalUsd ?? null;
}

function callOf(span: Span, service: string | null): CallRecord | undefined {
  const { attributes } = span;
  const counted = findAttribute(attributes, PRICING_ATTRIBUTES.counted);
  const status = stringOf(findAttribute(attributes, PRICING_ATTRIBUTES.status));
  if (counted?.kind !== 'bool' || !counted.value || status === undefined || !COST_STATUSES.has(status)) return undefined;
  const recognised = recognizeCallContext(span);
  const usd = (key: keyof typeof USD_ATTRIBUTES) => numberOf(findAttribute(attributes, USD_ATTRIBUTES[key]));
  const total = usd('total');
  return {
    spanId: toHex(span.spanId),
    traceId: toHex(span.traceId),
    service,
    node: recognised?.node ?? null,
    model: recognised?.model ?? stringOf(findAttribute(attributes, 'mlflow.llm.model')) ?? null,
    provider: recognised?.provider ?? stringOf(findAttribute(attributes, 'mlflow.llm.provider')) ?? null,
    status: status as CostStatus,
    unpricedReason: stringOf(findAttribute(attributes, PRICING_ATTRIBUTES.unpricedReason)) ?? null,
    tokens: tokensOf(attributes),
    costUsd: total ?? null,
    split:
      total === undefined
        ? null
        : { input: usd('input') ?? 0, cacheRead: usd('cacheRead') ?? 0, cacheWrite: usd('cacheWrite') ?? 0, output: usd('output') ?? 0, reasoning: usd('reasoning') ?? 0 },
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
function enrichedTotalsOf(span: Span): TraceTotals | undefined {
  const { attributes } = span;
  const calls = numberOf(findAttribute(attributes, TRACE_ATTRIBUTES.llmCalls));
  if (calls === undefined) return undefined;
  return {
    calls,
    unpricedCalls: numberOf(findAttribute(attributes, TRACE_ATTRIBUTES.unpricedCalls)) ?? 0,
    tokens: tokensOf(attributes),
    costUsd: rootCostUsd(span).total,
    models: breakdownNames(attributes, TRACE_ATTRIBUTES.models).sort(),
    bottleneckNode: stringOf(findAttribute(attributes, TRACE_ATTRIBUTES.bottleneckNode)) ?? null,
    bottleneckShare: numberOf(findAttribute(attributes, TRACE_ATTRIBUTES.bottleneckShare)) ?? null,
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
    totals: enrichedTotalsOf(span),
  };
}

/** The counted calls and the finished traces (root spans) in a batch. */
export function readLedgerRecords(data: TracesData): { calls: CallRecord[]; roots: RootRecord[] } {
  const calls: CallRecord[] = [];
  const roots: RootRecord[] = [];
  for (const resourceSpans of data.resourceSpans) {
    // The spec says a string; a number sent instead still names the service rather than leaving it blank.
    const service = scalarText(findAttribute(resourceSpans.resource?.attributes ?? [], 'service.name')) ?? null;
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
