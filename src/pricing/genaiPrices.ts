/**
 * The built-in catalog: `@pydantic/genai-prices`, used as data and as matcher, never as calculator.
 *
 * Evaluation (v0.1.8): its data covers 43 providers and ~1,900 models with cache read/write prices, long-context
 * tiers on the whole request (`TieredPrices`, "input > start"), and dated / time-of-day price periods; its matcher
 * knows provider aliases, per-model match rules, date-suffix retries and fallback providers (Azure → OpenAI,
 * Vertex → Anthropic). We reuse all of that. We do not use `calcPrice` for the arithmetic: it re-validates the price
 * table and rebuilds sets on every call (tens of microseconds), returns only input/output totals (no cache or
 * reasoning split), and has no batch/flex/priority tiers. So we match once per (provider, model) through `calcPrice`
 * with an empty usage, keep the matched entry, and price with `rates.ts`. A cross-check test keeps our arithmetic
 * equal to `calcPrice` over the whole catalog.
 */
import { calcPrice, waitForUpdate } from '@pydantic/genai-prices';
import type { MatchLogic, ModelInfo, ModelPrice, Provider } from '@pydantic/genai-prices';
import type { Rate, RateCard } from './rates.js';
import { mismatchedEntry, supplementEntry, withSupplementModels } from './supplements.js';

/** Kept equal to the installed package version by `genaiPrices.test.ts`. */
export const GENAI_PRICES_VERSION = '0.1.8';
export const CATALOG_VERSION = `genai-prices@${GENAI_PRICES_VERSION}`;

export interface CatalogEntry {
  providerId: string;
  model: ModelInfo;
}

const EMPTY_USAGE = { input_tokens: 0, output_tokens: 0 };
/** Matching does not depend on time, but `calcPrice` would read the clock without one. */
const MATCH_TIME = new Date(0);

/**
 * Finds the catalog entry for one spelling of a model; `providerId` null lets the catalog infer the provider, and
 * failing that, looks the name up among the model makers' own lists. Then among the models the catalog lacks
 * (supplements.ts); first among those it prices as another model.
 */
export function findCatalogEntry(model: string, providerId: string | null): CatalogEntry | undefined {
  const mismatched = mismatchedEntry(model, providerId);
  if (mismatched !== undefined) return mismatched;
  const entry = providerId === null ? (inferredEntry(model) ?? makersEntry(model)) : matchEntry(model, providerId);
  return entry ?? supplementEntry(model, providerId);
}

/**
 * The entry the catalog infers for a model named without its provider, when the entry names the model exactly. Its
 * patterns describe the names its providers use, not whose a name is: without a provider, `starts_with: deepseek-r1`
 * priced DeepSeek-R1's distills that people run themselves (Ollama's `deepseek-r1:14b`, vLLM's
 * `DeepSeek-R1-Distill-Qwen-7B`) as DeepSeek's API R1, and `contains: gemini-1.5-flash` priced Gemini 1.5 Flash-8B at
 * Flash's price, twice its own.
 */
function inferredEntry(model: string): CatalogEntry | undefined {
  const entry = matchEntry(model, null);
  return entry !== undefined && namesExactly(entry.model, model.toLowerCase().trim()) ? entry : undefined;
}

function matchEntry(model: string, providerId: string | null): CatalogEntry | undefined {
  try {
    const result = calcPrice(EMPTY_USAGE, model, {
      ...(providerId === null ? {} : { providerId }),
      timestamp: MATCH_TIME,
    });
    if (result === null) return undefined;
    return { providerId: result.provider.id, model: result.model };
  } catch {
    // A malformed entry in the bundled data must cost one unpriced call, not the pipeline.
    return undefined;
  }
}

/**
 * Providers that make the models they list (others resell or host them, often at other prices). The catalog infers a
 * provider from a model name by patterns per provider, which miss many of these makers' names (`text-embedding-3-small`,
 * `chatgpt-4o-latest`, `embed-v4.0`, `sonar`): a span that names no provider (MLflow and OpenInference embedding spans
 * often do not) then went unpriced. Names a maker matches only by a pattern (`codestral`) still are.
 */
const MODEL_MAKERS = ['openai', 'anthropic', 'google', 'mistral', 'cohere', 'deepseek', 'x-ai', 'perplexity', 'moonshotai', 'minimax', 'voyageai', 'zhipuai'];

/**
 * The entry of the one model maker whose list names `model` exactly (see `namesExactly`: not by a pattern, so that no
 * other maker's pattern prices a stranger's model); undefined when none does, or several do (whose is it, then?). Exported
 * for its test.
 */
export function makersEntry(model: string): CatalogEntry | undefined {
  const name = model.toLowerCase().trim();
  let found: CatalogEntry | undefined;
  for (const maker of MODEL_MAKERS) {
    const entry = matchEntry(model, maker);
    // An entry of another provider is the catalog's fallback (Vertex → Anthropic), not this maker's own list.
    if (entry === undefined || entry.providerId !== maker || !namesExactly(entry.model, name)) continue;
    if (found !== undefined) return undefined;
    found = entry;
  }
  return found;
}

/**
 * Whether a matched entry names `name` itself (lower-cased), not merely a name it starts like: the entry's id is the
 * name (`gpt-4o-realtime-preview`, matched by `starts_with: gpt-4o-realtime`), or its rule names it whole.
 */
function namesExactly(model: ModelInfo, name: string): boolean {
  return model.id.toLowerCase() === name || ruleNames(model.match, name);
}

/**
 * Whether a match rule names `name` whole: an `equals`, or a `starts_with`, `ends_with` or `contains` of the whole name
 * (many entries have only those: `deepseek-chat`, `claude-3-5-haiku` and `gemini-2.0-flash`, whose dated or versioned
 * names reach the catalog without the date too, see `modelCandidates`); of an `and`, a part that names it while the
 * others let it through (Gemini 2.5 Pro's `starts_with: gemini-2.5-pro` and a regex that keeps its TTS model out).
 */
function ruleNames(rule: MatchLogic, name: string): boolean {
  if ('equals' in rule) return rule.equals.toLowerCase() === name;
  if ('starts_with' in rule) return rule.starts_with.toLowerCase() === name;
  if ('ends_with' in rule) return rule.ends_with.toLowerCase() === name;
  if ('contains' in rule) return rule.contains.toLowerCase() === name;
  if ('or' in rule) return rule.or.some((alternative) => ruleNames(alternative, name));
  if ('and' in rule) return rule.and.some((part) => ruleNames(part, name)) && rule.and.every((part) => ruleMatches(part, name));
  return false;
}

/** Whether a match rule matches `name`, as genai-prices matches (which exports no matcher): its strings ignore case. */
function ruleMatches(rule: MatchLogic, name: string): boolean {
  if ('equals' in rule) return rule.equals.toLowerCase() === name;
  if ('starts_with' in rule) return name.startsWith(rule.starts_with.toLowerCase());
  if ('ends_with' in rule) return name.endsWith(rule.ends_with.toLowerCase());
  if ('contains' in rule) return name.includes(rule.contains.toLowerCase());
  if ('or' in rule) return rule.or.some((alternative) => ruleMatches(alternative, name));
  if ('and' in rule) return rule.and.every((part) => ruleMatches(part, name));
  return new RegExp(rule.regex).test(name);
}

/** Seconds since UTC midnight of an `HH:MM:SS[.fff](Z|±HH:MM)` time, as genai-prices defines time-of-day periods. */
function secondsOfDay(time: string): number {
  const match = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!match) return Number.NaN;
  const local = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  const offset = match[4] === 'Z' ? 0 : (match[5] === '+' ? 1 : -1) * (Number(match[6]) * 3600 + Number(match[7]) * 60);
  return (local - offset + 86_400) % 86_400;
}

/**
 * The prices of an entry in force at `at`, with genai-prices' rule: the last period whose constraint holds wins,
 * the first period is the default.
 */
export function pricesAt(model: ModelInfo, at: Date): ModelPrice {
  const periods = model.prices;
  if (!Array.isArray(periods)) return periods;
  for (let i = periods.length - 1; i >= 0; i--) {
    const period = periods[i]!;
    const constraint = period.constraint;
    if (constraint === undefined) return period.prices;
    if (constraint.type === 'start_date') {
      if (at.getTime() >= Date.parse(`${constraint.start_date}T00:00:00Z`)) return period.prices;
    } else {
      const now = at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds() + at.getUTCMilliseconds() / 1000;
      const start = secondsOfDay(constraint.start_time);
      const end = secondsOfDay(constraint.end_time);
      const inside = end < start ? now >= start || now < end : now >= start && now < end;
      if (inside) return period.prices;
    }
  }
  return periods[0]!.prices;
}

/** Whether an entry's prices change over time (then the rate card cannot be cached per model alone). */
export function hasPricePeriods(model: ModelInfo): boolean {
  return Array.isArray(model.prices);
}

function toRate(value: ModelPrice[string]): Rate | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  return { base: value.base, tiers: value.tiers.map((tier) => ({ above: tier.start, rate: tier.price })) };
}

/** A call of a model whose price table is empty: free (OpenRouter's `:free` variants, OpenAI's moderation). */
const FREE: RateCard = Object.freeze({ input: 0, output: 0 });

/**
 * Our rate card from a genai-prices price table; undefined when the entry is priced by another unit (pages, hours).
 * An empty table is a free model, as genai-prices prices it ($0), not an unknown price.
 */
export function toRateCard(prices: ModelPrice): RateCard | undefined {
  const input = toRate(prices['input_mtok']);
  const output = toRate(prices['output_mtok']);
  if (input === undefined && output === undefined) return Object.values(prices).every((price) => price === undefined) ? FREE : undefined;
  return {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: toRate(prices['cache_read_mtok']),
    // The 5-minute write price, and the 1-hour one for the writes a span tells apart (Anthropic's usage does).
    cacheWrite: toRate(prices['cache_write_mtok']),
    cacheWrite1h: toRate(prices['cache_write_1h_mtok']),
    reasoning: toRate(prices['output_reasoning_mtok']),
    inputAudio: toRate(prices['input_audio_mtok']),
    cacheAudioRead: toRate(prices['cache_audio_read_mtok']),
    outputAudio: toRate(prices['output_audio_mtok']),
    requests: toRate(prices['requests_kcount']),
  };
}

/** The whole bundled catalog with the models supplements.ts adds, for browsing (the CLI); pricing never needs it. */
export async function listProviders(): Promise<readonly Provider[]> {
  return withSupplementModels((await waitForUpdate()) ?? []);
}
