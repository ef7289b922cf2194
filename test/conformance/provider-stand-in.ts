/**
 * A local stand-in for the OpenAI, Anthropic, Gemini, Bedrock, Groq, Mistral and DeepSeek APIs, for tests that run real provider clients and
 * instrumentations (nothing outside this machine is reachable): every call is answered with a response shaped as the
 * provider's, usage included (OpenAI: 200 of 1,000 prompt tokens cached, 100 of 500 completion tokens reasoning;
 * Anthropic, on Bedrock too: 100 input tokens, 300 written to the cache, 600 read from it, 50 output; Gemini: see
 * GEMINI_RESPONSE),
 * and what each call costs at the published prices.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

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
  usage: {
    input_tokens: 100,
    cache_creation_input_tokens: 300,
    cache_read_input_tokens: 600,
    // The writes by cache lifetime, as the API reports them: all kept for five minutes, the default.
    cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 0 },
    output_tokens: 50,
    // The tier that served the call (`priority` on Anthropic's Priority Tier).
    service_tier: 'standard',
  },
};

/** The same message for a prompt cached for an hour (`cache_control.ttl` "1h"): 200 of the 300 writes kept that long. */
const ANTHROPIC_MESSAGE_HOUR_CACHE = {
  ...ANTHROPIC_MESSAGE,
  usage: { ...ANTHROPIC_MESSAGE.usage, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 } },
};

/**
 * The same message from a request that let the server compact its context (beta `context_management` edit
 * `compact_20260112`): the compaction, a sampling iteration of its own that summarised the conversation, is counted
 * in `usage.iterations` and not in the top-level usage, but billed. It read nothing from the cache.
 */
const ANTHROPIC_MESSAGE_COMPACTED = {
  ...ANTHROPIC_MESSAGE,
  content: [{ type: 'compaction', content: 'The user greeted the assistant.' }, ...ANTHROPIC_MESSAGE.content],
  usage: {
    ...ANTHROPIC_MESSAGE.usage,
    iterations: [
      { type: 'compaction', input_tokens: 3000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 400 },
      { type: 'message', input_tokens: 100, cache_creation_input_tokens: 300, cache_read_input_tokens: 600, output_tokens: 50 },
    ],
  },
};

/**
 * The chat completion as OpenRouter answers it (openrouter.ai/docs, usage accounting): its generation id, the model by
 * its OpenRouter name, and the call's cost in its usage. A call through the app's own OpenAI key (BYOK): `cost` is
 * OpenRouter's fee alone (5%), what OpenAI charged the key is `cost_details.upstream_inference_cost`.
 */
const OPENROUTER_COMPLETION = {
  ...CHAT_COMPLETION,
  id: 'gen-1790000000-tokenmeter',
  provider: 'OpenAI',
  model: 'openai/gpt-4o-mini',
  usage: {
    ...CHAT_COMPLETION.usage,
    cost: 0.00002175,
    is_byok: true,
    cost_details: { upstream_inference_cost: 0.000435, upstream_inference_prompt_cost: 0.000135, upstream_inference_completions_cost: 0.0003 },
  },
};

/** The same call through OpenAI's Responses API (what the AI SDK's `openai(model)` calls). */
const RESPONSE = {
  id: 'resp_tokenmeter',
  object: 'response',
  created_at: 1_790_000_000,
  status: 'completed',
  model: 'gpt-4o-mini-2024-07-18',
  output: [{ type: 'message', id: 'msg_out', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'hi', annotations: [] }] }],
  // What the real API echoes of the request (MLflow's tracing of the OpenAI Agents SDK iterates `tools`).
  parallel_tool_calls: true,
  tool_choice: 'auto',
  tools: [],
  usage: { input_tokens: 1000, input_tokens_details: { cached_tokens: 200 }, output_tokens: 500, output_tokens_details: { reasoning_tokens: 100 }, total_tokens: 1500 },
};

/**
 * A Gemini `generateContent` answer (any model path): 1,000 prompt tokens of which 400 cached, 300 candidate tokens and
 * 500 thinking tokens, which Gemini counts apart from the candidates (the total adds them).
 */
const GEMINI_RESPONSE = {
  candidates: [{ content: { parts: [{ text: 'hi' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
  usageMetadata: {
    promptTokenCount: 1000,
    cachedContentTokenCount: 400,
    candidatesTokenCount: 300,
    thoughtsTokenCount: 500,
    totalTokenCount: 1800,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 1000 }],
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'gemini-tokenmeter',
};

/**
 * A Bedrock Converse answer: the Anthropic call above as Bedrock counts it, input exclusive of the cache (100 + 600
 * read + 300 written), the total with all of it.
 */
const BEDROCK_CONVERSE = {
  output: { message: { role: 'assistant', content: [{ text: 'hi' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 100, outputTokens: 50, totalTokens: 1050, cacheReadInputTokens: 600, cacheWriteInputTokens: 300 },
  metrics: { latencyMs: 100 },
};

/**
 * One AWS event-stream message, as Bedrock streams: a prelude (total and headers lengths, their CRC32), string headers
 * naming the event, a JSON payload and the message's CRC32.
 */
function eventStreamMessage(type: string, payload: unknown): Buffer {
  const headers = Buffer.concat(
    Object.entries({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }).map(([name, value]) => {
      const header = Buffer.alloc(1 + name.length + 3 + value.length);
      header.writeUInt8(name.length, 0);
      header.write(name, 1, 'utf8');
      header.writeUInt8(7, 1 + name.length); // a string
      header.writeUInt16BE(value.length, 2 + name.length);
      header.write(value, 4 + name.length, 'utf8');
      return header;
    }),
  );
  const body = Buffer.from(JSON.stringify(payload));
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(12 + headers.length + body.length + 4, 0);
  prelude.writeUInt32BE(headers.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, headers, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(message), 0);
  return Buffer.concat([message, crc]);
}

/** The same Converse answer streamed (ConverseStream). The usage comes in the last event, `metadata`. */
function bedrockConverseStream(): Buffer {
  const { usage, metrics, stopReason } = BEDROCK_CONVERSE;
  return Buffer.concat([
    eventStreamMessage('messageStart', { role: 'assistant' }),
    eventStreamMessage('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'hi' } }),
    eventStreamMessage('contentBlockStop', { contentBlockIndex: 0 }),
    eventStreamMessage('messageStop', { stopReason }),
    eventStreamMessage('metadata', { usage, metrics }),
  ]);
}

/**
 * Anthropic's message streamed through Bedrock's InvokeModelWithResponseStream: each of Anthropic's events is a `chunk`
 * whose `bytes` are the event's JSON, base64-encoded; the last one carries Bedrock's own counts too
 * (`amazon-bedrock-invocationMetrics`, the cache's among them).
 */
function bedrockInvokeStream(): Buffer {
  const { usage } = ANTHROPIC_MESSAGE;
  const metrics = {
    inputTokenCount: usage.input_tokens,
    outputTokenCount: usage.output_tokens,
    invocationLatency: 500,
    firstByteLatency: 200,
    cacheReadInputTokenCount: usage.cache_read_input_tokens,
    cacheWriteInputTokenCount: usage.cache_creation_input_tokens,
  };
  return Buffer.concat(
    anthropicStreamEvents(ANTHROPIC_MESSAGE.id).map((anthropicEvent) => {
      const withMetrics = anthropicEvent.type === 'message_stop' ? { ...anthropicEvent, 'amazon-bedrock-invocationMetrics': metrics } : anthropicEvent;
      return eventStreamMessage('chunk', { bytes: Buffer.from(JSON.stringify(withMetrics)).toString('base64') });
    }),
  );
}

const BEDROCK_INVOKE_HEADERS = {
  'x-amzn-bedrock-input-token-count': '100',
  'x-amzn-bedrock-output-token-count': '50',
  'x-amzn-bedrock-cache-read-input-token-count': '600',
  'x-amzn-bedrock-cache-write-input-token-count': '300',
};

/** Groq's chat completion (OpenAI's shape under `/openai/v1`): 1,000 prompt and 500 completion tokens, with its timings. */
const GROQ_COMPLETION = {
  id: 'chatcmpl-groq-tokenmeter',
  object: 'chat.completion',
  created: 1_790_000_000,
  model: 'llama-3.3-70b-versatile',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, logprobs: null, finish_reason: 'stop' }],
  usage: { queue_time: 0.02, prompt_tokens: 1000, prompt_time: 0.05, completion_tokens: 500, completion_time: 0.4, total_tokens: 1500, total_time: 0.45 },
  system_fingerprint: 'fp_tokenmeter',
  x_groq: { id: 'req_tokenmeter' },
};

/**
 * Mistral's chat completion (OpenAI's shape, the model named as asked), under `/mistral` (the client's `server_url`):
 * 1,000 prompt and 500 completion tokens.
 */
const MISTRAL_COMPLETION = {
  id: 'cmpl-mistral-tokenmeter',
  object: 'chat.completion',
  created: 1_790_000_000,
  model: 'mistral-small-latest',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi', tool_calls: null }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
};
const MISTRAL_EMBEDDINGS = {
  id: 'embd-mistral-tokenmeter',
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
  model: 'mistral-embed',
  usage: { prompt_tokens: 8000, completion_tokens: 0, total_tokens: 8000 },
};

/**
 * DeepSeek's chat completion (OpenAI's shape, at its API's root path `/chat/completions`): 1,000 prompt tokens of which
 * 200 hit its cache (reported both as OpenAI does and as DeepSeek does), 500 completion tokens.
 */
const DEEPSEEK_COMPLETION = {
  id: 'deepseek-tokenmeter',
  object: 'chat.completion',
  created: 1_790_000_000,
  model: 'deepseek-chat',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 200 }, prompt_cache_hit_tokens: 200, prompt_cache_miss_tokens: 800 },
};

const RESPONSES: Record<string, unknown> = {
  '/chat/completions': DEEPSEEK_COMPLETION,
  '/v1/chat/completions': CHAT_COMPLETION,
  '/api/v1/chat/completions': OPENROUTER_COMPLETION,
  '/openai/v1/chat/completions': GROQ_COMPLETION,
  '/mistral/v1/chat/completions': MISTRAL_COMPLETION,
  '/mistral/v1/embeddings': MISTRAL_EMBEDDINGS,
  '/v1/responses': RESPONSE,
  '/v1/embeddings': EMBEDDINGS,
  '/v1/messages': ANTHROPIC_MESSAGE,
};

/**
 * The same chat completion and message streamed (`"stream": true`), as server-sent events: OpenAI's usage in a last
 * chunk without choices (sent when `stream_options.include_usage` asks, as clients do to get usage at all), Anthropic's
 * input and cache counts in `message_start` and the output count in `message_delta`.
 */
function streamed(path: string, messageId: string): string[] | undefined {
  if (path === '/v1/chat/completions') {
    return completionChunks(CHAT_COMPLETION, [
      { choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { choices: [], usage: CHAT_COMPLETION.usage },
    ]);
  }
  if (path === '/api/v1/chat/completions') {
    // OpenRouter's last chunk carries the usage, its cost included, whether asked for or not.
    return completionChunks(OPENROUTER_COMPLETION, [
      { choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: OPENROUTER_COMPLETION.usage },
    ]);
  }
  if (path === '/mistral/v1/chat/completions') {
    // Mistral's last chunk carries the finish reason and the usage together.
    return completionChunks(MISTRAL_COMPLETION, [
      { choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }], usage: MISTRAL_COMPLETION.usage },
    ]);
  }
  if (path === '/v1/messages') return anthropicStreamEvents(messageId).map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  return undefined;
}

/** A chat completion streamed in OpenAI's shape: each chunk with the completion's id, time and model, then `[DONE]`. */
function completionChunks(completion: { id: string; created: number; model: string }, chunks: Array<Record<string, unknown>>): string[] {
  const { id, created, model } = completion;
  return chunks.map((chunk) => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, ...chunk })}\n\n`).concat('data: [DONE]\n\n');
}

/** Anthropic's message streamed, as its events: the input and cache counts in `message_start`, the output count in `message_delta`. */
function anthropicStreamEvents(id: string): Array<{ type: string } & Record<string, unknown>> {
  const { usage, content, stop_reason: stopReason, ...rest } = ANTHROPIC_MESSAGE;
  const message = { ...rest, id };
  return [
    { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: content[0]!.text } },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } },
    { type: 'message_stop' },
  ];
}

/**
 * The APIs as their clients call them: OpenAI's chat completions (also streamed), responses and embeddings, Anthropic's
 * messages (also streamed), Gemini's generateContent (also streamed), Bedrock's Converse and InvokeModel (each also streamed), Groq's chat
 * completions, Mistral's chat completions (also streamed) and embeddings.
 */
export async function startApiStandIn(): Promise<{ server: Server; baseUrl: string }> {
  // Anthropic's messages each have an id of their own, as the API's do: two instrumentations' spans of one call share
  // it, and two calls do not.
  let messages = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0]!;
      const asked = chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString()) as { stream?: boolean });
      const messageId = `msg_tokenmeter_${++messages}`;
      const events = asked.stream === true ? streamed(path, messageId) : undefined;
      if (events !== undefined) {
        response.writeHead(200, { 'content-type': 'text/event-stream' }).end(events.join(''));
        return;
      }
      // Gemini: POST /v1beta/models/{model}:generateContent, or :streamGenerateContent?alt=sse (one event with it all).
      if (path.endsWith(':streamGenerateContent')) {
        response.writeHead(200, { 'content-type': 'text/event-stream' }).end(`data: ${JSON.stringify(GEMINI_RESPONSE)}\r\n\r\n`);
        return;
      }
      if (path.startsWith('/model/') && path.endsWith('/converse-stream')) {
        response.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' }).end(bedrockConverseStream());
        return;
      }
      if (path.startsWith('/model/') && path.endsWith('/invoke-with-response-stream')) {
        response.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' }).end(bedrockInvokeStream());
        return;
      }
      // Bedrock: POST /model/{modelId}/converse, or /invoke with the provider's own body (Anthropic's message here).
      // Bedrock's InvokeModel also gives the counts as headers, the cache's only there (OpenLLMetry reads them).
      const bedrockHeaders = path.startsWith('/model/') && path.endsWith('/invoke') ? BEDROCK_INVOKE_HEADERS : {};
      const askedText = path === '/v1/messages' ? JSON.stringify(asked) : '';
      const body = askedText.includes('"ttl":"1h"')
        ? { ...ANTHROPIC_MESSAGE_HOUR_CACHE, id: messageId }
        : askedText.includes('"compact_20260112"')
        ? { ...ANTHROPIC_MESSAGE_COMPACTED, id: messageId }
        : path === '/v1/messages'
        ? { ...ANTHROPIC_MESSAGE, id: messageId }
        : path.endsWith(':generateContent')
        ? GEMINI_RESPONSE
        : path.startsWith('/model/')
          ? path.endsWith('/converse')
            ? BEDROCK_CONVERSE
            : path.endsWith('/invoke')
              ? ANTHROPIC_MESSAGE
              : undefined
          : path === '/chat/completions'
            ? // DeepSeek's chat completion, naming the model asked for (deepseek-chat, deepseek-flash).
              { ...DEEPSEEK_COMPLETION, model: (asked as { model?: string }).model ?? DEEPSEEK_COMPLETION.model }
            : RESPONSES[path];
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json', ...bedrockHeaders }).end(JSON.stringify(body ?? { error: { message: 'not found' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// openai.com/api/pricing: gpt-4o-mini $0.15 in, $0.075 cached in, $0.60 out (reasoning is output); text-embedding-3-small
// $0.02, per 1M tokens.
const M = 1e6;
export const CHAT_WITH_CACHE = (800 * 0.15 + 200 * 0.075 + 500 * 0.6) / M;
/** The same call through OpenRouter with the app's own key: what OpenAI charged it, and OpenRouter's 5% fee. */
export const OPENROUTER_BYOK = CHAT_WITH_CACHE * 1.05;
/** The same call where the span records no cached count: all of the prompt at the input price. */
export const CHAT_WITHOUT_CACHE_COUNT = (1000 * 0.15 + 500 * 0.6) / M;
export const EMBEDDING = (8000 * 0.02) / M;
// anthropic.com/pricing: Claude 3.5 Haiku $0.80 in, $1.00 cache write, $0.08 cache read, $4 out per 1M. The client's own
// span and the instrumentor's are one call: OpenLLMetry's comes in a trace of its own.
export const ANTHROPIC = (100 * 0.8 + 300 * 1 + 600 * 0.08 + 50 * 4) / M;
/** The call whose prompt was cached for an hour: those writes at twice the input price, $1.60 (anthropic.com/pricing). */
export const ANTHROPIC_HOUR_CACHE = (100 * 0.8 + 100 * 1 + 200 * 1.6 + 600 * 0.08 + 50 * 4) / M;
/** The call whose context the server compacted: the compaction's 3,000 tokens in and 400 out besides, at the same prices. */
export const ANTHROPIC_COMPACTED = ANTHROPIC + (3000 * 0.8 + 400 * 4) / M;
/** The same call where the span keeps Bedrock's input count, which leaves the cache out, and no cache count. */
export const BEDROCK_STREAM_WITHOUT_CACHE = (100 * 0.8 + 50 * 4) / M;
// Gemini 2.5 Flash as the built-in catalog prices it (genai-prices 0.1.8, from ai.google.dev/gemini-api/docs/pricing):
// $0.30 in, $0.03 cached in, $2.50 out, thinking tokens priced as output.
export const GEMINI = (600 * 0.3 + 400 * 0.03 + (300 + 500) * 2.5) / M;
/** The same call where the span records no cached count: all of the prompt at the input price. */
export const GEMINI_WITHOUT_CACHE_COUNT = (1000 * 0.3 + (300 + 500) * 2.5) / M;
// groq.com/pricing: Llama 3.3 70B Versatile $0.59 in, $0.79 out per 1M.
export const GROQ = (1000 * 0.59 + 500 * 0.79) / M;
/**
 * api-docs.deepseek.com/quick_start/pricing, deepseek-chat as the built-in catalog prices it (genai-prices 0.1.8): $0.27
 * in (cache miss), $0.07 cache hit, $1.10 out per 1M, and half of each off-peak, from 16:30 to 00:30 UTC. The price
 * depends on when the call started, so a test that expected the peak price failed for eight hours of every day.
 */
export function deepseekCostAt(startMs: number): number {
  const minuteOfDay = Math.floor(startMs / 60_000) % (24 * 60);
  const offPeak = minuteOfDay >= 16 * 60 + 30 || minuteOfDay < 30;
  const share = offPeak ? 0.5 : 1;
  return (800 * 0.27 * share + 200 * 0.07 * share + 500 * 1.1 * share) / M;
}

/**
 * api-docs.deepseek.com/quick_start/pricing: deepseek-flash $0.15 in (cache miss), $0.003 cache hit, $0.60 out per 1M
 * off-peak, twice that at peak: 09:00–12:00 and 14:00–18:00 Beijing time (UTC+8), Monday to Friday, Chinese public
 * holidays excepted (2026's are past; 2027's are not in the price list yet, which prices them at peak as here). Where
 * the span records no cached count, all of the prompt at the cache-miss price.
 */
export function deepseekFlashWithoutCacheCountAt(startMs: number): number {
  const beijing = new Date(startMs + 8 * 3600_000);
  const weekday = beijing.getUTCDay() >= 1 && beijing.getUTCDay() <= 5;
  const minute = beijing.getUTCHours() * 60 + beijing.getUTCMinutes();
  const peak = weekday && ((minute >= 9 * 60 && minute < 12 * 60) || (minute >= 14 * 60 && minute < 18 * 60));
  return ((1000 * 0.15 + 500 * 0.6) * (peak ? 2 : 1)) / M;
}
// mistral.ai/pricing: Mistral Small (mistral-small-latest) $0.10 in, $0.30 out per 1M.
export const MISTRAL = (1000 * 0.1 + 500 * 0.3) / M;
