import { describe, expect, it } from 'vitest';
import { appSource, makeSpan } from '../../../test/fixtures/spans.js';
import type { ScopeSpans, Span, TracesData } from '../../otlp/model.js';
import { rejectInvalidSpans } from './validate.js';

const good = (name: string): Span => makeSpan({ name });
const withEmptyTraceId = (name: string): Span => makeSpan({ name, traceId: new Uint8Array(0) });
const scope = (name: string, ...spans: Span[]): ScopeSpans => ({ scope: { ...appSource().scope, name }, spans, schemaUrl: '' });

/** The scope names of each resource, as forwarded. */
const scopeNames = (data: TracesData): string[][] => data.resourceSpans.map((resourceSpans) => resourceSpans.scopeSpans.map((scopeSpans) => scopeSpans.scope!.name));

describe('rejectInvalidSpans', () => {
  it('forwards no envelope it emptied: a scope whose every span was rejected, a resource left without scopes', () => {
    const data: TracesData = {
      resourceSpans: [
        { resource: appSource().resource, scopeSpans: [scope('all-bad', withEmptyTraceId('a'), withEmptyTraceId('b'))], schemaUrl: '' },
        { resource: appSource().resource, scopeSpans: [scope('mixed', good('c'), withEmptyTraceId('d')), scope('bad', withEmptyTraceId('e'))], schemaUrl: '' },
      ],
    };
    expect(rejectInvalidSpans(data)?.rejectedSpans).toBe(4);
    expect(scopeNames(data)).toEqual([['mixed']]);
    expect(data.resourceSpans[0]!.scopeSpans[0]!.spans.map((span) => span.name)).toEqual(['c']);
  });

  it('names the rejected span by its place in the request as sent, before envelopes were dropped', () => {
    const data: TracesData = {
      resourceSpans: [
        { resource: appSource().resource, scopeSpans: [scope('all-bad', withEmptyTraceId('a'))], schemaUrl: '' },
        { resource: appSource().resource, scopeSpans: [scope('kept', good('b'))], schemaUrl: '' },
      ],
    };
    expect(rejectInvalidSpans(data)?.errorMessage).toBe('rejected 1 span(s) with invalid ids: resourceSpans[0].scopeSpans[0].spans[0] ("a"): traceId is empty');
    expect(scopeNames(data)).toEqual([['kept']]);
  });

  it('leaves envelopes that arrived empty to the sender, and a request with nothing rejected untouched', () => {
    const data: TracesData = {
      resourceSpans: [
        { resource: appSource().resource, scopeSpans: [scope('sent-empty'), scope('all-bad', withEmptyTraceId('a'))], schemaUrl: '' },
        { resource: appSource().resource, scopeSpans: [], schemaUrl: '' },
      ],
    };
    rejectInvalidSpans(data);
    expect(scopeNames(data)).toEqual([['sent-empty'], []]);

    const clean: TracesData = { resourceSpans: [{ resource: appSource().resource, scopeSpans: [scope('ok', good('a')), scope('sent-empty')], schemaUrl: '' }] };
    const envelopes = clean.resourceSpans;
    expect(rejectInvalidSpans(clean)).toBeUndefined();
    expect(clean.resourceSpans).toBe(envelopes);
    expect(scopeNames(clean)).toEqual([['ok', 'sent-empty']]);
  });
});
