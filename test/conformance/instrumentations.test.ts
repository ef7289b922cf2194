/**
 * Model calls traced by real instrumentations other than MLflow's LangChain autolog, through the sidecar as `npm start`
 * runs it (ledger only), priced: OpenInference's and OpenLLMetry's OpenAI, Anthropic and LangChain instrumentors, and
 * MLflow 3.9's openai autolog, each in test/apps/instrumented_calls.py with the real `openai` and `anthropic` clients.
 * The providers' APIs are not reachable here: a local stand-in answers with responses shaped as theirs, usage included
 * (OpenAI: 200 of 1,000 prompt tokens cached, 100 of 500 completion tokens reasoning; Anthropic: 100 input tokens, 300
 * written to the cache, 600 read from it, 50 output).
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

const ANTHROPIC_MESSAGE = {
  id: 'msg_tokenmeter',
  type: 'message',
  role: 'assistant',
  model: 'claude-3-5-haiku-20241022',
  content: [{ type: 'text', text: 'hi' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 100, cache_creation_input_tokens: 300, cache_read_input_tokens: 600, output_tokens: 50 },
};

const RESPONSES: Record<string, unknown> = {
  '/v1/chat/completions': CHAT_COMPLETION,
  '/v1/embeddings': EMBEDDINGS,
  '/v1/messages': ANTHROPIC_MESSAGE,
};

/** The OpenAI and Anthropic APIs as their clients call them: chat completions, embeddings, messages. */
async function startApiStandIn(): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body = RESPONSES[(request.url ?? '').split('?')[0]!];
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: { message: 'not found' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// openai.com/api/pricing: gpt-4o-mini $0.15 in, $0.075 cached in, $0.60 out (reasoning is output); text-embedding-3-small
// $0.02, per 1M tokens.
const M = 1e6;
const CHAT_WITH_CACHE = (800 * 0.15 + 200 * 0.075 + 500 * 0.6) / M;
const EMBEDDING = (8000 * 0.02) / M;
// anthropic.com/pricing: Claude 3.5 Haiku $0.80 in, $1.00 cache write, $0.08 cache read, $4 out per 1M. The client's own
// span and the instrumentor's are one call: OpenLLMetry's comes in a trace of its own.
const ANTHROPIC = (100 * 0.8 + 300 * 1 + 600 * 0.08 + 50 * 4) / M;

const expected: Record<Instrumentation, Array<{ model: string; costUsd: number }>> = {
  openinference: [
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'text-embedding-3-small', costUsd: EMBEDDING },
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC },
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
  ],
  openllmetry: [
    { model: 'gpt-4o-mini-2024-07-18', costUsd: CHAT_WITH_CACHE },
    { model: 'text-embedding-3-small', costUsd: EMBEDDING },
    { model: 'claude-3-5-haiku-20241022', costUsd: ANTHROPIC },
    // Its LangChain handler reads no model off the fake and writes `unknown`; LangChain's ls_model_name names it.
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
  ],
  // MLflow 3.9 keeps no cache count in its token usage: read from the response it keeps as outputs.
  mlflow: [
    { model: 'gpt-4o-mini', costUsd: CHAT_WITH_CACHE },
    { model: 'text-embedding-3-small', costUsd: EMBEDDING },
  ],
};

/**
 * Traces each run makes: one per call, but OpenLLMetry's Anthropic call comes as two (the client's own span and the
 * instrumentor's, sharing no context). Waiting for all of them to be recorded (a trace's root is held for root_wait)
 * means every span has been through the pipeline, so no duplicate can still be on its way when calls are compared.
 */
const TRACES: Record<Instrumentation, number> = { openinference: 4, openllmetry: 5, mlflow: 2 };

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
        const wanted = expected[instrumentation];
        const { calls } = await waitFor(`${TRACES[instrumentation]} traces in the ledger`, () => {
          const ledger = readLedger(sidecar.ledgerPath);
          return ledger.traces.length >= TRACES[instrumentation] ? ledger : undefined;
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
