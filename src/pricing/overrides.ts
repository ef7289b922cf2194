/**
 * User price overrides from the config: negotiated prices, models the catalog lacks, fine-tunes, self-hosted
 * models. They are checked before the catalog, first matching rule wins. Keys are snake_case like the rest of the
 * config, and every object is strict, so a misspelt key is reported instead of silently ignored:
 *
 *   pricing:
 *     deployments: { my-gpt4o: gpt-4o }
 *     overrides:
 *       - name: negotiated
 *         match: { prefix: acme-, provider: openai }
 *         prices: { input: 1, output: 4, cache_read: 0.1, cache_write: 1.25, cache_write_1h: 2, reasoning: 4, input_audio: 40 }
 *         long_context: [{ above_input_tokens: 200000, prices: { input: 2, output: 8 } }]
 *         service_tier: batch
 *         from: 2025-06-01
 *         until: 2026-01-01
 *       - name: deepseek-flash at peak          # a price by the hour: the rule applies only in these windows,
 *         match: { exact: deepseek-flash, provider: deepseek }
 *         prices: { input: 0.3, cache_read: 0.006, output: 1.2 }
 *         time_zone: Asia/Shanghai              # read on this clock (UTC when absent)
 *         hours:
 *           - { days: [mon, tue, wed, thu, fri], from: "09:00", until: "12:00" }
 *           - { days: [mon, tue, wed, thu, fri], from: "14:00", until: "18:00" }
 *       - name: deepseek-flash off-peak         # … and the next rule prices every other hour
 *         match: { exact: deepseek-flash, provider: deepseek }
 *         prices: { input: 0.15, cache_read: 0.003, output: 0.6 }
 */
import { z } from 'zod';
import type { RateCard } from './rates.js';
import { normaliseServiceTier } from './normalise.js';
import { Provenances } from './provenances.js';
import { DAY_MINUTES, isTimeZone, minutesOfClock, WEEKDAYS, WeeklyHours } from './weeklyHours.js';
import { normaliseProvider } from '../recognition/providers.js';

const perMillion = z.number().nonnegative();

const tokenPricesSchema = z
  .object({
    input: perMillion,
    output: perMillion,
    cache_read: perMillion.optional(),
    cache_write: perMillion.optional(),
    /** Cache writes kept for an hour, where the span tells them apart; at `cache_write` when absent. */
    cache_write_1h: perMillion.optional(),
    reasoning: perMillion.optional(),
    /** Audio tokens, where the span tells them apart: input at `input`, cached at `cache_read`, output at `output` when absent. */
    input_audio: perMillion.optional(),
    cache_audio_read: perMillion.optional(),
    output_audio: perMillion.optional(),
  })
  .strict();

/**
 * The tiers calls report, as `normaliseServiceTier` reads them (OpenAI's `flex`, `priority` and `scale`, Anthropic's and
 * Bedrock's `priority`, every batch API): a rule for another (a typo) could never apply, and would be silently off.
 */
const KNOWN_SERVICE_TIERS: ReadonlySet<string> = new Set(['standard', 'batch', 'flex', 'priority', 'scale']);

const dateSchema = z.union([z.date(), z.iso.date(), z.iso.datetime({ offset: true })]).transform((value) => new Date(value));

const hoursWindowSchema = z
  .object({
    /** Every day when absent. */
    days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
    from: z.string().refine((time) => minutesOfClock(time) < DAY_MINUTES, { message: 'expected a time of day as HH:MM, from 00:00 to 23:59' }),
    until: z.string().refine((time) => minutesOfClock(time) > 0, { message: 'expected a time of day as HH:MM, from 00:01 to 24:00' }),
  })
  .strict()
  // Negated, so that a time already reported as malformed (NaN) is not reported again here.
  .refine((window) => !(minutesOfClock(window.from) >= minutesOfClock(window.until)), {
    message: 'expected until after from (split a window across midnight in two: to 24:00, and from 00:00)',
    path: ['until'],
  });

const overrideSchema = z
  .object({
    /** Shown as `tokenmeter.cost.price_entry`; defaults to the match rule. */
    name: z.string().optional(),
    match: z
      .object({
        exact: z.string().optional(),
        prefix: z.string().optional(),
        regex: z.string().optional(),
        /**
         * The provider, read as recognition reads a span's (`azure` is `azure.ai.openai`, `bedrock` is `aws.bedrock`), so
         * that a rule matches the calls its author means; any provider when absent.
         */
        provider: z
          .string()
          .optional()
          .transform((value, context) => {
            if (value === undefined) return undefined;
            const canonical = normaliseProvider(value);
            if (canonical === undefined) {
              context.addIssue({ code: 'custom', message: 'a framework, not a provider: name the one that served the model (openai, azure.ai.openai, aws.bedrock, …)' });
              return z.NEVER;
            }
            return canonical;
          }),
      })
      .strict()
      .refine((rule) => [rule.exact, rule.prefix, rule.regex].filter((part) => part !== undefined).length === 1, {
        message: 'give exactly one of exact, prefix, regex',
      })
      .refine((rule) => rule.regex === undefined || isValidRegex(rule.regex), { message: 'invalid regex' }),
    /** USD per million tokens. */
    prices: tokenPricesSchema,
    /** Long-context tiers: the whole request is billed at these prices when its input exceeds `above_input_tokens`. */
    long_context: z.array(z.object({ above_input_tokens: z.number().int().nonnegative(), prices: tokenPricesSchema }).strict()).default([]),
    /**
     * Applies only to calls of this service tier (`batch`, `flex`, `priority`, `standard`), spelt as calls are read (any
     * case; `default`, `auto`, `on_demand` are `standard`); any tier when absent.
     */
    service_tier: z
      .string()
      .refine((tier) => KNOWN_SERVICE_TIERS.has(normaliseServiceTier(tier)), {
        message: `expected a service tier calls report: ${[...KNOWN_SERVICE_TIERS].join(', ')} (any case; default, auto, on_demand, standard_only are standard)`,
      })
      .optional(),
    /** Effective from this instant (inclusive) … */
    from: dateSchema.optional(),
    /** … until this instant (exclusive). */
    until: dateSchema.optional(),
    /**
     * Applies only to calls that start in one of these windows of the week (peak hours), on the clock of `time_zone`;
     * any hour when absent. A rule for the other hours follows it, as rules apply first match first.
     */
    hours: z.array(hoursWindowSchema).min(1).optional(),
    /** The IANA time zone `hours` are read in; UTC when absent. */
    time_zone: z.string().refine(isTimeZone, { message: 'expected an IANA time zone (UTC, Asia/Shanghai, America/New_York)' }).optional(),
  })
  .strict()
  .refine((override) => override.time_zone === undefined || override.hours !== undefined, {
    message: 'expected hours beside time_zone: the zone is the clock hours are read on',
    path: ['time_zone'],
  })
  // A rule whose dates leave no instant between them would never apply: its author meant other dates.
  .refine((override) => override.from === undefined || override.until === undefined || override.from.getTime() < override.until.getTime(), {
    message: 'expected until after from: the rule applies from from (inclusive) until until (exclusive)',
    path: ['until'],
  });

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
  /** The hours of the week the rule applies in; every hour when undefined. */
  hours: WeeklyHours | undefined;
  card: RateCard;
  provenances: Provenances;
}

type PriceKey = keyof TokenPrices;

/** The price an absent one is billed at, as `computeCost` bills a card without it: cache at input, reasoning at output. */
const FALLBACK: Readonly<Record<PriceKey, PriceKey | undefined>> = {
  input: undefined,
  output: undefined,
  cache_read: 'input',
  cache_write: 'input',
  cache_write_1h: 'cache_write',
  reasoning: 'output',
  input_audio: 'input',
  cache_audio_read: 'cache_read',
  output_audio: 'output',
};

function priceOf(prices: TokenPrices, key: PriceKey): number {
  return prices[key] ?? priceOf(prices, FALLBACK[key]!);
}

/**
 * The rate of one price key: undefined when neither the prices nor a long-context tier give it (the card then falls
 * back at call time); else each table's own price, or where a table omits it, that table's fallback (a tier's cache
 * read at the tier's input price, not the base's cache read).
 */
function tiered(key: PriceKey, override: PriceOverride): RateCard['input'] | undefined {
  if (override.prices[key] === undefined && override.long_context.every((tier) => tier.prices[key] === undefined)) return undefined;
  const base = priceOf(override.prices, key);
  if (override.long_context.length === 0) return base;
  const tiers = [...override.long_context]
    .sort((a, b) => a.above_input_tokens - b.above_input_tokens)
    .map((tier) => ({ above: tier.above_input_tokens, rate: priceOf(tier.prices, key) }));
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
    // Compared with the call's tier, which is read so (`on_demand` is `standard`).
    serviceTier: override.service_tier === undefined ? undefined : normaliseServiceTier(override.service_tier),
    from: override.from?.getTime() ?? Number.NEGATIVE_INFINITY,
    until: override.until?.getTime() ?? Number.POSITIVE_INFINITY,
    hours: override.hours === undefined ? undefined : new WeeklyHours(override.hours, override.time_zone),
    card: {
      input: tiered('input', override)!,
      output: tiered('output', override)!,
      cacheRead: tiered('cache_read', override),
      cacheWrite: tiered('cache_write', override),
      cacheWrite1h: tiered('cache_write_1h', override),
      reasoning: tiered('reasoning', override),
      inputAudio: tiered('input_audio', override),
      cacheAudioRead: tiered('cache_audio_read', override),
      outputAudio: tiered('output_audio', override),
    },
    provenances: new Provenances(),
  };
}

/**
 * Whether an override applies to a call, matching the model against each of its spellings that names the same model
 * (`candidates`: the catalog's resolution leaves out a spelling priced as another entry).
 */
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
  // Read the clock only for a rule whose model matches: it is the dearest check.
  return candidates.some(override.matchesModel) && (override.hours === undefined || override.hours.contains(at));
}
