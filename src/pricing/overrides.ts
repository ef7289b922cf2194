/**
 * User price overrides from the config: negotiated prices, models the catalog lacks, fine-tunes, self-hosted
 * models. They are checked before the catalog, first matching rule wins.
 */
import { z } from 'zod';
import type { RateCard } from './rates.js';

const perMillion = z.number().nonnegative();

const tokenPricesSchema = z
  .object({
    input: perMillion,
    output: perMillion,
    cacheRead: perMillion.optional(),
    cacheWrite: perMillion.optional(),
    reasoning: perMillion.optional(),
  })
  .strict();

const dateSchema = z.union([z.date(), z.iso.date(), z.iso.datetime({ offset: true })]).transform((value) => new Date(value));

const overrideSchema = z
  .object({
    /** Shown as `tokenmeter.cost.price_entry`; defaults to the match rule. */
    name: z.string().optional(),
    match: z
      .object({
        exact: z.string().optional(),
        prefix: z.string().optional(),
        regex: z.string().optional(),
        /** Canonical OTel provider name (`openai`, `azure.ai.openai`, …); any provider when absent. */
        provider: z.string().optional(),
      })
      .strict()
      .refine((rule) => [rule.exact, rule.prefix, rule.regex].filter((part) => part !== undefined).length === 1, {
        message: 'give exactly one of exact, prefix, regex',
      })
      .refine((rule) => rule.regex === undefined || isValidRegex(rule.regex), { message: 'invalid regex' }),
    /** USD per million tokens. */
    prices: tokenPricesSchema,
    /** Long-context tiers: the whole request is billed at these prices when its input exceeds `aboveInputTokens`. */
    tiers: z.array(z.object({ aboveInputTokens: z.number().int().nonnegative(), prices: tokenPricesSchema }).strict()).default([]),
    /** Applies only to calls of this service tier (`batch`, `flex`, `priority`); any tier when absent. */
    serviceTier: z.string().optional(),
    /** Effective from this instant (inclusive) … */
    from: dateSchema.optional(),
    /** … until this instant (exclusive). */
    until: dateSchema.optional(),
  })
  .strict();

export const pricingConfigSchema = z
  .object({
    /** Azure OpenAI deployment names → model names (`my-gpt4o: gpt-4o`). */
    deployments: z.record(z.string(), z.string()).default({}),
    overrides: z.array(overrideSchema).default([]),
  })
  .strict();

/** The config as written (defaults not yet applied). */
export type PricingConfigInput = z.input<typeof pricingConfigSchema>;
export type PricingConfig = z.output<typeof pricingConfigSchema>;
export type PriceOverride = PricingConfig['overrides'][number];
type TokenPrices = z.output<typeof tokenPricesSchema>;

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export interface CompiledOverride {
  name: string;
  matchesModel: (model: string) => boolean;
  provider: string | undefined;
  serviceTier: string | undefined;
  from: number;
  until: number;
  card: RateCard;
}

function tiered(pick: (prices: TokenPrices) => number | undefined, override: PriceOverride): RateCard['input'] | undefined {
  const base = pick(override.prices);
  if (base === undefined) return undefined;
  if (override.tiers.length === 0) return base;
  const tiers = [...override.tiers]
    .sort((a, b) => a.aboveInputTokens - b.aboveInputTokens)
    .map((tier) => ({ above: tier.aboveInputTokens, rate: pick(tier.prices) ?? base }));
  return { base, tiers };
}

export function compileOverride(override: PriceOverride): CompiledOverride {
  const { exact, prefix, regex, provider } = override.match;
  let matchesModel: (model: string) => boolean;
  let rule: string;
  if (exact !== undefined) {
    matchesModel = (model) => model === exact;
    rule = exact;
  } else if (prefix !== undefined) {
    matchesModel = (model) => model.startsWith(prefix);
    rule = `${prefix}*`;
  } else {
    const pattern = new RegExp(regex ?? '');
    matchesModel = (model) => pattern.test(model);
    rule = `/${regex ?? ''}/`;
  }
  return {
    name: override.name ?? rule,
    matchesModel,
    provider,
    serviceTier: override.serviceTier,
    from: override.from?.getTime() ?? Number.NEGATIVE_INFINITY,
    until: override.until?.getTime() ?? Number.POSITIVE_INFINITY,
    card: {
      input: tiered((prices) => prices.input, override)!,
      output: tiered((prices) => prices.output, override)!,
      cacheRead: tiered((prices) => prices.cacheRead, override),
      cacheWrite: tiered((prices) => prices.cacheWrite, override),
      reasoning: tiered((prices) => prices.reasoning, override),
    },
  };
}

/** Whether an override applies to a call, matching the model against each normalised spelling. */
export function overrideApplies(
  override: CompiledOverride,
  candidates: readonly string[],
  provider: string | undefined,
  serviceTier: string,
  at: number,
): boolean {
  if (override.provider !== undefined && override.provider !== provider) return false;
  if (override.serviceTier !== undefined && override.serviceTier !== serviceTier) return false;
  if (at < override.from || at >= override.until) return false;
  return candidates.some(override.matchesModel);
}
