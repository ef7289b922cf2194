/**
 * Cutting one request into several, for a destination that takes requests up to a size (a gRPC receiver refuses a
 * message over 4 MiB by default, the whole request with it).
 */
import { countSpans } from './model.js';
import type { ResourceSpans, TracesData } from './model.js';
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
  return splitBySpans(data, Math.ceil(countSpans(data) / 2)).map(encoded);
}

const encoded = (data: TracesData): EncodedRequest => ({ body: encodeTracesProtobuf(data), spans: countSpans(data), data });

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
  if (limit.max_size === 0) return [encoded(data)];
  if (limit.sizer === 'items') return splitBySpans(data, limit.max_size).map(encoded);
  const body = encodeTracesProtobuf(data);
  if (body.length <= limit.max_size || spans <= 1) return [{ body, spans, data }];
  const parts = Math.ceil(body.length / limit.max_size);
  return splitBySpans(data, Math.ceil(spans / parts)).flatMap((part) => encodeWithin(part, limit));
}
