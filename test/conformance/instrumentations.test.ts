/**
 * Model calls traced by real instrumentations other than MLflow's LangChain autolog, through the sidecar as `npm start`
 * runs it (ledger only), priced: OpenInference's and OpenLLMetry's OpenAI, Anthropic, Gemini, Bedrock, Groq, LangChain
 * and OpenAI Agents instrumentors (and OpenLLMetry's Mistral one, OpenInference's LlamaIndex one), OpenTelemetry's own
 * OpenAI instrumentation, MLflow 3.9's openai (the Agents SDK's spans included), langchain, llama_index, smolagents,
 * ag2, litellm, anthropic, gemini, bedrock, groq and mistral autologs,
 * LiteLLM's own OpenTelemetry callback, and LangSmith's OpenTelemetry export of its OpenAI wrapper and of LangChain, each
 * in test/apps/instrumented_calls.py with the real `openai`, `anthropic`, `google-genai`, `boto3`, `groq`, `mistralai`
 * and `openai-agents` clients and LlamaIndex's OpenAI LLM, streamed and not.
 * The providers' APIs are not reachable here: a local stand-in answers with responses shaped as theirs, usage included
 * (provider-stand-in.ts).
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, startLedgerSidecar, waitFor } from '../e2e/ledger-sidecar.js';
import type { LedgerCallRow, LedgerSidecar } from '../e2e/ledger-sidecar.js';
import { INSTRUMENTED_TRACES, runInstrumentedCalls } from '../harness/python-app.js';
import type { Instrumentation } from '../harness/python-app.js';
import { CATALOG_VERSION } from '../../src/pricing/index.js';
import { ANTHROPIC, ANTHROPIC_COMPACTED, ANTHROPIC_HOUR_CACHE, BEDROCK_STREAM_WITHOUT_CACHE, CHAT_WITH_CACHE, CHAT_WITHOUT_CACHE_COUNT, deepseekCostAt, deepseekFlashWithoutCacheCountAt, EMBEDDING, GEMINI, GEMINI_WITHOUT_CACHE_COUNT, GROQ, MISTRAL, OPENROUTER_BYOK, startApiStandIn } from './provider-stand-in.js';

/**
 * A call's model and cost; its status is `priced` unless it says otherwise, and an unpriced call has no cost but a
 * reason. A priced chat call reads 1,000 tokens in (the stand-in's), unless its span shows fewer (`inputTokens`); an
 * unpriced one none, unless its counts are known (`inputTokens`).
 */
type ExpectedCall<Cost = number | CostAt> =
  | { model: string; costUsd: Cost; status?: 'priced' | 'provider_reported'; inputTokens?: number; reportedUsd?: number }
  | { model: string; costUsd: null; status: 'unpriced'; reason: string; inputTokens?: number };

/** A cost that depends on when the call started (a price with hours of the day). */
type CostAt = (startMs: number) => number;

/**
 * The expected calls with every cost that depends on time worked out at the start of a recorded call of the same model
 * (the nth such expectation of a model at its nth call, in order of start).
 */
function atCallStarts(wanted: readonly ExpectedCall[], calls: readonly LedgerCallRow[]): Array<ExpectedCall<number>> {
  const startsByModel = new Map<string | null, number[]>();
  for (const call of [...calls].sort((a, b) => a.start_ms - b.start_ms)) {
    const starts = startsByModel.get(call.model) ?? [];
    starts.push(call.start_ms);
    startsByModel.set(call.model, starts);
  }
  return wanted.map((want) => {
    if (typeof want.costUsd !== 'function') return want as ExpectedCall<number>;
    const startMs = startsByModel.get(want.model)?.shift();
    // No call of the model recorded: the model comparison below names what is missing.
    return { ...want, costUsd: startMs === undefined ? Number.NaN : want.costUsd(startMs) };
  });
}

/** The call whose context the server compacted: its 3,000 tokens in, besides the message's 1,000. */
const ANTHROPIC_COMPACTED_CALL: ExpectedCall = { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC_COMPACTED, inputTokens: 4000 };

/**
 * The calls through the OpenAI, Anthropic and Gemini clients, as OpenInference and OpenLLMetry both report them:
 * OpenAI's chat, response (the Responses API: the same usage, named its own way) and streamed chat, an embedding,
 * Anthropic's message and stream (and a message whose prompt was cached for an hour, and one whose context was
 * compacted), Gemini's generateContent and stream (OpenLLMetry passes Gemini's total on but not the thinking tokens in
 * it: priced as output all the same).
 */
const PROVIDER_CLIENT_CALLS: ExpectedCall[] = [
  ...Array.from({ length: 3 }, () => ({ model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE })),
  { model: 'text-embedding-3-small', costUsd: EMBEDDING },
  ...Array.from({ length: 2 }, () => ({ model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC })),
  // A prompt cached for an hour: the Anthropic client's own span, which counts (OpenInference's is its parent,
  // OpenLLMetry's in another trace with the same response id), tells those writes apart.
  { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC_HOUR_CACHE },
  // A beta request whose context the server compacted: the response's usage leaves the compaction's tokens out. The
  // client's own span counts them (beside OpenLLMetry's, which does not); with the client's spans off, OpenInference's
  // span keeps the compaction's own counts in its metadata.
  ANTHROPIC_COMPACTED_CALL,
  ...Array.from({ length: 2 }, () => ({ model: 'gemini-2.5-flash', costUsd: GEMINI })),
  // Groq through its own client, and through the openai client (OpenInference names the provider by the client's base
  // URL; OpenLLMetry names it openai, and records the base URL).
  ...Array.from({ length: 2 }, () => ({ model: 'llama-3.3-70b-versatile', costUsd: GROQ })),
  // Deployments on Azure OpenAI (prod-chat, prod-embed), named by the model that answered.
  { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
  { model: 'text-embedding-3-small', costUsd: EMBEDDING },
];

/**
 * OpenRouter's calls, through the openai client (also streamed) and through LangChain's ChatOpenAI (its span over the
 * client's), with the app's own OpenAI key: what OpenAI charged it and OpenRouter's fee, as OpenRouter's usage reports
 * them, where the span keeps that usage; our estimate beside it, OpenAI's price.
 */
const OPENROUTER_REPORTED: ExpectedCall[] = Array.from({ length: 3 }, () => ({
  model: 'openai/gpt-4o-mini',
  costUsd: CHAT_WITH_CACHE,
  status: 'provider_reported' as const,
  reportedUsd: OPENROUTER_BYOK,
}));

const expected: Record<Instrumentation, ExpectedCall[]> = {
  openinference: [
    ...PROVIDER_CLIENT_CALLS,
    ...OPENROUTER_REPORTED,
    // Bedrock's price for Claude 3.5 Haiku is Anthropic's. Converse, also streamed, then InvokeModel, also streamed (the
    // stream's cache counts only in the message it assembles as output).
    ...Array.from({ length: 2 }, () => ({ model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', costUsd: ANTHROPIC })),
    ...Array.from({ length: 2 }, () => ({ model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC })),
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    // Through LiteLLM: OpenAI's call (LiteLLM's span and the client's), Anthropic's, whose cost LiteLLM reports (ours is
    // the same, though LiteLLM 1.74 counts the cache reads in its input but not the writes).
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'anthropic/claude-3-5-haiku-20241022', costUsd: ANTHROPIC, status: 'provider_reported' },
    // ChatOpenAI, then streamed: LangChain's span and the client's, in two traces, counted once.
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    // LangChain's ChatGoogleGenerativeAI (no client span below it) and ChatBedrockConverse (with boto3's, counted once).
    { model: 'gemini-2.5-flash', costUsd: GEMINI },
    { model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', costUsd: ANTHROPIC },
    // AzureChatOpenAI on a deployment: LangChain's span and the client's, in two traces, counted once.
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    // The OpenAI Agents SDK: the agent's model span and the client's (OpenAI's, or LiteLLM's for Claude), counted once.
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'anthropic/claude-3-5-haiku-20241022', costUsd: ANTHROPIC, status: 'provider_reported' },
    // LlamaIndex's OpenAI LLM (chat, streamed chat, completion): its span and the OpenAI client's, in two traces (the
    // client's ends first, and counts), counted once.
    ...Array.from({ length: 3 }, () => ({ model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE })),
  ],
  openllmetry: [
    ...PROVIDER_CLIENT_CALLS,
    // OpenRouter's calls: its instrumentors keep no usage of the response, so no cost of OpenRouter's; ours is OpenAI's
    // price, which OpenRouter passes through. Its openai instrumentor names the client's call without the maker.
    ...Array.from({ length: 2 }, () => ({ model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE })),
    { model: 'openai/gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    ...Array.from({ length: 2 }, () => ({ model: 'claude-3-5-haiku-20241022-v1:0', costUsd: ANTHROPIC })),
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC },
    // InvokeModel streamed: its instrumentor (0.62.4) keeps Bedrock's input count, which leaves the cache out, and
    // nothing of the cache at all (no count, no response, no header): priced as the span shows it, cache unpriced.
    { model: 'claude-3-5-haiku-20241022', costUsd: BEDROCK_STREAM_WITHOUT_CACHE, inputTokens: 100 },
    // Its LangChain handler reads no model off the fake and writes `unknown`; LangChain's ls_model_name names it.
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    // Streamed, only LangChain's span comes, named by the model asked for.
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    // LangChain's ChatGoogleGenerativeAI (named as its invocation parameters name it) and ChatBedrockConverse, and
    // AzureChatOpenAI on a deployment (the client's span below LangChain's counts).
    { model: 'models/gemini-2.5-flash', costUsd: GEMINI },
    { model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', costUsd: ANTHROPIC },
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    // The OpenAI Agents SDK: on the Responses API, the agent's model span and the client's, counted once; on Claude
    // through LiteLLM (which OpenLLMetry does not instrument), only the agent's model span, which its instrumentor
    // (0.62.4) writes without usage: seen, and unpriced with the reason.
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'anthropic/claude-3-5-haiku-20241022', costUsd: null, status: 'unpriced', reason: 'no token usage reported' },
    // Mistral's client: the chat, streamed, and the embedding, whose span its instrumentor (0.62.4) writes without usage.
    ...Array.from({ length: 2 }, () => ({ model: 'mistral-small-latest', costUsd: MISTRAL })),
    { model: 'mistral-embed', costUsd: null, status: 'unpriced', reason: 'no token usage reported' },
  ],
  // OpenTelemetry's own instrumentation (openai-v2 2.4b0) records no cached count (the cached tokens are priced as plain
  // input) and traces no Responses API call. It names the provider openai, and the server: Groq's API is Groq's, and
  // DeepSeek's is DeepSeek's, whose deepseek-flash the catalog lacks (a supplement prices it, by the hour).
  opentelemetry: [
    ...Array.from({ length: 2 }, () => ({ model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITHOUT_CACHE_COUNT })),
    { model: 'text-embedding-3-small', costUsd: EMBEDDING },
    { model: 'llama-3.3-70b-versatile', costUsd: GROQ },
    { model: 'deepseek-flash', costUsd: deepseekFlashWithoutCacheCountAt },
  ],
  // MLflow 3.9 keeps no cache count in its token usage: read from the response it keeps as outputs.
  mlflow: [
    ...OPENROUTER_REPORTED,
    // The OpenAI client's chat, response, streamed chat and embedding; and deployments' calls on Azure OpenAI, whose
    // inputs name the deployments (prod-chat, prod-embed), which no price list knows: priced as the model the
    // response names.
    ...Array.from({ length: 3 }, () => ({ model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE })),
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    ...Array.from({ length: 2 }, () => ({ model: 'text-embedding-3-small', costUsd: EMBEDDING })),
    // LangChain's chat models with the LangChain autolog alone: it keeps LangChain's input, output and total, not their
    // details. ChatOpenAI's result keeps OpenAI's usage, cache included; its stream's result keeps none, so the cached
    // tokens are priced as plain input, as are Gemini's. Bedrock's input leaves the cache out (langchain-aws 1.2.5), and
    // its total has 900 more tokens, read or written, which is not said: unpriced, with the reason, rather than priced
    // at half its cost.
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    { model: 'gpt-4o-mini', costUsd: CHAT_WITHOUT_CACHE_COUNT },
    { model: 'gemini-2.5-flash', costUsd: GEMINI_WITHOUT_CACHE_COUNT },
    {
      model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      costUsd: null,
      status: 'unpriced',
      reason: "900 of the call's 1050 tokens are neither input nor output: cache reads or writes the span does not tell apart",
      inputTokens: 1000,
    },
    // AzureChatOpenAI on a deployment: its metadata and parameters name the deployment (prod-chat), which no price list
    // knows; priced as the model LangChain's result names.
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    // ChatOpenAI on DeepSeek's API: LangChain says openai, whose list has no deepseek-chat; found by its name.
    { model: 'deepseek-chat', costUsd: deepseekCostAt },
    // LlamaIndex's OpenAI LLM with the llama_index autolog alone (chat, streamed chat, completion): its token usage has
    // no cache count, which the raw response's usage it keeps has.
    ...Array.from({ length: 3 }, () => ({ model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE })),
    // smolagents' model with its autolog alone: the model in its `model_id`, the cache count in the response it keeps.
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    // An AG2 chat's completion: the cache count in the response (AG2's own estimate beside it prices the cache as input).
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    // Through LiteLLM (its MLflow integration): OpenAI's call, LiteLLM's span over the openai autolog's, and Anthropic's,
    // whose cost LiteLLM reports; its usage is in LiteLLM's own keys, the cache counts only in the response it keeps.
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC, status: 'provider_reported' },
    // Its anthropic, gemini, bedrock and groq autologs name the model only in the call's inputs and response, the provider
    // only by their message format, and keep no cache (nor Gemini's thinking) count: read from the response. The streamed
    // Anthropic and Gemini calls make no span (MLflow 3.9 patches Messages.create and generate_content only).
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC },
    { model: 'gemini-2.5-flash', costUsd: GEMINI },
    // A prompt cached for an hour: the response's usage splits the writes by lifetime, those kept an hour at their price.
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC_HOUR_CACHE },
    // The Anthropic client's own spans of those calls, each in a trace of its own: counted once with MLflow's (the same
    // message id, input and time); its spans of the stream and of the beta request, which MLflow does not trace, are
    // those calls.
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC },
    ANTHROPIC_COMPACTED_CALL,
    // Converse and InvokeModel, each also streamed (InvokeModel's stream: the cache counts only in the chunks MLflow keeps
    // as events).
    ...Array.from({ length: 4 }, () => ({ model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', costUsd: ANTHROPIC })),
    // Through its own client; through the openai client, the openai autolog names neither the provider nor the server,
    // and several providers serve Llama 3.3 (none made it): unpriced, with the reason.
    { model: 'llama-3.3-70b-versatile', costUsd: GROQ },
    {
      model: 'llama-3.3-70b-versatile',
      costUsd: null,
      status: 'unpriced',
      reason: `model llama-3.3-70b-versatile not in catalog (${CATALOG_VERSION}) for any provider`,
      inputTokens: 1000,
    },
    // The OpenAI Agents SDK: its model spans (with the SDK's usage) over the client calls MLflow's openai and litellm
    // autologs trace, which count.
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC, status: 'provider_reported' },
    // Its mistral autolog, like the groq one, names the model in the response and the provider by its message format
    // only. It patches Chat.complete alone: the stream and the embedding make no span.
    { model: 'mistral-small-latest', costUsd: MISTRAL },
  ],
  // MLflow 3.17's anthropic autolog: its token usage holds the cache and, apart, the writes kept for an hour (the
  // stream makes no span).
  'mlflow-latest': [
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC },
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC_HOUR_CACHE },
  ],
  // LiteLLM's own OpenTelemetry callback (LiteLLM 1.74.9) keeps the counts LiteLLM makes of each provider's usage, their
  // details only in its usage object; its prompt count of Claude (Anthropic's API, Bedrock's) leaves the cache writes out.
  // Each call is made, then streamed; a streamed OpenAI call is named by the model asked for.
  litellm: [
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    ...Array.from({ length: 2 }, () => ({ model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC })),
    ...Array.from({ length: 2 }, () => ({ model: 'gemini-2.5-flash', costUsd: GEMINI })),
    ...Array.from({ length: 2 }, () => ({ model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', costUsd: ANTHROPIC })),
    { model: 'text-embedding-3-small', costUsd: EMBEDDING },
    // A call that failed: traced with no usage, said so.
    { model: 'gpt-4o-mini', costUsd: null, status: 'unpriced', reason: 'the call failed (span status ERROR) and reports no token usage' },
  ],
  langsmith: [
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
  ],
};


let api: { server: Server; baseUrl: string };
beforeAll(async () => {
  api = await startApiStandIn();
});
afterAll(() => new Promise<void>((resolve) => api.server.close(() => resolve())));

describe('other instrumentations, priced in the ledger', () => {
  for (const instrumentation of Object.keys(expected) as Instrumentation[]) {
    it(`${instrumentation}: every call priced at the provider's published price`, async () => {
      const sidecar: LedgerSidecar = await startLedgerSidecar();
      try {
        await runInstrumentedCalls({ endpoint: sidecar.otlpTracesUrl, instrumentation, apiBaseUrl: api.baseUrl });
        const { calls } = await waitFor(`${INSTRUMENTED_TRACES[instrumentation]} traces in the ledger`, () => {
          const ledger = readLedger(sidecar.ledgerPath);
          return ledger.traces.length >= INSTRUMENTED_TRACES[instrumentation] ? ledger : undefined;
        });
        const wanted = atCallStarts(expected[instrumentation], calls);
        expect(calls.map((call: LedgerCallRow) => call.status).sort()).toEqual(wanted.map((call) => call.status ?? 'priced').sort());
        expect(calls.flatMap((call) => (call.status === 'unpriced' ? [call.unpriced_reason] : [])).sort()).toEqual(
          wanted.flatMap((call) => (call.status === 'unpriced' ? [call.reason] : [])).sort(),
        );
        // Every chat call of the stand-in reads 1,000 tokens in, the cache included, whichever way it was counted; a call
        // whose cost was reported would show a count read wrong only here.
        const chats = calls.filter((call) => call.model !== 'text-embedding-3-small');
        const wantedInputs = wanted.flatMap((call) => (call.model === 'text-embedding-3-small' ? [] : [call.inputTokens ?? (call.status === 'unpriced' ? 0 : 1000)]));
        expect(chats.map((call) => call.input_tokens).sort((a, b) => a - b)).toEqual(wantedInputs.sort((a, b) => a - b));
        // Each cost splits by token type into parts that add up to it (a call alone in its trace carries the trace's totals too).
        for (const call of calls.filter((row) => row.cost_usd !== null)) {
          const parts = [call.input_usd, call.cache_read_usd, call.cache_write_usd, call.output_usd, call.reasoning_usd];
          expect(parts.reduce<number>((sum, part) => sum + (part ?? Number.NaN), 0), `${call.model} split`).toBeCloseTo(call.cost_usd!, 12);
        }
        const byModel = (rows: Array<{ model: string | null; costUsd: number | null }>) => [...rows].sort((a, b) => `${a.model}${a.costUsd}`.localeCompare(`${b.model}${b.costUsd}`));
        const recorded = byModel(calls.map((call) => ({ model: call.model, costUsd: call.cost_usd })));
        const wantedSorted = byModel(wanted);
        expect(recorded.map((call) => call.model)).toEqual(wantedSorted.map((call) => call.model));
        // What a provider reported, kept beside our estimate, where the expectation names it: as many calls of the model.
        const reportedByModel = new Map(wanted.flatMap((want) => (want.costUsd !== null && want.reportedUsd !== undefined ? [[want.model, want.reportedUsd] as const] : [])));
        for (const [model, reportedUsd] of reportedByModel) {
          const reported = calls.filter((call) => call.model === model && call.status === 'provider_reported');
          expect(reported.length, `${model} reported`).toBe(wanted.filter((want) => want.model === model && want.status === 'provider_reported').length);
          for (const call of reported) expect(call.reported_cost_usd, `${model} reported`).toBeCloseTo(reportedUsd, 12);
        }
        recorded.forEach((call, index) => {
          const cost = wantedSorted[index]!.costUsd;
          if (cost === null) expect(call.costUsd, `${call.model}`).toBeNull();
          else expect(call.costUsd, `${call.model}`).toBeCloseTo(cost, 12);
        });
      } finally {
        await sidecar.process.stop();
      }
    });
  }
});
