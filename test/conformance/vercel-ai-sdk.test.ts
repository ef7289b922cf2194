/**
 * Model calls made with the Vercel AI SDK (its OpenAI and Anthropic providers, and for `ai` 6 its Google and Amazon
 * Bedrock ones) and traced by its own telemetry
 * (`experimental_telemetry`), exported by the real OTel JS exporter to the sidecar as `npm start` runs it (ledger only),
 * priced. Three majors, all in production: `ai` 6, `ai` 5 (installed as `ai5`, its providers 2.x likewise), and `ai` 7
 * (`ai7`, providers 4.x), whose telemetry is an integration of `@ai-sdk/otel`: `OpenTelemetry`, in the OTel GenAI
 * conventions (`invoke_agent` / `agent_step` / `chat` spans, usage on the agent and the chat), or `LegacyOpenTelemetry`,
 * the `ai.*` spans of the earlier majors. The
 * providers' APIs are the local stand-in (provider-stand-in.ts). The SDK puts usage on both spans of a call, the
 * wrapper (`ai.generateText`, `ai.embed`) and the step (`*.doGenerate`, `*.doEmbed`): each call is counted once.
 *  - AI SDK 6 counts input with the cache, for Anthropic too, whose API counts them apart, and records the details.
 *  - AI SDK 5 records the prompt and completion counts only (a stream: the cache reads too): OpenAI's cached tokens
 *    are lost (priced as input, all the span can show), and Anthropic's prompt count is its API's, without the cache;
 *    the cache counts are in the provider metadata it keeps, and priced from there.
 */
import { createAmazonBedrock } from '@ai-sdk/amazon-bedrock';
import * as anthropic6 from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import * as openai6 from '@ai-sdk/openai';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LegacyOpenTelemetry, OpenTelemetry } from '@ai-sdk/otel';
import { createOpenRouter } from '@openrouter/ai-sdk-provider';
import * as ai6 from 'ai';
import * as ai5 from 'ai5';
import * as ai7 from 'ai7';
import * as anthropic2 from 'ai-sdk-anthropic-2';
import * as anthropic4 from 'ai-sdk-anthropic-4';
import * as openai2 from 'ai-sdk-openai-2';
import * as openai4 from 'ai-sdk-openai-4';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, startLedgerSidecar, waitFor } from '../e2e/ledger-sidecar.js';
import { ANTHROPIC, ANTHROPIC_HOUR_CACHE, CHAT_WITH_CACHE, EMBEDDING, GEMINI, OPENROUTER_BYOK, startApiStandIn } from './provider-stand-in.js';

let api: { server: Server; baseUrl: string };
beforeAll(async () => {
  api = await startApiStandIn();
});
afterAll(() => new Promise<void>((resolve) => api.server.close(() => resolve())));

/** One major of the SDK and its providers, typed as the current one: the calls made are the same in both. */
interface Sdk {
  name: string;
  ai: typeof ai6;
  openai: typeof openai6;
  anthropic: typeof anthropic6;
  /** What an OpenAI call of the stand-in (not streamed) costs as this major's spans report it. */
  openAiCost: number;
}

// openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out: 1,000 in (the 200 cached not reported), 500 out.
const OPENAI_WITHOUT_CACHE = (1000 * 0.15 + 500 * 0.6) / 1e6;

const SDKS: Sdk[] = [
  { name: 'ai 6', ai: ai6, openai: openai6, anthropic: anthropic6, openAiCost: CHAT_WITH_CACHE },
  { name: 'ai 5', ai: ai5 as unknown as typeof ai6, openai: openai2 as unknown as typeof openai6, anthropic: anthropic2 as unknown as typeof anthropic6, openAiCost: OPENAI_WITHOUT_CACHE },
];

type Telemetry = { isEnabled: true; tracer: ReturnType<NodeTracerProvider['getTracer']> };

/**
 * Runs `calls` with the SDK's telemetry exported to the sidecar, as an app sets tracing up (registered, so that the
 * SDK's step spans are children of its wrapper spans), and returns once the `spans` they make have been exported.
 */
async function traced(otlpTracesUrl: string, spans: number, calls: (telemetry: Telemetry) => Promise<void>): Promise<void> {
  let ended = 0;
  const countEnded: SpanProcessor = { onStart: () => {}, onEnd: () => void ended++, forceFlush: async () => {}, shutdown: async () => {} };
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl })), countEnded] });
  provider.register();
  await calls({ isEnabled: true, tracer: provider.getTracer('app') });
  // A streamed call's spans end a little after its text is complete.
  await waitFor('the SDK to end its spans', () => (ended >= spans ? true : undefined));
  await provider.shutdown();
}

describe.each(SDKS)('Vercel AI SDK ($name), priced in the ledger', (sdk) => {
  it('prices every call at the provider’s published price and counts it once, though both of its spans carry usage', async () => {
    const sidecar = await startLedgerSidecar();
    try {
      const { generateText, embed, streamText } = sdk.ai;
      const openai = sdk.openai.createOpenAI({ baseURL: `${api.baseUrl}/v1`, apiKey: 'not-used' });
      const anthropic = sdk.anthropic.createAnthropic({ baseURL: `${api.baseUrl}/v1`, apiKey: 'not-used' });

      await traced(sidecar.otlpTracesUrl, 14, async (telemetry) => {
        // `openai(model)` calls the Responses API; `openai.chat(model)` chat completions.
        await generateText({ model: openai('gpt-4o-mini'), prompt: 'hi', experimental_telemetry: telemetry });
        await generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'hi', experimental_telemetry: telemetry });
        await embed({ model: openai.embedding('text-embedding-3-small'), value: 'hi', experimental_telemetry: telemetry });
        await generateText({ model: anthropic('claude-3-5-haiku-20241022'), prompt: 'hi', maxOutputTokens: 100, experimental_telemetry: telemetry });
        // A prompt cached for an hour: Anthropic's usage (in the provider metadata) splits the writes by lifetime.
        const cachedForAnHour = { anthropic: { cacheControl: { type: 'ephemeral', ttl: '1h' } } };
        await generateText({
          model: anthropic('claude-3-5-haiku-20241022'),
          messages: [{ role: 'user', content: 'hi', providerOptions: cachedForAnHour }],
          maxOutputTokens: 100,
          experimental_telemetry: telemetry,
        });
        // Streamed: the usage comes in the last events, and the step span is `*.doStream`.
        for (const model of [openai.chat('gpt-4o-mini'), anthropic('claude-3-5-haiku-20241022')]) {
          const stream = streamText({ model, prompt: 'hi', maxOutputTokens: 100, experimental_telemetry: telemetry });
          expect(await stream.text).toBe('hi');
        }
      });

      // Seven traces, each a wrapper span and its step: all through the pipeline once the seven roots are recorded.
      const { calls, traces } = await waitFor('7 traces in the ledger', () => {
        const ledger = readLedger(sidecar.ledgerPath);
        return ledger.traces.length >= 7 ? ledger : undefined;
      });
      expect(traces.map((trace) => trace.calls)).toEqual([1, 1, 1, 1, 1, 1, 1]);
      const recorded = calls.map((call) => ({ model: call.model, provider: call.provider, status: call.status, costUsd: call.cost_usd }));
      const expected = [
        { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', costUsd: sdk.openAiCost },
        { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', costUsd: sdk.openAiCost },
        { model: 'text-embedding-3-small', provider: 'openai', costUsd: EMBEDDING },
        { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', costUsd: ANTHROPIC },
        { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', costUsd: ANTHROPIC_HOUR_CACHE },
        // Streamed, AI SDK 5 records the cached tokens too.
        { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', costUsd: CHAT_WITH_CACHE },
        { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', costUsd: ANTHROPIC },
      ];
      const byModel = <T extends { model: string | null; costUsd: number | null }>(rows: T[]) =>
        [...rows].sort((a, b) => `${a.model}${a.costUsd}`.localeCompare(`${b.model}${b.costUsd}`));
      expect(byModel(recorded).map(({ model, provider: name, status }) => ({ model, provider: name, status }))).toEqual(
        byModel(expected).map(({ model, provider: name }) => ({ model, provider: name, status: 'priced' })),
      );
      byModel(recorded).forEach((call, index) => expect(call.costUsd, `${call.model}`).toBeCloseTo(byModel(expected)[index]!.costUsd, 12));
    } finally {
      await sidecar.process.stop();
    }
  });
});

describe('Vercel AI SDK 6 with OpenRouter\'s provider, priced in the ledger', () => {
  it('keeps what OpenRouter charged, from the provider metadata, as the provider-reported cost, our estimate beside it', async () => {
    const sidecar = await startLedgerSidecar();
    try {
      // @openrouter/ai-sdk-provider 2.9.1; the stand-in answers as OpenRouter does a call made with the app's own key.
      const openrouter = createOpenRouter({ baseURL: `${api.baseUrl}/api/v1`, apiKey: 'not-used' });
      await traced(sidecar.otlpTracesUrl, 2, async (telemetry) => {
        await ai6.generateText({ model: openrouter('openai/gpt-4o-mini'), prompt: 'hi', experimental_telemetry: telemetry });
      });
      const { calls } = await waitFor('the trace in the ledger', () => {
        const ledger = readLedger(sidecar.ledgerPath);
        return ledger.traces.length >= 1 ? ledger : undefined;
      });
      expect(calls.map((call) => [call.model, call.provider, call.status])).toEqual([['openai/gpt-4o-mini', 'openrouter', 'provider_reported']]);
      expect(calls[0]!.reported_cost_usd).toBeCloseTo(OPENROUTER_BYOK, 12);
      expect(calls[0]!.cost_usd).toBeCloseTo(CHAT_WITH_CACHE, 12);
    } finally {
      await sidecar.process.stop();
    }
  });
});

describe.each([
  // invoke_agent, agent_step and chat per generated call; the embedding's root and its call.
  { name: 'OpenTelemetry, GenAI conventions', integration: (tracer: Telemetry['tracer']) => new OpenTelemetry({ tracer }), spans: 17 },
  // ai.generateText / ai.streamText / ai.embed and their step.
  { name: 'LegacyOpenTelemetry', integration: (tracer: Telemetry['tracer']) => new LegacyOpenTelemetry({ tracer }), spans: 12 },
])('Vercel AI SDK (ai 7) with @ai-sdk/otel’s $name, priced in the ledger', ({ integration, spans }) => {
  it('prices every call at the provider’s published price, counting it once of the spans that carry its usage', async () => {
    const sidecar = await startLedgerSidecar();
    try {
      const openai = openai4.createOpenAI({ baseURL: `${api.baseUrl}/v1`, apiKey: 'not-used' });
      const anthropic = anthropic4.createAnthropic({ baseURL: `${api.baseUrl}/v1`, apiKey: 'not-used' });
      await traced(sidecar.otlpTracesUrl, spans, async ({ tracer }) => {
        const telemetry = { integrations: integration(tracer) };
        await ai7.generateText({ model: openai('gpt-4o-mini'), prompt: 'hi', telemetry });
        await ai7.generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'hi', telemetry });
        await ai7.embed({ model: openai.embedding('text-embedding-3-small'), value: 'hi', telemetry });
        await ai7.generateText({ model: anthropic('claude-3-5-haiku-20241022'), prompt: 'hi', maxOutputTokens: 100, telemetry });
        for (const model of [openai.chat('gpt-4o-mini'), anthropic('claude-3-5-haiku-20241022')]) {
          expect(await ai7.streamText({ model, prompt: 'hi', maxOutputTokens: 100, telemetry }).text).toBe('hi');
        }
      });
      const { calls, traces } = await waitFor('6 traces in the ledger', () => {
        const ledger = readLedger(sidecar.ledgerPath);
        return ledger.traces.length >= 6 ? ledger : undefined;
      });
      expect(traces.map((trace) => trace.calls)).toEqual([1, 1, 1, 1, 1, 1]);
      const recorded = calls.map((call) => ({ model: call.model, provider: call.provider, status: call.status, costUsd: call.cost_usd })).sort((a, b) => `${a.model}`.localeCompare(`${b.model}`));
      expect(recorded.map(({ costUsd: _, ...call }) => call)).toEqual([
        ...Array.from({ length: 2 }, () => ({ model: 'claude-3-5-haiku-20241022', provider: 'anthropic', status: 'priced' })),
        ...Array.from({ length: 3 }, () => ({ model: 'gpt-4o-mini-2024-07-18', provider: 'openai', status: 'priced' })),
        { model: 'text-embedding-3-small', provider: 'openai', status: 'priced' },
      ]);
      const costs = [ANTHROPIC, ANTHROPIC, CHAT_WITH_CACHE, CHAT_WITH_CACHE, CHAT_WITH_CACHE, EMBEDDING];
      recorded.forEach((call, index) => expect(call.costUsd, `${call.model}`).toBeCloseTo(costs[index]!, 12));
    } finally {
      await sidecar.process.stop();
    }
  });
});

describe('Vercel AI SDK (ai 6) on Gemini and Bedrock, priced in the ledger', () => {
  it('prices Gemini with its cached and thinking tokens, and Claude on Bedrock with its cache, generated and streamed', async () => {
    const sidecar = await startLedgerSidecar();
    try {
      const google = createGoogleGenerativeAI({ baseURL: `${api.baseUrl}/v1beta`, apiKey: 'not-used' });
      const bedrock = createAmazonBedrock({ baseURL: api.baseUrl, region: 'us-east-1', accessKeyId: 'not-used', secretAccessKey: 'not-used' });
      await traced(sidecar.otlpTracesUrl, 8, async (telemetry) => {
        await ai6.generateText({ model: google('gemini-2.5-flash'), prompt: 'hi', experimental_telemetry: telemetry });
        expect(await ai6.streamText({ model: google('gemini-2.5-flash'), prompt: 'hi', experimental_telemetry: telemetry }).text).toBe('hi');
        await ai6.generateText({ model: bedrock('us.anthropic.claude-3-5-haiku-20241022-v1:0'), prompt: 'hi', experimental_telemetry: telemetry });
        expect(await ai6.streamText({ model: bedrock('us.anthropic.claude-3-5-haiku-20241022-v1:0'), prompt: 'hi', experimental_telemetry: telemetry }).text).toBe('hi');
      });
      const { calls, traces } = await waitFor('4 traces in the ledger', () => {
        const ledger = readLedger(sidecar.ledgerPath);
        return ledger.traces.length >= 4 ? ledger : undefined;
      });
      expect(traces.map((trace) => trace.calls)).toEqual([1, 1, 1, 1]);
      const recorded = calls.map((call) => ({ model: call.model, provider: call.provider, status: call.status })).sort((a, b) => `${a.model}`.localeCompare(`${b.model}`));
      expect(recorded).toEqual([
        { model: 'gemini-2.5-flash', provider: 'gcp.gemini', status: 'priced' },
        { model: 'gemini-2.5-flash', provider: 'gcp.gemini', status: 'priced' },
        { model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', provider: 'aws.bedrock', status: 'priced' },
        { model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', provider: 'aws.bedrock', status: 'priced' },
      ]);
      for (const call of calls) expect(call.cost_usd, `${call.model}`).toBeCloseTo(call.model === 'gemini-2.5-flash' ? GEMINI : ANTHROPIC, 12);
    } finally {
      await sidecar.process.stop();
    }
  });
});
