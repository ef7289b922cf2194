/** The ways peers get cost wrong (issue 3), one test each. */
import { describe, expect, it } from 'vitest';
import { doubleValue, findAttribute } from '../../otlp/index.js';
import type { Span } from '../../otlp/index.js';
import { readLedgerRecords } from '../../exporters/ledger/spanRecords.js';
import { CostEstimatorProcessor } from './processor.js';
import { MAX_NAME_LENGTH, recognizeSpan } from '../../recognition/recognize.js';
import { attributes, makeSpan, mlflowAttributes, tracesData } from '../../recognition/testSpans.js';
import type { AttributeInput } from '../../recognition/testSpans.js';

const M = 1e6;
const sink = { consume: async (): Promise<void> => {} };

function attribute(span: Span, key: string): unknown {
  const value = findAttribute(span.attributes, key);
  return value === undefined || value.kind === 'array' || value.kind === 'kvlist' || value.kind === 'empty' ? undefined : value.value;
}

function mlflowCost(span: Span): Record<string, number> | undefined {
  const raw = attribute(span, 'mlflow.llm.cost');
  return typeof raw === 'string' ? (JSON.parse(raw) as Record<string, number>) : undefined;
}

const chatSpan = (id: string, parent: string | undefined, extra: Record<string, string | number> = {}): Span =>
  makeSpan({
    id,
    ...(parent === undefined ? {} : { parent }),
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.provider': 'openai',
      'llm.token_count.prompt': 1000,
      'llm.token_count.completion': 100,
      ...extra,
    }),
  });

describe('traps', () => {
  it('reads a named span kind in any spelling: quoted or not, any case, escaped, non-ASCII that upper-cases to a kind', () => {
    const operationOf = (kind: string): string | undefined =>
      recognizeSpan(makeSpan({ attributes: attributes({ 'mlflow.spanType': kind, 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10 }) }))?.operation;
    for (const kind of ['LLM', '"LLM"', 'llm', '"chat_model"', 'Chat_Model', '"\\u004cLM"']) expect(operationOf(kind), kind).toBe('chat');
    for (const kind of ['"EMBEDDING"', 'embedding', '"EMBEDDıNG"']) expect(operationOf(kind), kind).toBe('embeddings');
    for (const kind of ['"CHAIN"', 'tool', '"LLM"x', '"LL\\"M"']) expect(operationOf(kind), kind).toBeUndefined();
    // An empty kind names nothing: the next rule decides (here the model-and-usage fallback).
    expect(operationOf('""')).toBe('chat');
  });

  it('a span already carrying keys we write (a stale or malformed cost, no status) gets each key once, with our values', async () => {
    // openai.com/api/pricing gpt-4o-mini $0.15 / $0.60 per 1M
    const span = chatSpan('a', undefined, { 'mlflow.llm.cost': '{"note": "no total"}', 'tokenmeter.cost.total_usd': 99, 'tokenmeter.cost.counted': 'x' });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    const keys = span.attributes.map((entry) => entry.key);
    expect(keys.length).toBe(new Set(keys).size);
    expect(attribute(span, 'tokenmeter.cost.total_usd')).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / M, 12);
    expect(attribute(span, 'tokenmeter.cost.counted')).toBe(true);
    expect(mlflowCost(span)?.['total_cost']).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / M, 12);
  });

  it('cached tokens are not counted twice (inclusive input)', async () => {
    // openai.com/api/pricing gpt-4o-mini $0.15 / $0.075 cached / $0.60
    const span = chatSpan('a', undefined, { 'llm.token_count.prompt_details.cache_read': 800 });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(mlflowCost(span)?.['input_cost']).toBeCloseTo((200 * 0.15 + 800 * 0.075) / M, 12);
  });

  it('reasoning is priced once, as output', async () => {
    // openai.com/api/pricing o4-mini $1.10 / $4.40
    const span = makeSpan({
      attributes: attributes({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'o4-mini',
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.output_tokens': 1000,
        'gen_ai.usage.reasoning.output_tokens': 900,
      }),
    });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.cost.reasoning_usd')).toBeCloseTo((900 * 4.4) / M, 12);
    expect(attribute(span, 'tokenmeter.cost.output_usd')).toBeCloseTo((100 * 4.4) / M, 12);
    expect(mlflowCost(span)?.['output_cost']).toBeCloseTo((1000 * 4.4) / M, 12);
  });

  it('Gemini 2.5 Pro above 200k input is billed at the long-context rate for the whole request', async () => {
    // ai.google.dev/gemini-api/docs/pricing: > 200k prompts $2.50 in / $15 out
    const span = makeSpan({
      attributes: attributes({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'gcp.gemini',
        'gen_ai.request.model': 'gemini-2.5-pro',
        'gen_ai.usage.input_tokens': 250_000,
        'gen_ai.usage.output_tokens': 1000,
      }),
    });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(mlflowCost(span)?.['total_cost']).toBeCloseTo((250_000 * 2.5 + 1000 * 15) / M, 12);
    expect(attribute(span, 'tokenmeter.cost.tier')).toBe('standard/input>200000');
  });

  it('Claude Sonnet 4 above 200k input is billed at the long-context rate (catalog supplemented)', async () => {
    // anthropic.com/pricing long context: > 200k $6 in / $22.50 out / $0.60 cache read
    const span = makeSpan({
      attributes: attributes({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4-20250514',
        'gen_ai.usage.input_tokens': 300_000,
        'gen_ai.usage.cache_read.input_tokens': 100_000,
        'gen_ai.usage.output_tokens': 2000,
      }),
    });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(mlflowCost(span)?.['total_cost']).toBeCloseTo((200_000 * 6 + 100_000 * 0.6 + 2000 * 22.5) / M, 12);
  });

  it('a Claude call that compacted its context is billed iteration by iteration, each past 200k or not by its own input', async () => {
    // platform.claude.com/docs/en/about-claude/pricing, Claude Sonnet 4.6: $3 in / $15 out / $0.30 cache read / $3.75
    // cache write; a request past 200k input tokens: $6 / $22.50 / $0.60 / $7.50. A compaction (Anthropic's beta) is a
    // sampling iteration of its own, billed at its own size; it starts at 150k tokens of context by default.
    const clientSpan = makeSpan({
      attributes: attributes({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4-6',
        // The message after the compaction, then the compaction (the Anthropic client's own span, anthropic 2.17.0):
        // 210k together, each under 200k.
        'gen_ai.usage.input_tokens': 30_000,
        'gen_ai.usage.output_tokens': 1000,
        'anthropic.usage.compaction.input_tokens': 180_000,
        'anthropic.usage.compaction.output_tokens': 3000,
      }),
    });
    // OpenInference's span of such a call, its iterations in its metadata: this compaction read 200k of its 250k
    // tokens from the cache and is past 200k; the message wrote 5k to the cache.
    const openInferenceSpan = makeSpan({
      attributes: attributes({
        'openinference.span.kind': 'LLM',
        'llm.provider': 'anthropic',
        'llm.system': 'anthropic',
        'llm.model_name': 'claude-sonnet-4-6',
        metadata: JSON.stringify({
          usage_iterations: [
            { type: 'compaction', input_tokens: 50_000, cache_read_input_tokens: 200_000, cache_creation_input_tokens: 0, output_tokens: 3000 },
            { type: 'message', input_tokens: 10_000, cache_read_input_tokens: 0, cache_creation_input_tokens: 5000, output_tokens: 800 },
          ],
        }),
        'llm.token_count.prompt': 15_000,
        'llm.token_count.prompt_details.cache_write': 5000,
        'llm.token_count.completion': 800,
        'llm.token_count.total': 15_800,
      }),
    });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([clientSpan, openInferenceSpan]));

    expect(attribute(clientSpan, 'tokenmeter.tokens.input')).toBe(210_000);
    expect(mlflowCost(clientSpan)?.['input_cost']).toBeCloseTo((30_000 * 3 + 180_000 * 3) / M, 12);
    expect(mlflowCost(clientSpan)?.['output_cost']).toBeCloseTo((1000 * 15 + 3000 * 15) / M, 12);
    expect(attribute(clientSpan, 'tokenmeter.cost.tier')).toBe('standard');

    expect(attribute(openInferenceSpan, 'tokenmeter.tokens.input')).toBe(265_000);
    expect(attribute(openInferenceSpan, 'tokenmeter.tokens.cache_read')).toBe(200_000);
    expect(attribute(openInferenceSpan, 'tokenmeter.cost.input_usd')).toBeCloseTo((50_000 * 6 + 10_000 * 3) / M, 12);
    expect(attribute(openInferenceSpan, 'tokenmeter.cost.cache_read_usd')).toBeCloseTo((200_000 * 0.6) / M, 12);
    expect(attribute(openInferenceSpan, 'tokenmeter.cost.cache_write_usd')).toBeCloseTo((5000 * 3.75) / M, 12);
    expect(mlflowCost(openInferenceSpan)?.['output_cost']).toBeCloseTo((3000 * 22.5 + 800 * 15) / M, 12);
    // The long-context price applied to a part of the call: the provenance says so.
    expect(attribute(openInferenceSpan, 'tokenmeter.cost.tier')).toBe('standard/input>200000');
  });

  it('Gemini thinking left out of the counts but in the total is priced as output; a gap in another provider\'s total is not', async () => {
    // ai.google.dev/gemini-api/docs/pricing as the catalog has it: Gemini 2.5 Flash $0.30 in / $2.50 out (thinking included).
    const call = (provider: string, model: string) =>
      makeSpan({
        attributes: attributes({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': provider,
          'gen_ai.request.model': model,
          'gen_ai.usage.input_tokens': 1000,
          'gen_ai.usage.output_tokens': 300,
          'gen_ai.usage.total_tokens': 1800,
        }),
      });
    const [gemini, openai] = [call('gcp.gemini', 'gemini-2.5-flash'), call('openai', 'gpt-4o-mini')];
    await new CostEstimatorProcessor({}, sink).consume(tracesData([gemini, openai]));
    expect(attribute(gemini, 'tokenmeter.tokens.reasoning')).toBe(500);
    expect(mlflowCost(gemini)?.['output_cost']).toBeCloseTo((800 * 2.5) / M, 12);
    // openai.com/api/pricing gpt-4o-mini $0.60 out: OpenAI's total is input + output, a gap there is not read as anything.
    expect(attribute(openai, 'tokenmeter.tokens.reasoning')).toBe(0);
    expect(mlflowCost(openai)?.['output_cost']).toBeCloseTo((300 * 0.6) / M, 12);
  });

  it('a reasoning count larger than the output count is outside it, added to the output, whoever served the call', async () => {
    // Gemini's API counts thinking apart from the candidates; with no total to tell, an output of 100 cannot hold 500
    // tokens of reasoning. ai.google.dev/gemini-api/docs/pricing as the catalog has it: Gemini 2.5 Flash $2.50 out.
    const span = makeSpan({
      attributes: attributes({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'gcp.gemini',
        'gen_ai.request.model': 'gemini-2.5-flash',
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.output_tokens': 100,
        'gen_ai.usage.reasoning.output_tokens': 500,
      }),
    });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.tokens.output')).toBe(600);
    expect(attribute(span, 'tokenmeter.tokens.reasoning')).toBe(500);
    expect(mlflowCost(span)?.['output_cost']).toBeCloseTo((600 * 2.5) / M, 12);
  });

  it('LiteLLM\'s own price of a call (its MLflow integration\'s response_cost) is kept as the provider-reported cost', async () => {
    const span = makeSpan({
      attributes: mlflowAttributes({
        'mlflow.spanType': 'LLM',
        model: 'gpt-4o-mini',
        usage: { completion_tokens: 500, prompt_tokens: 1000, total_tokens: 1500 },
        response_cost: 0.00045,
      }),
    });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.cost.status')).toBe('provider_reported');
    expect(mlflowCost(span)?.['total_cost']).toBe(0.00045);
    // openai.com/api/pricing gpt-4o-mini $0.15 / $0.60: ours beside it.
    expect(attribute(span, 'tokenmeter.cost.total_usd')).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / M, 12);
  });

  it('a call through the openai client to another provider\'s OpenAI-compatible API is priced from that provider\'s list, by its server', async () => {
    const call = (server: string, model: string, key = 'server.address'): Span =>
      makeSpan({
        trace: `${server}-${model}`,
        attributes: attributes({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          [key]: server,
          'gen_ai.request.model': model,
          'gen_ai.usage.input_tokens': 1000,
          'gen_ai.usage.output_tokens': 100,
        }),
      });
    const groq = call('api.groq.com', 'llama-3.3-70b-versatile');
    // OpenLLMetry records the client's base URL instead.
    const groqBaseUrl = call('https://api.groq.com/openai/v1/', 'llama-3.3-70b-versatile', 'gen_ai.openai.api_base');
    const openai = call('api.openai.com', 'gpt-4o-mini');
    // A host no provider is known by (a gateway, a local server): the provider the span names stands.
    const gateway = call('llm-gateway.internal', 'llama-3.3-70b-versatile');
    await new CostEstimatorProcessor({}, sink).consume(tracesData([groq, groqBaseUrl, openai, gateway]));
    // groq.com/pricing, Llama 3.3 70B Versatile $0.59 in / $0.79 out
    expect(attribute(groq, 'mlflow.llm.provider')).toBe('groq');
    expect(mlflowCost(groq)?.['total_cost']).toBeCloseTo((1000 * 0.59 + 100 * 0.79) / M, 12);
    expect(mlflowCost(groqBaseUrl)).toEqual(mlflowCost(groq));
    expect(attribute(openai, 'tokenmeter.cost.price_entry')).toBe('openai/gpt-4o-mini');
    expect(attribute(gateway, 'tokenmeter.cost.status')).toBe('unpriced');
    expect(attribute(gateway, 'tokenmeter.cost.unpriced_reason')).toMatch(/^model llama-3.3-70b-versatile not in catalog .* for provider openai$/);
  });

  it('a call LiteLLM routed is priced from the list of the provider LiteLLM names, its model found under LiteLLM\'s route prefix', async () => {
    // As LiteLLM's OpenTelemetry callback names the provider (`gen_ai.system`: LiteLLM's own provider names), the model
    // either as asked for or, as other instrumentations of LiteLLM write it, with LiteLLM's route in front.
    const call = (provider: string, model: string): Span =>
      makeSpan({
        trace: model,
        attributes: attributes({
          'llm.request.type': 'completion',
          'gen_ai.system': provider,
          'gen_ai.request.model': model,
          'gen_ai.usage.prompt_tokens': 1000,
          'gen_ai.usage.completion_tokens': 100,
        }),
      });
    const together = call('together_ai', 'meta-llama/Llama-3.3-70B-Instruct-Turbo');
    const togetherRouted = call('together_ai', 'together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo');
    const fireworks = call('fireworks_ai', 'fireworks_ai/accounts/fireworks/models/deepseek-v3p2');
    await new CostEstimatorProcessor({}, sink).consume(tracesData([together, togetherRouted, fireworks]));
    // together.ai/pricing, Llama 3.3 70B Instruct Turbo $0.88 in and out (as genai-prices 0.1.8 lists it)
    expect(attribute(together, 'tokenmeter.cost.price_entry')).toBe('together/meta-llama/Llama-3.3-70B-Instruct-Turbo');
    expect(mlflowCost(together)?.['total_cost']).toBeCloseTo((1000 * 0.88 + 100 * 0.88) / M, 12);
    expect(attribute(togetherRouted, 'tokenmeter.cost.price_entry')).toBe('together/meta-llama/Llama-3.3-70B-Instruct-Turbo');
    // fireworks.ai/pricing, DeepSeek V3.2 $0.56 in / $1.68 out (as genai-prices 0.1.8 lists it)
    expect(attribute(fireworks, 'mlflow.llm.provider')).toBe('fireworks');
    expect(mlflowCost(fireworks)?.['total_cost']).toBeCloseTo((1000 * 0.56 + 100 * 1.68) / M, 12);
  });

  it('LiteLLM\'s route in a model\'s name is its provider only where the span names none, and only a route of LiteLLM\'s', () => {
    const providerOf = (model: string, extra: Record<string, string> = {}): string | undefined =>
      recognizeSpan(makeSpan({ attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'gen_ai.usage.input_tokens': 10, ...extra }) }))?.provider;
    expect(providerOf('groq/llama-3.3-70b-versatile')).toBe('groq');
    expect(providerOf('xai/grok-3-mini')).toBe('x_ai');
    expect(providerOf('bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0')).toBe('aws.bedrock');
    // Named by the span (a LiteLLM proxy the openai client calls): the route says nothing over it.
    expect(providerOf('groq/llama-3.3-70b-versatile', { 'gen_ai.provider.name': 'openai', 'server.address': 'litellm.internal' })).toBe('openai');
    // A maker's name (Together's, OpenRouter's) or a local server's route is no provider with a price list.
    expect(providerOf('meta-llama/Llama-3.3-70B-Instruct-Turbo')).toBeUndefined();
    expect(providerOf('x-ai/grok-3-mini')).toBeUndefined();
    expect(providerOf('ollama/llama3.1')).toBeUndefined();
  });

  it('a Claude stream MLflow\'s bedrock autolog traces has its cache counts read from the stream\'s first event', async () => {
    // As MLflow 3.9's bedrock autolog records InvokeModelWithResponseStream: Bedrock's input (the cache left out), output
    // and total; no format, no body in the outputs; each chunk of the stream an event, `json` its JSON.
    const span = makeSpan({
      attributes: mlflowAttributes({
        'mlflow.spanType': 'LLM',
        'mlflow.spanInputs': { modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', body: '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100}' },
        'mlflow.spanOutputs': { ResponseMetadata: { HTTPStatusCode: 200, HTTPHeaders: { 'content-type': 'application/vnd.amazon.eventstream' }, RetryAttempts: 0 }, body: 'EventStream' },
        'mlflow.chat.tokenUsage': { input_tokens: 100, output_tokens: 50, total_tokens: 150 },
      }),
    });
    const chunk = (type: string, rest: Record<string, unknown>) => ({ timeUnixNano: 0n, name: type, attributes: attributes({ json: JSON.stringify({ type, ...rest }) }), droppedAttributesCount: 0 });
    span.events = [
      chunk('message_start', { message: { id: 'msg_bdrk_01', type: 'message', role: 'assistant', model: 'claude-3-5-haiku-20241022', usage: { input_tokens: 100, cache_creation_input_tokens: 300, cache_read_input_tokens: 600, output_tokens: 1 } } }),
      chunk('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hi' } }),
      chunk('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 50 } }),
    ];
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.tokens.input')).toBe(1000);
    expect(attribute(span, 'tokenmeter.tokens.cache_read')).toBe(600);
    // anthropic.com/pricing (Bedrock charges Anthropic's price for Claude), Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read
    expect(mlflowCost(span)?.['total_cost']).toBeCloseTo((100 * 0.8 + 600 * 0.08 + 300 * 1 + 50 * 4) / M, 12);
  });

  it('a failed call with no usage is unpriced saying it failed; one whose instrumentation leaves the usage out, saying that', async () => {
    const call = (id: string): Span =>
      makeSpan({ trace: id, id, attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini' }) });
    const failed = call('failed');
    failed.status = { code: 2, message: 'RateLimitError' };
    const silent = call('silent');
    // A failed call that still reports usage (a stream cut short) is priced from it.
    const cutShort = makeSpan({
      trace: 'cut',
      attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 10 }),
    });
    cutShort.status = { code: 2, message: 'stream interrupted' };
    await new CostEstimatorProcessor({}, sink).consume(tracesData([failed, silent, cutShort]));
    expect(attribute(failed, 'tokenmeter.cost.status')).toBe('unpriced');
    expect(attribute(failed, 'tokenmeter.cost.unpriced_reason')).toBe('the call failed (span status ERROR) and reports no token usage');
    expect(attribute(silent, 'tokenmeter.cost.unpriced_reason')).toBe('no token usage reported');
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out
    expect(mlflowCost(cutShort)?.['total_cost']).toBeCloseTo((1000 * 0.15 + 10 * 0.6) / M, 12);
  });

  it('a provider, server or service tier named like a property of every object is an unknown one, not a crash', async () => {
    // Looked up in object literals, `constructor` found Object's constructor: the batch failed with a retryable error,
    // for ever, its other spans with it.
    const call = (id: string, extra: Record<string, string>) =>
      makeSpan({ trace: id, id, attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10, ...extra }) });
    const spans = [
      call('a', { 'gen_ai.system': 'constructor' }),
      call('b', { 'llm.system': '__proto__' }),
      call('c', { 'gen_ai.provider.name': 'toString' }),
      call('d', { 'gen_ai.provider.name': 'openai', 'server.address': '__proto__' }),
      call('e', { 'gen_ai.provider.name': 'openai', 'openai.response.service_tier': 'constructor' }),
    ];
    await new CostEstimatorProcessor({}, sink).consume(tracesData(spans));
    expect(spans.map((span) => attribute(span, 'tokenmeter.cost.unpriced_reason'))).toEqual([
      'provider constructor has no price list in the catalog',
      'provider __proto__ has no price list in the catalog',
      'provider tostring has no price list in the catalog',
      undefined,
      'no constructor service-tier price for openai/gpt-4o-mini; add a config override',
    ]);
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out: the server is no provider's, the named one stays.
    expect(mlflowCost(spans[3]!)?.['total_cost']).toBeCloseTo((100 * 0.15 + 10 * 0.6) / M, 12);
  });

  it('a failed call of OpenInference\'s client instrumentor names the model asked for, from its invocation parameters', async () => {
    // openinference-instrumentation-openai 0.1.66: a call that raised has no llm.model_name, only the parameters asked.
    const failed = makeSpan({
      trace: 'oi-failed',
      attributes: attributes({ 'openinference.span.kind': 'LLM', 'llm.provider': 'openai', 'llm.system': 'openai', 'llm.invocation_parameters': '{"model": "gpt-4o-mini", "stream": false}' }),
    });
    failed.status = { code: 2, message: 'APIStatusError' };
    await new CostEstimatorProcessor({}, sink).consume(tracesData([failed]));
    expect(attribute(failed, 'mlflow.llm.model')).toBe('gpt-4o-mini');
    expect(attribute(failed, 'tokenmeter.cost.unpriced_reason')).toBe('the call failed (span status ERROR) and reports no token usage');
  });

  it('a Claude or Bedrock call whose total holds cache tokens no count classifies is unpriced with the reason, not priced low', async () => {
    // As MLflow 3.9's LangChain autolog records langchain-aws 1.2.5's ChatBedrockConverse: Bedrock's input (the cache
    // left out), output and total, without LangChain's cache details.
    const converse = (trace: string, total: number): Span =>
      makeSpan({
        trace,
        attributes: mlflowAttributes({
          'mlflow.spanType': 'CHAT_MODEL',
          'mlflow.chat.tokenUsage': { input_tokens: 100, output_tokens: 50, total_tokens: total },
          invocation_params: { _type: 'amazon_bedrock_converse_chat', stop: null },
          metadata: { ls_provider: 'amazon_bedrock', ls_model_name: 'us.anthropic.claude-3-5-haiku-20241022-v1:0' },
          'mlflow.message.format': 'langchain',
        }),
      });
    const cached = converse('cached', 1050);
    const uncached = converse('uncached', 150);
    await new CostEstimatorProcessor({}, sink).consume(tracesData([cached, uncached]));
    expect(attribute(cached, 'tokenmeter.cost.status')).toBe('unpriced');
    expect(attribute(cached, 'tokenmeter.cost.unpriced_reason')).toBe(
      "900 of the call's 1050 tokens are neither input nor output: cache reads or writes the span does not tell apart",
    );
    expect(mlflowCost(cached)).toBeUndefined();
    expect(attribute(cached, 'tokenmeter.cost.total_usd')).toBeUndefined();
    // What it used is known all the same: the unclassified tokens in the input (where cache reads and writes are).
    expect(attribute(cached, 'tokenmeter.tokens.input')).toBe(1000);
    expect(attribute(cached, 'tokenmeter.tokens.output')).toBe(50);
    // aws.amazon.com/bedrock/pricing, Claude 3.5 Haiku $0.80 in / $4 out
    expect(mlflowCost(uncached)?.['total_cost']).toBeCloseTo((100 * 0.8 + 50 * 4) / M, 12);

    // Its known counts do not make it hide a span of the same call that can be priced: the Bedrock client's, below it
    // (MLflow's bedrock autolog), here arriving in a later batch than the LangChain span.
    const parent = makeSpan({ trace: 'order', id: 'langchain', attributes: converse('order', 1050).attributes });
    const client = makeSpan({
      trace: 'order',
      id: 'client',
      parent: 'langchain',
      attributes: attributes({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'aws.bedrock',
        'gen_ai.request.model': 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.cache_read.input_tokens': 600,
        'gen_ai.usage.cache_write.input_tokens': 300,
        'gen_ai.usage.output_tokens': 50,
      }),
    });
    const processor = new CostEstimatorProcessor({}, sink);
    await processor.consume(tracesData([parent]));
    await processor.consume(tracesData([client]));
    expect(attribute(client, 'tokenmeter.cost.counted')).toBe(true);
    // aws.amazon.com/bedrock/pricing, Claude 3.5 Haiku $0.80 in / $4 out / $1 cache write / $0.08 cache read
    expect(mlflowCost(client)?.['total_cost']).toBeCloseTo((100 * 0.8 + 600 * 0.08 + 300 * 1 + 50 * 4) / M, 12);
  });

  it('a model OpenAI does not list, named openai by LangChain\'s ChatOpenAI on another OpenAI-compatible API, is found by its name', async () => {
    // api-docs.deepseek.com/quick_start/pricing (deepseek-chat, as genai-prices 0.1.8 has it): $0.27 in, $0.07 cached in,
    // $1.10 out per 1M. ChatOpenAI(base_url="https://api.deepseek.com") says ls_provider openai; MLflow keeps no base URL.
    const onDeepSeek = makeSpan({
      attributes: mlflowAttributes({
        'mlflow.spanType': 'CHAT_MODEL',
        'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 500, total_tokens: 1500, cache_read_input_tokens: 200 },
        invocation_params: { model: 'deepseek-chat', model_name: 'deepseek-chat', _type: 'openai-chat' },
        metadata: { ls_provider: 'openai', ls_model_name: 'deepseek-chat' },
      }),
    });
    // A model no list has stays unpriced, saying so for OpenAI's list, and keeps the provider it was given.
    const unknown = makeSpan({
      trace: 'other',
      attributes: mlflowAttributes({
        'mlflow.spanType': 'CHAT_MODEL',
        'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 },
        metadata: { ls_provider: 'openai', ls_model_name: 'acme-llm-9000' },
      }),
    });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([onDeepSeek, unknown]));
    expect(mlflowCost(onDeepSeek)?.['total_cost']).toBeCloseTo((800 * 0.27 + 200 * 0.07 + 500 * 1.1) / M, 12);
    expect(attribute(onDeepSeek, 'tokenmeter.cost.price_entry')).toBe('deepseek/deepseek-chat');
    // Priced as DeepSeek's, it is DeepSeek's call: the provider the price came from is written, as no other is known.
    expect(attribute(onDeepSeek, 'mlflow.llm.provider')).toBe('deepseek');
    expect(attribute(unknown, 'tokenmeter.cost.unpriced_reason')).toBe('model acme-llm-9000 not in catalog (genai-prices@0.1.8) for provider openai');
    expect(attribute(unknown, 'mlflow.llm.provider')).toBe('openai');
  });

  it('DeepSeek-R1 or a distill of it served locally (Ollama, vLLM) is unpriced, not priced as DeepSeek\'s API R1', async () => {
    // The openai client's calls to a local server, as opentelemetry-instrumentation-openai-v2 records them (provider
    // openai, the server), and OpenInference's span of one, no provider named. Ollama's `deepseek-r1` (its default
    // tag) is named exactly as DeepSeek's entry names R1: no name is looked for without a provider on such a server.
    const call = (server: string, model: string) =>
      makeSpan({
        trace: model,
        attributes: attributes({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'server.address': server,
          'gen_ai.request.model': model,
          'gen_ai.usage.input_tokens': 1200,
          'gen_ai.usage.output_tokens': 800,
        }),
      });
    const ollama = call('localhost', 'deepseek-r1:14b');
    const ollamaDefault = call('localhost', 'deepseek-r1');
    const vllm = call('vllm.internal', 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B');
    const openInference = makeSpan({
      trace: 'oi',
      attributes: attributes({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'deepseek-r1:7b', 'llm.token_count.prompt': 1200, 'llm.token_count.completion': 800 }),
    });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([ollama, ollamaDefault, vllm, openInference]));
    for (const [span, model] of [[ollama, 'deepseek-r1:14b'], [ollamaDefault, 'deepseek-r1'], [vllm, 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B']] as const) {
      expect(attribute(span, 'tokenmeter.cost.unpriced_reason')).toBe(`model ${model} not in catalog (genai-prices@0.1.8) for provider openai`);
    }
    expect(attribute(openInference, 'tokenmeter.cost.unpriced_reason')).toBe('model deepseek-r1:7b not in catalog (genai-prices@0.1.8) for any provider');
  });

  it('a call answered by a snapshot no price list has yet is priced as the model asked for; with neither known, unpriced', async () => {
    // api-docs.deepseek.com/quick_start/pricing: deepseek-flash $0.15 in / $0.60 out per 1M off-peak (a Tuesday, 20:00
    // Beijing time). The response names the checkpoint that served it; the price list knows the name asked for.
    const call = (trace: string, requested: string, answered: string, provider = 'deepseek') =>
      makeSpan({
        trace,
        start: '2026-12-08T12:00:00Z',
        attributes: attributes({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': provider,
          'gen_ai.request.model': requested,
          'gen_ai.response.model': answered,
          'gen_ai.usage.input_tokens': 1000,
          'gen_ai.usage.output_tokens': 100,
        }),
      });
    const snapshot = call('a', 'deepseek-flash', 'deepseek-v4.1-flash-1017');
    const unknown = call('b', 'deepseek-nova', 'deepseek-nova-0101');
    // Through the openai client, which names the provider openai whoever serves the API: found by the name asked for.
    const throughOpenAiClient = call('c', 'deepseek-flash', 'deepseek-v4.1-flash-1017', 'openai');
    // Values JSON-encoded, as MLflow's GenAI-semconv mode writes them: the model asked for is read decoded.
    const jsonEncoded = call('d', JSON.stringify('deepseek-flash'), JSON.stringify('deepseek-v4.1-flash-1017'), JSON.stringify('deepseek'));
    await new CostEstimatorProcessor({}, sink).consume(tracesData([snapshot, unknown, throughOpenAiClient, jsonEncoded]));
    for (const span of [snapshot, throughOpenAiClient, jsonEncoded]) {
      expect(mlflowCost(span)?.['total_cost']).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / M, 12);
      expect(attribute(span, 'tokenmeter.cost.price_entry')).toBe('deepseek/deepseek-flash');
      expect(attribute(span, 'mlflow.llm.model')).toBe('deepseek-flash');
    }
    // The reason names the model that answered: the one the span says served the call.
    expect(attribute(unknown, 'tokenmeter.cost.unpriced_reason')).toBe('model deepseek-nova-0101 not in catalog (genai-prices@0.1.8) for provider deepseek');
  });

  it('an alias is priced like its dated model, never at $0', async () => {
    const alias = chatSpan('a', undefined);
    const dated = makeSpan({ trace: 't2', attributes: chatSpan('b', undefined, { 'llm.model_name': 'gpt-4o-mini-2024-07-18' }).attributes });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([alias, dated]));
    expect(mlflowCost(alias)?.['total_cost']).toBeGreaterThan(0);
    expect(mlflowCost(alias)).toEqual(mlflowCost(dated));
  });

  describe('nested LLM spans count once', () => {
    it('child first, parent in a later batch: the child counts', async () => {
      const processor = new CostEstimatorProcessor({}, sink);
      const child = chatSpan('child', 'parent');
      const parent = chatSpan('parent', 'node');
      await processor.consume(tracesData([child]));
      await processor.consume(tracesData([parent]));
      expect(attribute(child, 'tokenmeter.cost.counted')).toBe(true);
      expect(mlflowCost(child)).toBeDefined();
      expect(attribute(parent, 'tokenmeter.cost.counted')).toBe(false);
      expect(mlflowCost(parent)).toBeUndefined();
    });

    it('in one batch, the client\'s span counted takes its LangGraph node and provider from the framework\'s span around it, as the ledger records them', async () => {
      // MLflow's LangChain autolog AzureChatOpenAI (metadata names the node and provider) and its openai autolog's span
      // inside it (neither): the call is Azure's, priced from Azure's list, in node plan.
      const usage = { input_tokens: 100, output_tokens: 20, total_tokens: 120 };
      const framework = makeSpan({
        id: 'framework',
        parent: 'node',
        attributes: mlflowAttributes({ 'mlflow.spanType': 'CHAT_MODEL', metadata: { langgraph_node: 'plan', ls_model_name: 'gpt-4o-mini', ls_provider: 'azure' }, 'mlflow.chat.tokenUsage': usage }),
      });
      const client = makeSpan({
        id: 'client',
        parent: 'framework',
        attributes: mlflowAttributes({ 'mlflow.spanType': 'CHAT_MODEL', 'mlflow.message.format': 'openai', model: 'gpt-4o-mini', 'mlflow.chat.tokenUsage': usage }),
      });
      const batch = tracesData([client, framework]);
      await new CostEstimatorProcessor({}, sink).consume(batch);
      expect(attribute(client, 'tokenmeter.cost.counted')).toBe(true);
      expect(attribute(client, 'mlflow.llm.provider')).toBe('azure.ai.openai');
      expect(attribute(client, 'tokenmeter.cost.price_entry')).toBe('azure/gpt-4o-mini');
      expect(readLedgerRecords(batch).calls.map((call) => [call.model, call.provider, call.node])).toEqual([['gpt-4o-mini', 'azure.ai.openai', 'plan']]);
    });

    it('in one batch, a call made inside a tool takes the node the tool\'s span names', async () => {
      // opentelemetry-instrumentation-langchain and -openai 0.62.4: the tool's span names its LangGraph node in the
      // association properties, the embedding call inside it none.
      const tool = makeSpan({
        id: 'tool',
        parent: 'graph',
        name: 'execute_tool search',
        attributes: attributes({ 'traceloop.span.kind': 'tool', 'traceloop.association.properties.langgraph_node': 'tools' }),
      });
      const embedding = makeSpan({
        id: 'embedding',
        parent: 'tool',
        name: 'openai.embeddings',
        attributes: attributes({ 'llm.request.type': 'embedding', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'text-embedding-3-small', 'gen_ai.usage.input_tokens': 123 }),
      });
      const batch = tracesData([embedding, tool]);
      await new CostEstimatorProcessor({}, sink).consume(batch);
      expect(readLedgerRecords(batch).calls.map((call) => [call.model, call.node])).toEqual([['text-embedding-3-small', 'tools']]);
    });

    it('alone, the openai autolog\'s span, which names no provider, is the provider\'s whose list priced it', async () => {
      const client = makeSpan({
        attributes: mlflowAttributes({ 'mlflow.spanType': 'CHAT_MODEL', 'mlflow.message.format': 'openai', model: 'gpt-4o-mini', 'mlflow.chat.tokenUsage': { input_tokens: 100, output_tokens: 20, total_tokens: 120 } }),
      });
      const batch = tracesData([client]);
      await new CostEstimatorProcessor({}, sink).consume(batch);
      expect(attribute(client, 'tokenmeter.cost.price_entry')).toBe('openai/gpt-4o-mini');
      expect(attribute(client, 'mlflow.llm.provider')).toBe('openai');
      expect(readLedgerRecords(batch).calls.map((call) => call.provider)).toEqual(['openai']);
    });

    it('parent first, child in a later batch: the parent already counted, the child is the duplicate', async () => {
      const processor = new CostEstimatorProcessor({}, sink);
      const parent = chatSpan('parent', 'node');
      const child = chatSpan('child', 'parent');
      await processor.consume(tracesData([parent]));
      await processor.consume(tracesData([child]));
      expect(attribute(parent, 'tokenmeter.cost.counted')).toBe(true);
      expect(attribute(child, 'tokenmeter.cost.counted')).toBe(false);
      expect(mlflowCost(child)).toBeUndefined();
    });

    it('both in one batch, parent listed first: the deepest counts', async () => {
      const parent = chatSpan('parent', undefined);
      const child = chatSpan('child', 'parent');
      await new CostEstimatorProcessor({}, sink).consume(tracesData([parent, child]));
      expect(attribute(child, 'tokenmeter.cost.counted')).toBe(true);
      expect(attribute(parent, 'tokenmeter.cost.counted')).toBe(false);
    });

    describe('a span that does not count carries the cost of the counted calls it wraps, for MLflow ≥ 3.15 (never as mlflow.llm.cost)', () => {
      const wrapped = (span: Span): Record<string, number> | undefined => {
        const raw = attribute(span, 'tokenmeter.cost.wrapped');
        return typeof raw === 'string' ? (JSON.parse(raw) as Record<string, number>) : undefined;
      };
      const NOTHING = { input_cost: 0, output_cost: 0, total_cost: 0 };

      it('in one batch, and across batches through a span between them', async () => {
        const [parent, child] = [chatSpan('parent', undefined), chatSpan('child', 'parent')];
        await new CostEstimatorProcessor({}, sink).consume(tracesData([parent, child]));
        expect(wrapped(parent)).toEqual(mlflowCost(child));
        expect(mlflowCost(parent)).toBeUndefined();

        const processor = new CostEstimatorProcessor({}, sink);
        const inner = chatSpan('child', 'mid', { 'llm.token_count.prompt': 5000 });
        const mid = makeSpan({ id: 'mid', parent: 'top', attributes: attributes({ 'openinference.span.kind': 'CHAIN' }) });
        const top = chatSpan('top', undefined, { 'llm.token_count.prompt': 5000 });
        for (const span of [inner, mid, top]) await processor.consume(tracesData([span]));
        // openai.com/api/pricing gpt-4o-mini $0.15 / $0.60 per 1M
        expect(wrapped(top)).toEqual({ input_cost: (5000 * 0.15) / M, output_cost: (100 * 0.6) / M, total_cost: (5000 * 0.15 + 100 * 0.6) / M });
        expect(wrapped(top)).toEqual(mlflowCost(inner));
        expect(mlflowCost(top)).toBeUndefined();
      });

      it('the sum of every counted call it wraps, exact to the pico-USD, a provider’s reported cost as MLflow has it', async () => {
        const framework = chatSpan('framework', undefined, { 'llm.token_count.prompt': 3000 });
        const first = chatSpan('first', 'framework', { 'gen_ai.response.id': 'chatcmpl-1', 'llm.token_count.prompt': 1001 });
        // Parts a provider reports need not add up to its total: MLflow sums the totals it was given.
        const second = chatSpan('second', 'framework', { 'gen_ai.response.id': 'chatcmpl-2', 'llm.cost.total': 0.5, 'llm.cost.prompt': 0.2, 'llm.cost.completion': 0.2 });
        await new CostEstimatorProcessor({}, sink).consume(tracesData([framework, first, second]));
        expect(attribute(second, 'tokenmeter.cost.status')).toBe('provider_reported');
        const pico = (usd: number | undefined) => Math.round(usd! * 1e12);
        const [a, b, sum] = [mlflowCost(first)!, mlflowCost(second)!, wrapped(framework)!];
        expect(b['total_cost']).toBe(0.5);
        for (const part of ['input_cost', 'output_cost', 'total_cost']) expect(pico(sum[part]), part).toBe(pico(a[part]) + pico(b[part]));
      });

      it('nothing (zero) below the counted span, or as a copy of a call counted in another trace', async () => {
        const processor = new CostEstimatorProcessor({}, sink);
        const [parent, child] = [chatSpan('parent', undefined), chatSpan('child', 'parent')];
        await processor.consume(tracesData([parent]));
        await processor.consume(tracesData([child]));
        expect(wrapped(child)).toEqual(NOTHING);
        const copies = ['t1', 't2'].map((trace) => makeSpan({ trace, attributes: chatSpan('c', undefined, { 'gen_ai.response.id': 'msg_01' }).attributes }));
        await processor.consume(tracesData(copies));
        expect(copies.map(wrapped).filter((cost) => cost !== undefined)).toEqual([NOTHING]);
      });

      it('none while it may yet turn out to wrap the call of its trace whose response id it has (the span linking them comes last)', async () => {
        const processor = new CostEstimatorProcessor({}, sink);
        const inner = chatSpan('inner', 'mid', { 'gen_ai.response.id': 'chatcmpl-1' });
        const outer = chatSpan('outer', undefined, { 'gen_ai.response.id': 'chatcmpl-1' });
        await processor.consume(tracesData([inner]));
        await processor.consume(tracesData([outer]));
        expect(attribute(outer, 'tokenmeter.cost.counted')).toBe(false);
        // A zero would hide the call from MLflow >= 3.15 once the middle span makes `outer` its outermost span.
        expect(wrapped(outer)).toBeUndefined();
      });

      it('none when a call it wraps has no price: MLflow is left to price the span', async () => {
        const [parent, child] = [chatSpan('parent', undefined), chatSpan('child', 'parent', { 'llm.model_name': 'acme-1' })];
        await new CostEstimatorProcessor({}, sink).consume(tracesData([parent, child]));
        expect(attribute(child, 'tokenmeter.cost.status')).toBe('unpriced');
        expect(attribute(parent, 'tokenmeter.cost.counted')).toBe(false);
        expect(wrapped(parent)).toBeUndefined();
      });
    });

    it('through an intermediate span that arrives between them', async () => {
      const processor = new CostEstimatorProcessor({}, sink);
      const child = chatSpan('child', 'mid');
      const mid = makeSpan({ id: 'mid', parent: 'top', attributes: attributes({ 'openinference.span.kind': 'CHAIN' }) });
      const top = chatSpan('top', undefined);
      await processor.consume(tracesData([child]));
      await processor.consume(tracesData([mid]));
      await processor.consume(tracesData([top]));
      expect(attribute(child, 'tokenmeter.cost.counted')).toBe(true);
      expect(attribute(top, 'tokenmeter.cost.counted')).toBe(false);
    });

    it('a descendant without usage lets the ancestor count', async () => {
      const streaming = makeSpan({ id: 'child', parent: 'parent', attributes: attributes({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini' }) });
      const parent = chatSpan('parent', undefined);
      await new CostEstimatorProcessor({}, sink).consume(tracesData([streaming, parent]));
      expect(attribute(parent, 'tokenmeter.cost.counted')).toBe(true);
      expect(attribute(streaming, 'tokenmeter.cost.counted')).toBe(false);
    });

    it('same gen_ai.response.id without a parent link counts once', async () => {
      const a = chatSpan('a', undefined, { 'gen_ai.response.id': 'chatcmpl-1' });
      const b = chatSpan('b', undefined, { 'gen_ai.response.id': 'chatcmpl-1' });
      await new CostEstimatorProcessor({}, sink).consume(tracesData([a, b]));
      expect([attribute(a, 'tokenmeter.cost.counted'), attribute(b, 'tokenmeter.cost.counted')].sort()).toEqual([false, true]);
    });

    it('calls of one trace that a server gave the same response id each count: Ollama draws its ids from 999', async () => {
      // Ollama's OpenAI-compatible API names every chat completion `chatcmpl-<0…998>`: an agent's calls share one now and then.
      const processor = new CostEstimatorProcessor({}, sink);
      const call = (id: string, start: string) => makeSpan({ id, start, attributes: chatSpan(id, undefined, { 'gen_ai.response.id': 'chatcmpl-7' }).attributes });
      const [first, later] = [call('first', '2025-09-01T12:00:00Z'), call('later', '2025-09-01T12:00:30Z')];
      await processor.consume(tracesData([first]));
      await processor.consume(tracesData([later]));
      expect([first, later].map((span) => attribute(span, 'tokenmeter.cost.counted'))).toEqual([true, true]);
    });

    it('an empty response id names no response: calls of one trace with one each count', async () => {
      const calls = ['a', 'b'].map((id) => chatSpan(id, undefined, { 'gen_ai.response.id': '' }));
      await new CostEstimatorProcessor({}, sink).consume(tracesData(calls));
      expect(calls.map((call) => attribute(call, 'tokenmeter.cost.counted'))).toEqual([true, true]);
    });

    it('calls of one trace with different response ids each count, nested in no chain', async () => {
      const calls = ['chatcmpl-1', 'chatcmpl-2', 'msg_01', 'msg_02'].map((id, n) => chatSpan(`c${n}`, undefined, { 'gen_ai.response.id': id }));
      await new CostEstimatorProcessor({}, sink).consume(tracesData(calls));
      expect(calls.map((call) => attribute(call, 'tokenmeter.cost.counted'))).toEqual([true, true, true, true]);
    });

    it('a trace taking a forgotten one\'s memory does not inherit its response ids: a later call with the same id counts', async () => {
      const processor = new CostEstimatorProcessor({ max_open_traces: 1 }, sink);
      const first = makeSpan({ trace: 'A', id: 'a', attributes: chatSpan('x', undefined, { 'gen_ai.response.id': 'chatcmpl-9' }).attributes });
      // A minute later: not the same call exported twice (see 'one call exported in two traces').
      const later = '2025-09-01T12:01:00Z';
      const reused = makeSpan({ trace: 'B', id: 'b', start: later, attributes: chatSpan('y', undefined, { 'gen_ai.response.id': 'chatcmpl-9' }).attributes });
      const again = makeSpan({ trace: 'B', id: 'c', start: later, attributes: chatSpan('z', undefined, { 'gen_ai.response.id': 'chatcmpl-9' }).attributes });
      await processor.consume(tracesData([first]));
      await processor.consume(tracesData([reused]));
      await processor.consume(tracesData([again]));
      expect([first, reused, again].map((span) => attribute(span, 'tokenmeter.cost.counted'))).toEqual([true, true, false]);
    });

    it('forgets the least recently seen trace beyond max_open_traces', async () => {
      const processor = new CostEstimatorProcessor({ max_open_traces: 1 }, sink);
      await processor.consume(tracesData([makeSpan({ trace: 'A', id: 'child', parent: 'parent', attributes: chatSpan('x', undefined).attributes })]));
      await processor.consume(tracesData([makeSpan({ trace: 'B', id: 'other', attributes: chatSpan('y', undefined).attributes })]));
      const lateParent = makeSpan({ trace: 'A', id: 'parent', attributes: chatSpan('z', undefined).attributes });
      await processor.consume(tracesData([lateParent]));
      // Trace A was evicted: the documented limit — the parent counts again.
      expect(attribute(lateParent, 'tokenmeter.cost.counted')).toBe(true);
    });

    it('a forgotten trace leaves nothing behind for the trace that takes its place', async () => {
      const processor = new CostEstimatorProcessor({ max_open_traces: 1 }, sink);
      // In trace A the counted child covers span "p"; trace B then reuses A's memory and has its own span "p".
      await processor.consume(tracesData([makeSpan({ trace: 'A', id: 'c', parent: 'p', attributes: chatSpan('x', undefined).attributes })]));
      const unrelated = makeSpan({ trace: 'B', id: 'p', attributes: chatSpan('y', undefined).attributes });
      await processor.consume(tracesData([unrelated]));
      expect(attribute(unrelated, 'tokenmeter.cost.counted')).toBe(true);
    });
  });

  it('agent, workflow, chain and wrapper aggregates below the root are never counted', async () => {
    const usage = { 'gen_ai.usage.input_tokens': 5000, 'gen_ai.usage.output_tokens': 500, 'gen_ai.request.model': 'gpt-4o' };
    const below = { parent: 'root' };
    const spans = [
      makeSpan({ id: 'a', ...below, attributes: attributes({ 'gen_ai.operation.name': 'invoke_agent', ...usage }) }),
      makeSpan({ id: 'b', ...below, attributes: attributes({ 'gen_ai.operation.name': 'invoke_workflow', ...usage }) }),
      makeSpan({ id: 'c', ...below, attributes: attributes({ 'ai.operationId': 'ai.generateText', 'ai.usage.inputTokens': 5000, 'ai.model.id': 'gpt-4o' }) }),
      makeSpan({ id: 'd', ...below, attributes: attributes({ 'langsmith.span.kind': 'chain', 'gen_ai.operation.name': 'chain', ...usage }) }),
      makeSpan({ id: 'e', ...below, attributes: attributes({ 'traceloop.span.kind': 'workflow', 'gen_ai.operation.name': 'invoke_agent', ...usage }) }),
      makeSpan({ id: 'f', ...below, attributes: mlflowAttributes({ 'mlflow.spanType': 'AGENT', 'mlflow.chat.tokenUsage': { input_tokens: 5, output_tokens: 1 } }) }),
      makeSpan({ id: 'g', ...below, attributes: attributes({ 'openinference.span.kind': 'CHAIN', 'llm.token_count.prompt': 10, 'llm.model_name': 'gpt-4o' }) }),
      // OpenInference's smolagents run span: the run's total counts, no model.
      makeSpan({ id: 'i', ...below, attributes: attributes({ 'openinference.span.kind': 'AGENT', 'llm.token_count.prompt': 10, 'llm.token_count.completion': 1, 'llm.token_count.total': 11 }) }),
      makeSpan({ id: 'h', ...below, attributes: attributes({ 'langsmith.span.kind': 'prompt', 'gen_ai.operation.name': 'chat', ...usage }) }),
    ];
    await new CostEstimatorProcessor({}, sink).consume(tracesData(spans));
    for (const span of spans) {
      expect(attribute(span, 'tokenmeter.cost.status')).toBeUndefined();
      expect(attribute(span, 'mlflow.llm.cost')).toBeUndefined();
    }
  });

  it('an OpenInference LangChain chat-model run whose name contains "agent" (so kind AGENT) is a model call', async () => {
    // openinference-instrumentation-langchain `_tracer.py`: kind AGENT for any run whose lower-cased name contains
    // "agent", a chat model's too; its counts and model are a model run's. openai.com/api/pricing gpt-4o-mini $0.15 / $0.60.
    const span = makeSpan({
      name: 'planner_agent_llm',
      attributes: attributes({
        'openinference.span.kind': 'AGENT',
        'llm.model_name': 'gpt-4o-mini-2024-07-18',
        'llm.provider': 'openai',
        'llm.system': 'openai',
        'llm.invocation_parameters': '{"model_name": "gpt-4o-mini", "temperature": 0}',
        'llm.token_count.prompt': 1000,
        'llm.token_count.completion': 100,
        'llm.token_count.total': 1100,
        metadata: '{"langgraph_node": "planner", "ls_provider": "openai", "ls_model_name": "gpt-4o-mini"}',
      }),
    });
    expect(recognizeSpan(span)?.node).toBe('planner');
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.cost.counted')).toBe(true);
    expect(attribute(span, 'tokenmeter.cost.price_entry')).toBe('openai/gpt-4o-mini');
    expect(mlflowCost(span)?.['total_cost']).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / M, 12);
  });

  describe('aggregate fallback (§7 step 3.4)', () => {
    // openai.com/api/pricing gpt-4o $2.50 in / $10 out per 1M
    const agentRoot = (trace: string): Span =>
      makeSpan({
        trace,
        id: 'root',
        attributes: attributes({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 5000, 'gen_ai.usage.output_tokens': 500 }),
      });

    it('a root aggregate with usage is priced once when no model call of its trace reported usage', async () => {
      const streamed = makeSpan({ trace: 'ta', id: 'llm', parent: 'root', attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' }) });
      const root = agentRoot('ta');
      const processor = new CostEstimatorProcessor({}, sink);
      await processor.consume(tracesData([streamed]));
      await processor.consume(tracesData([root]));
      expect(attribute(streamed, 'tokenmeter.cost.status')).toBe('unpriced');
      expect(attribute(root, 'tokenmeter.cost.status')).toBe('priced');
      expect(attribute(root, 'tokenmeter.cost.counted')).toBe(true);
      expect(mlflowCost(root)?.['total_cost']).toBeCloseTo((5000 * 2.5 + 500 * 10) / M, 12);
    });

    it('is not used when a model call with usage was counted', async () => {
      const call = makeSpan({ trace: 'tb', id: 'llm', parent: 'root', attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 5000, 'gen_ai.usage.output_tokens': 500 }) });
      const root = agentRoot('tb');
      const processor = new CostEstimatorProcessor({}, sink);
      await processor.consume(tracesData([call]));
      await processor.consume(tracesData([root]));
      expect(attribute(call, 'tokenmeter.cost.status')).toBe('priced');
      expect(attribute(root, 'tokenmeter.cost.status')).toBeUndefined();
      expect(attribute(root, 'mlflow.llm.cost')).toBeUndefined();
    });

    it('is not used when its usage is only zeros (MLflow\'s pydantic_ai autolog writes 0 on the agent span when the model calls recorded none)', async () => {
      const root = makeSpan({
        trace: 'tz',
        id: 'root',
        attributes: mlflowAttributes({ 'mlflow.spanType': 'AGENT', model: 'OpenAIChatModel()', 'mlflow.chat.tokenUsage': { input_tokens: 0, output_tokens: 0, total_tokens: 0 } }),
      });
      await new CostEstimatorProcessor({}, sink).consume(tracesData([root]));
      expect(attribute(root, 'tokenmeter.cost.status')).toBeUndefined();
      expect(attribute(root, 'tokenmeter.cost.counted')).toBeUndefined();
    });

    it('counts once when a trace has two roots (a lost parent)', async () => {
      const first = agentRoot('tc');
      const second = makeSpan({ trace: 'tc', id: 'other', attributes: first.attributes.map((entry) => ({ ...entry })) });
      await new CostEstimatorProcessor({}, sink).consume(tracesData([first, second]));
      expect(attribute(first, 'tokenmeter.cost.status')).toBe('priced');
      expect(attribute(second, 'tokenmeter.cost.status')).toBeUndefined();
    });
  });

  describe('usage that is not a whole number of tokens', () => {
    // openai.com/api/pricing gpt-4o $2.50 in / $10 out per 1M: none of these may come out as a price, negative or $0.
    const cases: Array<[string, Record<string, AttributeInput>, string]> = [
      ['a negative count (OTel GenAI)', { 'gen_ai.usage.input_tokens': -1_000_000, 'gen_ai.usage.output_tokens': 500 }, 'input -1000000'],
      ['a negative count in a string', { 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': '-5' }, 'output -5'],
      ['a fractional count (OpenInference)', { 'llm.token_count.prompt': 10.5, 'llm.token_count.completion': 3 }, 'input 10.5'],
      ['int64 max, past 2^53', { 'gen_ai.usage.input_tokens': { kind: 'int', value: 9223372036854775807n }, 'gen_ai.usage.output_tokens': 1 }, 'input 9223372036854776000'],
      ['a count past any price (1e308)', { 'gen_ai.usage.input_tokens': 1e308, 'gen_ai.usage.output_tokens': 1 }, 'input 1e+308'],
      ['a negative cache read (MLflow JSON)', { 'mlflow.chat.tokenUsage': JSON.stringify({ input_tokens: 100, output_tokens: 10, cache_read_input_tokens: -50 }) }, 'cache read -50'],
    ];
    for (const [name, usage, named] of cases) {
      it(`${name}: counted unpriced, the reason naming the count`, async () => {
        const span = makeSpan({ attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', ...usage }) });
        await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
        expect(attribute(span, 'tokenmeter.cost.counted')).toBe(true);
        expect(attribute(span, 'tokenmeter.cost.status')).toBe('unpriced');
        expect(attribute(span, 'tokenmeter.cost.unpriced_reason')).toBe(`token usage is not a whole number of tokens: ${named}`);
        expect(attribute(span, 'mlflow.llm.cost')).toBeUndefined();
        expect(attribute(span, 'tokenmeter.cost.total_usd')).toBeUndefined();
        expect(attribute(span, 'tokenmeter.tokens.input')).toBeUndefined();
      });
    }

    it('counts of a whole number of tokens sent as doubles or strings are priced', async () => {
      const span = makeSpan({ attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': doubleValue(1000), 'gen_ai.usage.output_tokens': '100' }) });
      await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
      expect(mlflowCost(span)?.['total_cost']).toBeCloseTo((1000 * 2.5 + 100 * 10) / M, 12);
    });
  });

  it('a model or provider name longer than any real one (a prompt in the wrong attribute) is cut, and its call unpriced', async () => {
    const junk = 'Summarise the following document. '.repeat(30_000);
    const span = makeSpan({ attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': junk, 'gen_ai.provider.name': junk, 'gen_ai.usage.input_tokens': 10 }) });
    const call = recognizeSpan(span);
    expect(call?.model).toBe(`${junk.slice(0, MAX_NAME_LENGTH)}…`);
    expect(call?.provider?.length).toBeLessThanOrEqual(MAX_NAME_LENGTH + 1);
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.cost.status')).toBe('unpriced');
    expect(String(attribute(span, 'tokenmeter.cost.unpriced_reason')).length).toBeLessThan(2 * MAX_NAME_LENGTH);
    expect(attribute(span, 'mlflow.llm.model')).toBe(call?.model);
  });

  describe('what OpenRouter charged, in the usage of the response a span keeps', () => {
    // openrouter.ai/docs, usage accounting: `cost` in credits (US dollars). openai.com/api/pricing, gpt-4o-mini $0.15 in /
    // $0.075 cached in / $0.60 out: OpenAI's price of these counts, which OpenRouter passes through.
    const openAiPrice = (800 * 0.15 + 200 * 0.075 + 500 * 0.6) / M;
    const usage = (byok: boolean) => ({
      prompt_tokens: 1000,
      completion_tokens: 500,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 200 },
      completion_tokens_details: { reasoning_tokens: 100 },
      // With the app's own OpenAI key, OpenRouter charges its 5% fee, and OpenAI the key; otherwise it charges it all,
      // and says what it paid out of it.
      cost: byok ? openAiPrice * 0.05 : openAiPrice,
      is_byok: byok,
      cost_details: { upstream_inference_cost: openAiPrice, upstream_inference_prompt_cost: (800 * 0.15 + 200 * 0.075) / M, upstream_inference_completions_cost: (500 * 0.6) / M },
    });
    // Each span a call of its own: the same response id in two traces at the same time would be one call.
    const response = (byok: boolean, id: string) => ({ id: `gen-1790000000-${id}`, provider: 'OpenAI', model: 'openai/gpt-4o-mini', object: 'chat.completion', usage: usage(byok) });
    const openInferenceSpan = (trace: string, output: string): Span =>
      makeSpan({
        trace,
        attributes: attributes({
          'openinference.span.kind': 'LLM',
          'llm.provider': 'openai',
          'llm.model_name': 'openai/gpt-4o-mini',
          'llm.token_count.prompt': 1000,
          'llm.token_count.completion': 500,
          'llm.token_count.prompt_details.cache_read': 200,
          'llm.token_count.completion_details.reasoning': 100,
          'output.value': output,
          'output.mime_type': 'application/json',
        }),
      });
    const spans = (byok: boolean): Record<string, Span> => ({
      // MLflow's openai autolog keeps the response as the span's outputs.
      'MLflow openai autolog': makeSpan({
        trace: 'openai',
        attributes: mlflowAttributes({
          'mlflow.spanType': 'CHAT_MODEL',
          model: 'openai/gpt-4o-mini',
          'mlflow.message.format': 'openai',
          'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 },
          'mlflow.spanOutputs': response(byok, 'openai'),
        }),
      }),
      // Its LangChain autolog keeps ChatOpenAI's result, the usage in `llm_output.token_usage`.
      'MLflow LangChain autolog': makeSpan({
        trace: 'langchain',
        attributes: mlflowAttributes({
          'mlflow.spanType': 'CHAT_MODEL',
          invocation_params: { model: 'openai/gpt-4o-mini', _type: 'openai-chat' },
          metadata: { ls_provider: 'openai', ls_model_name: 'openai/gpt-4o-mini' },
          'mlflow.message.format': 'langchain',
          'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 },
          'mlflow.spanOutputs': { generations: [[{ text: 'hi', type: 'ChatGeneration' }]], llm_output: { token_usage: usage(byok), model_name: 'openai/gpt-4o-mini' }, type: 'LLMResult' },
        }),
      }),
      // OpenInference's OpenAI instrumentor keeps the response as output.value…
      OpenInference: openInferenceSpan('openinference', JSON.stringify(response(byok, 'openinference'))),
      // …and of a stream, the response it puts together, as Python's json.dumps writes it, the id after the choices.
      'OpenInference, streamed': openInferenceSpan(
        'openinference-stream',
        JSON.stringify({ choices: [{ message: { content: 'hi', role: 'assistant' }, index: 0 }], ...response(byok, 'stream'), object: 'chat.completion.chunk' })
          .replaceAll('":', '": ')
          .replaceAll(',"', ', "'),
      ),
      // The Vercel AI SDK with OpenRouter's provider (2.9.1) keeps the usage, in its own spelling and without `is_byok`,
      // in the provider metadata.
      'Vercel AI SDK': makeSpan({
        trace: 'aisdk',
        attributes: attributes({
          'ai.operationId': 'ai.generateText.doGenerate',
          'ai.model.provider': 'openrouter',
          'ai.model.id': 'openai/gpt-4o-mini',
          'ai.response.id': 'gen-1790000000-aisdk',
          'ai.response.providerMetadata': JSON.stringify({
            openrouter: { provider: 'OpenAI', usage: { promptTokens: 1000, totalTokens: 1500, cost: usage(byok).cost, costDetails: { upstreamInferenceCost: openAiPrice } } },
          }),
          'ai.usage.inputTokens': 1000,
          'ai.usage.outputTokens': 500,
          'ai.usage.cachedInputTokens': 200,
          'ai.usage.reasoningTokens': 100,
        }),
      }),
    });

    it.each([false, true])('is the call\'s cost, ours beside it (the app\'s own key: %s)', async (byok) => {
      const calls = spans(byok);
      await new CostEstimatorProcessor({}, sink).consume(tracesData(Object.values(calls)));
      const charged = byok ? openAiPrice * 1.05 : openAiPrice;
      for (const [name, span] of Object.entries(calls)) {
        expect([name, attribute(span, 'tokenmeter.cost.status')]).toEqual([name, 'provider_reported']);
        expect(mlflowCost(span)?.['total_cost']).toBeCloseTo(charged, 12);
        // OpenRouter's price of the input, where the span keeps it apart.
        if (name !== 'Vercel AI SDK') expect(mlflowCost(span)?.['input_cost']).toBeCloseTo((800 * 0.15 + 200 * 0.075) / M, 12);
        expect(attribute(span, 'tokenmeter.cost.total_usd')).toBeCloseTo(openAiPrice, 12);
      }
    });
  });

  it('a negative provider-reported cost is no cost: the call is priced from its usage', async () => {
    // openai.com/api/pricing gpt-4o-mini $0.15 / $0.60 per 1M
    const ours = (1000 * 0.15 + 100 * 0.6) / M;
    const openinference = chatSpan('a', undefined, { 'llm.cost.total': -0.003 });
    const mlflow = makeSpan({ trace: 't2', attributes: chatSpan('b', undefined, { 'mlflow.llm.cost': JSON.stringify({ input_cost: -1, output_cost: 0.5, total_cost: 0.5 }) }).attributes });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([openinference, mlflow]));
    for (const span of [openinference, mlflow]) {
      expect(attribute(span, 'tokenmeter.cost.status')).toBe('priced');
      expect(mlflowCost(span)?.['total_cost']).toBeCloseTo(ours, 12);
    }
  });

  describe('one call exported in two traces (two instrumentations that share no context)', () => {
    // As the Anthropic SDK's own span and OpenLLMetry's came, tried with anthropic 2.17 and
    // opentelemetry-instrumentation-anthropic 0.62.4: two roots in two traces, with the call's response id and usage.
    const anthropicCall = (trace: string, start: string, usage: { input?: number; output?: number } = {}): Span =>
      makeSpan({
        trace,
        id: `${trace}-span`,
        start,
        attributes: attributes({
          'gen_ai.provider.name': 'anthropic',
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'claude-3-5-haiku-20241022',
          'gen_ai.response.id': 'msg_01abc',
          'gen_ai.usage.input_tokens': usage.input ?? 1000,
          'gen_ai.usage.output_tokens': usage.output ?? 50,
          'gen_ai.usage.cache_read.input_tokens': 600,
          'gen_ai.usage.cache_creation.input_tokens': 300,
        }),
      });

    it('is counted once, in the batch or across batches', async () => {
      const [sdk, handler] = [anthropicCall('sdk', '2025-09-01T12:00:00Z'), anthropicCall('handler', '2025-09-01T12:00:00Z')];
      await new CostEstimatorProcessor({}, sink).consume(tracesData([sdk, handler]));
      expect([attribute(sdk, 'tokenmeter.cost.counted'), attribute(handler, 'tokenmeter.cost.counted')]).toEqual([true, false]);
      const processor = new CostEstimatorProcessor({}, sink);
      const [first, second] = [anthropicCall('a', '2025-09-01T12:00:00Z'), anthropicCall('b', '2025-09-01T12:00:00Z')];
      await processor.consume(tracesData([first]));
      await processor.consume(tracesData([second]));
      expect(attribute(second, 'tokenmeter.cost.counted')).toBe(false);
      expect(attribute(second, 'mlflow.llm.cost')).toBeUndefined();
    });

    it('is counted once when the instrumentations count a stream\'s output differently', async () => {
      // opentelemetry-instrumentation-anthropic 0.62.4 adds the output count of message_start (1) to the final one (50).
      const processor = new CostEstimatorProcessor({}, sink);
      const [sdk, handler] = [anthropicCall('sdk', '2025-09-01T12:00:00Z'), anthropicCall('handler', '2025-09-01T12:00:00Z', { output: 51 })];
      for (const call of [sdk, handler]) await processor.consume(tracesData([call]));
      expect([attribute(sdk, 'tokenmeter.cost.counted'), attribute(handler, 'tokenmeter.cost.counted')]).toEqual([true, false]);
    });

    it('is counted once when the server repeats one response id for every call, and a later call took the id meanwhile', async () => {
      // Some servers (local ones, a proxy's response cache) answer every call with the same id: the call's second span
      // can come after another call's first.
      const processor = new CostEstimatorProcessor({}, sink);
      const first = anthropicCall('sdk-1', '2025-09-01T12:00:00Z');
      const second = anthropicCall('sdk-2', '2025-09-01T12:00:05Z');
      const firstAgain = anthropicCall('handler-1', '2025-09-01T12:00:00Z');
      const secondAgain = anthropicCall('handler-2', '2025-09-01T12:00:05Z');
      for (const call of [first, second, firstAgain, secondAgain]) await processor.consume(tracesData([call]));
      expect([first, second, firstAgain, secondAgain].map((span) => attribute(span, 'tokenmeter.cost.counted'))).toEqual([true, true, false, false]);
    });

    it('is counted once when the client\'s own span also counts the context compactions the response leaves out', async () => {
      // anthropic 2.17.0's span of a beta request the server compacted adds the compaction's tokens under its own keys;
      // OpenLLMetry's span of the call (0.62.4) has the response's usage alone.
      const processor = new CostEstimatorProcessor({}, sink);
      const sdk = anthropicCall('sdk', '2025-09-01T12:00:00Z');
      sdk.attributes.push(...attributes({ 'anthropic.usage.compaction.input_tokens': 3000, 'anthropic.usage.compaction.output_tokens': 400 }));
      const handler = anthropicCall('handler', '2025-09-01T12:00:00Z');
      for (const call of [handler, sdk]) await processor.consume(tracesData([call]));
      expect([attribute(handler, 'tokenmeter.cost.counted'), attribute(sdk, 'tokenmeter.cost.counted')]).toEqual([true, false]);
    });

    it('is counted once when OpenInference names the response only in the output it keeps', async () => {
      // openinference-instrumentation-anthropic 3.1.0 on a stream: no response id key, the message as output.value.
      const openInference = makeSpan({
        trace: 'openinference',
        id: 'openinference-span',
        start: '2025-09-01T12:00:00Z',
        attributes: attributes({
          'openinference.span.kind': 'LLM',
          'llm.provider': 'anthropic',
          'llm.model_name': 'claude-3-5-haiku-20241022',
          'llm.token_count.prompt': 1000,
          'llm.token_count.completion': 50,
          'llm.token_count.prompt_details.cache_read': 600,
          'llm.token_count.prompt_details.cache_write': 300,
          'output.value': '{"id":"msg_01abc","content":[{"type":"tool_use","id":"toolu_01","name":"search"}],"usage":{"input_tokens":100}}',
          'output.mime_type': 'application/json',
        }),
      });
      const processor = new CostEstimatorProcessor({}, sink);
      const sdk = anthropicCall('sdk', '2025-09-01T12:00:00Z');
      for (const call of [sdk, openInference]) await processor.consume(tracesData([call]));
      expect([attribute(sdk, 'tokenmeter.cost.counted'), attribute(openInference, 'tokenmeter.cost.counted')]).toEqual([true, false]);
    });

    it('is counted once when OpenInference traces LangChain and the OpenAI client apart, the id in LangChain\'s result', async () => {
      // openinference-instrumentation-langchain 0.1.80 and -openai 0.1.66 with langchain-openai 1.1.7: two traces.
      const openInference = (trace: string, output: string) =>
        makeSpan({
          trace,
          id: `${trace}-span`,
          start: '2025-09-01T12:00:00Z',
          attributes: attributes({
            'openinference.span.kind': 'LLM',
            'llm.provider': 'openai',
            'llm.model_name': 'gpt-4o-mini-2024-07-18',
            'llm.token_count.prompt': 1000,
            'llm.token_count.completion': 500,
            'output.value': output,
            'output.mime_type': 'application/json',
          }),
        });
      const client = openInference('client', '{"id":"chatcmpl-01","choices":[],"usage":{"prompt_tokens":1000}}');
      const langChain = openInference(
        'langchain',
        '{"generations": [[{"text": "hi", "message": {"kwargs": {"id": "lc_run--1", "response_metadata": {"id": "chatcmpl-01"}}}}]], ' +
          '"llm_output": {"token_usage": {"prompt_tokens": 1000}, "model_name": "gpt-4o-mini-2024-07-18", "id": "chatcmpl-01"}, "run": null, "type": "LLMResult"}',
      );
      const processor = new CostEstimatorProcessor({}, sink);
      for (const call of [client, langChain]) await processor.consume(tracesData([call]));
      expect([attribute(client, 'tokenmeter.cost.counted'), attribute(langChain, 'tokenmeter.cost.counted')]).toEqual([true, false]);
    });

    it('is counted once when MLflow\'s LangChain autolog or LangSmith traces LangChain and another instrumentation the client apart', async () => {
      // mlflow 3.9's LangChain autolog, or langsmith 0.6.6's OTel export, with OpenInference's (0.1.66) or OpenLLMetry's
      // (0.62.4) OpenAI instrumentor, langchain-openai 1.1.7: the client's span is the root of a trace of its own, and
      // LangChain's span names the response id only in LangChain's result (each call was counted twice).
      const result = (id: string) =>
        `{"generations": [[{"text": "hi", "type": "ChatGeneration"}]], "llm_output": {"token_usage": {"prompt_tokens": 1000, "completion_tokens": 500}, "model_name": "gpt-4o-mini-2024-07-18", "id": "${id}"}, "run": null, "type": "LLMResult"}`;
      const mlflowLangChain = (trace: string, id: string) =>
        makeSpan({
          trace,
          id: `${trace}-span`,
          start: '2025-09-01T12:00:00Z',
          attributes: mlflowAttributes({
            'mlflow.spanType': 'CHAT_MODEL',
            'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 },
            metadata: { ls_provider: 'openai', ls_model_name: 'gpt-4o-mini' },
            'mlflow.message.format': 'langchain',
          }).concat(attributes({ 'mlflow.spanOutputs': result(id) })),
        });
      const langSmith = (trace: string, id: string) =>
        makeSpan({
          trace,
          id: `${trace}-span`,
          start: '2025-09-01T12:00:00Z',
          attributes: [
            ...attributes({
              'langsmith.span.kind': 'llm',
              'gen_ai.operation.name': 'chat',
              'gen_ai.system': 'openai',
              'gen_ai.request.model': 'gpt-4o-mini',
              'langsmith.metadata.ls_provider': 'openai',
              'gen_ai.usage.input_tokens': 1000,
              'gen_ai.usage.output_tokens': 500,
            }),
            { key: 'gen_ai.completion', value: { kind: 'bytes' as const, value: new TextEncoder().encode(result(id)) } },
          ],
        });
      const openLLMetryClient = (trace: string, id: string) =>
        makeSpan({
          trace,
          id: `${trace}-span`,
          start: '2025-09-01T12:00:00Z',
          attributes: attributes({
            'llm.request.type': 'chat',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
            'gen_ai.response.id': id,
            'gen_ai.usage.input_tokens': 1000,
            'gen_ai.usage.output_tokens': 500,
          }),
        });
      for (const framework of [mlflowLangChain, langSmith]) {
        for (const order of ['framework first', 'client first'] as const) {
          const [frameworkSpan, client] = [framework('framework', 'chatcmpl-07'), openLLMetryClient('client', 'chatcmpl-07')];
          const processor = new CostEstimatorProcessor({}, sink);
          for (const call of order === 'framework first' ? [frameworkSpan, client] : [client, frameworkSpan]) await processor.consume(tracesData([call]));
          expect([frameworkSpan, client].filter((span) => attribute(span, 'tokenmeter.cost.counted') === true), `${framework.name}, ${order}`).toHaveLength(1);
        }
        // Another call (another response id): both count.
        const processor = new CostEstimatorProcessor({}, sink);
        const [frameworkSpan, client] = [framework('framework', 'chatcmpl-08'), openLLMetryClient('client', 'chatcmpl-09')];
        for (const call of [frameworkSpan, client]) await processor.consume(tracesData([call]));
        expect([attribute(frameworkSpan, 'tokenmeter.cost.counted'), attribute(client, 'tokenmeter.cost.counted')], framework.name).toEqual([true, true]);
      }
    });

    /**
     * An OpenInference chat span, the root of trace `trace`, of 1,000 tokens in (200 cached) and `completion` out, from
     * `fromMs` to `toMs` after the span's usual start; and whether each span of a list, consumed in turn, counts.
     */
    const openInferenceChat = (trace: string, model: string, output: string, fromMs: number, toMs: number, completion = 500) => {
      const made = makeSpan({
        trace,
        id: `${trace}-span`,
        attributes: attributes({
          'openinference.span.kind': 'LLM',
          'llm.provider': 'openai',
          'llm.model_name': model,
          'llm.token_count.prompt': 1000,
          'llm.token_count.completion': completion,
          'llm.token_count.prompt_details.cache_read': 200,
          'output.value': output,
        }),
      });
      const at = made.startTimeUnixNano;
      made.startTimeUnixNano = at + BigInt(fromMs) * 1_000_000n;
      made.endTimeUnixNano = at + BigInt(toMs) * 1_000_000n;
      return made;
    };
    const counted = async (...spans: Span[]) => {
      const processor = new CostEstimatorProcessor({}, sink);
      for (const one of spans) await processor.consume(tracesData([one]));
      return spans.map((one) => attribute(one, 'tokenmeter.cost.counted'));
    };

    describe('OpenInference\'s LangChain and client spans of a streamed call, with no response id to match', () => {
      // openinference-instrumentation-langchain 0.1.80 and -openai 0.1.66, langchain-openai 1.1.7 streaming: LangChain's
      // span (its result names no response id) holds the client's in time, each the root of its own trace.
      const LANGCHAIN_RESULT = '{"generations": [[{"text": "hi", "type": "ChatGenerationChunk"}]], "llm_output": null, "run": null, "type": "LLMResult"}';
      const CLIENT_RESPONSE = '{"choices": [{"index": 0}], "id": "chatcmpl-01", "object": "chat.completion.chunk"}';
      const span = (trace: string, output: string, fromMs: number, toMs: number, completion = 500) =>
        openInferenceChat(trace, output === LANGCHAIN_RESULT ? 'gpt-4o-mini' : 'gpt-4o-mini-2024-07-18', output, fromMs, toMs, completion);

      it('is counted once, whichever span comes first', async () => {
        expect(await counted(span('client', CLIENT_RESPONSE, 10, 900), span('langchain', LANGCHAIN_RESULT, 0, 1000))).toEqual([true, false]);
        expect(await counted(span('langchain', LANGCHAIN_RESULT, 0, 1000), span('client', CLIENT_RESPONSE, 10, 900))).toEqual([true, false]);
      });

      it('is not matched to a span of the same layer, outside the framework span\'s time, or with other counts', async () => {
        expect(await counted(span('a', CLIENT_RESPONSE, 10, 900), span('b', CLIENT_RESPONSE, 10, 900))).toEqual([true, true]);
        expect(await counted(span('client', CLIENT_RESPONSE, 500, 1500), span('langchain', LANGCHAIN_RESULT, 0, 1000))).toEqual([true, true]);
        expect(await counted(span('client', CLIENT_RESPONSE, 10, 900, 501), span('langchain', LANGCHAIN_RESULT, 0, 1000))).toEqual([true, true]);
      });
    });

    describe('OpenInference\'s LlamaIndex and OpenAI client spans of a call, in two traces with no response id to match', () => {
      // openinference-instrumentation-llama-index 4.3.10 and -openai 0.1.66 on llama-index-core 0.14.12: LlamaIndex's span
      // keeps the answer as text; a streamed chat's span ends when it hands the stream over, before the client's starts.
      const span = (trace: string, layer: 'llamaindex' | 'client', fromMs: number, toMs: number) =>
        layer === 'llamaindex'
          ? openInferenceChat(trace, 'gpt-4o-mini', 'assistant: hi', fromMs, toMs)
          : openInferenceChat(trace, 'gpt-4o-mini-2024-07-18', '{"id":"chatcmpl-01","choices":[],"usage":{"prompt_tokens":1000}}', fromMs, toMs);

      it('is counted once, whichever span comes first: a chat, and a stream handed over', async () => {
        expect(await counted(span('client', 'client', 10, 900), span('llamaindex', 'llamaindex', 0, 1000))).toEqual([true, false]);
        expect(await counted(span('llamaindex', 'llamaindex', 0, 1000), span('client', 'client', 10, 900))).toEqual([true, false]);
        expect(await counted(span('client', 'client', 6, 900), span('llamaindex', 'llamaindex', 0, 5))).toEqual([true, false]);
        expect(await counted(span('llamaindex', 'llamaindex', 0, 5), span('client', 'client', 6, 900))).toEqual([true, false]);
      });

      it('is two calls when the client\'s span starts before LlamaIndex\'s, or well after it ended', async () => {
        expect(await counted(span('client', 'client', 0, 900), span('llamaindex', 'llamaindex', 10, 1000))).toEqual([true, true]);
        expect(await counted(span('client', 'client', 160, 900), span('llamaindex', 'llamaindex', 0, 50))).toEqual([true, true]);
      });
    });

    it('is not matched to calls made one after another with the same id (a server that repeats ids), nor to other input', async () => {
      const processor = new CostEstimatorProcessor({}, sink);
      const calls = [anthropicCall('a', '2025-09-01T12:00:00Z'), anthropicCall('b', '2025-09-01T12:00:05Z'), anthropicCall('c', '2025-09-01T12:00:00Z', { input: 1200 })];
      for (const call of calls) await processor.consume(tracesData([call]));
      expect(calls.map((call) => attribute(call, 'tokenmeter.cost.counted'))).toEqual([true, true, true]);
    });

    it('an app re-sending the same span is still the same call, priced again', async () => {
      const processor = new CostEstimatorProcessor({}, sink);
      const [sent, again] = [anthropicCall('a', '2025-09-01T12:00:00Z'), anthropicCall('a', '2025-09-01T12:00:00Z')];
      await processor.consume(tracesData([sent]));
      await processor.consume(tracesData([again]));
      expect(attribute(again, 'tokenmeter.cost.counted')).toBe(true);
    });
  });

  describe('a model call without usage (streaming without usage)', () => {
    const streamed = (id: string, parent?: string): Span =>
      makeSpan({ id, ...(parent === undefined ? {} : { parent }), attributes: attributes({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini', 'llm.provider': 'openai' }) });

    it('counts as unpriced with the reason, never as a silent $0', async () => {
      const span = streamed('a');
      await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
      expect(attribute(span, 'tokenmeter.cost.counted')).toBe(true);
      expect(attribute(span, 'tokenmeter.cost.status')).toBe('unpriced');
      expect(attribute(span, 'tokenmeter.cost.unpriced_reason')).toBe('no token usage reported');
      expect(attribute(span, 'mlflow.llm.cost')).toBeUndefined();
      expect(attribute(span, 'tokenmeter.tokens.input')).toBeUndefined();
    });

    it('is the uncounted duplicate when a call of its nested chain has usage, in either order', async () => {
      const parent = streamed('p');
      const child = chatSpan('c', 'p');
      const processor = new CostEstimatorProcessor({}, sink);
      await processor.consume(tracesData([child]));
      await processor.consume(tracesData([parent]));
      expect(attribute(child, 'tokenmeter.cost.status')).toBe('priced');
      expect(attribute(parent, 'tokenmeter.cost.counted')).toBe(false);
      expect(attribute(parent, 'tokenmeter.cost.status')).toBeUndefined();

      const ancestor = makeSpan({ trace: 't2', id: 'p', attributes: chatSpan('p', undefined).attributes });
      const descendant = makeSpan({ trace: 't2', id: 'c', parent: 'p', attributes: streamed('c').attributes });
      await new CostEstimatorProcessor({}, sink).consume(tracesData([descendant, ancestor]));
      expect(attribute(ancestor, 'tokenmeter.cost.status')).toBe('priced');
      expect(attribute(descendant, 'tokenmeter.cost.counted')).toBe(false);
    });

    it('counts of only zeros are no usage: unpriced with the reason, never a $0 call, and no cover for the client span of the same call', async () => {
      // pydantic-ai 1.42 with genai-prices 0.2.5 writes 0 in and 0 out on every call; the client's span inside has the real counts.
      const zeros = (id: string): Span =>
        makeSpan({
          id,
          attributes: attributes({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini', 'llm.provider': 'openai', 'llm.token_count.prompt': 0, 'llm.token_count.completion': 0, 'llm.token_count.total': 0 }),
        });
      const alone = zeros('z');
      await new CostEstimatorProcessor({}, sink).consume(tracesData([alone]));
      expect(attribute(alone, 'tokenmeter.cost.status')).toBe('unpriced');
      expect(attribute(alone, 'tokenmeter.cost.unpriced_reason')).toBe('token usage reported as 0 in and 0 out: the instrumentation recorded none');
      expect(attribute(alone, 'mlflow.llm.cost')).toBeUndefined();

      // The framework's span arrives first, in a batch of its own: it must not be the call counted.
      const outer = zeros('p');
      const client = chatSpan('c', 'p');
      const processor = new CostEstimatorProcessor({}, sink);
      await processor.consume(tracesData([outer]));
      await processor.consume(tracesData([client]));
      expect(attribute(client, 'tokenmeter.cost.status')).toBe('priced');
      expect(attribute(client, 'tokenmeter.cost.counted')).toBe(true);

      // A failed call writing zeros says it failed.
      const failed = zeros('f');
      failed.status = { code: 2, message: 'timeout' };
      await new CostEstimatorProcessor({}, sink).consume(tracesData([failed]));
      expect(attribute(failed, 'tokenmeter.cost.unpriced_reason')).toBe('the call failed (span status ERROR) and reports no token usage');
    });

    it('two nested spans without usage are one unpriced call', async () => {
      const parent = streamed('p');
      const child = streamed('c', 'p');
      await new CostEstimatorProcessor({}, sink).consume(tracesData([parent, child]));
      expect([attribute(parent, 'tokenmeter.cost.counted'), attribute(child, 'tokenmeter.cost.counted')].sort()).toEqual([false, true]);
    });
  });

  it('an unknown model is unpriced with a reason, never guessed', async () => {
    const span = chatSpan('a', undefined, { 'llm.model_name': 'acme-llm-9000', 'llm.provider': 'openai' });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.cost.status')).toBe('unpriced');
    expect(attribute(span, 'tokenmeter.cost.unpriced_reason')).toMatch(/acme-llm-9000 not in catalog/);
    expect(attribute(span, 'mlflow.llm.cost')).toBeUndefined();
    expect(attribute(span, 'tokenmeter.cost.total_usd')).toBeUndefined();
  });

  it('a self-hosted provider without a price list is unpriced', async () => {
    const span = chatSpan('a', undefined, { 'llm.model_name': 'llama3.1:8b', 'llm.provider': 'ollama' });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.cost.unpriced_reason')).toMatch(/ollama/);
  });

  it('a provider-reported MLflow cost is kept, our estimate beside it', async () => {
    const reported = JSON.stringify({ input_cost: 0.5, output_cost: 0.25, total_cost: 0.75 });
    const span = makeSpan({
      attributes: [
        ...mlflowAttributes({
          'mlflow.spanType': 'CHAT_MODEL',
          'mlflow.llm.model': 'gpt-4o-mini',
          'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 100 },
        }),
        { key: 'mlflow.llm.cost', value: { kind: 'string', value: reported } },
      ],
    });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.cost.status')).toBe('provider_reported');
    expect(attribute(span, 'mlflow.llm.cost')).toBe(reported);
    expect(attribute(span, 'tokenmeter.cost.total_usd')).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / M, 12);
  });

  it('an OpenInference llm.cost.* is kept as MLflow cost', async () => {
    const span = chatSpan('a', undefined, { 'llm.cost.total': 0.003, 'llm.cost.prompt': 0.001, 'llm.cost.completion': 0.002 });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(attribute(span, 'tokenmeter.cost.status')).toBe('provider_reported');
    expect(mlflowCost(span)).toEqual({ input_cost: 0.001, output_cost: 0.002, total_cost: 0.003 });
  });

  it('a span already priced by tokenmeter is left alone', async () => {
    const span = chatSpan('a', undefined, { 'tokenmeter.cost.status': 'priced' });
    span.raw = new Uint8Array([1]);
    await new CostEstimatorProcessor({}, sink).consume(tracesData([span]));
    expect(span.raw).toBeDefined();
  });

  it('batch service tier is half price; priority without an override is unpriced', async () => {
    const batch = chatSpan('a', undefined, { 'openai.response.service_tier': 'batch' });
    const priority = makeSpan({ trace: 't2', attributes: chatSpan('b', undefined, { 'openai.response.service_tier': 'priority' }).attributes });
    await new CostEstimatorProcessor({}, sink).consume(tracesData([batch, priority]));
    expect(mlflowCost(batch)?.['total_cost']).toBeCloseTo(((1000 * 0.15 + 100 * 0.6) / M) * 0.5, 12);
    expect(attribute(batch, 'tokenmeter.cost.tier')).toBe('batch');
    expect(attribute(priority, 'tokenmeter.cost.status')).toBe('unpriced');
  });

  it('a Claude call the Anthropic client\'s own span says priority served is unpriced without an override; standard is priced', async () => {
    // Anthropic's usage names the tier that served the call; its Priority Tier has prices of its own (a commitment).
    const claude = (id: string, tier: string) =>
      makeSpan({
        trace: id,
        attributes: attributes({
          'gen_ai.provider.name': 'anthropic',
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'claude-3-5-haiku-20241022',
          'gen_ai.usage.input_tokens': 1000,
          'gen_ai.usage.output_tokens': 50,
          'anthropic.response.service_tier': tier,
        }),
      });
    const [standard, priority] = [claude('a', 'standard'), claude('b', 'priority')];
    await new CostEstimatorProcessor({}, sink).consume(tracesData([standard, priority]));
    expect(mlflowCost(standard)?.['total_cost']).toBeCloseTo((1000 * 0.8 + 50 * 4) / M, 12);
    expect(attribute(standard, 'tokenmeter.cost.tier')).toBe('standard');
    expect(attribute(priority, 'tokenmeter.cost.status')).toBe('unpriced');
    expect(attribute(priority, 'tokenmeter.cost.unpriced_reason')).toMatch(/^no priority service-tier price for anthropic\//);
  });

  it('Gemini\'s flex tier is half price, on the Gemini API and on Vertex AI (Flex PayGo); its priority tier, unpriced', async () => {
    // ai.google.dev/gemini-api/docs/flex-inference: "a 50% cost reduction compared to standard rates";
    // docs.cloud.google.com/vertex-ai/generative-ai/docs/flex-paygo: "a 50% discount compared to Standard PayGo";
    // priority is "75% to 100% more than standard" (ai.google.dev/gemini-api/docs/optimization): no one price.
    // gemini-2.5-flash $0.30 in / $2.50 out per 1M (ai.google.dev/gemini-api/docs/pricing, as genai-prices 0.1.8 has it).
    const gemini = (id: string, provider: string, tier: string) =>
      makeSpan({
        trace: id,
        attributes: attributes({
          'openinference.span.kind': 'LLM',
          'llm.provider': provider,
          'llm.model_name': 'gemini-2.5-flash',
          'llm.invocation_parameters': JSON.stringify({ service_tier: tier }),
          'llm.token_count.prompt': 1000,
          'llm.token_count.completion': 100,
        }),
      });
    const [api, vertex, priority] = [gemini('a', 'google_genai', 'flex'), gemini('b', 'vertexai', 'flex'), gemini('c', 'google_genai', 'priority')];
    await new CostEstimatorProcessor({}, sink).consume(tracesData([api, vertex, priority]));
    for (const span of [api, vertex]) {
      expect(mlflowCost(span)?.['total_cost']).toBeCloseTo(((1000 * 0.3 + 100 * 2.5) / M) * 0.5, 12);
      expect(attribute(span, 'tokenmeter.cost.tier')).toBe('flex');
    }
    expect(attribute(priority, 'tokenmeter.cost.status')).toBe('unpriced');
    expect(attribute(priority, 'tokenmeter.cost.unpriced_reason')).toMatch(/^no priority service-tier price for google\//);
  });

  it('reads every source of usage, provider, service tier and reported cost when it is the only one on the span', () => {
    // The base usage of the cache and reasoning cases comes from MLflow's JSON, so that the key tested is the only one.
    const base = { 'mlflow.chat.tokenUsage': JSON.stringify({ input_tokens: 10, output_tokens: 10 }) };
    const call = (extra: Record<string, string | number>): ReturnType<typeof recognizeSpan> =>
      recognizeSpan(makeSpan({ attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', ...extra }) }));
    const usage = {
      input: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.token_count.prompt', 'ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens'],
      output: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.token_count.completion', 'ai.usage.outputTokens', 'ai.usage.completionTokens'],
    };
    for (const key of usage.input) expect(call({ [key]: 7 })?.tokens?.input, key).toBe(7);
    for (const key of usage.output) expect(call({ [key]: 7 })?.tokens?.output, key).toBe(7);
    for (const key of ['gen_ai.usage.total_tokens', 'llm.usage.total_tokens', 'llm.token_count.total', 'ai.usage.totalTokens']) {
      expect(call({ [key]: 9, 'gen_ai.usage.output_tokens': 2 })?.tokens?.input, key).toBe(7);
    }
    const cached = ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens', 'llm.token_count.prompt_details.cache_read', 'ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens'];
    for (const key of cached) expect(call({ [key]: 3, ...base })?.tokens?.cacheRead, key).toBe(3);
    const written = ['gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens', 'llm.token_count.prompt_details.cache_write', 'llm.token_count.prompt_details.cache_input', 'ai.usage.inputTokenDetails.cacheWriteTokens'];
    for (const key of written) expect(call({ [key]: 3, ...base })?.tokens?.cacheWrite, key).toBe(3);
    const reasoning = ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'llm.usage.reasoning_tokens', 'llm.token_count.completion_details.reasoning', 'ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens'];
    for (const key of reasoning) expect(call({ [key]: 3, ...base })?.tokens?.reasoning, key).toBe(3);

    const providers = ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'mlflow.llm.provider', 'langsmith.metadata.ls_provider', 'ai.model.provider', 'traceloop.association.properties.ls_provider'];
    for (const key of providers) expect(call({ [key]: 'anthropic' })?.provider, key).toBe('anthropic');
    expect(call({ metadata: JSON.stringify({ ls_provider: 'anthropic' }) })?.provider).toBe('anthropic');

    const tiers = ['openai.response.service_tier', 'gen_ai.openai.response.service_tier', 'openai.request.service_tier', 'gen_ai.openai.request.service_tier', 'anthropic.response.service_tier'];
    for (const key of tiers) expect(call({ [key]: 'flex' })?.serviceTier, key).toBe('flex');
    for (const key of ['invocation_params', 'llm.invocation_parameters']) expect(call({ [key]: JSON.stringify({ service_tier: 'flex' }) })?.serviceTier, key).toBe('flex');
    expect(call({ 'ai.response.providerMetadata': JSON.stringify({ openai: { responseId: 'resp_1', serviceTier: 'flex' } }) })?.serviceTier).toBe('flex');

    expect(call({ 'mlflow.llm.cost': JSON.stringify({ input_cost: 1, output_cost: 2, total_cost: 3 }) })?.reportedCost?.totalUsd).toBe(3);
    expect(call({ 'llm.cost.total': 3 })?.reportedCost?.totalUsd).toBe(3);
    for (const key of ['gen_ai.response.model', 'llm.response.model_name', 'llm.model_name', 'embedding.model_name', 'ai.response.model', 'llm.request.model_name', 'ai.model.id', 'mlflow.llm.model', 'traceloop.association.properties.ls_model_name']) {
      expect(recognizeSpan(makeSpan({ attributes: attributes({ 'gen_ai.operation.name': 'chat', [key]: 'o3' }) }))?.model, key).toBe('o3');
    }
  });
});
