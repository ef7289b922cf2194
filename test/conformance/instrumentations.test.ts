/**
 * Model calls traced by real instrumentations other than MLflow's LangChain autolog, through the sidecar as `npm start`
 * runs it (ledger only), priced: OpenInference's and OpenLLMetry's OpenAI and LangChain instrumentors, and MLflow 3.9's
 * openai autolog, each in test/apps/instrumented_calls.py with the real `openai` client. The OpenAI API is not
 * reachable here: a local stand-in answers with responses shaped as OpenAI's, usage included (200 of 1,000 prompt
 * tokens cached, 100 of 500 completion tokens reasoning).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, startLedgerSidecar, waitFor } from '../e2e/ledger-sidecar.js';
import type { LedgerCallRow, LedgerSidecar } from '../e2e/ledger-sidecar.js';
import { runInstrumentedCalls } from '../harness/python-app.js';
import type { Instrumentation } from '../harness/python-app.js';

const CHAT_COMPLETION = {
  id: 'chatcmpl-tokenmeter',
  object: 'chat.completion',
  created: 1_790_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 200 }, completion_tokens_details: { reasoning_tokens: 100 } },
};
const EMBEDDINGS = {
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: 8000, total_tokens: 8000 },
};

/** The OpenAI API as the client calls it: chat completions and embeddings. */
async function startOpenAiStandIn(): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body = request.url?.endsWith('/embeddings') ? EMBEDDINGS : request.url?.endsWith('/chat/completions') ? CHAT_COMPLETION : undefined;
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: { message: 'not found' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

// openai.com/api/pricing: gpt-4o-mini $0.15 in, $0.075 cached in, $0.60 out (reasoning is output); text-embedding-3-small
// $0.02, per 1M tokens.
const M = 1e6;
const CHAT_WITH_CACHE = (800 * 0.15 + 200 * 0.075 + 500 * 0.6) / M;
const EMBEDDING = (8000 * 0.02) / M;

const expected: Record<Instrumentation, Array<{ model: string; costUsd: number }>> = {
  openinference: [
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'text-embedding-3-small', costUsd: EMBEDDING },
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
  ],
  openllmetry: [
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'text-embedding-3-small', costUsd: EMBEDDING },
    // Its LangChain handler reads no model off the fake and writes `unknown`; LangChain's ls_model_name names it.
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
  ],
  // MLflow 3.9 keeps no cache count in its token usage: read from the response it keeps as outputs.
  mlflow: [
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    { model: 'text-embedding-3-small', costUsd: EMBEDDING },
  ],
};

let openAi: { server: Server; baseUrl: string };
beforeAll(async () => {
  openAi = await startOpenAiStandIn();
});
afterAll(() => new Promise<void>((resolve) => openAi.server.close(() => resolve())));

describe('other instrumentations, priced in the ledger', () => {
  for (const instrumentation of Object.keys(expected) as Instrumentation[]) {
    it(`${instrumentation}: every call priced at the provider's published price`, async () => {
      const sidecar: LedgerSidecar = await startLedgerSidecar();
      try {
        await runInstrumentedCalls({ endpoint: sidecar.otlpTracesUrl, instrumentation, openaiBaseUrl: openAi.baseUrl });
        const wanted = expected[instrumentation];
        const calls = await waitFor(`${wanted.length} calls in the ledger`, () => {
          const recorded = readLedger(sidecar.ledgerPath).calls;
          return recorded.length >= wanted.length ? recorded : undefined;
        });
        expect(calls.map((call: LedgerCallRow) => call.status)).toEqual(wanted.map(() => 'priced'));
        const byModel = (rows: Array<{ model: string | null; costUsd: number }>) => [...rows].sort((a, b) => `${a.model}${a.costUsd}`.localeCompare(`${b.model}${b.costUsd}`));
        const recorded = byModel(calls.map((call) => ({ model: call.model, costUsd: call.cost_usd ?? Number.NaN })));
        const wantedSorted = byModel(wanted);
        expect(recorded.map((call) => call.model)).toEqual(wantedSorted.map((call) => call.model));
        recorded.forEach((call, index) => expect(call.costUsd, `${call.model}`).toBeCloseTo(wantedSorted[index]!.costUsd, 12));
      } finally {
        await sidecar.process.stop();
      }
    });
  }
});
