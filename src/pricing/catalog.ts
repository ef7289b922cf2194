import type { ModelInfo, ModelPrice } from '@pydantic/genai-prices';
import { CATALOG_VERSION, findCatalogEntry, hasPricePeriods, pricesAt, toRateCard } from './genaiPrices.js';
import type { CatalogEntry } from './genaiPrices.js';
import { catalogProviderId, modelCandidates, normaliseServiceTier } from './normalise.js';
import { compileOverride, overrideApplies, pricingConfigSchema } from './overrides.js';
import type { CompiledOverride, PricingConfigInput } from './overrides.js';
import { computeCost, emptyCostSplit } from './rates.js';
import type { Rate, RateCard } from './rates.js';
import { supplementHasPeriods, supplementPricesAt, supplementRateCard } from './supplements.js';
import type { PriceBand, PricesInForce } from './supplements.js';
import { Provenances } from './provenances.js';
import type { CostSplit, PriceRequest, PriceResult } from './types.js';
import { lookupTable } from '../lookup.js';

/**
 * Service tiers the catalog has no prices for, as multipliers of the standard price, by catalog provider.
 * Sources: openai.com/api/pricing (Batch API and Flex processing: 50% of standard), anthropic.com/pricing (Message
 * Batches: 50%), ai.google.dev/gemini-api/docs/pricing and cloud.google.com/vertex-ai (Batch: 50%),
 * ai.google.dev/gemini-api/docs/flex-inference ("a 50% cost reduction compared to standard rates") and
 * docs.cloud.google.com/vertex-ai/generative-ai/docs/flex-paygo ("a 50% discount compared to Standard PayGo"),
 * aws.amazon.com/bedrock/pricing (Batch: 50%), Azure OpenAI Global Batch (50%). Priority tiers are not a fixed
 * multiple of standard (OpenAI priority is 1.7×–2× depending on the model, Gemini's "75% to 100% more"), so they stay
 * unpriced unless a config override names `serviceTier: priority`.
 */
const SERVICE_TIER_MULTIPLIERS: Readonly<Record<string, Readonly<Record<string, number>>>> = lookupTable({
  batch: lookupTable({ openai: 0.5, azure: 0.5, anthropic: 0.5, google: 0.5, aws: 0.5 }),
  flex: lookupTable({ openai: 0.5, google: 0.5 }),
});

/**
 * Routers that charge a model at its maker's price (openrouter.ai/docs/faq: "passes through the pricing of the
 * underlying providers"), whose own list names models by maker (`openai/gpt-4o-mini`): a call named without the maker
 * (OpenLLMetry's openai instrumentor strips it) is priced from the list of the model's maker, found by its name.
 */
const PASS_THROUGH_ROUTERS: ReadonlySet<string> = new Set(['openrouter']);

/** What a call's model names in a price list: the entry, the list it was looked up in, and which spelling found it. */
interface Found {
  entry: CatalogEntry;
  providerId: string | null;
  index: number;
}

/** The first of `candidates` (model names, most specific first) that the price list of `providerId` has. */
function firstEntry(candidates: readonly string[], providerId: string | null): Found | undefined {
  for (let index = 0; index < candidates.length; index++) {
    const entry = findCatalogEntry(candidates[index]!, providerId);
    if (entry !== undefined) return { entry, providerId, index };
  }
  return undefined;
}

/**
 * The spellings override rules are matched against: those up to the one the catalog found, and a later one only where
 * the catalog prices it as the same entry. A rule for `gpt-4o` then covers `gpt-4o-2024-08-06`, which the catalog
 * prices as gpt-4o, but not `gpt-4o-2024-05-13`, which has its own price (as normalise.ts never collapses it).
 */
function ruleSpellings(candidates: readonly string[], found: Found): readonly string[] {
  return candidates.filter((candidate, index) => {
    if (index <= found.index) return true;
    const other = findCatalogEntry(candidate, found.providerId);
    return other !== undefined && other.providerId === found.entry.providerId && other.model.id === found.entry.model.id;
  });
}

/** What a (provider, model) pair resolved to, and the spellings rules see; cached because resolution walks the catalog. */
type Resolution =
  | { kind: 'catalog'; entry: string; model: ModelInfo; providerId: string; card: RateCard | undefined; candidates: readonly string[]; provenances: Provenances }
  | { kind: 'none'; unpriced: PriceResult; candidates: readonly string[] };

const MAX_RESOLUTIONS = 10_000;

/**
 * Prices LLM calls: config overrides first, then the built-in catalog. Pure: no I/O, no clock (the call's start
 * time comes in the request), and the same request always gets the same answer.
 */
export class PriceCatalog {
  private readonly overrides: readonly CompiledOverride[];
  private readonly deployments: Readonly<Record<string, string>>;
  private readonly resolutions = new Map<string | undefined, Map<string, Resolution>>();
  private resolutionCount = 0;
  /** Rate cards of entries with dated or time-of-day periods, per period. */
  private readonly periodCards = new WeakMap<ModelPrice, RateCard | null>();

  constructor(config: PricingConfigInput = {}) {
    const parsed = pricingConfigSchema.parse(config);
    this.overrides = parsed.overrides.map(compileOverride);
    this.deployments = parsed.deployments;
  }

  /**
   * The price of a call. `costs`, when given, is filled and returned in the result instead of a new split: for a
   * caller that prices call after call and is done with each result before the next (the CostEstimator).
   */
  price(request: PriceRequest, costs: CostSplit = emptyCostSplit()): PriceResult {
    const resolution = this.resolve(request.model, request.provider);
    const serviceTier = normaliseServiceTier(request.serviceTier);
    const at = typeof request.at === 'number' ? request.at : request.at.getTime();

    for (const override of this.overrides) {
      if (!overrideApplies(override, resolution.candidates, request.provider, serviceTier, at)) continue;
      const threshold = computeCost(override.card, request.usage, 1, costs);
      return { status: 'priced', costs, provenance: override.provenances.of('config', override.name, tierLabel(serviceTier, threshold)) };
    }

    if (resolution.kind === 'none') return resolution.unpriced;
    let card = resolution.card;
    // Of prices by the hour, which band the call fell in: part of its tier, so that a doubled price says why.
    let band: PriceBand | undefined;
    if (card === undefined) {
      const inForce = pricesInForce(resolution.entry, resolution.model, at);
      card = this.cardOf(resolution.entry, inForce.prices);
      band = inForce.band;
    }
    if (card === undefined) {
      return { status: 'unpriced', reason: `catalog entry ${resolution.entry} has no per-token prices at ${new Date(at).toISOString()}` };
    }
    let multiplier = 1;
    if (serviceTier !== 'standard') {
      const known = SERVICE_TIER_MULTIPLIERS[serviceTier]?.[resolution.providerId];
      if (known === undefined) {
        return { status: 'unpriced', reason: `no ${serviceTier} service-tier price for ${resolution.entry}; add a config override` };
      }
      multiplier = known;
    }
    const threshold = computeCost(card, request.usage, multiplier, costs);
    return { status: 'priced', costs, provenance: resolution.provenances.of(CATALOG_VERSION, resolution.entry, tierLabel(serviceTier, threshold, band)) };
  }

  /** Cached per provider, then per model: no key string is built on the hot path. */
  private resolve(model: string, provider: string | undefined): Resolution {
    let byModel = this.resolutions.get(provider);
    if (byModel === undefined) {
      byModel = new Map();
      this.resolutions.set(provider, byModel);
    }
    const cached = byModel.get(model);
    if (cached !== undefined) return cached;
    const resolution = this.resolveUncached(model, provider);
    // Model and provider strings come from the wire: bound the cache so a stream of junk names cannot grow it forever.
    if (++this.resolutionCount > MAX_RESOLUTIONS) {
      this.resolutions.clear();
      this.resolutionCount = 1;
      byModel = new Map();
      this.resolutions.set(provider, byModel);
    }
    byModel.set(model, resolution);
    return resolution;
  }

  private resolveUncached(model: string, provider: string | undefined): Resolution {
    const candidates = modelCandidates(model, this.deployments);
    const providerId = catalogProviderId(provider);
    if (providerId === undefined) return unresolved(`provider ${provider ?? ''} has no price list in the catalog`, candidates);
    const lookup =
      firstEntry(candidates, providerId) ?? (providerId !== null && PASS_THROUGH_ROUTERS.has(providerId) ? firstEntry(candidates, null) : undefined);
    if (lookup === undefined) {
      const where = providerId === null ? 'any provider' : `provider ${providerId}`;
      return unresolved(`model ${model} not in catalog (${CATALOG_VERSION}) for ${where}`, candidates, true);
    }
    const found = lookup.entry;
    const spellings = ruleSpellings(candidates, lookup);
    const entry = `${found.providerId}/${found.model.id}`;
    const timed = hasPricePeriods(found.model) || supplementHasPeriods(entry, found.model);
    const card = timed ? undefined : catalogRateCard(entry, found.model.prices as ModelPrice);
    if (!timed && card === undefined) return unresolved(`catalog entry ${entry} has no per-token prices`, spellings);
    return { kind: 'catalog', entry, model: found.model, providerId: found.providerId, card, candidates: spellings, provenances: new Provenances() };
  }

  private cardOf(entry: string, prices: ModelPrice): RateCard | undefined {
    let card = this.periodCards.get(prices);
    if (card === undefined) {
      card = catalogRateCard(entry, prices) ?? null;
      this.periodCards.set(prices, card);
    }
    return card ?? undefined;
  }
}

/** The catalog's own periods as prices in force, made once each: a call's pricing allocates none. */
const catalogPeriods = new WeakMap<ModelPrice, PricesInForce>();

/** The prices of a catalog entry (`<provider id>/<model id>`) in force at `at` (ms), known corrections applied. */
export function pricesInForce(entry: string, model: ModelInfo, at: number): PricesInForce {
  const supplemented = supplementPricesAt(entry, model, at);
  if (supplemented !== undefined) return supplemented;
  const prices = pricesAt(model, new Date(at));
  let inForce = catalogPeriods.get(prices);
  if (inForce === undefined) {
    inForce = { prices };
    catalogPeriods.set(prices, inForce);
  }
  return inForce;
}

/** Our rate card for a catalog entry's prices (`entry` = `<provider id>/<model id>`), with known corrections applied. */
export function catalogRateCard(entry: string, prices: ModelPrice): RateCard | undefined {
  const card = toRateCard(prices);
  return card && withMakerPrices(entry, supplementRateCard(entry, card));
}

/** The catalog's ids of the makers a pass-through router names its models by (`mistralai/…`), where they differ. */
const MAKER_OF_ROUTER_PREFIX: Readonly<Record<string, string>> = {
  anthropic: 'anthropic',
  openai: 'openai',
  google: 'google',
  'x-ai': 'x-ai',
  mistralai: 'mistral',
  deepseek: 'deepseek',
  cohere: 'cohere',
  moonshotai: 'moonshotai',
  'z-ai': 'zhipuai',
};

/**
 * A pass-through router's card (see PASS_THROUGH_ROUTERS) completed from the maker's own: the cache prices and
 * long-context tiers its list leaves out. genai-prices 0.1.8 gives most of OpenRouter's entries no cache price (544
 * of 701), so Claude 3.7 Sonnet's cache reads were billed at the input price (10×) and gpt-4o's at twice theirs, and
 * Gemini 2.5 Pro past 200k input at its base price. Only where the router's base prices are the maker's: a router
 * price of its own (a discount, a `:free` variant) is not the maker's, and is left as it is.
 */
function withMakerPrices(entry: string, card: RateCard): RateCard {
  const slash = entry.indexOf('/');
  if (!PASS_THROUGH_ROUTERS.has(entry.slice(0, slash))) return card;
  const id = entry.slice(slash + 1);
  const makerSlash = id.indexOf('/');
  const maker = makerSlash < 0 ? undefined : MAKER_OF_ROUTER_PREFIX[id.slice(0, makerSlash)];
  if (maker === undefined) return card;
  const found = firstEntry(modelCandidates(id.slice(makerSlash + 1)), maker);
  if (found === undefined || found.entry.providerId !== maker || hasPricePeriods(found.entry.model)) return card;
  const makers = catalogRateCard(`${maker}/${found.entry.model.id}`, found.entry.model.prices as ModelPrice);
  if (makers === undefined || !sameBase(card.input, makers.input) || !sameBase(card.output, makers.output)) return card;
  // A price the router states flat at the maker's base takes the maker's tiers; one it leaves out, the maker's.
  const completed = (own: Rate | undefined, maker: Rate | undefined): Rate | undefined =>
    own === undefined ? maker : maker !== undefined && typeof own === 'number' && sameBase(own, maker) ? maker : own;
  return {
    ...card,
    input: completed(card.input, makers.input)!,
    output: completed(card.output, makers.output)!,
    cacheRead: completed(card.cacheRead, makers.cacheRead),
    cacheWrite: completed(card.cacheWrite, makers.cacheWrite),
    cacheWrite1h: completed(card.cacheWrite1h, makers.cacheWrite1h),
    reasoning: completed(card.reasoning, makers.reasoning),
  };
}

/** Whether two rates start at the same price (a flat rate's price, a tiered rate's base). */
function sameBase(a: Rate, b: Rate): boolean {
  return (typeof a === 'number' ? a : a.base) === (typeof b === 'number' ? b : b.base);
}

function unresolved(reason: string, candidates: readonly string[], unknownModel = false): Resolution {
  return { kind: 'none', unpriced: Object.freeze(unknownModel ? { status: 'unpriced', reason, unknownModel } : { status: 'unpriced', reason }), candidates };
}

function tierLabel(serviceTier: string, contextThreshold: number | undefined, band?: PriceBand): string {
  const tier = band === undefined ? serviceTier : `${serviceTier}/${band}`;
  return contextThreshold === undefined ? tier : `${tier}/input>${contextThreshold}`;
}
