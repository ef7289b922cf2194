/**
 * Model-name normalisation: the spellings a model string takes on the wire, reduced step by step towards the name a
 * price list uses. Each step is tried only when the previous spelling found no price, so a dated snapshot with its own
 * price (`gpt-4o-2024-05-13`) is never collapsed onto its alias.
 */
import { CATALOG_VERSION } from './genaiPrices.js';
import type { Provenance } from './types.js';
import { lookupTable } from '../lookup.js';

/** `-2024-08-06` or `-20241022`, at the end or before a Bedrock version (`-v1:0`). */
const DATE_SUFFIX = /-(?:20\d{2}-\d{2}-\d{2}|20\d{6})(?=$|-v\d|:)/;
/** Vertex AI spells the snapshot date with an `@`: `claude-3-5-sonnet@20240620`. */
const VERTEX_DATE = /@(\d{8}|latest|default)$/;
/** Bedrock model versions: `-v1:0`, `-v2`, `:0`. */
const BEDROCK_VERSION = /(?:-v\d+(?::\d+)?|:\d+)$/;
/** Bedrock cross-region inference profiles prefix the model id with a geography. */
const BEDROCK_REGION = /^(?:us|eu|apac|ap|jp|au|ca|us-gov|global)\./;
/** Bedrock model ids name the vendor first: `anthropic.claude-…`, `meta.llama3-…`. */
const BEDROCK_VENDOR = /^(?:anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|writer|google)\./;
/**
 * The makers' aliases of a model's newest snapshot, priced as the model: Anthropic's `claude-3-5-sonnet-latest`,
 * Mistral's `magistral-medium-latest` (docs.anthropic.com/en/docs/about-claude/models, docs.mistral.ai/getting-started/models).
 */
const LATEST_ALIAS = /-latest$/;
/**
 * Not Google's: its `-latest` aliases name a line, not a model, and move to each new release of the line
 * (ai.google.dev/gemini-api/docs/models#model-versions), at its price; `gemini-pro-latest` less its suffix is Gemini
 * 1.0 Pro, at a fourteenth of 2.5 Pro's price. A Gemini alias is priced only where the catalog names it
 * (`gemini-2.5-flash-latest`, found by the raw spelling); else it is unpriced: we cannot tell which model it was.
 */
const GEMINI_MODEL = /^gemini-/;
/**
 * Gemini's stable versions, `gemini-1.5-pro-002`, `gemini-2.0-flash-001`: the model at its price, which Google lists per
 * model, not per version (ai.google.dev/gemini-api/docs/models#model-versions). Only Gemini's: Google's other numbers
 * name models (`text-embedding-004`).
 */
const GEMINI_VERSION = /^(gemini-.+)-\d{3}$/;

/**
 * Candidate spellings for `model`, most specific first, without duplicates. `deployments` maps Azure deployment
 * names (which are whatever the user called them) to model names: the first spelling that is a deployment's name, raw
 * or under a route (LiteLLM's `azure/prod-4o`), is replaced by the model's spellings.
 */
export function modelCandidates(model: string, deployments: Readonly<Record<string, string>> = {}): string[] {
  const candidates = spellings(model);
  // Own keys only: a model named `constructor` is no deployment.
  const deployed = candidates.findIndex((name) => Object.hasOwn(deployments, name));
  if (deployed < 0) return candidates;
  return [...new Set([...candidates.slice(0, deployed), ...spellings(deployments[candidates[deployed]!]!)])];
}

/** The spellings of `model`, most specific first, without duplicates. */
function spellings(model: string): string[] {
  const candidates: string[] = [];
  const add = (name: string): void => {
    if (name.length > 0 && !candidates.includes(name)) candidates.push(name);
  };

  let name = model.trim();
  add(name);

  // `models/gemini-1.5-pro` (Gemini API resource names) and `openai/gpt-4o` (LiteLLM, OpenRouter-style routing). Some
  // providers' own ids have slashes in them (Together's `meta-llama/Llama-3.3-70B-Instruct-Turbo`, Fireworks'
  // `accounts/fireworks/models/…`): routed (`together_ai/meta-llama/…`), they are the name without its first part.
  if (name.startsWith('models/')) name = name.slice('models/'.length);
  add(name);
  const firstSlash = name.indexOf('/');
  if (firstSlash >= 0) add(name.slice(firstSlash + 1));
  const slash = name.lastIndexOf('/');
  if (slash >= 0) {
    name = name.slice(slash + 1);
    add(name);
  }

  const vertex = VERTEX_DATE.exec(name);
  if (vertex) {
    const date = vertex[1]!;
    name = name.slice(0, vertex.index);
    if (/^\d{8}$/.test(date)) add(`${name}-${date}`);
    add(name);
  }

  if (BEDROCK_REGION.test(name) || BEDROCK_VERSION.test(name) || BEDROCK_VENDOR.test(name)) {
    name = name.replace(BEDROCK_REGION, '');
    add(name);
    name = name.replace(BEDROCK_VERSION, '');
    add(name);
    name = name.replace(BEDROCK_VENDOR, '');
    add(name);
  }

  const undated = name.replace(DATE_SUFFIX, '');
  add(undated);
  if (!GEMINI_MODEL.test(undated)) add(undated.replace(LATEST_ALIAS, ''));
  add(undated.replace(GEMINI_VERSION, '$1'));
  return candidates;
}

/**
 * genai-prices provider ids for the canonical OTel `gen_ai.provider.name` values (genai-conventions.md §6).
 * A provider absent from this table has no price list in the catalog.
 */
const CATALOG_PROVIDER: Readonly<Record<string, string>> = lookupTable({
  openai: 'openai',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  anthropic: 'anthropic',
  'aws.bedrock': 'aws',
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  mistral_ai: 'mistral',
  x_ai: 'x-ai',
  groq: 'groq',
  deepseek: 'deepseek',
  cohere: 'cohere',
  perplexity: 'perplexity',
  moonshot_ai: 'moonshotai',
  together: 'together',
  fireworks: 'fireworks',
  cerebras: 'cerebras',
  openrouter: 'openrouter',
});

/**
 * The OTel provider whose price list a catalog id is (the inverse of CATALOG_PROVIDER): Azure OpenAI's for `azure`,
 * and Google's umbrella value for `google`, whose list serves the Gemini API and Vertex alike.
 */
const PROVIDER_OF_CATALOG: Readonly<Record<string, string>> = lookupTable({
  ...Object.fromEntries(Object.entries(CATALOG_PROVIDER).map(([provider, catalog]) => [catalog, provider])),
  azure: 'azure.ai.openai',
  google: 'gcp.gen_ai',
});

/**
 * The provider a call priced from the catalog was priced as (the owner of the matched entry's list), for a call that
 * names none; undefined for a price of the config's.
 */
export function providerOfCatalogPrice(provenance: Provenance): string | undefined {
  if (provenance.catalogVersion !== CATALOG_VERSION) return undefined;
  const slash = provenance.entry.indexOf('/');
  return slash > 0 ? PROVIDER_OF_CATALOG[provenance.entry.slice(0, slash)] : undefined;
}

/** `undefined` when the provider is known but has no catalog; `null` when no provider was given (match by model). */
export function catalogProviderId(provider: string | undefined): string | null | undefined {
  if (provider === undefined) return null;
  return CATALOG_PROVIDER[provider];
}

/**
 * Spellings of "no special tier" (OpenAI `default`/`auto`, Anthropic's request values `auto`/`standard_only`, Bedrock
 * `on_demand`, Gemini `standard`).
 */
const STANDARD_TIERS = new Set(['', 'default', 'auto', 'standard', 'standard_only', 'on_demand', 'on-demand']);

/** A service tier as calls and override rules are compared: lower-case, every spelling of standard `standard`. */
export function normaliseServiceTier(tier: string | undefined): string {
  if (tier === undefined) return 'standard';
  const lower = tier.trim().toLowerCase();
  return STANDARD_TIERS.has(lower) ? 'standard' : lower;
}
