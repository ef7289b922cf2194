/**
 * Model calls made with the Vercel AI SDK (`ai` 6, its OpenAI and Anthropic providers) and traced by its own telemetry
 * (`experimental_telemetry`), exported by the real OTel JS exporter to the sidecar as `npm start` runs it (ledger only),
 * priced. The providers' APIs are the local stand-in (provider-stand-in.ts). The SDK puts usage on both spans of a call,
 * the wrapper (`ai.generateText`, `ai.embed`) and the step (`*.doGenerate`, `*.doEmbed`): each call is counted once.
 * Its token counts are its own, not the provider's: input tokens include those read from and written to the cache,
 * for Anthropic too, whose API counts them apart.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { embed, generateText, streamText } from 'ai';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, startLedgerSidecar, waitFor } from '../e2e/ledger-sidecar.js';
import type { LedgerSidecar } from '../e2e/ledger-sidecar.js';
import { ANTHROPIC, CHAT_WITH_CACHE, EMBEDDING, startApiStandIn } from './provider-stand-in.js';

let api: { server: Server; baseUrl: string };
let sidecar: LedgerSidecar;
beforeAll(async () => {
  api = await startApiStandIn();
  sidecar = await startLedgerSidecar();
});
afterAll(async () => {
  await sidecar.process.stop();
  await new Promise<void>((resolve) => api.server.close(() => resolve()));
});

describe('Vercel AI SDK, priced in the ledger', () => {
  it('prices every call at the provider’s published price and counts it once, though both of its spans carry usage', async () => {
    // As an app sets tracing up: registered, so that the SDK's step spans are children of its wrapper spans.
    let ended = 0;
    const countEnded: SpanProcessor = { onStart: () => {}, onEnd: () => void ended++, forceFlush: async () => {}, shutdown: async () => {} };
    const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: sidecar.otlpTracesUrl })), countEnded] });
    provider.register();
    const telemetry = { isEnabled: true, tracer: provider.getTracer('app') };
    const openai = createOpenAI({ baseURL: `${api.baseUrl}/v1`, apiKey: 'not-used' });
    const anthropic = createAnthropic({ baseURL: `${api.baseUrl}/v1`, apiKey: 'not-used' });

    // `openai(model)` calls the Responses API; `openai.chat(model)` chat completions.
    await generateText({ model: openai('gpt-4o-mini'), prompt: 'hi', experimental_telemetry: telemetry });
    await generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'hi', experimental_telemetry: telemetry });
    await embed({ model: openai.embedding('text-embedding-3-small'), value: 'hi', experimental_telemetry: telemetry });
    await generateText({ model: anthropic('claude-3-5-haiku-20241022'), prompt: 'hi', maxOutputTokens: 100, experimental_telemetry: telemetry });
    // Streamed: the usage comes in the last events, and the step span is `*.doStream`.
    for (const model of [openai.chat('gpt-4o-mini'), anthropic('claude-3-5-haiku-20241022')]) {
      const stream = streamText({ model, prompt: 'hi', maxOutputTokens: 100, experimental_telemetry: telemetry });
      expect(await stream.text).toBe('hi');
    }
    // A streamed call's spans end a little after its text is complete: exported once all twelve have.
    await waitFor('the SDK to end its spans', () => (ended >= 12 ? true : undefined));
    await provider.shutdown();

    // Six traces, each a wrapper span and its step: all through the pipeline once the four roots are recorded.
    const { calls, traces } = await waitFor('6 traces in the ledger', () => {
      const ledger = readLedger(sidecar.ledgerPath);
      return ledger.traces.length >= 6 ? ledger : undefined;
    });
    expect(traces.map((trace) => trace.calls)).toEqual([1, 1, 1, 1, 1, 1]);
    const recorded = calls.map((call) => ({ model: call.model, provider: call.provider, status: call.status, costUsd: call.cost_usd }));
    const expected = [
      { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', costUsd: CHAT_WITH_CACHE },
      { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', costUsd: CHAT_WITH_CACHE },
      { model: 'text-embedding-3-small', provider: 'openai', costUsd: EMBEDDING },
      { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', costUsd: ANTHROPIC },
      { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', costUsd: CHAT_WITH_CACHE },
      { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', costUsd: ANTHROPIC },
    ];
    const byModel = <T extends { model: string | null; costUsd: number | null }>(rows: T[]) =>
      [...rows].sort((a, b) => `${a.model}${a.costUsd}`.localeCompare(`${b.model}${b.costUsd}`));
    expect(byModel(recorded).map(({ model, provider: name, status }) => ({ model, provider: name, status }))).toEqual(
      byModel(expected).map(({ model, provider: name }) => ({ model, provider: name, status: 'priced' })),
    );
    byModel(recorded).forEach((call, index) => expect(call.costUsd, `${call.model}`).toBeCloseTo(byModel(expected)[index]!.costUsd, 12));
  });
});
