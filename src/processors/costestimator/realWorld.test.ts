/**
 * Real-world cases: model strings as they appear on the wire, usage in each convention, and the cost worked out by
 * hand from the provider's published price per 1M tokens (source named per case).
 */
import { describe, expect, it } from 'vitest';
import { findAttribute } from '../../otlp/index.js';
import type { KeyValue, Span } from '../../otlp/index.js';
import type { TokenUsage } from '../../pricing/index.js';
import { CostEstimatorProcessor } from './processor.js';
import { forgetRememberedCalls, recognizeCallContext, recognizeSpan } from '../../recognition/recognize.js';
import { attributes, makeSpan, mlflowAttributes, tracesData } from '../../recognition/testSpans.js';

interface Case {
  name: string;
  attributes: KeyValue[];
  start?: string;
  tokens: TokenUsage;
  /** Of the tokens, the audio ones (`tokenmeter.tokens.audio_*`), written only when the call used audio. */
  audio?: { input: number; cacheRead: number; output: number };
  /** USD, as MLflow shows it: input includes cache, output includes reasoning. */
  inputCost: number;
  outputCost: number;
  entry: string;
}

const M = 1e6;
const tokens = (input: number, output: number, cacheRead = 0, cacheWrite = 0, reasoning = 0): TokenUsage => ({ input, output, cacheRead, cacheWrite, reasoning });

/** OpenAI's usage of a gpt-4o-mini chat completion, as MLflow's openai autolog keeps the response: 200 of 1,000 in cached. */
const CACHED_GPT_4O_MINI_USAGE = {
  prompt_tokens: 1000,
  completion_tokens: 500,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 200, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 100 },
};
/** Its price: openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.075 cached in / $0.60 out (reasoning is output). */
const CACHED_GPT_4O_MINI_PRICE = {
  tokens: tokens(1000, 500, 200, 0, 100),
  inputCost: (800 * 0.15 + 200 * 0.075) / M,
  outputCost: (500 * 0.6) / M,
  entry: 'openai/gpt-4o-mini',
};

/** OpenAI's embedding response, as MLflow's openai autolog keeps it: the usage (8,000 tokens) after the vectors. */
const EMBEDDING_RESPONSE = {
  data: [{ embedding: Array.from({ length: 1536 }, (_, index) => index / 1536), index: 0, object: 'embedding' }],
  model: 'text-embedding-3-small',
  object: 'list',
  usage: { prompt_tokens: 8000, total_tokens: 8000 },
};
/** Its price: openai.com/api/pricing, text-embedding-3-small $0.02 per 1M. */
const EMBEDDING_PRICE = { tokens: tokens(8000, 0), inputCost: (8000 * 0.02) / M, outputCost: 0, entry: 'openai/text-embedding-3-small' };

/**
 * Claude's message, as MLflow's anthropic autolog keeps it: 7,150 tokens in, 5,000 of them cache reads and 2,000 cache
 * writes, 1,500 of those kept for an hour.
 */
const HOUR_CACHED_CLAUDE_MESSAGE = {
  id: 'msg_02',
  content: [{ text: 'hi', type: 'text' }],
  model: 'claude-3-5-haiku-20241022',
  role: 'assistant',
  stop_reason: 'end_turn',
  type: 'message',
  usage: {
    cache_creation: { ephemeral_1h_input_tokens: 1500, ephemeral_5m_input_tokens: 500 },
    cache_creation_input_tokens: 2000,
    cache_read_input_tokens: 5000,
    input_tokens: 150,
    output_tokens: 80,
    service_tier: 'standard',
  },
};
/** Its price: anthropic.com/pricing, Claude 3.5 Haiku $0.80 in / $4 out / $1 write, $1.60 kept for an hour / $0.08 read. */
const HOUR_CACHED_CLAUDE_PRICE = {
  tokens: tokens(7150, 80, 5000, 2000),
  inputCost: (150 * 0.8 + 5000 * 0.08 + 500 * 1 + 1500 * 1.6) / M,
  outputCost: (80 * 4) / M,
  entry: 'anthropic/claude-3-5-haiku-latest',
};

/**
 * An OTel GenAI chat span on DeepSeek's API of 10,000 tokens in, 4,000 of them read from the cache, and 1,000 out,
 * priced at `[miss, hit, out]` USD per 1M tokens in DeepSeek's price list.
 */
function deepSeekCase(name: string, start: string, provider: Record<string, string>, model: string, [miss, hit, out]: readonly [number, number, number]): Case {
  return {
    name,
    start,
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      ...provider,
      'gen_ai.request.model': model,
      'gen_ai.usage.input_tokens': 10000,
      'gen_ai.usage.cache_read.input_tokens': 4000,
      'gen_ai.usage.output_tokens': 1000,
    }),
    tokens: tokens(10000, 1000, 4000),
    inputCost: (6000 * miss + 4000 * hit) / M,
    outputCost: (1000 * out) / M,
    entry: `deepseek/${model}`,
  };
}

/** A Claude 3.5 Haiku call of AI SDK 5 reading 600 tokens from the cache and writing 300, `input` tokens uncached. */
function aiSdk5ClaudeAttributes(input: number): KeyValue[] {
  return attributes({
    'ai.operationId': 'ai.generateText.doGenerate',
    'ai.model.provider': 'anthropic.messages',
    'ai.model.id': 'claude-3-5-haiku-20241022',
    'gen_ai.system': 'anthropic.messages',
    'gen_ai.request.model': 'claude-3-5-haiku-20241022',
    'gen_ai.response.model': 'claude-3-5-haiku-20241022',
    'ai.usage.promptTokens': input,
    'ai.usage.completionTokens': 50,
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': 50,
    'ai.response.providerMetadata': JSON.stringify({
      anthropic: { usage: { input_tokens: input, output_tokens: 50, cache_creation_input_tokens: 300, cache_read_input_tokens: 600 }, cacheCreationInputTokens: 300 },
    }),
  });
}

const cases: Case[] = [
  // --- MLflow LangChain autolog: every value JSON-encoded ---
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out / $0.075 cached in
    name: 'MLflow ChatOpenAI gpt-4o-mini, cached prompt',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.chat.tokenUsage': { input_tokens: 2000, output_tokens: 300, total_tokens: 2300, cache_read_input_tokens: 1024 },
      invocation_params: { model: 'gpt-4o-mini', model_name: 'gpt-4o-mini', _type: 'openai-chat' },
      metadata: { langgraph_node: 'agent', ls_provider: 'openai', ls_model_name: 'gpt-4o-mini' },
    }),
    tokens: tokens(2000, 300, 1024),
    inputCost: (976 * 0.15 + 1024 * 0.075) / M,
    outputCost: (300 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // azure.microsoft.com/pricing/details/cognitive-services/openai-service, GPT-4o mini global deployment $0.15 in /
    // $0.075 cached in / $0.60 out. As MLflow 3.9's LangChain autolog records langchain-openai's AzureChatOpenAI
    // (1.1.7) on a deployment named prod-chat: its metadata and parameters name the deployment; LangChain's result names
    // the model that answered.
    name: 'MLflow AzureChatOpenAI on a deployment, priced as the model its result names',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.chat.tokenUsage': { input_tokens: 2000, output_tokens: 300, total_tokens: 2300, cache_read_input_tokens: 1024 },
      invocation_params: { model: null, azure_deployment: 'prod-chat', model_name: null, stream: false, _type: 'azure-openai-chat' },
      metadata: { ls_provider: 'azure', ls_model_name: 'prod-chat', ls_model_type: 'chat' },
      'mlflow.spanOutputs': {
        generations: [[{ text: 'hi', type: 'ChatGeneration' }]],
        llm_output: { token_usage: { completion_tokens: 300, prompt_tokens: 2000, total_tokens: 2300 }, model_provider: 'openai', model_name: 'gpt-4o-mini-2024-07-18', id: 'chatcmpl-az' },
        run: null,
        type: 'LLMResult',
      },
    }),
    tokens: tokens(2000, 300, 1024),
    inputCost: (976 * 0.15 + 1024 * 0.075) / M,
    outputCost: (300 * 0.6) / M,
    entry: 'azure/gpt-4o-mini',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 in / $4 out / $1 cache write / $0.08 cache read. As MLflow 3.9's
    // LangChain autolog records ChatAnthropic (the shapes of langchain-anthropic 1.7.10 and MLflow 3.9's sources; not
    // run here: langchain-anthropic needs anthropic < 1 or langchain-core >= 1.7.5). MLflow's counts are LangChain's, whose
    // input holds the cache; Anthropic's usage, with the cache counts, is in LangChain's result (`llm_output.usage`).
    name: 'MLflow 3.9 LangChain autolog ChatAnthropic, cache only in the result\'s llm_output.usage',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      invocation_params: { model: 'claude-3-5-haiku-20241022', max_tokens: 1024, _type: 'anthropic-chat', stop: null },
      metadata: { ls_provider: 'anthropic', ls_model_name: 'claude-3-5-haiku-20241022', ls_model_type: 'chat', langgraph_node: 'agent' },
      'mlflow.message.format': 'langchain',
      'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 50, total_tokens: 1050 },
      'mlflow.spanOutputs': {
        generations: [[{ text: 'hi', generation_info: null, type: 'ChatGeneration', message: { content: 'hi', response_metadata: { id: 'msg_01', model_name: 'claude-3-5-haiku-20241022', model_provider: 'anthropic' }, type: 'ai' } }]],
        llm_output: {
          id: 'msg_01',
          model: 'claude-3-5-haiku-20241022',
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: {
            cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 300 },
            cache_creation_input_tokens: 300,
            cache_read_input_tokens: 600,
            input_tokens: 100,
            output_tokens: 50,
            server_tool_use: null,
            service_tier: 'standard',
          },
          model_name: 'claude-3-5-haiku-20241022',
        },
        run: null,
        type: 'LLMResult',
      },
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out / $0.075 cached in. As MLflow 3.9's LangChain autolog
    // records ChatOpenAI (langchain-openai 1.1.7, local fake of the API): LangChain's counts without their details; the
    // cached and reasoning counts are in OpenAI's usage, which LangChain's result keeps (`llm_output.token_usage`).
    name: 'MLflow 3.9 LangChain autolog ChatOpenAI, cache only in the result\'s token_usage',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      invocation_params: { model: 'gpt-4o-mini', model_name: 'gpt-4o-mini', stream: false, _type: 'openai-chat' },
      metadata: { ls_provider: 'openai', ls_model_name: 'gpt-4o-mini', ls_model_type: 'chat' },
      'mlflow.message.format': 'langchain',
      'mlflow.chat.tokenUsage': { input_tokens: 3000, output_tokens: 400, total_tokens: 3400 },
      'mlflow.spanOutputs': {
        generations: [[{ text: 'hi', type: 'ChatGeneration', message: { content: 'hi', response_metadata: { model_name: 'gpt-4o-mini-2024-07-18' }, type: 'ai' } }]],
        llm_output: {
          token_usage: { completion_tokens: 400, prompt_tokens: 3000, total_tokens: 3400, completion_tokens_details: { reasoning_tokens: 0 }, prompt_tokens_details: { audio_tokens: null, cached_tokens: 2048 } },
          model_provider: 'openai',
          model_name: 'gpt-4o-mini-2024-07-18',
          id: 'chatcmpl-1',
        },
        run: null,
        type: 'LLMResult',
      },
    }),
    tokens: tokens(3000, 400, 2048),
    inputCost: (952 * 0.15 + 2048 * 0.075) / M,
    outputCost: (400 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // openai.com/api/pricing, gpt-4o (= gpt-4o-2024-08-06) $2.50 in / $10 out / $1.25 cached in
    name: 'MLflow ≥3.10 mlflow.llm.model dated alias gpt-4o-2024-08-06',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.llm.model': 'gpt-4o-2024-08-06',
      'mlflow.llm.provider': 'openai',
      'mlflow.chat.tokenUsage': { input_tokens: 5000, output_tokens: 800, total_tokens: 5800 },
    }),
    tokens: tokens(5000, 800),
    inputCost: (5000 * 2.5) / M,
    outputCost: (800 * 10) / M,
    entry: 'openai/gpt-4o',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Sonnet $3 in / $15 out / $3.75 cache write / $0.30 cache read.
    // MLflow copies Anthropic's raw usage: input_tokens excludes the cache (total = input + output + cache).
    name: 'MLflow ChatAnthropic raw (exclusive) usage, claude-3-5-sonnet-20241022',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.chat.tokenUsage': { input_tokens: 50, output_tokens: 400, total_tokens: 3450, cache_read_input_tokens: 2000, cache_creation_input_tokens: 1000 },
      invocation_params: { model: 'claude-3-5-sonnet-20241022', _type: 'anthropic-chat' },
      metadata: { ls_provider: 'anthropic', ls_model_name: 'claude-3-5-sonnet-20241022' },
    }),
    tokens: tokens(3050, 400, 2000, 1000),
    inputCost: (50 * 3 + 2000 * 0.3 + 1000 * 3.75) / M,
    outputCost: (400 * 15) / M,
    entry: 'anthropic/claude-3-5-sonnet',
  },
  {
    // anthropic.com/pricing, Claude Haiku 3.5 $0.80 in / $4 out / $1 write / $0.08 read; cache > input ⇒ exclusive
    name: 'MLflow Bedrock-style cache larger than input, no total',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.chat.tokenUsage': { input_tokens: 20, output_tokens: 100, cached_input_tokens: 3000 },
      invocation_params: { model: 'claude-3-5-haiku-20241022' },
      metadata: { ls_provider: 'anthropic' },
    }),
    tokens: tokens(3020, 100, 3000),
    inputCost: (20 * 0.8 + 3000 * 0.08) / M,
    outputCost: (100 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // ai.google.dev/gemini-api/docs/pricing, Gemini 2.0 Flash $0.10 in / $0.40 out
    name: 'MLflow LLM span, ChatGoogleGenerativeAI models/gemini-2.0-flash',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'LLM',
      'mlflow.chat.tokenUsage': { input_tokens: 12000, output_tokens: 900, total_tokens: 12900 },
      invocation_params: { model: 'models/gemini-2.0-flash', _type: 'google_gemini' },
      metadata: { ls_provider: 'google_genai', ls_model_name: 'models/gemini-2.0-flash' },
    }),
    tokens: tokens(12000, 900),
    inputCost: (12000 * 0.1) / M,
    outputCost: (900 * 0.4) / M,
    entry: 'google/gemini-2.0-flash',
  },
  {
    // openai.com/api/pricing, text-embedding-3-small $0.02 per 1M
    name: 'MLflow EMBEDDING span',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'EMBEDDING',
      'mlflow.chat.tokenUsage': { input_tokens: 8000, output_tokens: 0, total_tokens: 8000 },
      'mlflow.llm.model': 'text-embedding-3-small',
      'mlflow.llm.provider': 'openai',
    }),
    ...EMBEDDING_PRICE,
  },
  {
    // azure.microsoft.com/pricing/details/cognitive-services/openai-service (Global), GPT-4o $2.50 in / $10 out / $1.25 cached
    name: 'MLflow GenAI-semconv mode: plain typed values, AzureChatOpenAI',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.provider.name': 'azure_openai',
      'gen_ai.usage.input_tokens': 1500,
      'gen_ai.usage.output_tokens': 250,
    }),
    tokens: tokens(1500, 250),
    inputCost: (1500 * 2.5) / M,
    outputCost: (250 * 10) / M,
    entry: 'azure/gpt-4o',
  },
  // --- OTel GenAI, current keys ---
  {
    // openai.com/api/pricing, gpt-4.1 $2 in / $8 out / $0.50 cached in
    name: 'OTel GenAI v1.40 chat gpt-4.1 with cache_read',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      'gen_ai.usage.input_tokens': 10000,
      'gen_ai.usage.cache_read.input_tokens': 6000,
      'gen_ai.usage.output_tokens': 500,
    }),
    tokens: tokens(10000, 500, 6000),
    inputCost: (4000 * 2 + 6000 * 0.5) / M,
    outputCost: (500 * 8) / M,
    entry: 'openai/gpt-4.1',
  },
  {
    // openai.com/api/pricing, o4-mini $1.10 in / $4.40 out / $0.275 cached; reasoning billed as output
    name: 'OTel GenAI v1.41 reasoning.output_tokens included in output (o4-mini)',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.model': 'o4-mini-2025-04-16',
      'gen_ai.usage.input_tokens': 3000,
      'gen_ai.usage.output_tokens': 2500,
      'gen_ai.usage.reasoning.output_tokens': 2000,
    }),
    tokens: tokens(3000, 2500, 0, 0, 2000),
    inputCost: (3000 * 1.1) / M,
    outputCost: (2500 * 4.4) / M,
    entry: 'openai/o4-mini',
  },
  {
    // anthropic.com/pricing, Claude Sonnet 4.5 $3 in / $15 out / $3.75 write / $0.30 read (≤ 200k input)
    name: 'OTel GenAI cache_write (genai repo #440) Anthropic inclusive input',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.usage.input_tokens': 9000,
      'gen_ai.usage.cache_read.input_tokens': 4000,
      'gen_ai.usage.cache_write.input_tokens': 3000,
      'gen_ai.usage.output_tokens': 700,
    }),
    tokens: tokens(9000, 700, 4000, 3000),
    inputCost: (2000 * 3 + 4000 * 0.3 + 3000 * 3.75) / M,
    outputCost: (700 * 15) / M,
    entry: 'anthropic/claude-sonnet-4-5',
  },
  {
    // ai.google.dev/gemini-api/docs/pricing, Gemini 2.5 Flash $0.30 in / $2.50 out (thinking included) / $0.03 cached
    name: 'OTel GenAI gcp.gemini gemini-2.5-flash, Gemini-style exclusive reasoning',
    attributes: attributes({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.model': 'gemini-2.5-flash',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 200,
      'gen_ai.usage.reasoning.output_tokens': 800,
      'gen_ai.usage.total_tokens': 2000,
    }),
    tokens: tokens(1000, 1000, 0, 0, 800),
    inputCost: (1000 * 0.3) / M,
    outputCost: (1000 * 2.5) / M,
    entry: 'google/gemini-2.5-flash',
  },
  {
    // cloud.google.com/vertex-ai/generative-ai/pricing, Gemini 2.5 Pro ≤200k $1.25 in / $10 out
    name: 'OTel GenAI gcp.vertex_ai gemini-2.5-pro under 200k',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.request.model': 'gemini-2.5-pro',
      'gen_ai.usage.input_tokens': 150000,
      'gen_ai.usage.output_tokens': 2000,
    }),
    tokens: tokens(150000, 2000),
    inputCost: (150000 * 1.25) / M,
    outputCost: (2000 * 10) / M,
    entry: 'google/gemini-2.5-pro',
  },
  {
    // aws.amazon.com/bedrock/pricing, Amazon Nova Pro $0.80 in / $3.20 out
    name: 'OTel GenAI aws.bedrock amazon.nova-pro-v1:0',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': 'amazon.nova-pro-v1:0',
      'gen_ai.usage.input_tokens': 4000,
      'gen_ai.usage.output_tokens': 1000,
    }),
    tokens: tokens(4000, 1000),
    inputCost: (4000 * 0.8) / M,
    outputCost: (1000 * 3.2) / M,
    entry: 'aws/amazon.nova-pro-v1:0',
  },
  {
    // aws.amazon.com/bedrock/pricing, Claude 3.5 Sonnet $3 in / $15 out; cross-region profile us.
    name: 'OTel GenAI Bedrock cross-region us.anthropic.claude-3-5-sonnet-20240620-v1:0',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': 'us.anthropic.claude-3-5-sonnet-20240620-v1:0',
      'gen_ai.usage.input_tokens': 2500,
      'gen_ai.usage.output_tokens': 600,
    }),
    tokens: tokens(2500, 600),
    inputCost: (2500 * 3) / M,
    outputCost: (600 * 15) / M,
    entry: 'aws/regional.anthropic.claude-3-5-sonnet-20240620-v1:0',
  },
  {
    // x.ai/api (docs.x.ai/docs/models), grok-3 $3 in / $15 out / $0.75 cached
    name: 'OTel GenAI x_ai grok-3',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'x_ai',
      'gen_ai.request.model': 'grok-3',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 300,
    }),
    tokens: tokens(1200, 300),
    inputCost: (1200 * 3) / M,
    outputCost: (300 * 15) / M,
    entry: 'x-ai/grok-3',
  },
  {
    // docs.x.ai/docs/models, grok-4 $3 in / $15 out. xAI counts reasoning "separately from completion_tokens, but …
    // in the total_tokens" (docs.x.ai, consumption and rate limits; quoted in vercel/ai#12425): an OTel GenAI span
    // passing xAI's counts on as they are, without a total, has 10 completion tokens beside 300 of reasoning.
    name: 'OTel GenAI x_ai grok-4, reasoning outside the completion count and larger than it, no total',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'x_ai',
      'gen_ai.request.model': 'grok-4',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.usage.reasoning.output_tokens': 300,
    }),
    tokens: tokens(1000, 310, 0, 0, 300),
    inputCost: (1000 * 3) / M,
    outputCost: (310 * 15) / M,
    entry: 'x-ai/grok-4-0709',
  },
  {
    // docs.x.ai/docs/models, grok-3-mini $0.30 in / $0.50 out. The openai client on xAI's API (`server.address`), the
    // span naming the provider openai: xAI's completion count (500) leaves its reasoning (400) out, no total to tell.
    name: 'OTel GenAI openai client on api.x.ai, grok-3-mini, reasoning outside the completion count, no total',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'server.address': 'api.x.ai',
      'gen_ai.request.model': 'grok-3-mini',
      'gen_ai.response.model': 'grok-3-mini',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 500,
      'gen_ai.usage.reasoning.output_tokens': 400,
    }),
    tokens: tokens(1000, 900, 0, 0, 400),
    inputCost: (1000 * 0.3) / M,
    outputCost: (900 * 0.5) / M,
    entry: 'x-ai/grok-3-mini',
  },
  {
    // docs.x.ai/docs/models, grok-3-mini $0.30 in / $0.50 out. AI SDK 7's GenAI spans (@ai-sdk/otel, supplemental
    // usage on): @ai-sdk/xai counts the reasoning in outputTokens since vercel/ai#12425, so 900 out holds the 400.
    name: 'AI SDK 7 chat x_ai grok-3-mini, reasoning already in the output count, no total',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'x_ai',
      'gen_ai.request.model': 'grok-3-mini',
      'gen_ai.response.model': 'grok-3-mini',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 900,
      'ai.usage.outputTokenDetails.textTokens': 500,
      'ai.usage.outputTokenDetails.reasoningTokens': 400,
    }),
    tokens: tokens(1000, 900, 0, 0, 400),
    inputCost: (1000 * 0.3) / M,
    outputCost: (900 * 0.5) / M,
    entry: 'x-ai/grok-3-mini',
  },
  {
    // groq.com/pricing, Llama 3.3 70B Versatile $0.59 in / $0.79 out
    name: 'OTel GenAI groq llama-3.3-70b-versatile',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'groq',
      'gen_ai.request.model': 'llama-3.3-70b-versatile',
      'gen_ai.usage.input_tokens': 3000,
      'gen_ai.usage.output_tokens': 1000,
    }),
    tokens: tokens(3000, 1000),
    inputCost: (3000 * 0.59) / M,
    outputCost: (1000 * 0.79) / M,
    entry: 'groq/llama-3.3-70b-versatile',
  },
  // --- OTel GenAI, deprecated keys ---
  {
    // openai.com/api/pricing, gpt-3.5-turbo $0.50 in / $1.50 out
    name: 'OTel GenAI ≤1.26 prompt_tokens / completion_tokens, gen_ai.system',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-3.5-turbo',
      'gen_ai.usage.prompt_tokens': 700,
      'gen_ai.usage.completion_tokens': 150,
    }),
    tokens: tokens(700, 150),
    inputCost: (700 * 0.5) / M,
    outputCost: (150 * 1.5) / M,
    entry: 'openai/gpt-3.5-turbo',
  },
  {
    // mistral.ai/pricing, Mistral Small $0.10 in / $0.30 out
    name: 'OTel GenAI deprecated gen_ai.system mistral_ai, cache_creation v1.40 spelling',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'mistral_ai',
      'gen_ai.request.model': 'mistral-small-latest',
      'gen_ai.usage.input_tokens': 2000,
      'gen_ai.usage.output_tokens': 400,
    }),
    tokens: tokens(2000, 400),
    inputCost: (2000 * 0.1) / M,
    outputCost: (400 * 0.3) / M,
    entry: 'mistral/mistral-small-latest',
  },
  // api-docs.deepseek.com/quick_start/pricing (until 2025-09-05), deepseek-chat standard hours $0.27 in (miss) / $0.07 (hit) / $1.10 out
  deepSeekCase('OTel GenAI deepseek-chat during standard hours (UTC 12:00)', '2025-09-01T12:00:00Z', { 'gen_ai.system': 'deepseek' }, 'deepseek-chat', [0.27, 0.07, 1.1]),
  // api-docs.deepseek.com/quick_start/pricing, off-peak (UTC 16:30–00:30) 50% off: $0.135 / $0.035 / $0.55
  deepSeekCase('OTel GenAI deepseek-chat during off-peak hours (UTC 20:00)', '2025-09-01T20:00:00Z', { 'gen_ai.system': 'deepseek' }, 'deepseek-chat', [0.135, 0.035, 0.55]),
  // api-docs.deepseek.com/quick_start/pricing, deepseek-v4-pro since 16 August 2026: $0.66 in / $0.022 cache hit /
  // $1.98 out per 1M off-peak, twice that at peak (01:00–04:00 and 06:00–10:00 UTC, Monday through Friday)
  deepSeekCase('OTel GenAI deepseek-v4-pro at peak, a Monday 10:00 Beijing time', '2026-12-07T02:00:00Z', { 'gen_ai.provider.name': 'deepseek' }, 'deepseek-v4-pro', [1.32, 0.044, 3.96]),
  // The same hour of a Saturday: off-peak all day at weekends (same page), which the catalog alone prices at peak
  deepSeekCase('OTel GenAI deepseek-v4-pro on a Saturday in the weekday peak hours: off-peak', '2026-12-05T02:00:00Z', { 'gen_ai.provider.name': 'deepseek' }, 'deepseek-v4-pro', [0.66, 0.022, 1.98]),
  // api-docs.deepseek.com/quick_start/pricing: deepseek-flash $0.15 in / $0.003 cache hit / $0.60 out per 1M
  // off-peak; the openai client on DeepSeek's base URL names the provider openai, whose list has no such model
  deepSeekCase('OTel GenAI deepseek-flash through the openai client, off-peak (a Tuesday, 20:00 Beijing time)', '2026-12-08T12:00:00Z', { 'gen_ai.system': 'openai' }, 'deepseek-flash', [0.15, 0.003, 0.6]),
  // --- OpenInference ---
  {
    // groq.com/pricing, Llama 3.3 70B Versatile $0.59 in / $0.79 out. OpenInference's smolagents instrumentor on a
    // LiteLLMModel: `llm.model_name` is the model_id, LiteLLM's route in front, and no provider is named.
    name: 'OpenInference smolagents LiteLLMModel groq/llama-3.3-70b-versatile, no provider but the route',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.invocation_parameters': '{}',
      'llm.token_count.prompt': 3000,
      'llm.token_count.completion': 1000,
      'llm.token_count.total': 4000,
      'llm.model_name': 'groq/llama-3.3-70b-versatile',
      'output.mime_type': 'application/json',
      'output.value': '{"role":"assistant","content":"hi","tool_calls":null,"raw":null,"token_usage":{"input_tokens":3000,"output_tokens":1000}}',
    }),
    tokens: tokens(3000, 1000),
    inputCost: (3000 * 0.59) / M,
    outputCost: (1000 * 0.79) / M,
    entry: 'groq/llama-3.3-70b-versatile',
  },
  {
    // together.ai/pricing, Llama 3.3 70B Instruct Turbo $0.88 in and out (as genai-prices 0.1.8 lists it). As above,
    // on Together: the model Together names with a slash of its own behind LiteLLM's route.
    name: 'OpenInference smolagents LiteLLMModel together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo, no provider but the route',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.invocation_parameters': '{}',
      'llm.token_count.prompt': 3000,
      'llm.token_count.completion': 1000,
      'llm.token_count.total': 4000,
      'llm.model_name': 'together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo',
    }),
    tokens: tokens(3000, 1000),
    inputCost: (3000 * 0.88) / M,
    outputCost: (1000 * 0.88) / M,
    entry: 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 / $0.60 / $0.075 cached
    name: 'OpenInference ChatCompletion gpt-4o-mini-2024-07-18 with prompt_details.cache_read',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini-2024-07-18',
      'llm.provider': 'openai',
      'llm.system': 'openai',
      'llm.token_count.prompt': 3000,
      'llm.token_count.prompt_details.cache_read': 2048,
      'llm.token_count.completion': 120,
      'llm.token_count.total': 3120,
    }),
    tokens: tokens(3000, 120, 2048),
    inputCost: (952 * 0.15 + 2048 * 0.075) / M,
    outputCost: (120 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // anthropic.com/pricing, Claude Haiku 4.5 $1 in / $5 out / $1.25 write / $0.10 read; OpenInference prompt includes cache
    name: 'OpenInference Anthropic claude-haiku-4-5 with cache_write and cache_read',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'claude-haiku-4-5-20251001',
      'llm.provider': 'anthropic',
      'llm.system': 'anthropic',
      'llm.token_count.prompt': 6000,
      'llm.token_count.prompt_details.cache_read': 3000,
      'llm.token_count.prompt_details.cache_write': 2000,
      'llm.token_count.completion': 500,
    }),
    tokens: tokens(6000, 500, 3000, 2000),
    inputCost: (1000 * 1 + 3000 * 0.1 + 2000 * 1.25) / M,
    outputCost: (500 * 5) / M,
    entry: 'anthropic/claude-haiku-4-5',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write, $1.60 kept for an hour / $0.08 read. OpenInference's
    // Anthropic instrumentor writes the cache counts, not which writes were kept for an hour: its output, Anthropic's
    // message, says.
    name: 'OpenInference Anthropic, cache writes kept for an hour told by the message kept as output',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'claude-3-5-haiku-20241022',
      'llm.provider': 'anthropic',
      'llm.system': 'anthropic',
      'llm.token_count.prompt': 1000,
      'llm.token_count.prompt_details.cache_read': 600,
      'llm.token_count.prompt_details.cache_write': 300,
      'llm.token_count.completion': 50,
      'output.mime_type': 'application/json',
      'output.value':
        '{"id": "msg_03", "content": [{"text": "hi", "type": "text"}], "model": "claude-3-5-haiku-20241022", "role": "assistant", "stop_reason": "end_turn", ' +
        '"type": "message", "usage": {"cache_creation": {"ephemeral_1h_input_tokens": 300, "ephemeral_5m_input_tokens": 0}, "cache_creation_input_tokens": 300, ' +
        '"cache_read_input_tokens": 600, "input_tokens": 100, "output_tokens": 50}}',
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1.6) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write, $1.60 kept for an hour / $0.08 read. The Anthropic
    // client's own span (anthropic 2.17.0, which traces itself): OTel GenAI's counts, the writes split by lifetime under
    // its own keys.
    name: 'Anthropic SDK\'s own span, cache writes kept for an hour under anthropic.usage.cache_creation.*',
    attributes: attributes({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-3-5-haiku-20241022',
      'gen_ai.response.model': 'claude-3-5-haiku-20241022',
      'gen_ai.response.id': 'msg_04',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.cache_write.input_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 600,
      'anthropic.usage.cache_creation.ephemeral_5m_input_tokens': 100,
      'anthropic.usage.cache_creation.ephemeral_1h_input_tokens': 200,
      'gen_ai.usage.output_tokens': 50,
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 100 * 1 + 200 * 1.6) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read. A beta request that let the server
    // compact its context (the Anthropic client's own span, anthropic 2.17.0): the compaction's 3,000 tokens in and 400
    // out are billed, and counted apart from the message's (`usage.iterations`), under the client's own keys.
    name: 'Anthropic SDK\'s own span of a call that compacted its context, under anthropic.usage.compaction.*',
    attributes: attributes({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-3-5-haiku-20241022',
      'gen_ai.response.model': 'claude-3-5-haiku-20241022',
      'gen_ai.response.id': 'msg_05',
      'gen_ai.usage.input_tokens': 1000,
      'anthropic.usage.compaction.input_tokens': 3000,
      'anthropic.usage.compaction.output_tokens': 400,
      'gen_ai.usage.cache_write.input_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 600,
      'gen_ai.usage.output_tokens': 50,
    }),
    tokens: tokens(4000, 450, 600, 300),
    inputCost: (3100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (450 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read. The same kind of call as OpenInference's
    // Anthropic instrumentor (3.1.0) traces it: the response's counts, the iterations in its metadata; this compaction
    // read 2,000 of its 3,000 tokens from the cache.
    name: 'OpenInference span of a call that compacted its context, the compaction in metadata.usage_iterations',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.provider': 'anthropic',
      'llm.system': 'anthropic',
      'llm.model_name': 'claude-3-5-haiku-20241022',
      metadata: JSON.stringify({
        usage_iterations: [
          { cache_creation_input_tokens: 0, cache_read_input_tokens: 2000, input_tokens: 1000, output_tokens: 400, type: 'compaction' },
          { cache_creation_input_tokens: 300, cache_read_input_tokens: 600, input_tokens: 100, output_tokens: 50, type: 'message' },
        ],
      }).replaceAll(',', ', ').replaceAll(':', ': '),
      'llm.token_count.prompt': 1000,
      'llm.token_count.completion': 50,
      'llm.token_count.prompt_details.cache_read': 600,
      'llm.token_count.prompt_details.cache_write': 300,
      'llm.token_count.total': 1050,
    }),
    tokens: tokens(4000, 450, 2600, 300),
    inputCost: (1100 * 0.8 + 2600 * 0.08 + 300 * 1) / M,
    outputCost: (450 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // openai.com/api/pricing, o3-mini $1.10 in / $4.40 out; reasoning is part of completion
    name: 'OpenInference completion_details.reasoning (o3-mini)',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'o3-mini-2025-01-31',
      'llm.provider': 'openai',
      'llm.token_count.prompt': 800,
      'llm.token_count.completion': 3000,
      'llm.token_count.completion_details.reasoning': 2500,
      'llm.token_count.total': 3800,
    }),
    tokens: tokens(800, 3000, 0, 0, 2500),
    inputCost: (800 * 1.1) / M,
    outputCost: (3000 * 4.4) / M,
    entry: 'openai/o3-mini',
  },
  {
    // azure.microsoft.com/pricing (Global), GPT-4o mini $0.15 / $0.60
    name: 'OpenInference LangChain AzureChatOpenAI: llm.provider azure, model from metadata',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.provider': 'azure',
      'llm.system': 'openai',
      metadata: JSON.stringify({ ls_provider: 'azure', ls_model_name: 'gpt-4o-mini', langgraph_node: 'writer' }),
      'llm.token_count.prompt': 1000,
      'llm.token_count.completion': 100,
    }),
    tokens: tokens(1000, 100),
    inputCost: (1000 * 0.15) / M,
    outputCost: (100 * 0.6) / M,
    entry: 'azure/gpt-4o-mini',
  },
  {
    // openai.com/api/pricing, text-embedding-3-large $0.13 per 1M
    name: 'OpenInference EMBEDDING span',
    attributes: attributes({
      'openinference.span.kind': 'EMBEDDING',
      'embedding.model_name': 'text-embedding-3-large',
      'llm.model_name': 'text-embedding-3-large',
      'llm.provider': 'openai',
      'llm.token_count.prompt': 5000,
      'llm.token_count.total': 5000,
    }),
    tokens: tokens(5000, 0),
    inputCost: (5000 * 0.13) / M,
    outputCost: 0,
    entry: 'openai/text-embedding-3-large',
  },
  {
    // openai.com/api/pricing, text-embedding-3-small $0.02 per 1M. No provider on the span, and the catalog infers none
    // from the name: found in OpenAI's own list.
    // OpenInference's OpenAI instrumentor names an embedding model in `embedding.model_name` only.
    name: 'OpenInference EMBEDDING span without a provider',
    attributes: attributes({
      'openinference.span.kind': 'EMBEDDING',
      'embedding.model_name': 'text-embedding-3-small',
      'llm.token_count.prompt': 12000,
      'llm.token_count.total': 12000,
    }),
    tokens: tokens(12000, 0),
    inputCost: (12000 * 0.02) / M,
    outputCost: 0,
    entry: 'openai/text-embedding-3-small',
  },
  {
    // openai.com/api/pricing, chatgpt-4o-latest $5 in / $15 out per 1M; no provider on the span
    name: 'OTel GenAI chatgpt-4o-latest without a provider',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'chatgpt-4o-latest',
      'gen_ai.usage.input_tokens': 3000,
      'gen_ai.usage.output_tokens': 400,
    }),
    tokens: tokens(3000, 400),
    inputCost: (3000 * 5) / M,
    outputCost: (400 * 15) / M,
    entry: 'openai/chatgpt-4o-latest',
  },
  {
    // cohere.com/pricing, Embed 4 $0.12 per 1M text tokens; no provider on the span
    name: 'OTel GenAI embeddings embed-v4.0 without a provider',
    attributes: attributes({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': 'embed-v4.0',
      'gen_ai.usage.input_tokens': 20000,
    }),
    tokens: tokens(20000, 0),
    inputCost: (20000 * 0.12) / M,
    outputCost: 0,
    entry: 'cohere/embed-v4.0',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.075 cached in / $0.60 out. As OpenLLMetry's LangChain handler
    // (opentelemetry-instrumentation-langchain 0.62.4) exported a LangChain chat model it could not read the model of:
    // `unknown` as request and response model, `langchain` as provider, LangChain's ls_* metadata as association properties.
    name: 'OpenLLMetry LangChain chat span, model unknown to the handler',
    attributes: attributes({
      'traceloop.association.properties.ls_provider': 'openai',
      'traceloop.association.properties.ls_model_type': 'chat',
      'traceloop.association.properties.ls_model_name': 'gpt-4o-mini',
      'gen_ai.provider.name': 'langchain',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'unknown',
      'gen_ai.response.model': 'unknown',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 500,
      'gen_ai.usage.total_tokens': 1500,
      'gen_ai.usage.cache_read.input_tokens': 200,
    }),
    tokens: tokens(1000, 500, 200),
    inputCost: (800 * 0.15 + 200 * 0.075) / M,
    outputCost: (500 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.075 cached in / $0.60 out. As mlflow.openai.autolog() of MLflow
    // 3.9 records a chat completion (tried against a local fake of the OpenAI API): the model only in a plain `model`
    // attribute, no provider, and a token usage without the cache and reasoning counts, which the response kept as
    // outputs has.
    name: 'MLflow OpenAI autolog chat completion',
    attributes: mlflowAttributes({
      'mlflow.traceRequestId': 'tr-4c28a55341d8e7c5deae3f4bc7da1257',
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.spanInputs': { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] },
      model: 'gpt-4o-mini',
      'mlflow.message.format': 'openai',
      'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 },
      'mlflow.spanOutputs': {
        id: 'chatcmpl-abc123',
        model: 'gpt-4o-mini-2024-07-18',
        usage: CACHED_GPT_4O_MINI_USAGE,
      },
    }),
    ...CACHED_GPT_4O_MINI_PRICE,
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.075 cached in / $0.60 out (Azure OpenAI's global deployments are
    // priced alike). The same autolog on Azure OpenAI's client: the model asked for is the deployment's name, in the
    // inputs and the plain `model`; the response names the model that answered.
    name: 'MLflow OpenAI autolog on Azure OpenAI, a deployment named prod-chat',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.spanInputs': { model: 'prod-chat', messages: [{ role: 'user', content: 'hello' }] },
      model: 'prod-chat',
      'mlflow.message.format': 'openai',
      'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 },
      'mlflow.spanOutputs': {
        id: 'chatcmpl-azure1',
        model: 'gpt-4o-mini-2024-07-18',
        usage: CACHED_GPT_4O_MINI_USAGE,
      },
    }),
    ...CACHED_GPT_4O_MINI_PRICE,
  },
  {
    // openai.com/api/pricing, text-embedding-3-small $0.02 per 1M. The same autolog's embedding on Azure OpenAI: the
    // deployment's name asked for (prod-embed), the model in the response after the vectors.
    name: 'MLflow OpenAI autolog embeddings on Azure OpenAI, a deployment named prod-embed',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'EMBEDDING',
      'mlflow.spanInputs': { model: 'prod-embed', input: 'hello' },
      model: 'prod-embed',
      'mlflow.spanOutputs': EMBEDDING_RESPONSE,
    }),
    ...EMBEDDING_PRICE,
  },
  {
    // openai.com/api/pricing, text-embedding-3-small $0.02 per 1M. MLflow 3.9's OpenAI autolog keeps no token usage on an
    // embedding span: the usage is read from the response it keeps as outputs, after the vectors.
    name: 'MLflow OpenAI autolog embeddings, usage only in the outputs',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'EMBEDDING',
      'mlflow.spanInputs': { model: 'text-embedding-3-small', input: 'hello' },
      model: 'text-embedding-3-small',
      'mlflow.spanOutputs': EMBEDDING_RESPONSE,
    }),
    ...EMBEDDING_PRICE,
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 in / $4 out / $1 cache write / $0.08 cache read. As MLflow 3.9's
    // anthropic autolog records Messages.create (tried with anthropic 2.17 against a local fake of the API): the model only
    // in the inputs and the response, the provider only in the message format, and Anthropic's input count (cache
    // left out) with no cache count, which the response kept as outputs has.
    name: 'MLflow anthropic autolog Messages.create, cache counts only in the outputs',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.spanInputs': { max_tokens: 100, messages: [{ role: 'user', content: 'hello' }], model: 'claude-3-5-haiku-latest' },
      'mlflow.message.format': 'anthropic',
      'mlflow.chat.tokenUsage': { input_tokens: 150, output_tokens: 80, total_tokens: 230 },
      'mlflow.spanOutputs': {
        id: 'msg_01',
        content: [{ text: 'hi', type: 'text' }],
        model: 'claude-3-5-haiku-20241022',
        role: 'assistant',
        stop_reason: 'end_turn',
        type: 'message',
        usage: { cache_creation: null, cache_creation_input_tokens: 2000, cache_read_input_tokens: 5000, input_tokens: 150, output_tokens: 80, service_tier: 'standard' },
      },
    }),
    tokens: tokens(7150, 80, 5000, 2000),
    inputCost: (150 * 0.8 + 5000 * 0.08 + 2000 * 1) / M,
    outputCost: (80 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 in / $4 out / $1 cache write, $1.60 kept for an hour (twice the input
    // price) / $0.08 cache read. The same autolog, the prompt cached for an hour in part: Anthropic's usage splits the
    // writes by lifetime (`cache_creation`).
    name: 'MLflow anthropic autolog Messages.create, cache writes kept for an hour priced at their own rate',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.spanInputs': { max_tokens: 100, messages: [{ role: 'user', content: 'hello' }], model: 'claude-3-5-haiku-latest' },
      'mlflow.message.format': 'anthropic',
      'mlflow.chat.tokenUsage': { input_tokens: 150, output_tokens: 80, total_tokens: 230 },
      'mlflow.spanOutputs': HOUR_CACHED_CLAUDE_MESSAGE,
    }),
    ...HOUR_CACHED_CLAUDE_PRICE,
  },
  {
    // anthropic.com/pricing, as above. MLflow 3.17's anthropic autolog: its token usage holds the cache (the input
    // counts it, as OTel's does) and the writes kept for an hour (`cache_creation_input_tokens_above_1hr`).
    name: 'MLflow 3.17 anthropic autolog, the cache and the writes kept for an hour in its token usage',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.spanInputs': { max_tokens: 100, messages: [{ role: 'user', content: 'hello' }], model: 'claude-3-5-haiku-latest' },
      'mlflow.message.format': 'anthropic',
      'mlflow.chat.tokenUsage': {
        input_tokens: 7150,
        output_tokens: 80,
        total_tokens: 7230,
        cache_read_input_tokens: 5000,
        cache_creation_input_tokens: 2000,
        cache_creation_input_tokens_above_1hr: 1500,
      },
      'mlflow.spanOutputs': HOUR_CACHED_CLAUDE_MESSAGE,
    }),
    ...HOUR_CACHED_CLAUDE_PRICE,
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out / $0.075 cached in. As MLflow 3.9's ag2 autolog records a
    // chat completion in an AG2 chat (ag2 0.10.3): the model asked for in the inputs, OpenAI's counts without their
    // details, AG2's own estimate as `cost` (not the provider's: the cache at the input price), the response as outputs.
    name: 'MLflow ag2 autolog chat_completion, cache count only in the response',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'LLM',
      'mlflow.spanInputs': { messages: [{ content: 'hello', role: 'user', name: 'user' }], model: 'gpt-4o-mini', stream: false },
      'mlflow.message.format': 'ag2',
      source: 'assistant',
      cost: 0.0005025,
      is_cached: 0,
      'mlflow.chat.tokenUsage': { input_tokens: 2000, output_tokens: 300, total_tokens: 2300 },
      'mlflow.spanOutputs': {
        id: 'chatcmpl-2',
        choices: [{ finish_reason: 'stop', index: 0, message: { content: 'hi', role: 'assistant' } }],
        model: 'gpt-4o-mini-2024-07-18',
        object: 'chat.completion',
        usage: { completion_tokens: 300, prompt_tokens: 2000, total_tokens: 2300, prompt_tokens_details: { audio_tokens: 0, cached_tokens: 1024 } },
      },
    }),
    tokens: tokens(2000, 300, 1024),
    inputCost: (976 * 0.15 + 1024 * 0.075) / M,
    outputCost: (300 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out / $0.075 cached in. As MLflow 3.9's smolagents autolog
    // records smolagents' OpenAIServerModel (smolagents 1.23.0): the model's fields as attributes (`model_id`, as str()),
    // OpenAI's counts without their details as token usage, the client's response as `raw` in the outputs.
    name: 'MLflow smolagents autolog OpenAIServerModel, model in model_id and cache count only in the raw response',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.spanInputs': { args: [[{ role: 'user', content: [{ type: 'text', text: 'hello' }] }]] },
      'mlflow.message.format': 'smolagents',
      model_id: 'gpt-4o-mini',
      flatten_messages_as_text: 'False',
      'mlflow.chat.tokenUsage': { input_tokens: 2000, output_tokens: 300, total_tokens: 2300 },
      'mlflow.spanOutputs': {
        role: 'assistant',
        content: 'hi',
        tool_calls: null,
        raw: {
          id: 'chatcmpl-1',
          model: 'gpt-4o-mini-2024-07-18',
          object: 'chat.completion',
          usage: { completion_tokens: 300, prompt_tokens: 2000, total_tokens: 2300, prompt_tokens_details: { audio_tokens: 0, cached_tokens: 1024 } },
        },
        token_usage: { input_tokens: 2000, output_tokens: 300, total_tokens: 2300 },
      },
    }),
    tokens: tokens(2000, 300, 1024),
    inputCost: (976 * 0.15 + 1024 * 0.075) / M,
    outputCost: (300 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out / $0.075 cached in. As MLflow 3.9's llama_index autolog
    // records LlamaIndex's OpenAI LLM (llama-index-core 0.14.12, llama-index-llms-openai 0.8.3): its token usage is
    // OpenAI's counts without their details; the raw response's usage, kept as `usage`, has the cached count.
    name: 'MLflow llama_index autolog OpenAI.chat, cache count only in the raw usage',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.message.format': 'llamaindex',
      model_name: 'gpt-4o-mini',
      invocation_params: { context_window: 128000, num_output: -1, is_chat_model: true, is_function_calling_model: true, model_name: 'gpt-4o-mini', system_role: 'system' },
      usage: {
        completion_tokens: 300,
        prompt_tokens: 2000,
        total_tokens: 2300,
        completion_tokens_details: { accepted_prediction_tokens: null, audio_tokens: null, reasoning_tokens: 0, rejected_prediction_tokens: null },
        prompt_tokens_details: { audio_tokens: null, cached_tokens: 1024 },
      },
      'mlflow.chat.tokenUsage': { input_tokens: 2000, output_tokens: 300, total_tokens: 2300 },
    }),
    tokens: tokens(2000, 300, 1024),
    inputCost: (976 * 0.15 + 1024 * 0.075) / M,
    outputCost: (300 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 in / $4 out / $1 cache write / $0.08 cache read. The same autolog on
    // LlamaIndex's Anthropic LLM (llama-index-llms-anthropic keeps Anthropic's message as the raw response): Anthropic's
    // usage has none of the OpenAI keys MLflow makes its token usage from, so it writes none; the counts are Anthropic's,
    // the input without the cache.
    name: 'MLflow llama_index autolog Anthropic.chat, no token usage but Anthropic’s own',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.message.format': 'llamaindex',
      model_name: 'claude-3-5-haiku-20241022',
      invocation_params: { context_window: 200000, num_output: 512, is_chat_model: true, is_function_calling_model: true, model_name: 'claude-3-5-haiku-20241022', system_role: 'system' },
      usage: {
        cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 2000 },
        cache_creation_input_tokens: 2000,
        cache_read_input_tokens: 5000,
        input_tokens: 150,
        output_tokens: 80,
        server_tool_use: null,
        service_tier: 'standard',
      },
    }),
    tokens: tokens(7150, 80, 5000, 2000),
    inputCost: (150 * 0.8 + 5000 * 0.08 + 2000 * 1) / M,
    outputCost: (80 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // ai.google.dev/gemini-api/docs/pricing, Gemini 2.5 Flash $0.30 in / $0.03 cached in / $2.50 out (thinking included).
    // As MLflow 3.9's gemini autolog records generate_content (google-genai 3.6.1, local fake): the model only in the
    // inputs and the response's model_version, and the prompt, candidates and total counts: the cached and thinking
    // counts are in the response's usage_metadata.
    name: 'MLflow gemini autolog generate_content, cache and thinking only in the outputs',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'LLM',
      'mlflow.spanInputs': { model: 'gemini-2.5-flash', contents: 'hello', config: null },
      'mlflow.message.format': 'gemini',
      'mlflow.chat.tokenUsage': { input_tokens: 3000, output_tokens: 200, total_tokens: 4400 },
      'mlflow.spanOutputs': {
        candidates: [{ content: { parts: [{ text: 'hi', thought: null }], role: 'model' }, finish_reason: 'STOP', index: 0 }],
        model_version: 'gemini-2.5-flash',
        response_id: 'resp-1',
        usage_metadata: { cached_content_token_count: 1000, candidates_token_count: 200, prompt_token_count: 3000, thoughts_token_count: 1200, tool_use_prompt_token_count: null, total_token_count: 4400 },
        automatic_function_calling_history: [],
      },
    }),
    tokens: tokens(3000, 1400, 1000, 0, 1200),
    inputCost: (2000 * 0.3 + 1000 * 0.03) / M,
    outputCost: (1400 * 2.5) / M,
    entry: 'google/gemini-2.5-flash',
  },
  {
    // aws.amazon.com/bedrock/pricing, Claude 3.5 Haiku $0.80 in / $4 out / $1 cache write / $0.08 cache read. As MLflow
    // 3.9's bedrock autolog records Converse (boto3, local fake): the model id only in the inputs, Bedrock's input count
    // (cache left out) and its total; the cache counts are in the response's usage.
    name: 'MLflow bedrock autolog converse, cache counts only in the outputs',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.spanInputs': { modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', messages: [{ role: 'user', content: [{ text: 'hello' }] }] },
      'mlflow.message.format': 'bedrock',
      'mlflow.chat.tokenUsage': { input_tokens: 100, output_tokens: 50, total_tokens: 1050 },
      'mlflow.spanOutputs': {
        ResponseMetadata: { HTTPStatusCode: 200, HTTPHeaders: { 'content-type': 'application/json' }, RetryAttempts: 0 },
        output: { message: { role: 'assistant', content: [{ text: 'hi' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 100, outputTokens: 50, totalTokens: 1050, cacheReadInputTokens: 600, cacheWriteInputTokens: 300 },
        metrics: { latencyMs: 100 },
      },
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'aws/regional.anthropic.claude-3-5-haiku-20241022-v1:0',
  },
  {
    // aws.amazon.com/bedrock/pricing, Claude 3.5 Haiku $0.80 in / $4 out / $0.08 cache read. MLflow 3.9's bedrock autolog
    // marks an InvokeModel span with no message format: the model id is in the inputs, the cache counts in Bedrock's
    // response headers (the same for every model family), kept in the outputs.
    name: 'MLflow bedrock autolog invoke_model, no format, cache counts in the response headers',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'LLM',
      'mlflow.spanInputs': { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0', body: '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100}' },
      'mlflow.spanOutputs': {
        ResponseMetadata: {
          HTTPStatusCode: 200,
          HTTPHeaders: {
            'content-type': 'application/json',
            'x-amzn-bedrock-input-token-count': '100',
            'x-amzn-bedrock-output-token-count': '50',
            'x-amzn-bedrock-cache-read-input-token-count': '1600',
            'x-amzn-bedrock-cache-write-input-token-count': '0',
          },
          RetryAttempts: 0,
        },
        contentType: 'application/json',
        body: { id: 'msg_01', type: 'message', model: 'claude-3-5-haiku-20241022', usage: { input_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 1600, output_tokens: 50 } },
      },
      'mlflow.chat.tokenUsage': { input_tokens: 100, output_tokens: 50, total_tokens: 150 },
    }),
    tokens: tokens(1700, 50, 1600),
    inputCost: (100 * 0.8 + 1600 * 0.08) / M,
    outputCost: (50 * 4) / M,
    entry: 'aws/regional.anthropic.claude-3-5-haiku-20241022-v1:0',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.075 cached in / $0.60 out. MLflow 3.9's tracing of the OpenAI
    // Agents SDK (openai-agents 0.6.4, through mlflow.openai.autolog) keeps a Responses call's usage as the SDK has it,
    // under `usage`: OpenAI's meaning (cached tokens in the input), not LiteLLM's keys.
    name: 'MLflow OpenAI Agents SDK Response span, usage with details',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.message.format': 'openai-agent',
      'mlflow.spanInputs': [{ content: 'hello', role: 'user' }],
      'mlflow.spanOutputs': [{ id: 'msg_out', content: [{ annotations: [], text: 'hi', type: 'output_text' }], role: 'assistant', status: 'completed', type: 'message' }],
      id: 'resp_01',
      model: 'gpt-4o-mini-2024-07-18',
      object: 'response',
      tools: [],
      usage: { input_tokens: 4000, input_tokens_details: { cached_tokens: 3000 }, output_tokens: 600, output_tokens_details: { reasoning_tokens: 200 }, total_tokens: 4600 },
    }),
    tokens: tokens(4000, 600, 3000, 0, 200),
    inputCost: (1000 * 0.15 + 3000 * 0.075) / M,
    outputCost: (600 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // openai.com/api/pricing, gpt-4o $2.50 in / $10 out. The Agents SDK's Generation span (a Chat Completions model)
    // keeps input and output counts only.
    name: 'MLflow OpenAI Agents SDK Generation span, input and output only',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.message.format': 'openai-agent',
      'mlflow.spanInputs': [{ content: 'be brief', role: 'system' }, { role: 'user', content: 'hello' }],
      'mlflow.spanOutputs': [{ content: 'hi', role: 'assistant', tool_calls: null, function_call: null }],
      model: 'gpt-4o',
      model_config: { temperature: null, top_p: null, base_url: null },
      usage: { input_tokens: 3000, output_tokens: 400 },
    }),
    tokens: tokens(3000, 400),
    inputCost: (3000 * 2.5) / M,
    outputCost: (400 * 10) / M,
    entry: 'openai/gpt-4o',
  },
  {
    // cohere.com/pricing, Command R $0.15 in / $0.60 out
    name: 'OpenInference cohere command-r',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'command-r',
      'llm.provider': 'cohere',
      'llm.token_count.prompt': 4000,
      'llm.token_count.completion': 500,
    }),
    tokens: tokens(4000, 500),
    inputCost: (4000 * 0.15) / M,
    outputCost: (500 * 0.6) / M,
    entry: 'cohere/command-r',
  },
  // --- OpenLLMetry ---
  {
    // openai.com/api/pricing, gpt-5 $1.25 in / $10 out / $0.125 cached
    name: 'OpenLLMetry ≥0.55 gpt-5 with cache_read and reasoning_tokens',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-5',
      'gen_ai.response.model': 'gpt-5-2025-08-07',
      'gen_ai.usage.input_tokens': 20000,
      'gen_ai.usage.cache_read.input_tokens': 15000,
      'gen_ai.usage.output_tokens': 4000,
      'gen_ai.usage.reasoning_tokens': 3000,
      'gen_ai.usage.total_tokens': 24000,
    }),
    tokens: tokens(20000, 4000, 15000, 0, 3000),
    inputCost: (5000 * 1.25 + 15000 * 0.125) / M,
    outputCost: (4000 * 10) / M,
    entry: 'openai/gpt-5',
  },
  {
    // anthropic.com/pricing, Claude Opus 4.1 $15 in / $75 out / $18.75 write / $1.50 read
    name: 'OpenLLMetry ≥0.55 Anthropic cache_creation.input_tokens (input includes cache)',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-opus-4-1-20250805',
      'gen_ai.usage.input_tokens': 12000,
      'gen_ai.usage.cache_read.input_tokens': 8000,
      'gen_ai.usage.cache_creation.input_tokens': 3000,
      'gen_ai.usage.output_tokens': 900,
      'gen_ai.usage.total_tokens': 12900,
    }),
    tokens: tokens(12000, 900, 8000, 3000),
    inputCost: (1000 * 15 + 8000 * 1.5 + 3000 * 18.75) / M,
    outputCost: (900 * 75) / M,
    entry: 'anthropic/claude-opus-4-1',
  },
  {
    // anthropic.com/pricing, Claude 3 Haiku $0.25 in / $1.25 out / $0.30 write / $0.03 read
    name: 'OpenLLMetry 0.48–0.54 cache_read_input_tokens / cache_creation_input_tokens, gen_ai.system Anthropic',
    attributes: attributes({
      'llm.request.type': 'chat',
      'gen_ai.system': 'Anthropic',
      'gen_ai.request.model': 'claude-3-haiku-20240307',
      'gen_ai.usage.input_tokens': 5000,
      'gen_ai.usage.cache_read_input_tokens': 2000,
      'gen_ai.usage.cache_creation_input_tokens': 1000,
      'gen_ai.usage.output_tokens': 200,
      'llm.usage.total_tokens': 5200,
    }),
    tokens: tokens(5000, 200, 2000, 1000),
    inputCost: (2000 * 0.25 + 2000 * 0.03 + 1000 * 0.3) / M,
    outputCost: (200 * 1.25) / M,
    entry: 'anthropic/claude-3-haiku',
  },
  {
    // openai.com/api/pricing, gpt-4o $2.50 in / $10 out
    name: 'OpenLLMetry ≤0.47 prompt_tokens, llm.request.type chat, openai.chat span',
    attributes: attributes({
      'llm.request.type': 'chat',
      'gen_ai.system': 'OpenAI',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.prompt_tokens': 1300,
      'gen_ai.usage.completion_tokens': 220,
      'llm.usage.total_tokens': 1520,
    }),
    tokens: tokens(1300, 220),
    inputCost: (1300 * 2.5) / M,
    outputCost: (220 * 10) / M,
    entry: 'openai/gpt-4o',
  },
  {
    // together.ai/pricing, Llama 3.3 70B Instruct Turbo $0.88 in and out (as genai-prices 0.1.8 lists it). OpenLLMetry's
    // Together instrumentor, before the lower-case values (MIGRATION.md): `gen_ai.system` TogetherAI (GenAISystem.TOGETHER_AI).
    name: 'OpenLLMetry ≤0.54 Together chat, gen_ai.system TogetherAI',
    attributes: attributes({
      'llm.request.type': 'chat',
      'gen_ai.system': 'TogetherAI',
      'gen_ai.request.model': 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
      'gen_ai.usage.prompt_tokens': 1000,
      'gen_ai.usage.completion_tokens': 100,
    }),
    tokens: tokens(1000, 100),
    inputCost: (1000 * 0.88) / M,
    outputCost: (100 * 0.88) / M,
    entry: 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo',
  },
  {
    // openai.com/api/pricing, o1 $15 in / $60 out / $7.50 cached
    name: 'OpenLLMetry ≤0.54 llm.usage.reasoning_tokens (o1)',
    attributes: attributes({
      'llm.request.type': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'o1',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 5000,
      'llm.usage.reasoning_tokens': 4500,
      'llm.usage.total_tokens': 6000,
    }),
    tokens: tokens(1000, 5000, 0, 0, 4500),
    inputCost: (1000 * 15) / M,
    outputCost: (5000 * 60) / M,
    entry: 'openai/o1',
  },
  {
    // aws.amazon.com/bedrock/pricing, Amazon Nova Lite $0.06 in / $0.24 out
    name: 'OpenLLMetry ≥0.55 aws.bedrock amazon.nova-lite',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': 'amazon.nova-lite-v1:0',
      'gen_ai.usage.input_tokens': 9000,
      'gen_ai.usage.output_tokens': 1500,
    }),
    tokens: tokens(9000, 1500),
    inputCost: (9000 * 0.06) / M,
    outputCost: (1500 * 0.24) / M,
    entry: 'aws/amazon.nova-lite-v1:0',
  },
  // --- Vercel AI SDK ---
  {
    // openai.com/api/pricing, gpt-4.1-mini $0.40 in / $1.60 out / $0.10 cached
    name: 'AI SDK ≤6 ai.generateText.doGenerate, openai.chat, cachedInputTokens',
    attributes: attributes({
      'ai.operationId': 'ai.generateText.doGenerate',
      'operation.name': 'ai.generateText.doGenerate my-fn',
      'ai.model.id': 'gpt-4.1-mini',
      'ai.model.provider': 'openai.chat',
      'gen_ai.system': 'openai.chat',
      'gen_ai.request.model': 'gpt-4.1-mini',
      'gen_ai.response.model': 'gpt-4.1-mini-2025-04-14',
      'ai.usage.inputTokens': 4000,
      'ai.usage.outputTokens': 600,
      'ai.usage.cachedInputTokens': 3000,
      'ai.usage.totalTokens': 4600,
      'gen_ai.usage.input_tokens': 4000,
      'gen_ai.usage.output_tokens': 600,
    }),
    tokens: tokens(4000, 600, 3000),
    inputCost: (1000 * 0.4 + 3000 * 0.1) / M,
    outputCost: (600 * 1.6) / M,
    entry: 'openai/gpt-4.1-mini',
  },
  {
    // anthropic.com/pricing, Claude 3.7 Sonnet $3 in / $15 out
    name: 'AI SDK ≤4 ai.streamText.doStream promptTokens, anthropic.messages',
    attributes: attributes({
      'ai.operationId': 'ai.streamText.doStream',
      'ai.model.id': 'claude-3-7-sonnet-20250219',
      'ai.model.provider': 'anthropic.messages',
      'ai.usage.promptTokens': 2200,
      'ai.usage.completionTokens': 800,
    }),
    tokens: tokens(2200, 800),
    inputCost: (2200 * 3) / M,
    outputCost: (800 * 15) / M,
    entry: 'anthropic/claude-3-7-sonnet-latest',
  },
  {
    // ai.google.dev/gemini-api/docs/pricing, Gemini 2.5 Flash-Lite $0.10 in / $0.40 out
    name: 'AI SDK ai.generateObject.doGenerate google.generative-ai',
    attributes: attributes({
      'ai.operationId': 'ai.generateObject.doGenerate',
      'ai.model.id': 'gemini-2.5-flash-lite',
      'ai.model.provider': 'google.generative-ai',
      'ai.usage.inputTokens': 7000,
      'ai.usage.outputTokens': 350,
    }),
    tokens: tokens(7000, 350),
    inputCost: (7000 * 0.1) / M,
    outputCost: (350 * 0.4) / M,
    entry: 'google/gemini-2.5-flash-lite',
  },
  {
    // together.ai/pricing, Llama 3.3 70B Instruct Turbo $0.88 in and out (as genai-prices 0.1.8 lists it). @ai-sdk/togetherai
    // names its chat models' provider `togetherai.chat` (togetherai-provider.ts, `togetherai.${modelType}`).
    name: 'AI SDK ai.generateText.doGenerate togetherai.chat',
    attributes: attributes({
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.id': 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
      'ai.model.provider': 'togetherai.chat',
      'gen_ai.system': 'togetherai.chat',
      'ai.usage.inputTokens': 1000,
      'ai.usage.outputTokens': 100,
    }),
    tokens: tokens(1000, 100),
    inputCost: (1000 * 0.88) / M,
    outputCost: (100 * 0.88) / M,
    entry: 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo',
  },
  {
    // openai.com/api/pricing, gpt-5-mini $0.25 in / $2 out / $0.025 cached
    name: 'AI SDK 7 legacy inputTokenDetails / outputTokenDetails keys',
    attributes: attributes({
      'ai.operationId': 'ai.streamText.doStream',
      'ai.model.id': 'gpt-5-mini',
      'ai.model.provider': 'openai.responses',
      'ai.usage.inputTokens': 6000,
      'ai.usage.inputTokenDetails.cacheReadTokens': 4000,
      'ai.usage.outputTokens': 1800,
      'ai.usage.outputTokenDetails.reasoningTokens': 1500,
    }),
    tokens: tokens(6000, 1800, 4000, 0, 1500),
    inputCost: (2000 * 0.25 + 4000 * 0.025) / M,
    outputCost: (1800 * 2) / M,
    entry: 'openai/gpt-5-mini',
  },
  {
    // openai.com/api/pricing, text-embedding-3-small $0.02 per 1M
    name: 'AI SDK ai.embed.doEmbed ai.usage.tokens',
    attributes: attributes({
      'ai.operationId': 'ai.embed.doEmbed',
      'ai.model.id': 'text-embedding-3-small',
      'ai.model.provider': 'openai.embedding',
      'ai.usage.tokens': 1200,
    }),
    tokens: tokens(1200, 0),
    inputCost: (1200 * 0.02) / M,
    outputCost: 0,
    entry: 'openai/text-embedding-3-small',
  },
  {
    // anthropic.com/pricing, Claude Sonnet 4 $3 in / $15 out / $3.75 write / $0.30 read (≤ 200k)
    name: 'AI SDK 7 OpenTelemetry chat span, cache_creation (old spelling)',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-20250514',
      'gen_ai.usage.input_tokens': 3000,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.cache_creation.input_tokens': 1500,
      'gen_ai.usage.output_tokens': 400,
    }),
    tokens: tokens(3000, 400, 1000, 1500),
    inputCost: (500 * 3 + 1000 * 0.3 + 1500 * 3.75) / M,
    outputCost: (400 * 15) / M,
    entry: 'anthropic/claude-sonnet-4-0',
  },
  {
    // cloud.google.com/vertex-ai/generative-ai/pricing (Anthropic partner models), Claude 3.5 Sonnet v2 $3 in / $15 out
    name: 'AI SDK 7 gcp.vertex_ai claude-3-5-sonnet-v2@20241022',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.request.model': 'claude-3-5-sonnet-v2@20241022',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 1000,
    }),
    tokens: tokens(1000, 1000),
    inputCost: (1000 * 3) / M,
    outputCost: (1000 * 15) / M,
    entry: 'google/claude-3-5-sonnet',
  },
  {
    // ai.google.dev/gemini-api/docs/pricing as the catalog has it: Gemini 2.5 Flash $0.30 in, $0.03 cached, $2.50 out
    // (thinking included). opentelemetry-instrumentation-google-generativeai 0.62.4 passes Gemini's total on (prompt +
    // candidates + thoughts) but neither the thoughts count nor the thoughts in output.
    name: 'OpenLLMetry Gemini, thinking tokens only in the total',
    attributes: attributes({
      'gen_ai.provider.name': 'gcp.gen_ai',
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.request.model': 'gemini-2.5-flash',
      'gen_ai.response.model': 'gemini-2.5-flash',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.cache_read.input_tokens': 400,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.total_tokens': 1800,
    }),
    tokens: tokens(1000, 800, 400, 0, 500),
    inputCost: (600 * 0.3 + 400 * 0.03) / M,
    outputCost: (800 * 2.5) / M,
    entry: 'google/gemini-2.5-flash',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read. LiteLLM 1.74.9 (openinference-
    // instrumentation-litellm 0.1.51) counts Anthropic's input with the cache reads but without the cache writes.
    name: 'OpenInference LiteLLM Claude, input with cache reads but not writes',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.provider': 'anthropic',
      'llm.model_name': 'anthropic/claude-3-5-haiku-20241022',
      'llm.token_count.prompt': 700,
      'llm.token_count.completion': 50,
      'llm.token_count.total': 750,
      'llm.token_count.prompt_details.cache_read': 600,
      'llm.token_count.prompt_details.cache_write': 300,
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // The same call through LiteLLM 1.110, whose input holds the cache writes too.
    name: 'OpenInference LiteLLM Claude, input with all the cache',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.provider': 'anthropic',
      'llm.model_name': 'anthropic/claude-3-5-haiku-20241022',
      'llm.token_count.prompt': 1000,
      'llm.token_count.completion': 50,
      'llm.token_count.total': 1050,
      'llm.token_count.prompt_details.cache_read': 600,
      'llm.token_count.prompt_details.cache_write': 300,
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read. LiteLLM 1.74.9's MLflow integration
    // (mlflow.litellm.autolog): usage in its own keys, the cache counts only in the response it keeps.
    name: 'MLflow litellm autolog Claude, usage and response as LiteLLM keeps them',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'LLM',
      litellm_call_id: '15909d16-5464-4500-ba7f-8d5d43e41804',
      call_type: 'completion',
      model: 'claude-3-5-haiku-20241022',
      usage: { completion_tokens: 50, prompt_tokens: 700, total_tokens: 750 },
      raw_llm_response: {
        id: 'chatcmpl-a91d40e4',
        model: 'claude-3-5-haiku-20241022',
        choices: [{ finish_reason: 'stop', index: 0, message: { content: 'hi', role: 'assistant' } }],
        usage: { completion_tokens: 50, prompt_tokens: 700, total_tokens: 750, prompt_tokens_details: { cached_tokens: 600 }, cache_creation_input_tokens: 300, cache_read_input_tokens: 600 },
      },
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read. LiteLLM 1.74.9's own OpenTelemetry
    // callback (`litellm.integrations.opentelemetry`): LiteLLM's prompt count holds the cache reads but not the writes,
    // and only its whole usage, as Python's str() of the dict, has the cache counts.
    name: 'LiteLLM OpenTelemetry callback Claude, cache counts only in its usage object',
    attributes: attributes({
      'metadata.usage_object':
        "{'completion_tokens': 50, 'prompt_tokens': 700, 'total_tokens': 750, 'completion_tokens_details': {'accepted_prediction_tokens': None, 'audio_tokens': None, " +
        "'reasoning_tokens': 0, 'rejected_prediction_tokens': None}, 'prompt_tokens_details': {'audio_tokens': None, 'cached_tokens': 600, 'text_tokens': None, " +
        "'image_tokens': None}, 'cache_creation_input_tokens': 300, 'cache_read_input_tokens': 600}",
      'gen_ai.request.model': 'claude-3-5-haiku-20241022',
      'llm.request.type': 'completion',
      'gen_ai.system': 'anthropic',
      'llm.is_streaming': 'False',
      'gen_ai.response.id': 'chatcmpl-11e85015-3f2e-49bd-8550-0d80d0767e65',
      'gen_ai.response.model': 'claude-3-5-haiku-20241022',
      'llm.usage.total_tokens': 750,
      'gen_ai.usage.completion_tokens': 50,
      'gen_ai.usage.prompt_tokens': 700,
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // ai.google.dev/gemini-api/docs/pricing, Gemini 2.5 Flash $0.30 in / $0.03 cached / $2.50 out (thinking is output).
    // LiteLLM 1.74.9's OpenTelemetry callback: LiteLLM's completion count holds the thinking tokens, its prompt count
    // the cached ones, whose counts are only in its usage object. Its provider name for the Gemini API is `gemini`.
    name: 'LiteLLM OpenTelemetry callback Gemini, cached and thinking counts only in its usage object',
    attributes: attributes({
      'metadata.usage_object':
        "{'completion_tokens': 800, 'prompt_tokens': 1000, 'total_tokens': 1800, 'completion_tokens_details': {'accepted_prediction_tokens': None, 'audio_tokens': None, " +
        "'reasoning_tokens': 500, 'rejected_prediction_tokens': None}, 'prompt_tokens_details': {'audio_tokens': None, 'cached_tokens': 400, 'text_tokens': 1000, 'image_tokens': None}}",
      'gen_ai.request.model': 'gemini-2.5-flash',
      'llm.request.type': 'completion',
      'gen_ai.system': 'gemini',
      'gen_ai.response.model': 'gemini-2.5-flash',
      'llm.usage.total_tokens': 1800,
      'gen_ai.usage.completion_tokens': 800,
      'gen_ai.usage.prompt_tokens': 1000,
    }),
    tokens: tokens(1000, 800, 400, 0, 500),
    inputCost: (600 * 0.3 + 400 * 0.03) / M,
    outputCost: (800 * 2.5) / M,
    entry: 'google/gemini-2.5-flash',
  },
  {
    // anthropic.com/pricing (Bedrock charges Anthropic's price for Claude), Claude 3.5 Haiku $0.80 / $4 / $1 write /
    // $0.08 read. LiteLLM 1.74.9's OpenTelemetry callback of a Bedrock Converse call: the prompt count holds the cache
    // reads, the total the writes too; its provider name is `bedrock`.
    name: 'LiteLLM OpenTelemetry callback Bedrock Converse Claude, total with the cache writes',
    attributes: attributes({
      'metadata.usage_object':
        "{'completion_tokens': 50, 'prompt_tokens': 700, 'total_tokens': 1050, 'completion_tokens_details': None, 'prompt_tokens_details': {'audio_tokens': None, " +
        "'cached_tokens': 600, 'text_tokens': None, 'image_tokens': None}, 'cache_creation_input_tokens': 300, 'cache_read_input_tokens': 600}",
      'gen_ai.request.model': 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      'llm.request.type': 'completion',
      'gen_ai.system': 'bedrock',
      'gen_ai.response.model': 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      'llm.usage.total_tokens': 1050,
      'gen_ai.usage.completion_tokens': 50,
      'gen_ai.usage.prompt_tokens': 700,
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'aws/regional.anthropic.claude-3-5-haiku-20241022-v1:0',
  },
  {
    // anthropic.com/pricing (Bedrock charges Anthropic's price for Claude), Claude 3.5 Haiku $0.80 / $4 / $1 write /
    // $0.08 read. OpenInference's Bedrock instrumentor (0.1.61) on InvokeModelWithResponseStream: the prompt count holds
    // the cache, no cache count is written; the message it assembles from the stream, Anthropic's usage in it, is its output.
    name: 'OpenInference Bedrock InvokeModel stream Claude, cache counts only in the assembled message',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.provider': 'aws',
      'llm.system': 'anthropic',
      'llm.model_name': 'claude-3-5-haiku-20241022',
      'llm.invocation_parameters': '{"max_tokens": 100}',
      'llm.token_count.prompt': 1000,
      'llm.token_count.completion': 50,
      'output.mime_type': 'application/json',
      'output.value':
        '{"id": "msg_bdrk_01", "content": [{"text": "hi", "citations": null, "type": "text"}], "model": "claude-3-5-haiku-20241022", ' +
        '"usage": {"input_tokens": 100, "output_tokens": 50, "cache_creation_input_tokens": 300, "cache_read_input_tokens": 600}, ' +
        '"role": "assistant", "stop_reason": "end_turn", "stop_sequence": null, "type": "message"}',
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'aws/regional.anthropic.claude-3-5-haiku-20241022-v1:0',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.60 out / $0.075 cached in. Pydantic AI (pydantic-ai-slim 1.66.0,
    // `Agent.instrument_all()`): OTel GenAI keys for input (the cache included) and output, the rest of its usage under
    // `gen_ai.usage.details.` (its `RequestUsage.opentelemetry_attributes`).
    name: 'Pydantic AI OpenAI chat, cache and reasoning counts among its usage details',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': 'api.openai.com',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 500,
      'gen_ai.usage.details.reasoning_tokens': 100,
      'gen_ai.usage.details.cache_read_tokens': 200,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.id': 'chatcmpl-1',
      'operation.cost': 0.000465,
    }),
    tokens: tokens(1000, 500, 200, 0, 100),
    inputCost: (800 * 0.15 + 200 * 0.075) / M,
    outputCost: (500 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read. Pydantic AI 1.66.0: its input count
    // holds the cache (genai-prices' reading of Anthropic's usage); Anthropic's own counts are among the details too.
    name: 'Pydantic AI Anthropic message, input with the cache, cache counts among its usage details',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-3-5-haiku-20241022',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 50,
      'gen_ai.usage.details.input_tokens': 100,
      'gen_ai.usage.details.cache_creation_input_tokens': 300,
      'gen_ai.usage.details.cache_read_input_tokens': 600,
      'gen_ai.usage.details.output_tokens': 50,
      'gen_ai.usage.details.cache_write_tokens': 300,
      'gen_ai.usage.details.cache_read_tokens': 600,
      'gen_ai.response.model': 'claude-3-5-haiku-20241022',
    }),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read. AI SDK 5 (ai 5.0.285,
    // @ai-sdk/anthropic 2.0.112) records Anthropic's prompt count, without the cache; the cache is in providerMetadata.
    name: 'Vercel AI SDK 5 Claude, cache counts only in the provider metadata',
    attributes: aiSdk5ClaudeAttributes(100),
    tokens: tokens(1000, 50, 600, 300),
    inputCost: (100 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // As above, with more uncached input than cache: the prompt count still leaves the cache out (it equals
    // Anthropic's input_tokens).
    name: 'Vercel AI SDK 5 Claude, cache counts only in the provider metadata, smaller than the uncached input',
    attributes: aiSdk5ClaudeAttributes(2000),
    tokens: tokens(2900, 50, 600, 300),
    inputCost: (2000 * 0.8 + 600 * 0.08 + 300 * 1) / M,
    outputCost: (50 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // openai.com/api/pricing, gpt-5-mini $0.25 in / $2 out; the flex tier is half of it (platform.openai.com/docs/guides/
    // flex-processing). @ai-sdk/openai's Responses API model keeps the tier that served the call only in its metadata.
    name: 'AI SDK ≤6 openai.responses gpt-5-mini, flex tier only in the provider metadata',
    attributes: attributes({
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.id': 'gpt-5-mini',
      'ai.model.provider': 'openai.responses',
      'gen_ai.system': 'openai.responses',
      'gen_ai.request.model': 'gpt-5-mini',
      'gen_ai.response.model': 'gpt-5-mini-2025-08-07',
      'ai.usage.inputTokens': 10000,
      'ai.usage.outputTokens': 2000,
      'ai.usage.totalTokens': 12000,
      'gen_ai.usage.input_tokens': 10000,
      'gen_ai.usage.output_tokens': 2000,
      'ai.response.providerMetadata': JSON.stringify({ openai: { responseId: 'resp_68a1', serviceTier: 'flex' } }),
    }),
    tokens: tokens(10000, 2000),
    inputCost: (10000 * 0.25 * 0.5) / M,
    outputCost: (2000 * 2 * 0.5) / M,
    entry: 'openai/gpt-5-mini',
  },
  // --- LangSmith OTel export ---
  {
    // groq.com/pricing, GPT OSS 120B $0.15 in / $0.60 out. LangSmith guesses `gen_ai.system` from the model's name
    // (langsmith-sdk `_set_gen_ai_system`: "gpt" is openai); ChatGroq's own `ls_provider` says who served it.
    name: 'LangSmith ChatGroq openai/gpt-oss-120b, gen_ai.system guessed openai from the name',
    attributes: attributes({
      'langsmith.span.kind': 'llm',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'openai/gpt-oss-120b',
      'langsmith.metadata.ls_provider': 'groq',
      'langsmith.metadata.ls_model_name': 'openai/gpt-oss-120b',
      'langsmith.metadata.ls_model_type': 'chat',
      'gen_ai.usage.input_tokens': 100000,
      'gen_ai.usage.output_tokens': 10000,
      'gen_ai.usage.total_tokens': 110000,
    }),
    tokens: tokens(100000, 10000),
    inputCost: (100000 * 0.15) / M,
    outputCost: (10000 * 0.6) / M,
    entry: 'groq/openai/gpt-oss-120b',
  },
  {
    // groq.com/pricing, DeepSeek R1 Distill Llama 70B $0.75 in / $0.99 out (not DeepSeek's API R1): "deepseek" in the
    // name makes LangSmith's `gen_ai.system` deepseek.
    name: 'LangSmith ChatGroq deepseek-r1-distill-llama-70b, gen_ai.system guessed deepseek from the name',
    attributes: attributes({
      'langsmith.span.kind': 'llm',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'deepseek',
      'gen_ai.request.model': 'deepseek-r1-distill-llama-70b',
      'langsmith.metadata.ls_provider': 'groq',
      'langsmith.metadata.ls_model_name': 'deepseek-r1-distill-llama-70b',
      'gen_ai.usage.input_tokens': 100000,
      'gen_ai.usage.output_tokens': 10000,
      'gen_ai.usage.total_tokens': 110000,
    }),
    tokens: tokens(100000, 10000),
    inputCost: (100000 * 0.75) / M,
    outputCost: (10000 * 0.99) / M,
    entry: 'groq/deepseek-r1-distill-llama-70b',
  },
  {
    // aws.amazon.com/bedrock/pricing, Claude Sonnet 4.5 through a regional (us.) cross-region profile $3.30 in /
    // $16.50 out, a tenth above Anthropic's own $3 / $15: "anthropic" in the name makes LangSmith's `gen_ai.system`
    // anthropic; ChatBedrockConverse's `ls_provider` is amazon_bedrock.
    name: 'LangSmith ChatBedrockConverse us.anthropic.claude-sonnet-4-5, gen_ai.system guessed anthropic from the name',
    attributes: attributes({
      'langsmith.span.kind': 'llm',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'langsmith.metadata.ls_provider': 'amazon_bedrock',
      'langsmith.metadata.ls_model_name': 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'gen_ai.usage.input_tokens': 10000,
      'gen_ai.usage.output_tokens': 1000,
      'gen_ai.usage.total_tokens': 11000,
    }),
    tokens: tokens(10000, 1000),
    inputCost: (10000 * 3.3) / M,
    outputCost: (1000 * 16.5) / M,
    entry: 'aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini $0.15 / $0.60 / $0.075 cached
    name: 'LangSmith llm run, token details as Python repr',
    attributes: attributes({
      'langsmith.span.kind': 'llm',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'langsmith.metadata.ls_provider': 'openai',
      'langsmith.metadata.langgraph_node': 'researcher',
      'gen_ai.usage.input_tokens': 5000,
      'gen_ai.usage.output_tokens': 700,
      'gen_ai.usage.total_tokens': 5700,
      'gen_ai.usage.input_token_details': "{'audio': 0, 'cache_read': 3500}",
      'gen_ai.usage.output_token_details': "{'audio': 0, 'reasoning': 0}",
    }),
    tokens: tokens(5000, 700, 3500),
    inputCost: (1500 * 0.15 + 3500 * 0.075) / M,
    outputCost: (700 * 0.6) / M,
    entry: 'openai/gpt-4o-mini',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write, $1.60 kept for an hour / $0.08 read.
    // langchain-anthropic 1.x names the writes by lifetime as Anthropic does and then sets cache_creation to 0.
    name: 'LangSmith ChatAnthropic, cache writes named by lifetime and cache_creation zeroed',
    attributes: attributes({
      'langsmith.span.kind': 'llm',
      'gen_ai.system': 'langchain',
      'gen_ai.request.model': 'claude-3-5-haiku-latest',
      'langsmith.metadata.ls_provider': 'anthropic',
      'gen_ai.usage.input_tokens': 4000,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.total_tokens': 4300,
      'gen_ai.usage.input_token_details': "{'cache_read': 2000, 'cache_creation': 0, 'ephemeral_5m_input_tokens': 400, 'ephemeral_1h_input_tokens': 600}",
    }),
    tokens: tokens(4000, 300, 2000, 1000),
    inputCost: (1000 * 0.8 + 2000 * 0.08 + 400 * 1 + 600 * 1.6) / M,
    outputCost: (300 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read; LangChain usage_metadata is inclusive
    name: 'LangSmith ChatAnthropic, gen_ai.system defaulted to langchain, cache_creation in Python repr',
    attributes: attributes({
      'langsmith.span.kind': 'llm',
      'gen_ai.system': 'langchain',
      'gen_ai.request.model': 'claude-3-5-haiku-latest',
      'langsmith.metadata.ls_provider': 'anthropic',
      'gen_ai.usage.input_tokens': 4000,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.total_tokens': 4300,
      'gen_ai.usage.input_token_details': "{'cache_read': 2000, 'cache_creation': 1000}",
    }),
    tokens: tokens(4000, 300, 2000, 1000),
    inputCost: (1000 * 0.8 + 2000 * 0.08 + 1000 * 1) / M,
    outputCost: (300 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // anthropic.com/pricing, Claude 3.5 Haiku $0.80 / $4 / $1 write / $0.08 read. langsmith 0.6.6 exports a LangChain
    // call's counts without details; LangChain's usage_metadata, details included, is in the returned message.
    name: 'LangSmith LangChain call, token details only in gen_ai.completion (bytes)',
    attributes: attributes({
      'langsmith.span.kind': 'llm',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-3-5-haiku-20241022',
      'langsmith.metadata.ls_provider': 'anthropic',
      'gen_ai.usage.input_tokens': 4000,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.total_tokens': 4300,
      'gen_ai.completion': {
        kind: 'bytes',
        value: Buffer.from(
          JSON.stringify({
            generations: [[{ text: 'hi', type: 'ChatGeneration', message: { lc: 1, type: 'constructor', id: ['langchain', 'schema', 'messages', 'AIMessage'], kwargs: { content: 'hi', type: 'ai', usage_metadata: { input_tokens: 4000, output_tokens: 300, total_tokens: 4300, input_token_details: { cache_read: 2000, cache_creation: 1000 } } } } }]],
            llm_output: null,
            type: 'LLMResult',
          }),
        ),
      },
    }),
    tokens: tokens(4000, 300, 2000, 1000),
    inputCost: (1000 * 0.8 + 2000 * 0.08 + 1000 * 1) / M,
    outputCost: (300 * 4) / M,
    entry: 'anthropic/claude-3-5-haiku-latest',
  },
  {
    // openai.com/api/pricing, gpt-5-nano $0.05 in / $0.40 out
    name: 'LangSmith reasoning in output_token_details',
    attributes: attributes({
      'langsmith.span.kind': 'llm',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-5-nano',
      'gen_ai.usage.input_tokens': 2000,
      'gen_ai.usage.output_tokens': 3000,
      'gen_ai.usage.output_token_details': "{'reasoning': 2600}",
    }),
    tokens: tokens(2000, 3000, 0, 0, 2600),
    inputCost: (2000 * 0.05) / M,
    outputCost: (3000 * 0.4) / M,
    entry: 'openai/gpt-5-nano',
  },
  {
    // openai.com/api/pricing, o3 from 2025-06-10: $2 in / $8 out / $0.50 cached
    name: 'OTel GenAI o3 after the June 2025 price cut',
    start: '2025-07-01T00:00:00Z',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'o3',
      'gen_ai.usage.input_tokens': 10000,
      'gen_ai.usage.output_tokens': 2000,
    }),
    tokens: tokens(10000, 2000),
    inputCost: (10000 * 2) / M,
    outputCost: (2000 * 8) / M,
    entry: 'openai/o3',
  },
  {
    // openai.com/api/pricing as of April 2025 (o3 launch): $10 in / $2.50 cached in / $40 out (catalog corrected in supplements.ts)
    name: 'OTel GenAI o3 with cached input before the June 2025 price cut',
    start: '2025-05-01T00:00:00Z',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'o3',
      'gen_ai.usage.input_tokens': 10000,
      'gen_ai.usage.cache_read.input_tokens': 8000,
      'gen_ai.usage.output_tokens': 2000,
    }),
    tokens: tokens(10000, 2000, 8000),
    inputCost: (2000 * 10 + 8000 * 2.5) / M,
    outputCost: (2000 * 40) / M,
    entry: 'openai/o3',
  },
  {
    // openai.com/api/pricing as of April 2025 (o3 launch): $10 in / $40 out
    name: 'OTel GenAI o3 before the June 2025 price cut',
    start: '2025-05-01T00:00:00Z',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'o3',
      'gen_ai.usage.input_tokens': 10000,
      'gen_ai.usage.output_tokens': 2000,
    }),
    tokens: tokens(10000, 2000),
    inputCost: (10000 * 10) / M,
    outputCost: (2000 * 40) / M,
    entry: 'openai/o3',
  },
  {
    // openai.com/api/pricing, gpt-4o-2024-05-13 $5 in / $15 out (its own price, not gpt-4o's)
    name: 'Dated snapshot with its own price is not collapsed to the alias',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.model': 'gpt-4o-2024-05-13',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 100,
    }),
    tokens: tokens(1000, 100),
    inputCost: (1000 * 5) / M,
    outputCost: (100 * 15) / M,
    entry: 'openai/gpt-4o-2024-05-13',
  },
  {
    // aws.amazon.com/bedrock/pricing, Amazon Nova Micro $0.035 in / $0.14 out
    name: 'OpenInference Bedrock llm.provider aws, amazon.nova-micro',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'amazon.nova-micro-v1:0',
      'llm.provider': 'aws',
      'llm.system': 'amazon',
      'llm.token_count.prompt': 20000,
      'llm.token_count.completion': 2000,
    }),
    tokens: tokens(20000, 2000),
    inputCost: (20000 * 0.035) / M,
    outputCost: (2000 * 0.14) / M,
    entry: 'aws/amazon.nova-micro-v1:0',
  },
  {
    // aws.amazon.com/bedrock/pricing, Claude Sonnet 4.5 through a regional inference profile (`us.`): $3.30 in / $0.33
    // cache read / $4.125 cache write / $16.50 out per 1M. Strands Agents (strands/telemetry/tracer.py) names itself as
    // the provider, spells the cache writes `cache_write_input_tokens`, and counts Bedrock's input without the cache.
    name: 'Strands Agents on Bedrock, its own name as provider, cache writes under its spelling',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'strands-agents',
      'gen_ai.provider.name': 'strands-agents',
      'gen_ai.request.model': 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 500,
      'gen_ai.usage.total_tokens': 11600,
      'gen_ai.usage.cache_read_input_tokens': 10000,
      'gen_ai.usage.cache_write_input_tokens': 1000,
    }),
    tokens: tokens(11100, 500, 10000, 1000),
    inputCost: (100 * 3.3 + 10000 * 0.33 + 1000 * 4.125) / M,
    outputCost: (500 * 16.5) / M,
    entry: 'aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0',
  },
  {
    // openai.com/api/pricing, gpt-audio: text $2.50 in / $10 out, audio $32 in / $64 out per 1M. OpenInference's OpenAI
    // instrumentor counts the audio of prompt and completion apart (`prompt_details.audio`, `completion_details.audio`).
    name: 'OpenInference OpenAI gpt-audio, audio in and out',
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-audio-2025-08-28',
      'llm.provider': 'openai',
      'llm.system': 'openai',
      'llm.token_count.prompt': 1200,
      'llm.token_count.prompt_details.audio': 1000,
      'llm.token_count.completion': 800,
      'llm.token_count.completion_details.audio': 700,
      'llm.token_count.total': 2000,
    }),
    tokens: tokens(1200, 800),
    audio: { input: 1000, cacheRead: 0, output: 700 },
    inputCost: (200 * 2.5 + 1000 * 32) / M,
    outputCost: (100 * 10 + 700 * 64) / M,
    entry: 'openai/gpt-audio',
  },
  {
    // openai.com/api/pricing, gpt-4o-audio-preview: text $2.50 in / $10 out, audio $40 in / $80 out per 1M (the catalog
    // lists its text prices only; supplements.ts adds the audio ones). MLflow's openai autolog: the token usage has no
    // details, the response it keeps as outputs has them.
    name: 'MLflow OpenAI autolog gpt-4o-audio-preview, audio counts only in the outputs',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.spanInputs': { model: 'gpt-4o-audio-preview', modalities: ['text', 'audio'], messages: [{ role: 'user', content: 'hello' }] },
      model: 'gpt-4o-audio-preview',
      'mlflow.message.format': 'openai',
      'mlflow.chat.tokenUsage': { input_tokens: 3000, output_tokens: 900, total_tokens: 3900 },
      'mlflow.spanOutputs': {
        id: 'chatcmpl-audio1',
        model: 'gpt-4o-audio-preview-2024-12-17',
        usage: {
          prompt_tokens: 3000,
          completion_tokens: 900,
          total_tokens: 3900,
          prompt_tokens_details: { audio_tokens: 2500, cached_tokens: 0 },
          completion_tokens_details: { audio_tokens: 750, reasoning_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        },
      },
    }),
    tokens: tokens(3000, 900),
    audio: { input: 2500, cacheRead: 0, output: 750 },
    inputCost: (500 * 2.5 + 2500 * 40) / M,
    outputCost: (150 * 10 + 750 * 80) / M,
    entry: 'openai/gpt-4o-audio-preview',
  },
  {
    // openai.com/api/pricing, gpt-4o-mini-audio-preview: text $0.15 in / $0.60 out, audio $10 in / $20 out per 1M.
    // LangSmith writes LangChain's token details as Python reprs, the audio among them.
    name: 'LangSmith ChatOpenAI gpt-4o-mini-audio-preview, audio in the token details',
    attributes: attributes({
      'langsmith.span.kind': 'llm',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini-audio-preview',
      'langsmith.metadata.ls_provider': 'openai',
      'gen_ai.usage.input_tokens': 4000,
      'gen_ai.usage.output_tokens': 600,
      'gen_ai.usage.total_tokens': 4600,
      'gen_ai.usage.input_token_details': "{'audio': 3200, 'cache_read': 0}",
      'gen_ai.usage.output_token_details': "{'audio': 500, 'reasoning': 0}",
    }),
    tokens: tokens(4000, 600),
    audio: { input: 3200, cacheRead: 0, output: 500 },
    inputCost: (800 * 0.15 + 3200 * 10) / M,
    outputCost: (100 * 0.6 + 500 * 20) / M,
    entry: 'openai/gpt-4o-mini-audio-preview',
  },
  {
    // ai.google.dev/gemini-api/docs/pricing, Gemini 2.5 Flash: text $0.30 in / $0.03 cached, audio $1.00 in / $0.10
    // cached, $2.50 out per 1M. MLflow's gemini autolog keeps the response's counts by modality in its usage_metadata.
    name: 'MLflow gemini autolog generate_content with audio input, partly cached',
    attributes: mlflowAttributes({
      'mlflow.spanType': 'LLM',
      'mlflow.spanInputs': { model: 'gemini-2.5-flash', contents: 'transcribe this', config: null },
      'mlflow.message.format': 'gemini',
      'mlflow.chat.tokenUsage': { input_tokens: 10000, output_tokens: 300, total_tokens: 10300 },
      'mlflow.spanOutputs': {
        candidates: [{ content: { parts: [{ text: 'hi', thought: null }], role: 'model' }, finish_reason: 'STOP', index: 0 }],
        model_version: 'gemini-2.5-flash',
        usage_metadata: {
          cached_content_token_count: 4000,
          cache_tokens_details: [{ modality: 'AUDIO', token_count: 3000 }, { modality: 'TEXT', token_count: 1000 }],
          candidates_token_count: 300,
          candidates_tokens_details: [{ modality: 'TEXT', token_count: 300 }],
          prompt_token_count: 10000,
          prompt_tokens_details: [{ modality: 'TEXT', token_count: 2000 }, { modality: 'AUDIO', token_count: 8000 }],
          thoughts_token_count: null,
          total_token_count: 10300,
        },
      },
    }),
    tokens: tokens(10000, 300, 4000),
    audio: { input: 8000, cacheRead: 3000, output: 0 },
    inputCost: (1000 * 0.3 + 5000 * 1 + 1000 * 0.03 + 3000 * 0.1) / M,
    outputCost: (300 * 2.5) / M,
    entry: 'google/gemini-2.5-flash',
  },
  {
    // openai.com/api/pricing, gpt-realtime: text $4 in / $0.40 cached / $16 out, audio $32 in / $0.40 cached / $64 out
    // per 1M. OpenTelemetry's per-modality counts (semantic-conventions genai, unreleased).
    name: 'OTel GenAI gpt-realtime, per-modality audio counts, cached audio',
    attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-realtime',
      'gen_ai.usage.input_tokens': 20000,
      'gen_ai.usage.cache_read.input_tokens': 12000,
      'gen_ai.usage.audio.input_tokens': 15000,
      'gen_ai.usage.audio.cache_read.input_tokens': 9000,
      'gen_ai.usage.output_tokens': 2000,
      'gen_ai.usage.audio.output_tokens': 1500,
    }),
    tokens: tokens(20000, 2000, 12000),
    audio: { input: 15000, cacheRead: 9000, output: 1500 },
    inputCost: (2000 * 4 + 6000 * 32 + 3000 * 0.4 + 9000 * 0.4) / M,
    outputCost: (500 * 16 + 1500 * 64) / M,
    entry: 'openai/gpt-realtime',
  },
];

function attribute(span: Span, key: string): unknown {
  const value = findAttribute(span.attributes, key);
  return value === undefined || value.kind === 'array' || value.kind === 'kvlist' || value.kind === 'empty' ? undefined : value.value;
}

describe('real-world model calls are recognised and priced at the published price', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name', async (testCase) => {
    const span = makeSpan({ trace: testCase.name, attributes: testCase.attributes, ...(testCase.start ? { start: testCase.start } : {}) });
    const processor = new CostEstimatorProcessor({}, { consume: async () => {} });
    await processor.consume(tracesData([span]));

    expect(attribute(span, 'tokenmeter.cost.unpriced_reason')).toBeUndefined();
    expect(attribute(span, 'tokenmeter.cost.status')).toBe('priced');
    expect(attribute(span, 'tokenmeter.cost.price_entry')).toBe(testCase.entry);
    expect({
      input: attribute(span, 'tokenmeter.tokens.input'),
      output: attribute(span, 'tokenmeter.tokens.output'),
      cacheRead: attribute(span, 'tokenmeter.tokens.cache_read'),
      cacheWrite: attribute(span, 'tokenmeter.tokens.cache_write'),
      reasoning: attribute(span, 'tokenmeter.tokens.reasoning'),
    }).toEqual(testCase.tokens);
    expect({
      input: attribute(span, 'tokenmeter.tokens.audio_input'),
      cacheRead: attribute(span, 'tokenmeter.tokens.audio_cache_read'),
      output: attribute(span, 'tokenmeter.tokens.audio_output'),
    }).toEqual(testCase.audio ?? { input: undefined, cacheRead: undefined, output: undefined });
    const cost = JSON.parse(attribute(span, 'mlflow.llm.cost') as string) as Record<string, number>;
    expect(cost['input_cost']).toBeCloseTo(testCase.inputCost, 10);
    expect(cost['output_cost']).toBeCloseTo(testCase.outputCost, 10);
    expect(cost['total_cost']).toBeCloseTo(testCase.inputCost + testCase.outputCost, 10);
    expect(attribute(span, 'tokenmeter.cost.total_usd')).toBeCloseTo(testCase.inputCost + testCase.outputCost, 10);
  });

  it('names every call\'s operation, model, provider and node alike whether recognised fully or for its context only', () => {
    for (const testCase of cases) {
      const span = makeSpan({ attributes: testCase.attributes });
      const call = recognizeSpan(span);
      expect(call, testCase.name).toBeDefined();
      expect(recognizeCallContext(span), testCase.name).toEqual({ operation: call?.operation, model: call?.model, provider: call?.provider, node: call?.node });
    }
    const inNode = { metadata: { langgraph_node: 'agent', ls_provider: 'openai', ls_model_name: 'gpt-4o-mini' } };
    expect(recognizeCallContext(makeSpan({ attributes: mlflowAttributes({ 'mlflow.spanType': 'CHAT_MODEL', ...inNode }) }))).toEqual({ operation: 'chat', model: 'gpt-4o-mini', provider: 'openai', node: 'agent' });
    expect(recognizeCallContext(makeSpan({ attributes: mlflowAttributes({ 'mlflow.spanType': 'CHAIN', ...inNode }) }))).toBeUndefined();
  });

  it('tells the stages after it the same operation, model, provider and node from its reading of a batch as a fresh reading of the priced spans', async () => {
    const spans = cases.map((testCase, index) => makeSpan({ trace: `t${index}`, id: `s${index}`, start: testCase.start, attributes: testCase.attributes }));
    await new CostEstimatorProcessor({}, { consume: async () => {} }).consume(tracesData(spans));
    // In order, as trace assembly asks: each answer is the CostEstimator's own reading (a whole call, tokens included).
    const remembered = spans.map((span) => recognizeCallContext(span));
    for (const [index, context] of remembered.entries()) expect(context, cases[index]!.name).toHaveProperty('tokens');
    // Read afresh, after the CostEstimator wrote its attributes (`mlflow.llm.model` and `.provider` among them).
    forgetRememberedCalls();
    for (const [index, span] of spans.entries()) {
      const { operation, model, provider, node } = remembered[index]!;
      expect(recognizeCallContext(span), cases[index]!.name).toEqual({ operation, model, provider, node });
    }
  });
});
