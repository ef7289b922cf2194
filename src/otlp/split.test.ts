import { describe, expect, it } from 'vitest';
import { makeSpan } from '../recognition/testSpans.js';
import { countSpans, stringValue, toHex } from './model.js';
import type { Span, TracesData } from './model.js';
import { decodeTracesProtobuf } from './protobuf/decode-traces.js';
import { encodeWithin, splitBySpans } from './split.js';

/** Two services, the first with two scopes: 3 + 2 + 4 spans, each span's attribute as long as `padding`. */
function request(padding = 0): TracesData {
  const spans = (prefix: string, count: number): Span[] =>
    Array.from({ length: count }, (_, n) => makeSpan({ trace: 't', id: `${prefix}${n}`, attributes: [{ key: 'pad', value: stringValue('x'.repeat(padding)) }] }));
  const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: stringValue(service) }], droppedAttributesCount: 0, entityRefs: [] });
  const scope = (name: string) => ({ name, version: '1', attributes: [], droppedAttributesCount: 0 });
  return {
    resourceSpans: [
      { resource: resource('a'), schemaUrl: '', scopeSpans: [{ scope: scope('x'), spans: spans('ax', 3), schemaUrl: '' }, { scope: scope('y'), spans: spans('ay', 2), schemaUrl: '' }] },
      { resource: resource('b'), schemaUrl: '', scopeSpans: [{ scope: scope('z'), spans: spans('bz', 4), schemaUrl: '' }] },
    ],
  };
}

/** Each span as `service/scope/span id`, in order. */
function placed(data: TracesData): string[] {
  return data.resourceSpans.flatMap((resourceSpans) =>
    resourceSpans.scopeSpans.flatMap((scopeSpans) =>
      scopeSpans.spans.map((span) => `${JSON.stringify(resourceSpans.resource?.attributes[0]?.value)}/${scopeSpans.scope?.name}/${toHex(span.spanId)}`),
    ),
  );
}

describe('splitting a request', () => {
  it('by spans: consecutive parts of at most that many, each span under its own resource and scope, in order', () => {
    const whole = request();
    const parts = splitBySpans(whole, 4);
    expect(parts.map(countSpans)).toEqual([4, 4, 1]);
    expect(parts.flatMap(placed)).toEqual(placed(whole));
    // The first part ends in scope y of service a; the second takes its last span, then goes on in service b.
    expect(parts[0]!.resourceSpans.map((entry) => entry.scopeSpans.map((scopeSpans) => scopeSpans.spans.length))).toEqual([[3, 1]]);
    expect(parts[1]!.resourceSpans.map((entry) => entry.scopeSpans.map((scopeSpans) => scopeSpans.spans.length))).toEqual([[1], [3]]);
  });

  it('by encoded bytes: parts within the limit that decode to the whole; one span over it goes alone', () => {
    const whole = request(1000);
    const parts = encodeWithin(whole, { sizer: 'bytes', max_size: 3000 });
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.body.length).toBeLessThanOrEqual(3000);
    expect(parts.map((part) => part.spans)).toEqual(parts.map((part) => countSpans(decodeTracesProtobuf(part.body))));
    expect(parts.flatMap((part) => placed(decodeTracesProtobuf(part.body)))).toEqual(placed(whole));

    const oversize = encodeWithin(whole, { sizer: 'bytes', max_size: 500 });
    expect(oversize.map((part) => part.spans)).toEqual(Array.from({ length: 9 }, () => 1));
  });

  it('by items, and not at all with no limit', () => {
    expect(encodeWithin(request(), { sizer: 'items', max_size: 2 }).map((part) => part.spans)).toEqual([2, 2, 2, 2, 1]);
    expect(encodeWithin(request(), { sizer: 'bytes', max_size: 0 }).map((part) => part.spans)).toEqual([9]);
  });
});
