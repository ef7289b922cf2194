import { describe, expect, it } from 'vitest';
import { makeRequestFrom, makeSpan } from '../../../test/fixtures/spans.js';
import { encodeTracesProtobuf } from '../../otlp/index.js';
import type { Span, TracesData } from '../../otlp/index.js';
import { splitByTraces } from '../../otlp/index.js';
import { halves, requestsWithin } from './request-parts.js';

const span = (trace: number, id: number): Span => makeSpan({ traceId: new Uint8Array(16).fill(trace), spanId: new Uint8Array(8).fill(id) });
/** Each part as its resources' scopes' spans, by span id. */
const shape = (parts: TracesData[]) => parts.map((part) => part.resourceSpans.map((resource) => resource.scopeSpans.map((scope) => scope.spans.map((s) => s.spanId[0]))));

/** Two resources; trace 1's spans in both, apart from each other. */
const request = (): TracesData => ({
  resourceSpans: [...makeRequestFrom({}, span(1, 11), span(2, 21), span(1, 12)).resourceSpans, ...makeRequestFrom({}, span(3, 31), span(1, 13), span(2, 22)).resourceSpans],
});

describe('MLflow requests by traces', () => {
  it('puts every span of a trace in the part of its first span, in order, repeating the resource and scope entries', () => {
    expect(shape(splitByTraces(request(), 2))).toEqual([[[[11, 21, 12]], [[13, 22]]], [[[31]]]]);
  });

  it('bounds requests by max_traces, then by the Collector’s sizer; 0 is no bound', () => {
    expect(requestsWithin(request(), { max_traces: 1, sizer: 'items', max_size: 2 }).map((part) => part.spans)).toEqual([2, 1, 2, 1]);
    expect(requestsWithin(request(), { max_traces: 0, sizer: 'items', max_size: 0 }).map((part) => part.spans)).toEqual([6]);
  });

  it('halves a request by traces while it holds several, a single trace by its spans', () => {
    expect(shape(halves(encodeTracesProtobuf(request())).map((part) => part.data))).toEqual([[[[11, 21, 12]], [[13, 22]]], [[[31]]]]);
    const oneTrace = makeRequestFrom({}, span(1, 11), span(1, 12), span(1, 13));
    expect(halves(encodeTracesProtobuf(oneTrace)).map((part) => part.spans)).toEqual([2, 1]);
  });
});
