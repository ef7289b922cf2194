/** Provider normalisation to the OTel `gen_ai.provider.name` values (genai-conventions.md §6). */

import { lookupTable } from '../lookup.js';

const CANONICAL: Readonly<Record<string, string>> = lookupTable({
  openai: 'openai',
  'azure.ai.openai': 'azure.ai.openai',
  'az.ai.openai': 'azure.ai.openai',
  azure: 'azure.ai.openai',
  azure_openai: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  'azure.ai.inference': 'azure.ai.inference',
  'az.ai.inference': 'azure.ai.inference',
  azure_ai: 'azure.ai.inference',
  anthropic: 'anthropic',
  'aws.bedrock': 'aws.bedrock',
  aws: 'aws.bedrock',
  amazon: 'aws.bedrock',
  bedrock: 'aws.bedrock',
  bedrock_converse: 'aws.bedrock',
  // langchain-aws's ChatBedrock and ChatBedrockConverse (`ls_provider`)
  amazon_bedrock: 'aws.bedrock',
  'amazon-bedrock': 'aws.bedrock',
  'gcp.gemini': 'gcp.gemini',
  gemini: 'gcp.gemini',
  google_genai: 'gcp.gemini',
  'google.generative-ai': 'gcp.gemini',
  'gcp.vertex_ai': 'gcp.vertex_ai',
  vertex_ai: 'gcp.vertex_ai',
  vertexai: 'gcp.vertex_ai',
  vertex: 'gcp.vertex_ai',
  google_vertexai: 'gcp.vertex_ai',
  google_anthropic_vertex: 'gcp.vertex_ai',
  'google.vertex': 'gcp.vertex_ai',
  // OpenLLMetry's old `Google` and OpenInference's `google` do not say which Google API: keep the umbrella value.
  'gcp.gen_ai': 'gcp.gen_ai',
  google: 'gcp.gen_ai',
  mistral_ai: 'mistral_ai',
  mistralai: 'mistral_ai',
  mistral: 'mistral_ai',
  x_ai: 'x_ai',
  xai: 'x_ai',
  groq: 'groq',
  deepseek: 'deepseek',
  cohere: 'cohere',
  perplexity: 'perplexity',
  'ibm.watsonx.ai': 'ibm.watsonx.ai',
  watsonx: 'ibm.watsonx.ai',
  moonshot_ai: 'moonshot_ai',
  moonshot: 'moonshot_ai',
  // LiteLLM's names of providers it routes to (`custom_llm_provider`, its OpenTelemetry callback's `gen_ai.system`),
  // where they are not the names above
  'text-completion-openai': 'openai',
  azure_text: 'azure.ai.openai',
  anthropic_text: 'anthropic',
  vertex_ai_beta: 'gcp.vertex_ai',
  codestral: 'mistral_ai',
  'text-completion-codestral': 'mistral_ai',
  cohere_chat: 'cohere',
  watsonx_text: 'ibm.watsonx.ai',
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  // The AI SDK's @ai-sdk/togetherai (`togetherai.chat`, `togetherai.embedding`) and OpenLLMetry's old `TogetherAI`
  togetherai: 'together',
});

/**
 * Frameworks that instrumentations report in provider fields; they say nothing about who served the model. Strands
 * Agents names itself (`strands-agents`) as `gen_ai.system` and `gen_ai.provider.name` on its model calls.
 */
const NOT_A_PROVIDER = new Set(['langchain', 'langgraph', 'strands-agents', 'unknown', '']);

/**
 * The canonical provider for a raw value, `undefined` for framework names. AI SDK raw ids (`openai.chat`,
 * `google.vertex.chat`, `amazon-bedrock`) are reduced to their longest known dotted prefix; unknown providers are
 * kept lower-cased (`ollama`, `together`).
 */
export function normaliseProvider(raw: string): string | undefined {
  // Every model call names its provider, and a deployment has a handful: remember the answers.
  if (normalised.has(raw)) return normalised.get(raw);
  const canonical = canonicalOf(raw);
  // Provider strings come from the wire: bound the memory so that a stream of junk cannot grow it forever.
  if (normalised.size >= MAX_REMEMBERED) normalised.clear();
  normalised.set(raw, canonical);
  return canonical;
}

const MAX_REMEMBERED = 1000;
const normalised = new Map<string, string | undefined>();

function canonicalOf(raw: string): string | undefined {
  const lower = raw.trim().toLowerCase();
  if (NOT_A_PROVIDER.has(lower)) return undefined;
  const direct = CANONICAL[lower];
  if (direct !== undefined) return direct;
  let prefix = lower;
  for (let dot = prefix.lastIndexOf('.'); dot > 0; dot = prefix.lastIndexOf('.')) {
    prefix = prefix.slice(0, dot);
    const known = CANONICAL[prefix];
    if (known !== undefined) return known;
  }
  return prefix;
}

/**
 * LiteLLM's names of the providers it routes to (`custom_llm_provider`), as it puts them before the provider's name
 * for a model (`groq/llama-3.3-70b-versatile`, `together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo`): those of
 * providers with a price list. Not OpenRouter's makers (`x-ai/`, `mistralai/`, `google/`), which say who made a
 * model, not who served it.
 */
const LITELLM_ROUTES: ReadonlySet<string> = new Set([
  'openai', 'text-completion-openai', 'azure', 'azure_text', 'azure_ai', 'anthropic', 'anthropic_text', 'bedrock',
  'vertex_ai', 'vertex_ai_beta', 'gemini', 'mistral', 'codestral', 'text-completion-codestral', 'xai', 'groq',
  'deepseek', 'cohere', 'cohere_chat', 'perplexity', 'moonshot', 'together_ai', 'fireworks_ai', 'cerebras', 'openrouter',
]);

/**
 * The provider a model name routes to, LiteLLM's way (`groq/llama-3.3-70b-versatile`), canonical; undefined for a
 * name with no such route. For a span that names no provider: the model, route and all, is priced under it (the
 * price lookup finds the provider's name for the model past the route).
 */
export function providerOfRoute(model: string | undefined): string | undefined {
  const slash = model === undefined ? -1 : model.indexOf('/');
  if (slash <= 0) return undefined;
  const route = model!.slice(0, slash);
  return LITELLM_ROUTES.has(route) ? normaliseProvider(route) : undefined;
}

/**
 * A Bedrock model id: a maker's id with Bedrock's version (`anthropic.claude-3-5-haiku-20241022-v1:0`,
 * `openai.gpt-oss-120b-1:0`), under a cross-region inference profile's prefix (`us.`, `global.`…) or not, or an ARN.
 */
const BEDROCK_MODEL_ID =
  /^(?:arn:aws(?:-[a-z]+)?:bedrock:|(?:(?:us|eu|apac|jp|au|ca|us-gov|global)\.)?(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\.[a-z0-9.-]+:\d+$|(?:us|eu|apac|jp|au|ca|us-gov|global)\.(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\.)/i;

/**
 * The provider a model's own name tells, for a span that names none: a Bedrock model id is Bedrock's (Strands Agents'
 * spans name only the model; priced as the maker's own, a Claude 4.5 call missed Bedrock's regional 10%).
 */
export function providerOfModelId(model: string | undefined): string | undefined {
  return model !== undefined && BEDROCK_MODEL_ID.test(model) ? 'aws.bedrock' : undefined;
}

/**
 * The API hosts of providers that serve OpenAI's API (and OpenAI's own), by `server.address`. Their calls are made
 * with the openai client, whose instrumentations name the provider `openai` whatever server it calls: OpenTelemetry's
 * own (opentelemetry-instrumentation-openai-v2) records the server, so that such a call is priced from its
 * provider's list, not looked for in OpenAI's and left unpriced.
 */
const PROVIDER_OF_HOST: Readonly<Record<string, string>> = lookupTable({
  'api.openai.com': 'openai',
  'api.anthropic.com': 'anthropic',
  'generativelanguage.googleapis.com': 'gcp.gemini',
  'api.deepseek.com': 'deepseek',
  'api.groq.com': 'groq',
  'api.mistral.ai': 'mistral_ai',
  'api.x.ai': 'x_ai',
  'api.cohere.com': 'cohere',
  'api.cohere.ai': 'cohere',
  'api.perplexity.ai': 'perplexity',
  'api.moonshot.ai': 'moonshot_ai',
  'api.moonshot.cn': 'moonshot_ai',
  'api.together.xyz': 'together',
  'api.together.ai': 'together',
  'api.fireworks.ai': 'fireworks',
  'api.cerebras.ai': 'cerebras',
  'openrouter.ai': 'openrouter',
});

/** Azure OpenAI resources are `<resource>.openai.azure.com`. */
const AZURE_OPENAI_HOST = '.openai.azure.com';

/** The provider whose API a server address is, or undefined for any other host (a proxy, a gateway, a local server). */
export function providerOfServer(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const host = address.toLowerCase();
  return PROVIDER_OF_HOST[host] ?? (host.endsWith(AZURE_OPENAI_HOST) ? 'azure.ai.openai' : undefined);
}
