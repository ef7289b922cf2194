import { describe, expect, it, vi } from 'vitest';
import { decodeTracesProtobuf, encodeTracesProtobuf, findAttribute, intValue, setAttribute, setAttributes, stringValue } from '../../otlp/index.js';
import type { Span, TracesData } from '../../otlp/index.js';
import { describeZodIssues } from '../../config/errors.js';
import { costEstimatorConfigSchema } from './config.js';
import { CostEstimatorProcessor } from './processor.js';
import { recognizeCallContext } from '../../recognition/recognize.js';
import * as recognition from '../../recognition/index.js';
import { capturedLogger } from '../../../test/fixtures/captured-logs.js';
import { attributes, makeSpan, mlflowAttributes, tracesData } from '../../recognition/testSpans.js';

class Collector {
  batches: TracesData[] = [];
  async consume(data: TracesData): Promise<void> {
    this.batches.push(data);
  }
}

const read = (span: Span, key: string): unknown => {
  const value = findAttribute(span.attributes, key);
  return value === undefined || value.kind === 'empty' || value.kind === 'array' || value.kind === 'kvlist' ? undefined : value.value;
};

describe('CostEstimatorProcessor', () => {
  it('passes on as no call a span recognition cannot read, and prices the batch\'s others, rather than fail the batch for ever', async () => {
    const unreadable = vi.spyOn(recognition, 'recognizeCallOrRootAggregate').mockImplementationOnce(() => {
      throw new TypeError('a bug some content brings out');
    });
    const call = (id: string) =>
      makeSpan({ trace: id, id, attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 100 }) });
    const [bad, good] = [call('bad'), call('good')];
    const logs = capturedLogger();
    const collector = new Collector();
    try {
      await new CostEstimatorProcessor({}, collector, { logger: logs.logger }).consume(tracesData([bad, good]));
    } finally {
      unreadable.mockRestore();
    }
    expect(collector.batches).toHaveLength(1);
    expect(read(bad, 'tokenmeter.cost.status')).toBeUndefined();
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out
    expect(read(good, 'tokenmeter.cost.total_usd')).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / 1e6, 12);
    expect(logs.lines.filter((line) => line.level === 50).map((line) => line.msg)).toEqual(['a span could not be read for pricing: forwarded as it came, unpriced']);
  });

  it('prices a re-sent batch again after the next stage refused it the first time (an app retrying a 429)', async () => {
    let refuse = true;
    const forwarded: TracesData[] = [];
    const next = {
      async consume(data: TracesData): Promise<void> {
        if (refuse) throw new Error('queue full');
        forwarded.push(data);
      },
    };
    const processor = new CostEstimatorProcessor({}, next);
    const batch = () =>
      tracesData([
        makeSpan({
          id: 'llm',
          attributes: mlflowAttributes({
            'mlflow.spanType': 'CHAT_MODEL',
            'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 200, total_tokens: 1200 },
            invocation_params: { model: 'gpt-4o-mini' },
          }),
        }),
      ]);
    await expect(processor.consume(batch())).rejects.toThrow('queue full');
    refuse = false;
    await processor.consume(batch());
    const span = forwarded[0]!.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(read(span, 'tokenmeter.cost.status')).toBe('priced');
    expect(read(span, 'mlflow.llm.cost')).toBeDefined();
  });

  it('writes cost attributes on model-call spans after their raw bytes, leaves other spans alone, and forwards the batch', async () => {
    const next = new Collector();
    const processor = new CostEstimatorProcessor({}, next);
    // openai.com/api/pricing, gpt-4o-mini: $0.15 in / $0.60 out / $0.075 cached in per 1M.
    const received = decodeTracesProtobuf(
      encodeTracesProtobuf(
        tracesData([
          makeSpan({
            id: 'llm',
            parent: 'node',
            attributes: mlflowAttributes({
              'mlflow.spanType': 'CHAT_MODEL',
              'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 200, total_tokens: 1200, cache_read_input_tokens: 400 },
              invocation_params: { model: 'gpt-4o-mini', _type: 'openai-chat' },
              metadata: { langgraph_node: 'agent', ls_provider: 'openai', ls_model_name: 'gpt-4o-mini' },
            }),
          }),
          makeSpan({ id: 'node', attributes: mlflowAttributes({ 'mlflow.spanType': 'CHAIN' }) }),
        ]),
      ),
    );
    const [receivedCall, chain] = received.resourceSpans[0]!.scopeSpans[0]!.spans as [Span, Span];
    const chainBytes = chain.raw!;

    await processor.consume(received);

    expect(next.batches).toEqual([received]);
    expect(chain.attributes).toHaveLength(1);
    expect(chain.raw).toBe(chainBytes);
    // What the exporter sends: the model call's own bytes, then what pricing added.
    const [llm, forwardedChain] = decodeTracesProtobuf(encodeTracesProtobuf(received)).resourceSpans[0]!.scopeSpans[0]!.spans as [Span, Span];
    expect(llm.attributes).toEqual(receivedCall.attributes);
    expect(llm.attributes.slice(0, 4).map((attribute) => attribute.key)).toEqual(['mlflow.spanType', 'mlflow.chat.tokenUsage', 'invocation_params', 'metadata']);
    expect(forwardedChain.attributes).toEqual(chain.attributes);
    const expectedInput = (600 * 0.15 + 400 * 0.075) / 1e6;
    const expectedOutput = (200 * 0.6) / 1e6;
    const cost = JSON.parse(read(llm, 'mlflow.llm.cost') as string) as Record<string, number>;
    expect(cost['input_cost']).toBeCloseTo(expectedInput, 12);
    expect(cost['output_cost']).toBeCloseTo(expectedOutput, 12);
    expect(cost['total_cost']).toBeCloseTo(expectedInput + expectedOutput, 12);
    expect(read(llm, 'mlflow.llm.model')).toBe('gpt-4o-mini');
    expect(read(llm, 'mlflow.llm.provider')).toBe('openai');
    expect(read(llm, 'tokenmeter.cost.status')).toBe('priced');
    expect(read(llm, 'tokenmeter.cost.input_usd')).toBeCloseTo((600 * 0.15) / 1e6, 12);
    expect(read(llm, 'tokenmeter.cost.cache_read_usd')).toBeCloseTo((400 * 0.075) / 1e6, 12);
    expect(read(llm, 'tokenmeter.cost.price_entry')).toBe('openai/gpt-4o-mini');
    expect(read(llm, 'tokenmeter.cost.catalog_version')).toBe('genai-prices@0.1.8');
    expect(read(llm, 'tokenmeter.cost.tier')).toBe('standard');
    expect(read(llm, 'tokenmeter.tokens.input')).toBe(1000);
    expect(read(llm, 'tokenmeter.tokens.cache_read')).toBe(400);
    expect(read(llm, 'tokenmeter.cost.counted')).toBe(true);
  });

  it('keeps each span\'s attributes its own when a later stage replaces one (values the calls share are shared objects)', async () => {
    const call = (id: string): Span =>
      makeSpan({ id, attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 }) });
    const [first, second] = [call('a'), call('b')];
    await new CostEstimatorProcessor({}, new Collector()).consume(tracesData([first, second]));
    expect(read(first, 'tokenmeter.tokens.cache_read')).toBe(0);

    setAttribute(first, 'tokenmeter.cost.status', stringValue('replayed'));
    setAttributes(first, [{ key: 'tokenmeter.tokens.cache_read', value: intValue(7) }]);

    expect(read(first, 'tokenmeter.cost.status')).toBe('replayed');
    expect(read(first, 'tokenmeter.tokens.cache_read')).toBe(7);
    expect(read(second, 'tokenmeter.cost.status')).toBe('priced');
    expect(read(second, 'tokenmeter.tokens.cache_read')).toBe(0);
  });

  it('leaves a batch without model calls untouched', async () => {
    const next = new Collector();
    const span = makeSpan({ raw: new Uint8Array([9]), attributes: attributes({ 'http.method': 'GET' }) });
    await new CostEstimatorProcessor({}, next).consume(tracesData([span]));
    expect(span.raw).toBeDefined();
    expect(span.attributes).toHaveLength(1);
  });

  it("answers the stages after it with its own reading of a batch's calls, and forgets it with the next batch", async () => {
    const processor = new CostEstimatorProcessor({}, new Collector());
    const call = (id: string): Span =>
      makeSpan({
        id,
        attributes: mlflowAttributes({
          'mlflow.spanType': 'CHAT_MODEL',
          'mlflow.chat.tokenUsage': { input_tokens: 100, output_tokens: 20, total_tokens: 120 },
          metadata: { ls_provider: 'openai', ls_model_name: 'gpt-4o-mini', langgraph_node: 'agent' },
        }),
      });
    const [first, second] = [call('a'), call('b')];
    await processor.consume(tracesData([first, second]));
    const context = { model: 'gpt-4o-mini', provider: 'openai', node: 'agent' };
    expect(recognizeCallContext(first)).toMatchObject(context);
    // What trace assembly and the ledger are told comes from the CostEstimator's reading, not from reading again:
    // a span emptied since is still the call it was.
    second.attributes = [];
    expect(recognizeCallContext(second)).toMatchObject(context);
    await processor.consume(tracesData([call('c')]));
    // Another batch was read since: the span is read again, as it is now.
    expect(recognizeCallContext(second)).toBeUndefined();
    expect(recognizeCallContext(first)).toMatchObject(context);
  });
});

describe('costestimator config', () => {
  const problems = (config: unknown): string[] => {
    const parsed = costEstimatorConfigSchema.safeParse(config);
    return parsed.success ? [] : describeZodIssues(parsed.error, config, ['processors', 'costestimator']);
  };

  it('takes snake_case keys, as the rest of the config', () => {
    expect(
      problems({
        max_open_traces: 500,
        pricing: {
          deployments: { 'prod-4o': 'gpt-4o' },
          overrides: [{ match: { prefix: 'acme-' }, prices: { input: 1, output: 2, cache_read: 0.1, cache_write: 1.25 }, long_context: [{ above_input_tokens: 200_000, prices: { input: 2, output: 4 } }], service_tier: 'batch', from: '2025-06-01' }],
        },
      }),
    ).toEqual([]);
  });

  it('reports a misspelt or camelCase key, and a bad value with the key, the value and what was expected', () => {
    expect(problems({ maxOpenTraces: 5 })).toEqual(['processors.costestimator: unknown key(s) "maxOpenTraces"']);
    expect(problems({ pricing: { overrides: [{ match: { exact: 'x' }, prices: { input: 1, output: 2, cacheRead: 0.5 } }] } })).toEqual([
      'processors.costestimator.pricing.overrides.0.prices: unknown key(s) "cacheRead"',
    ]);
    expect(problems({ max_open_traces: -1 })).toEqual(['processors.costestimator.max_open_traces: got -1, expected >= 1']);
    // A tier no call reports (a typo) would leave the rule silently off.
    expect(problems({ pricing: { overrides: [{ match: { exact: 'x' }, prices: { input: 1, output: 2 }, service_tier: 'cheap' }] } })).toEqual([
      'processors.costestimator.pricing.overrides.0.service_tier: got "cheap", expected a service tier calls report: standard, batch, flex, priority, scale (any case; default, auto, on_demand, standard_only are standard)',
    ]);
  });

  it('prints MLflow cost amounts exactly as JSON.stringify would, over the range of costs calls have', async () => {
    // A seeded walk over token counts from 1 to tens of millions, so amounts from under a micro-dollar to over $1000.
    let seed = 7;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const spans = Array.from({ length: 2000 }, (_, i) => {
      const input = Math.floor(10 ** (random() * 8));
      const output = Math.floor(10 ** (random() * 7));
      const model = ['gpt-4o-mini', 'gpt-4o', 'o3', 'claude-opus-4-1'][i % 4]!;
      return makeSpan({ id: `s${i}`, trace: `t${i}`, attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output }) });
    });
    await new CostEstimatorProcessor({}, new Collector()).consume(tracesData(spans));
    const round = (amount: number): number => Math.round(amount * 1e12) / 1e12;
    const seen = new Set<string>();
    for (const span of spans) {
      const text = read(span, 'mlflow.llm.cost') as string;
      const cost = JSON.parse(text) as Record<string, number>;
      expect(JSON.stringify(cost), text).toBe(text);
      expect(cost['total_cost']).toBe(round(read(span, 'tokenmeter.cost.total_usd') as number));
      for (const amount of Object.values(cost)) seen.add(amount < 1e-6 ? 'tiny' : amount < 1 ? 'cents' : amount < 1000 ? 'dollars' : 'thousands');
    }
    expect([...seen].sort()).toEqual(['cents', 'dollars', 'thousands', 'tiny']);
  });
});
