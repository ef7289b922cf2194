/**
 * Re-sending without double counting: MLflow upserts span rows but ADDS every delivered span's token usage and cost
 * to its trace's totals (mlflow-wire.md §2.5). Before a batch whose earlier attempt may have been stored is sent
 * again, MLflow is asked which of its spans it has, and those carrying such totals are left out.
 */
import { toHex } from '../../otlp/index.js';
import type { TracesData } from '../../otlp/index.js';
import { carriesAdditiveTotals } from '../../processors/traceassembly/spanFacts.js';
import type { MlflowClient } from './client.js';

export interface Unstored {
  /** The batch without the spans MLflow already counted; no spans left means it was delivered. */
  data: TracesData;
  remainingSpans: number;
  /** Spans found stored and left out: duplicates avoided. */
  alreadyStored: number;
}

/**
 * Spans without usage or cost are sent again even when stored: a row upsert is harmless, and it may be a root
 * that trace assembly re-sent with newer numbers, whose update must not be lost.
 */
export async function withoutStoredTotals(client: MlflowClient, data: TracesData): Promise<Unstored> {
  const traceIds = new Set<string>();
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) if (carriesAdditiveTotals(span)) traceIds.add(toHex(span.traceId));
    }
  }
  const stored = new Map<string, Set<string>>();
  for (const traceId of traceIds) stored.set(traceId, await client.storedSpanIds(`tr-${traceId}`));

  let remainingSpans = 0;
  let alreadyStored = 0;
  const resourceSpans = data.resourceSpans
    .map((resource) => ({
      ...resource,
      scopeSpans: resource.scopeSpans
        .map((scope) => ({
          ...scope,
          spans: scope.spans.filter((span) => {
            const counted = carriesAdditiveTotals(span) && stored.get(toHex(span.traceId))?.has(toHex(span.spanId)) === true;
            if (counted) alreadyStored++;
            else remainingSpans++;
            return !counted;
          }),
        }))
        .filter((scope) => scope.spans.length > 0),
    }))
    .filter((resource) => resource.scopeSpans.length > 0);
  return { data: { resourceSpans }, remainingSpans, alreadyStored };
}
