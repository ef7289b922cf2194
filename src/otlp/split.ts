/**
 * Cutting one request into several, for a destination that takes requests up to a size (a gRPC receiver refuses a
 * message over 4 MiB by default, the whole request with it).
 */
import { countSpans, toHex } from './model.js';
import type { ResourceSpans, ScopeSpans, TracesData } from './model.js';
import { decodeTracesProtobuf } from './protobuf/decode-traces.js';
import { encodeTracesProtobuf } from './protobuf/encode-traces.js';

/**
 * The request in consecutive parts of at most `maxSpans` spans, spans in their order; a part repeats the resource
 * and scope entries its spans belong to (shared objects, not copies), unknown fields included.
 */
export function splitBySpans(data: TracesData, maxSpans: number): TracesData[] {
  const parts: TracesData[] = [];
  let part: ResourceSpans[] = [];
  let room = maxSpans;
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (let at = 0; at < scopeSpans.spans.length; ) {
        if (room === 0) {
          parts.push({ resourceSpans: part });
          part = [];
          room = maxSpans;
        }
        const spans = scopeSpans.spans.slice(at, at + room);
        at += spans.length;
        room -= spans.length;
        // The part's last resource entry is this one's copy when the previous spans were of the same resource.
        let entry = part.at(-1);
        if (
          entry === undefined ||
          entry.resource !== resourceSpans.resource ||
          entry.schemaUrl !== resourceSpans.schemaUrl ||
          entry.unknownFields !== resourceSpans.unknownFields
        ) {
          entry = { resource: resourceSpans.resource, scopeSpans: [], schemaUrl: resourceSpans.schemaUrl, unknownFields: resourceSpans.unknownFields };
          part.push(entry);
        }
        entry.scopeSpans.push({ scope: scopeSpans.scope, spans, schemaUrl: scopeSpans.schemaUrl, unknownFields: scopeSpans.unknownFields });
      }
    }
  }
  if (countSpans({ resourceSpans: part }) > 0) parts.push({ resourceSpans: part });
  return parts;
}

export interface EncodedRequest {
  body: Uint8Array;
  spans: number;
  /** What `body` encodes: the request, or the part of it in this body. */
  data: TracesData;
}

/**
 * An encoded request's spans as two requests, encoded: the first half and the rest. For a destination that refused
 * the request as too large.
 */
export function encodedHalves(body: Uint8Array): EncodedRequest[] {
  const data = decodeTracesProtobuf(body);
  return splitBySpans(data, Math.ceil(countSpans(data) / 2)).map(encodedRequest);
}

/** The request encoded, with what a sending queue keeps of it. */
export const encodedRequest = (data: TracesData): EncodedRequest => ({ body: encodeTracesProtobuf(data), spans: countSpans(data), data });

/** How a destination's requests are bounded: spans per request (`items`) or encoded bytes (`bytes`); 0, unbounded. */
export interface RequestLimit {
  sizer: 'items' | 'bytes';
  max_size: number;
}

/**
 * The request encoded as OTLP protobuf in as many requests as `limit` asks. By bytes, a request over the limit is cut
 * by spans into as many parts as its size calls for, and a part still over it is cut again; a single span over it
 * goes alone (the destination decides).
 */
export function encodeWithin(data: TracesData, limit: RequestLimit): EncodedRequest[] {
  const spans = countSpans(data);
  if (limit.max_size === 0) return [encodedRequest(data)];
  if (limit.sizer === 'items') return splitBySpans(data, limit.max_size).map(encodedRequest);
  const body = encodeTracesProtobuf(data);
  if (body.length <= limit.max_size || spans <= 1) return [{ body, spans, data }];
  const parts = Math.ceil(body.length / limit.max_size);
  return splitBySpans(data, Math.ceil(spans / parts)).flatMap((part) => encodeWithin(part, limit));
}

/**
 * Here and in splitByTraces trace ids are compared in full (hex), not as `traceKey` folds them: ids whose halves are
 * alike fold to one key, and would count as one trace.
 */
export function traceCount(data: TracesData): number {
  const traces = new Set<string>();
  let previous: Uint8Array | undefined;
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        // Spans of one trace mostly come together: the same id as the span before needs no text made of it.
        if (previous !== undefined && sameBytes(previous, span.traceId)) continue;
        previous = span.traceId;
        traces.add(toHex(span.traceId));
      }
    }
  }
  return traces.size;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let at = 0; at < a.length; at++) if (a[at] !== b[at]) return false;
  return true;
}

/**
 * The batch in parts of at most `maxTraces` traces, in the order traces first appear, every span of a trace in the
 * same part. A part repeats the resource and scope entries its spans belong to (shared objects, not copies), unknown
 * fields included, and keeps its spans in their order.
 */
export function splitByTraces(data: TracesData, maxTraces: number): TracesData[] {
  const partOfTrace = new Map<string, number>();
  const parts: Array<{ data: TracesData; resourceFrom?: ResourceSpans; scopeFrom?: ScopeSpans; scope?: ScopeSpans }> = [];
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        const trace = toHex(span.traceId);
        let index = partOfTrace.get(trace);
        if (index === undefined) partOfTrace.set(trace, (index = Math.floor(partOfTrace.size / maxTraces)));
        const part = (parts[index] ??= { data: { resourceSpans: [] } });
        if (part.resourceFrom !== resourceSpans) {
          part.resourceFrom = resourceSpans;
          part.scopeFrom = undefined;
          const { resource, schemaUrl, unknownFields } = resourceSpans;
          part.data.resourceSpans.push({ resource, scopeSpans: [], schemaUrl, unknownFields });
        }
        if (part.scopeFrom !== scopeSpans) {
          part.scopeFrom = scopeSpans;
          const { scope, schemaUrl, unknownFields } = scopeSpans;
          part.scope = { scope, spans: [], schemaUrl, unknownFields };
          part.data.resourceSpans.at(-1)!.scopeSpans.push(part.scope);
        }
        part.scope!.spans.push(span);
      }
    }
  }
  return parts.map((part) => part.data);
}
