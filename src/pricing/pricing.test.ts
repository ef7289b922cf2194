import { readFileSync } from 'node:fs';
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { PriceCatalog, catalogRateCard } from './catalog.js';
import { CATALOG_VERSION, GENAI_PRICES_VERSION, listProviders, makersEntry, pricesAt, toRateCard } from './genaiPrices.js';
import { modelCandidates } from './normalise.js';
import { pricingConfigSchema } from './overrides.js';
import { describeZodIssues } from '../config/errors.js';
import { computeCost, emptyCostSplit } from './rates.js';
import type { PriceResult, TokenUsage } from './types.js';

const M = 1e6;
const at = new Date('2025-09-01T12:00:00Z');
const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0, reasoning = 0): TokenUsage => ({ input, output, cacheRead, cacheWrite, reasoning });
const total = (result: PriceResult): number => (result.status === 'priced' ? result.costs.total : Number.NaN);

describe('model-name normalisation', () => {
  it.each([
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['openai/gpt-4o-mini', 'gpt-4o-mini'],
    ['together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
    ['fireworks_ai/accounts/fireworks/models/deepseek-v3p2', 'accounts/fireworks/models/deepseek-v3p2'],
    ['models/gemini-1.5-pro-002', 'gemini-1.5-pro-002'],
    ['models/gemini-1.5-pro-002', 'gemini-1.5-pro'],
    ['claude-3-5-sonnet-latest', 'claude-3-5-sonnet'],
    ['claude-3-5-sonnet@20240620', 'claude-3-5-sonnet-20240620'],
    ['us.anthropic.claude-3-5-sonnet-20240620-v1:0', 'claude-3-5-sonnet-20240620'],
    ['eu.anthropic.claude-3-haiku-20240307-v1:0', 'claude-3-haiku'],
    ['apac.amazon.nova-pro-v1:0', 'nova-pro'],
  ])('%s has the spelling %s among its candidates', (model, expected) => {
    expect(modelCandidates(model)).toContain(expected);
  });

  it('keeps the `-latest` of a Gemini alias, which moves from model to model, and strips it from Anthropic’s and Mistral’s', () => {
    expect(modelCandidates('gemini-pro-latest')).toEqual(['gemini-pro-latest']);
    expect(modelCandidates('models/gemini-flash-latest')).toEqual(['models/gemini-flash-latest', 'gemini-flash-latest']);
    expect(modelCandidates('claude-3-5-sonnet-latest')).toContain('claude-3-5-sonnet');
    expect(modelCandidates('magistral-medium-latest')).toContain('magistral-medium');
  });

  it('strips a version number from Gemini names only, where it is no part of the model\'s name', () => {
    expect(modelCandidates('text-embedding-004')).toEqual(['text-embedding-004']);
  });

  it('tries the raw name first', () => {
    expect(modelCandidates('gpt-4o-2024-05-13')[0]).toBe('gpt-4o-2024-05-13');
  });

  it('maps Azure deployment names through the config', () => {
    expect(modelCandidates('my-gpt4o', { 'my-gpt4o': 'gpt-4o' })[0]).toBe('gpt-4o');
    // Under LiteLLM's route, too; a model named like a property of every object is no deployment.
    expect(modelCandidates('azure/my-gpt4o', { 'my-gpt4o': 'gpt-4o-2024-08-06' })).toEqual(['azure/my-gpt4o', 'gpt-4o-2024-08-06', 'gpt-4o']);
    expect(modelCandidates('constructor', { 'my-gpt4o': 'gpt-4o' })).toEqual(['constructor']);
  });

  it('prices normalised spellings from the catalog', () => {
    const catalog = new PriceCatalog();
    // anthropic.com/pricing Claude 3 Haiku $0.25 / $1.25
    const bedrock = catalog.price({ model: 'eu.anthropic.claude-3-haiku-20240307-v1:0', provider: 'anthropic', usage: usage(1000, 1000), at });
    expect(total(bedrock)).toBeCloseTo((1000 * 0.25 + 1000 * 1.25) / M, 12);
    // openai.com/api/pricing gpt-4o-mini $0.15 / $0.60, routed as `openai/…` without a provider
    expect(total(catalog.price({ model: 'openai/gpt-4o-mini', usage: usage(1000, 1000), at }))).toBeCloseTo(0.00075, 12);
  });
});

describe('overrides', () => {
  const catalog = new PriceCatalog({
    deployments: { 'prod-4o': 'gpt-4o' },
    overrides: [
      { name: 'negotiated 4o', match: { exact: 'gpt-4o', provider: 'azure.ai.openai' }, prices: { input: 2, output: 8, cache_read: 1 } },
      { match: { prefix: 'ft:gpt-4o-mini' }, prices: { input: 0.3, output: 1.2 } },
      {
        match: { regex: '^acme-(large|xl)$' },
        prices: { input: 1, output: 2 },
        long_context: [{ above_input_tokens: 100_000, prices: { input: 2, output: 4 } }],
        until: '2025-06-01',
      },
      { name: 'acme after June', match: { regex: '^acme-(large|xl)$' }, prices: { input: 0.5, output: 1 }, from: '2025-06-01' },
      { match: { exact: 'gpt-4o-mini' }, service_tier: 'priority', prices: { input: 0.25, output: 1 } },
    ],
  });

  it('prices cache writes kept for an hour at the rule\'s cache_write_1h, else at its cache_write', () => {
    const rules = new PriceCatalog({
      overrides: [
        { name: 'hour', match: { exact: 'acme-cached' }, prices: { input: 1, output: 4, cache_read: 0.1, cache_write: 1.25, cache_write_1h: 2 } },
        { name: 'no hour price', match: { exact: 'acme-plain' }, prices: { input: 1, output: 4, cache_write: 1.25 } },
      ],
    });
    const withHour = { ...usage(10_000, 100, 2000, 3000), cacheWrite1h: 1000 };
    expect(total(rules.price({ model: 'acme-cached', usage: withHour, at }))).toBeCloseTo((5000 * 1 + 2000 * 0.1 + 2000 * 1.25 + 1000 * 2 + 100 * 4) / M, 12);
    expect(total(rules.price({ model: 'acme-plain', usage: withHour, at }))).toBeCloseTo((5000 * 1 + 2000 * 1 + 3000 * 1.25 + 100 * 4) / M, 12);
    // More hour-long writes than writes is not a count to trust beyond the writes.
    expect(total(rules.price({ model: 'acme-cached', usage: { ...withHour, cacheWrite1h: 9000 }, at }))).toBeCloseTo((5000 * 1 + 2000 * 0.1 + 3000 * 2 + 100 * 4) / M, 12);
  });

  it('prices audio tokens at the rule\'s audio prices, else as text', () => {
    const rules = new PriceCatalog({
      overrides: [
        { name: 'voice', match: { exact: 'acme-voice' }, prices: { input: 1, output: 4, cache_read: 0.5, input_audio: 20, cache_audio_read: 2, output_audio: 40 } },
        { name: 'text only', match: { exact: 'acme-text' }, prices: { input: 1, output: 4 } },
      ],
    });
    // 10,000 in (3,000 cached, 1,000 of those audio; 6,000 audio in all), 1,000 out (of which 200 reasoning, 500 audio).
    const call = { ...usage(10_000, 1000, 3000, 0, 200), audioInput: 6000, audioCacheRead: 1000, audioOutput: 500 };
    expect(total(rules.price({ model: 'acme-voice', usage: call, at }))).toBeCloseTo(
      (2000 * 1 + 5000 * 20 + 2000 * 0.5 + 1000 * 2 + 300 * 4 + 200 * 4 + 500 * 40) / M,
      12,
    );
    expect(total(rules.price({ model: 'acme-text', usage: call, at }))).toBeCloseTo((10_000 * 1 + 1000 * 4) / M, 12);
  });

  it('exact match with provider, through an Azure deployment name', () => {
    const result = catalog.price({ model: 'prod-4o', provider: 'azure.ai.openai', usage: usage(1000, 100, 500), at });
    expect(result.status === 'priced' && result.provenance).toEqual({ catalogVersion: 'config', entry: 'negotiated 4o', tier: 'standard' });
    expect(total(result)).toBeCloseTo((500 * 2 + 500 * 1 + 100 * 8) / M, 12);
  });

  it('a deployment named under LiteLLM’s route (`azure/prod-4o`) is the deployment’s model, for rules and the catalog', () => {
    const result = catalog.price({ model: 'azure/prod-4o', provider: 'azure.ai.openai', usage: usage(1000, 100, 500), at });
    expect(result.status === 'priced' && result.provenance.entry).toBe('negotiated 4o');
    expect(total(result)).toBeCloseTo((500 * 2 + 500 * 1 + 100 * 8) / M, 12);
    // genai-prices' data for openai/gpt-4o, which its Azure list falls back to: $2.50 in / $10 out per 1M.
    const listed = new PriceCatalog({ deployments: { 'prod-4o': 'gpt-4o' } }).price({ model: 'azure/prod-4o', provider: 'azure.ai.openai', usage: usage(1000, 100), at });
    expect(listed.status === 'priced' && listed.provenance.entry).toBe('azure/gpt-4o');
    expect(total(listed)).toBeCloseTo((1000 * 2.5 + 100 * 10) / M, 12);
  });

  it('a rule for a model covers the snapshots the catalog prices as it, not a snapshot with its own price', () => {
    const deal = new PriceCatalog({ overrides: [{ name: 'gpt-4o deal', match: { exact: 'gpt-4o', provider: 'openai' }, prices: { input: 2, output: 8 } }] });
    const price = (model: string) => deal.price({ model, provider: 'openai', usage: usage(1000, 100), at });
    for (const model of ['gpt-4o', 'gpt-4o-2024-08-06', 'openai/gpt-4o']) {
      const result = price(model);
      expect(result.status === 'priced' && result.provenance.entry, model).toBe('gpt-4o deal');
      expect(total(result), model).toBeCloseTo((1000 * 2 + 100 * 8) / M, 12);
    }
    // genai-prices' data for openai/gpt-4o-2024-05-13 (openai.com/api/pricing): $5 in / $15 out per 1M.
    const snapshot = price('gpt-4o-2024-05-13');
    expect(snapshot.status === 'priced' && snapshot.provenance.entry).toBe('openai/gpt-4o-2024-05-13');
    expect(total(snapshot)).toBeCloseTo((1000 * 5 + 100 * 15) / M, 12);
  });

  it('provider mismatch falls through to the catalog', () => {
    const result = catalog.price({ model: 'gpt-4o', provider: 'openai', usage: usage(1000, 100), at });
    expect(result.status === 'priced' && result.provenance.entry).toBe('openai/gpt-4o');
  });

  it('prefix match', () => {
    expect(total(catalog.price({ model: 'ft:gpt-4o-mini:acme::abc123', usage: usage(1000, 1000), at }))).toBeCloseTo((300 + 1200) / M, 12);
  });

  it('regex with a long-context tier, and effective dates', () => {
    const before = new Date('2025-05-01T00:00:00Z');
    expect(total(catalog.price({ model: 'acme-xl', usage: usage(50_000, 1000), at: before }))).toBeCloseTo((50_000 * 1 + 1000 * 2) / M, 12);
    const long = catalog.price({ model: 'acme-xl', usage: usage(150_000, 1000), at: before });
    expect(total(long)).toBeCloseTo((150_000 * 2 + 1000 * 4) / M, 12);
    expect(long.status === 'priced' && long.provenance.tier).toBe('standard/input>100000');
    const after = catalog.price({ model: 'acme-xl', usage: usage(150_000, 1000), at });
    expect(after.status === 'priced' && after.provenance.entry).toBe('acme after June');
    expect(total(after)).toBeCloseTo((150_000 * 0.5 + 1000) / M, 12);
  });

  it('a long-context tier’s cache and reasoning prices apply where the base omits them; a price a table omits falls back within that table', () => {
    // A rule's own prices: the base has a cache-read price, the tier cache-write and reasoning prices.
    const rule = new PriceCatalog({
      overrides: [
        {
          name: 'tiered',
          match: { exact: 'acme-long' },
          prices: { input: 3, output: 15, cache_read: 0.3 },
          long_context: [{ above_input_tokens: 200_000, prices: { input: 6, output: 22.5, cache_write: 7.5, reasoning: 30 } }],
        },
      ],
    });
    const call = (input: number) => rule.price({ model: 'acme-long', usage: { input, cacheRead: 100_000, cacheWrite: 50_000, output: 10_000, reasoning: 5000 }, at });
    const long = call(300_000);
    // Cache read past the threshold at the tier's input price (the tier gives none), not the base's cache read.
    const parts = long.status === 'priced' ? long.costs : emptyCostSplit();
    expect(parts.cacheRead).toBeCloseTo((100_000 * 6) / M, 12);
    expect(parts.cacheWrite).toBeCloseTo((50_000 * 7.5) / M, 12);
    expect(parts.reasoning).toBeCloseTo((5000 * 30) / M, 12);
    expect(total(long)).toBeCloseTo((150_000 * 6 + 100_000 * 6 + 50_000 * 7.5 + 5000 * 22.5 + 5000 * 30) / M, 12);
    // Below it, the base's: cache write at its input price, reasoning at its output price.
    expect(total(call(160_000))).toBeCloseTo((10_000 * 3 + 100_000 * 0.3 + 50_000 * 3 + 5000 * 15 + 5000 * 15) / M, 12);
  });

  it('service-tier override prices priority calls', () => {
    const result = catalog.price({ model: 'gpt-4o-mini', provider: 'openai', usage: usage(1000, 1000), at, serviceTier: 'priority' });
    expect(total(result)).toBeCloseTo((250 + 1000) / M, 12);
  });

  it('reads a rule’s service tier as calls are read: any case, and every spelling of standard', () => {
    // A negotiated price for gpt-4o's on-demand calls (a rule's own prices: no published price involved).
    const rules = (tier: string) => new PriceCatalog({ overrides: [{ name: `deal ${tier}`, match: { exact: 'gpt-4o' }, service_tier: tier, prices: { input: 1, output: 4 } }] });
    const entry = (catalog: PriceCatalog, serviceTier: string | undefined) => {
      const result = catalog.price({ model: 'gpt-4o', provider: 'openai', usage: usage(1000, 100), at, serviceTier });
      return result.status === 'priced' ? result.provenance.entry : result.reason;
    };
    for (const tier of ['default', 'on_demand', 'Standard']) {
      const catalog = rules(tier);
      for (const call of [undefined, 'default', 'auto', 'on_demand', 'standard']) expect(entry(catalog, call), `${tier} / ${String(call)}`).toBe(`deal ${tier}`);
      expect(entry(catalog, 'priority')).toBe('no priority service-tier price for openai/gpt-4o; add a config override');
    }
    expect(entry(rules('Priority'), 'priority')).toBe('deal Priority');
    expect(entry(rules('priority'), 'PRIORITY')).toBe('deal priority');
  });

  it('an Anthropic call asking for `standard_only` is a standard call', () => {
    // anthropic.com/pricing: Claude Sonnet 4 $3 in / $15 out per 1M.
    const result = new PriceCatalog().price({ model: 'claude-sonnet-4-20250514', provider: 'anthropic', usage: usage(1000, 100), at, serviceTier: 'standard_only' });
    expect(result.status === 'priced' && result.provenance.tier).toBe('standard');
    expect(total(result)).toBeCloseTo((1000 * 3 + 100 * 15) / M, 12);
  });

  it('reads a rule’s provider as spans spell it, and refuses a framework named as one', () => {
    const azure = new PriceCatalog({ overrides: [{ name: 'our azure deal', match: { exact: 'gpt-4o', provider: 'azure' }, prices: { input: 1, output: 2 } }] });
    const result = azure.price({ model: 'gpt-4o', provider: 'azure.ai.openai', usage: usage(1000, 100), at });
    expect(result.status === 'priced' && result.provenance.entry).toBe('our azure deal');
    const framework = pricingConfigSchema.safeParse({ overrides: [{ match: { exact: 'gpt-4o', provider: 'langchain' }, prices: { input: 1, output: 2 } }] });
    expect(framework.success).toBe(false);
    expect(framework.error?.issues[0]).toMatchObject({ path: ['overrides', 0, 'match', 'provider'], message: expect.stringContaining('a framework, not a provider') });
  });

  it('a rule with hours applies only to calls that start in them, on its zone’s clock; the next rule prices the others', () => {
    const byHour = new PriceCatalog({
      overrides: [
        {
          name: 'deepseek-flash at peak',
          match: { exact: 'deepseek-flash', provider: 'deepseek' },
          prices: { input: 0.3, cache_read: 0.006, output: 1.2 },
          time_zone: 'Asia/Shanghai',
          hours: [
            { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', until: '12:00' },
            { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '14:00', until: '18:00' },
          ],
        },
        { name: 'deepseek-flash off-peak', match: { exact: 'deepseek-flash', provider: 'deepseek' }, prices: { input: 0.15, cache_read: 0.003, output: 0.6 } },
      ],
    });
    const call = (iso: string) => byHour.price({ model: 'deepseek-flash', provider: 'deepseek', usage: usage(10_000, 1000, 4000), at: Date.parse(iso) });
    // Monday 7 December 2026, 10:00 Beijing time; the same hour of a Saturday; Monday 19:00 Beijing time.
    const peak = call('2026-12-07T02:00:00Z');
    expect(peak.status === 'priced' && peak.provenance.entry).toBe('deepseek-flash at peak');
    expect(total(peak)).toBeCloseTo((6000 * 0.3 + 4000 * 0.006 + 1000 * 1.2) / M, 12);
    for (const offPeakHour of ['2026-12-05T02:00:00Z', '2026-12-07T11:00:00Z']) {
      const offPeak = call(offPeakHour);
      expect(offPeak.status === 'priced' && offPeak.provenance.entry, offPeakHour).toBe('deepseek-flash off-peak');
      expect(total(offPeak), offPeakHour).toBeCloseTo((6000 * 0.15 + 4000 * 0.003 + 1000 * 0.6) / M, 12);
    }
  });

  it('the schema says what is wrong with a rule’s hours, naming the key and the value', () => {
    const problems = (override: Record<string, unknown>): string[] => {
      const input = { overrides: [{ match: { exact: 'a' }, prices: { input: 1, output: 1 }, ...override }] };
      const parsed = pricingConfigSchema.safeParse(input);
      return parsed.success ? [] : describeZodIssues(parsed.error, input, ['pricing']);
    };
    expect(problems({ hours: [{ from: '9:00', until: '12:00' }] })).toEqual(['pricing.overrides.0.hours.0.from: got "9:00", expected a time of day as HH:MM, from 00:00 to 23:59']);
    expect(problems({ hours: [{ from: '18:00', until: '02:00' }] })).toEqual([
      'pricing.overrides.0.hours.0.until: got "02:00", expected until after from (split a window across midnight in two: to 24:00, and from 00:00)',
    ]);
    expect(problems({ hours: [{ days: ['monday'], from: '09:00', until: '12:00' }] })[0]).toMatch(/^pricing\.overrides\.0\.hours\.0\.days\.0: got "monday", expected one of "mon", "tue"/);
    expect(problems({ time_zone: 'Beijing', hours: [{ from: '09:00', until: '12:00' }] })).toEqual([
      'pricing.overrides.0.time_zone: got "Beijing", expected an IANA time zone (UTC, Asia/Shanghai, America/New_York)',
    ]);
    expect(problems({ time_zone: 'Asia/Shanghai' })).toEqual(['pricing.overrides.0.time_zone: got "Asia/Shanghai", expected hours beside time_zone: the zone is the clock hours are read on']);
    expect(problems({ hours: [] })[0]).toMatch(/^pricing\.overrides\.0\.hours: got \[\], expected >= 1/);
  });

  it('the schema refuses a rule whose until is not after its from: it would never apply', () => {
    const problems = (dates: Record<string, string>): string[] => {
      const input = { overrides: [{ match: { exact: 'a' }, prices: { input: 1, output: 1 }, ...dates }] };
      const parsed = pricingConfigSchema.safeParse(input);
      return parsed.success ? [] : describeZodIssues(parsed.error, input, ['pricing']);
    };
    const expected = 'expected until after from: the rule applies from from (inclusive) until until (exclusive)';
    expect(problems({ from: '2026-01-01', until: '2025-01-01' })).toEqual([`pricing.overrides.0.until: got "2025-01-01", ${expected}`]);
    expect(problems({ from: '2025-06-01', until: '2025-06-01T00:00:00Z' })).toEqual([`pricing.overrides.0.until: got "2025-06-01T00:00:00Z", ${expected}`]);
    expect(problems({ from: '2025-01-01', until: '2026-01-01' })).toEqual([]);
  });

  it('the schema rejects ambiguous or invalid rules', () => {
    expect(pricingConfigSchema.safeParse({ overrides: [{ match: { exact: 'a', prefix: 'b' }, prices: { input: 1, output: 1 } }] }).success).toBe(false);
    expect(pricingConfigSchema.safeParse({ overrides: [{ match: { regex: '(' }, prices: { input: 1, output: 1 } }] }).success).toBe(false);
    expect(pricingConfigSchema.safeParse({ overrides: [{ match: { exact: 'a' }, prices: { input: -1, output: 1 } }] }).success).toBe(false);
  });
});

describe('the catalog', () => {
  it('reports the installed genai-prices version', () => {
    const installed = JSON.parse(readFileSync('node_modules/@pydantic/genai-prices/package.json', 'utf8')) as { version: string };
    expect(GENAI_PRICES_VERSION).toBe(installed.version);
  });

  it('prices with the same arithmetic as genai-prices over the whole catalog, audio tokens included', async () => {
    let compared = 0;
    let withAudioPrices = 0;
    for (const provider of await listProviders()) {
      for (const model of provider.models) {
        const prices = pricesAt(model, at);
        const card = toRateCard(prices);
        if (card === undefined) continue;
        const cacheWrite = prices['cache_write_mtok'] === undefined ? 0 : 50_000;
        // Of the writes, some kept for an hour where the entry prices those apart (Anthropic's 1-hour cache).
        const cacheWrite1h = prices['cache_write_1h_mtok'] === undefined ? 0 : 20_000;
        const cacheRead = prices['cache_read_mtok'] === undefined ? 0 : 100_000;
        // Some of every call is audio, whether or not the entry prices audio apart (then it is billed as text).
        const audio = { audioInput: 30_000, audioCacheRead: cacheRead === 0 ? 0 : 10_000, audioOutput: 5_000 };
        const sample = { input: 300_000, cacheRead, cacheWrite, cacheWrite1h, output: 20_000, reasoning: 0, ...audio };
        const theirs = calcPrice(
          {
            input_tokens: sample.input,
            cache_read_tokens: sample.cacheRead,
            cache_write_tokens: sample.cacheWrite,
            ...(cacheWrite1h > 0 ? { cache_write_1h_tokens: cacheWrite1h } : {}),
            output_tokens: sample.output,
            input_audio_tokens: audio.audioInput,
            cache_audio_read_tokens: audio.audioCacheRead,
            output_audio_tokens: audio.audioOutput,
          },
          model.id,
          { provider: { ...provider, models: [model] }, timestamp: at },
        );
        if (theirs === null) continue;
        // genai-prices prices other units we do not (images, video, pages); compare the entries priced by what we price.
        const priceKeys = Object.keys(prices).filter((key) => prices[key] !== undefined);
        const ourKeys = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'cache_write_1h_mtok', 'requests_kcount', 'web_searches_kcount', 'storage_searches_kcount', 'input_audio_mtok', 'cache_audio_read_mtok', 'output_audio_mtok'];
        if (priceKeys.some((key) => !ourKeys.includes(key))) continue;
        if (priceKeys.some((key) => key.includes('audio'))) withAudioPrices++;
        const ours = emptyCostSplit();
        computeCost(card, sample, 1, ours);
        expect(ours.total, `${provider.id}/${model.id}`).toBeCloseTo(theirs.total_price, 9);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
    // Entries that price audio apart (OpenAI's audio and realtime models, Gemini Flash's audio input, Nova Sonic).
    expect(withAudioPrices).toBeGreaterThan(10);
  });

  it('OpenAI’s audio previews have their audio prices, which the catalog lacks (supplements.ts)', () => {
    // openai.com/api/pricing: gpt-4o-audio-preview text $2.50 / $10, audio $40 / $80 per 1M; gpt-4o-mini-audio-preview
    // text $0.15 / $0.60, audio $10 / $20.
    const call = { ...usage(3000, 900), audioInput: 2500, audioOutput: 750 };
    const catalog = new PriceCatalog();
    expect(total(catalog.price({ model: 'gpt-4o-audio-preview-2024-12-17', provider: 'openai', usage: call, at }))).toBeCloseTo((500 * 2.5 + 2500 * 40 + 150 * 10 + 750 * 80) / M, 12);
    expect(total(catalog.price({ model: 'gpt-4o-mini-audio-preview', provider: 'openai', usage: call, at }))).toBeCloseTo((500 * 0.15 + 2500 * 10 + 150 * 0.6 + 750 * 20) / M, 12);
    // When genai-prices prices their audio itself, this fails: remove AUDIO_PRICES from supplements.ts.
    const raw = calcPrice({ input_tokens: 3000, input_audio_tokens: 2500, output_tokens: 900, output_audio_tokens: 750 }, 'gpt-4o-audio-preview', { providerId: 'openai', timestamp: at });
    expect(raw?.total_price).toBeCloseTo((3000 * 2.5 + 900 * 10) / M, 12);
  });

  it('a router that passes its makers’ prices through takes the cache prices and tiers its list lacks from the maker', () => {
    // openrouter.ai/docs/faq: OpenRouter "passes through the pricing of the underlying providers"; its prompt-caching
    // page bills OpenAI's and Anthropic's cache as they do. anthropic.com/pricing, Claude 3.7 Sonnet: $3 in / $0.30
    // cache read / $3.75 cache write / $15 out; openai.com/api/pricing, gpt-4o: $2.50 / $1.25 cached / $10;
    // ai.google.dev/gemini-api/docs/pricing, Gemini 2.5 Pro past 200k input: $2.50 in / $15 out.
    const catalog = new PriceCatalog();
    const price = (model: string, call: ReturnType<typeof usage>) => catalog.price({ model, provider: 'openrouter', usage: call, at });
    expect(total(price('anthropic/claude-3.7-sonnet', usage(10_000, 500, 8000)))).toBeCloseTo((2000 * 3 + 8000 * 0.3 + 500 * 15) / M, 12);
    expect(total(price('anthropic/claude-3.7-sonnet', usage(10_000, 500, 0, 8000)))).toBeCloseTo((2000 * 3 + 8000 * 3.75 + 500 * 15) / M, 12);
    expect(total(price('openai/gpt-4o', usage(10_000, 500, 8000)))).toBeCloseTo((2000 * 2.5 + 8000 * 1.25 + 500 * 10) / M, 12);
    const long = price('google/gemini-2.5-pro', usage(300_000, 1000));
    expect(long.status === 'priced' && long.provenance).toMatchObject({ entry: 'openrouter/google/gemini-2.5-pro', tier: 'standard/input>200000' });
    expect(total(long)).toBeCloseTo((300_000 * 2.5 + 1000 * 15) / M, 12);
    // The catalog alone bills OpenRouter's Claude 3.7 cache reads at the input price: when it stops, the completion is moot.
    expect(calcPrice({ input_tokens: 10_000, cache_read_tokens: 8000, output_tokens: 500 }, 'anthropic/claude-3.7-sonnet', { providerId: 'openrouter', timestamp: at })?.total_price).toBeCloseTo(
      (10_000 * 3 + 500 * 15) / M,
      12,
    );
  });

  it('Titan Text Embeddings V2 and Gemini 1.5 Flash-8B at their own prices, not a sibling’s, and Mistral Small 3 by its dated names', () => {
    // aws.amazon.com/bedrock/pricing: Titan Text Embeddings V2 $0.00002 per 1K tokens, V1 $0.0001; mistral.ai/pricing:
    // Mistral Small 3, 3.1 and 3.2 $0.10 in / $0.30 out per 1M.
    const catalog = new PriceCatalog();
    for (const model of ['amazon.titan-embed-text-v2:0', 'us.amazon.titan-embed-text-v2:0']) {
      const v2 = catalog.price({ model, provider: 'aws.bedrock', usage: usage(1_000_000, 0), at });
      expect(v2.status === 'priced' && v2.provenance.entry, model).toBe('aws/amazon.titan-embed-text-v2:0');
      expect(total(v2), model).toBeCloseTo(0.02, 12);
    }
    expect(total(catalog.price({ model: 'amazon.titan-embed-text-v1', provider: 'aws.bedrock', usage: usage(1_000_000, 0), at }))).toBeCloseTo(0.1, 12);
    for (const model of ['mistral-small-2501', 'mistral-small-2503', 'mistral-small-2506']) {
      expect(total(catalog.price({ model, provider: 'mistral_ai', usage: usage(1_000_000, 1_000_000), at })), model).toBeCloseTo(0.4, 12);
    }
    // ai.google.dev/gemini-api/docs/pricing: Gemini 1.5 Flash-8B $0.0375 in / $0.15 out per 1M (Flash: $0.075 / $0.30).
    for (const provider of ['gcp.gemini', undefined]) {
      const flash8b = catalog.price({ model: 'gemini-1.5-flash-8b-001', provider, usage: usage(100_000, 100_000), at });
      expect(flash8b.status === 'priced' && flash8b.provenance.entry, provider).toBe('google/gemini-1.5-flash-8b');
      expect(total(flash8b), provider).toBeCloseTo((100_000 * 0.0375 + 100_000 * 0.15) / M, 12);
    }
    // When genai-prices tells these apart itself, this fails: remove MISMATCHED_MODELS' entries from supplements.ts.
    expect(calcPrice({ input_tokens: 1_000_000, output_tokens: 0 }, 'amazon.titan-embed-text-v2:0', { providerId: 'aws', timestamp: at })?.model.id).toBe('amazon.titan-embed-text-v1');
    expect(calcPrice({ input_tokens: 1, output_tokens: 0 }, 'gemini-1.5-flash-8b', { providerId: 'google', timestamp: at })?.model.id).toBe('gemini-1.5-flash');
  });

  it('a model the catalog lists with an empty price table is free, not unpriced; one priced by another unit stays unpriced', () => {
    // openrouter.ai/models: the `:free` variants cost nothing; openai.com/api/pricing: moderation is free. genai-prices
    // lists both with no price at all, and prices them at $0 itself.
    const catalog = new PriceCatalog();
    for (const [model, provider] of [['deepseek/deepseek-r1:free', 'openrouter'], ['omni-moderation-latest', 'openai']] as const) {
      const free = catalog.price({ model, provider, usage: usage(1000, 100), at });
      expect(free.status, model).toBe('priced');
      expect(total(free), model).toBe(0);
      expect(calcPrice({ input_tokens: 1000, output_tokens: 100 }, model, { providerId: provider, timestamp: at })?.total_price, model).toBe(0);
    }
    // Mistral OCR is priced per page: no price per token to give.
    const ocr = catalog.price({ model: 'mistral-ocr-latest', provider: 'mistral_ai', usage: usage(1000, 100), at });
    expect(ocr.status === 'unpriced' && ocr.reason).toContain('has no per-token prices');
  });

  it('a fee per request (Perplexity’s) is billed once per call, in the input part', () => {
    // genai-prices' data for perplexity/sonar (docs.perplexity.ai/getting-started/pricing): $1 in / $1 out per 1M and
    // $12 per 1,000 requests; its calcPrice gives 0.0128 for this call.
    const sonar = new PriceCatalog().price({ model: 'sonar', provider: 'perplexity', usage: usage(500, 300), at });
    expect(sonar.status === 'priced' && sonar.costs.input).toBeCloseTo((500 * 1) / M + 12 / 1000, 12);
    expect(total(sonar)).toBeCloseTo((500 * 1 + 300 * 1) / M + 12 / 1000, 12);
    expect(calcPrice({ input_tokens: 500, output_tokens: 300 }, 'sonar', { providerId: 'perplexity', timestamp: at })?.total_price).toBeCloseTo(0.0128, 12);
  });

  it('o3 cached input before the June 2025 cut is $2.50 per 1M (openai.com/api/pricing at launch), corrected over the catalog', () => {
    const cached = { input: 1_000_000, cacheRead: 1_000_000, cacheWrite: 0, output: 0, reasoning: 0 };
    const before = new PriceCatalog().price({ model: 'o3', provider: 'openai', usage: cached, at: new Date('2025-05-01T00:00:00Z') });
    const after = new PriceCatalog().price({ model: 'o3', provider: 'openai', usage: cached, at: new Date('2025-07-01T00:00:00Z') });
    expect(total(before)).toBeCloseTo(2.5, 12);
    expect(total(after)).toBeCloseTo(0.5, 12);
    // The instant may come as milliseconds too (the CostEstimator's way): the same periods apply.
    const catalog = new PriceCatalog();
    expect(total(catalog.price({ model: 'o3', provider: 'openai', usage: cached, at: Date.parse('2025-05-01T00:00:00Z') }))).toBeCloseTo(2.5, 12);
    expect(total(catalog.price({ model: 'o3', provider: 'openai', usage: cached, at: Date.parse('2025-07-01T00:00:00Z') }))).toBeCloseTo(0.5, 12);
    // When genai-prices carries the launch price itself, this fails: remove the correction from supplements.ts.
    const raw = calcPrice({ input_tokens: 1_000_000, cache_read_tokens: 1_000_000, output_tokens: 0 }, 'o3', { providerId: 'openai', timestamp: new Date('2025-05-01T00:00:00Z') });
    expect(raw?.total_price).toBeCloseTo(0.5, 12);
  });

  it('o3 on OpenRouter, which passes OpenAI’s price through, before the June 2025 cut is at OpenAI’s launch price', () => {
    // openai.com/api/pricing at the o3 launch: $10 in / $2.50 cached in / $40 out per 1M; $2 / $0.50 / $8 since the cut
    // (2025-06-10); openrouter.ai/docs/faq: OpenRouter "passes through the pricing of the underlying providers".
    const call = { input: 1_000_000, cacheRead: 500_000, cacheWrite: 0, output: 100_000, reasoning: 0 };
    const catalog = new PriceCatalog();
    const price = (iso: string) => catalog.price({ model: 'openai/o3', provider: 'openrouter', usage: call, at: Date.parse(iso) });
    const before = price('2025-05-01T00:00:00Z');
    expect(before.status === 'priced' && before.provenance.entry).toBe('openrouter/openai/o3');
    expect(total(before)).toBeCloseTo((500_000 * 10 + 500_000 * 2.5 + 100_000 * 40) / M, 12);
    expect(total(price('2025-06-10T00:00:00Z'))).toBeCloseTo((500_000 * 2 + 500_000 * 0.5 + 100_000 * 8) / M, 12);
    // The catalog alone prices it at the cut price before the cut: when it stops doing so, remove the correction.
    const raw = calcPrice({ input_tokens: 1_000_000, cache_read_tokens: 500_000, output_tokens: 100_000 }, 'openai/o3', { providerId: 'openrouter', timestamp: new Date('2025-05-01T00:00:00Z') });
    expect(raw?.total_price).toBeCloseTo((500_000 * 2 + 500_000 * 0.5 + 100_000 * 8) / M, 12);
  });

  it('Claude Sonnet 4’s long-context tier and one-hour cache writes on Bedrock, Vertex and OpenRouter as on Anthropic’s API', () => {
    // anthropic.com/pricing, Claude Sonnet 4: $3 in / $15 out / $3.75 cache write, $6 kept for an hour (twice the input
    // price) per 1M; past 200k input tokens $6 / $22.50 / $7.50, $12 for an hour. The same on Bedrock and Vertex, and on
    // OpenRouter, which passes Anthropic's price through.
    const catalog = new PriceCatalog();
    const calls: Array<[string, string]> = [
      ['claude-sonnet-4-20250514', 'anthropic'],
      ['global.anthropic.claude-sonnet-4-20250514-v1:0', 'aws.bedrock'],
      ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'aws.bedrock'],
      ['claude-sonnet-4@20250514', 'gcp.vertex_ai'],
      ['anthropic/claude-sonnet-4', 'openrouter'],
    ];
    for (const [model, provider] of calls) {
      const price = (input: number) => catalog.price({ model, provider, usage: { input, cacheRead: 0, cacheWrite: 100_000, cacheWrite1h: 40_000, output: 1000, reasoning: 0 }, at });
      const short = price(150_000);
      expect(short.status === 'priced' && short.costs.cacheWrite, model).toBeCloseTo((60_000 * 3.75 + 40_000 * 6) / M, 12);
      expect(total(short), model).toBeCloseTo((50_000 * 3 + 60_000 * 3.75 + 40_000 * 6 + 1000 * 15) / M, 12);
      const long = price(300_000);
      expect(long.status === 'priced' && long.provenance.tier, model).toBe('standard/input>200000');
      expect(total(long), model).toBeCloseTo((200_000 * 6 + 60_000 * 7.5 + 40_000 * 12 + 1000 * 22.5) / M, 12);
    }
  });

  it('Claude’s one-hour cache writes on Bedrock, Vertex and OpenRouter cost twice the entry’s input price, in each long-context tier', () => {
    // anthropic.com/pricing, "1h cache writes": twice the base input price; Bedrock and Vertex bill it so against their
    // own input price, OpenRouter passes Anthropic's through. Input prices per 1M from each provider's list, as the
    // catalog has them: Vertex Sonnet 4.5 $3 ($6 past 200k input tokens), out $15 ($22.50); Bedrock regional Sonnet 4.5
    // $3.30 in / $16.50 out (aws.amazon.com/bedrock/pricing, 10% over global); Bedrock global Opus 4.6 and OpenRouter
    // Opus 4.6 $5 in / $25 out.
    const catalog = new PriceCatalog();
    const call = (input: number) => ({ input, cacheRead: 0, cacheWrite: 100_000, cacheWrite1h: 100_000, output: 1000, reasoning: 0 });
    const cases: Array<[string, string, number, number]> = [
      ['claude-sonnet-4-5@20250929', 'gcp.vertex_ai', 110_000, (10_000 * 3 + 100_000 * 6 + 1000 * 15) / M],
      ['claude-sonnet-4-5@20250929', 'gcp.vertex_ai', 300_000, (200_000 * 6 + 100_000 * 12 + 1000 * 22.5) / M],
      ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'aws.bedrock', 110_000, (10_000 * 3.3 + 100_000 * 6.6 + 1000 * 16.5) / M],
      ['global.anthropic.claude-opus-4-6-v1', 'aws.bedrock', 110_000, (10_000 * 5 + 100_000 * 10 + 1000 * 25) / M],
      ['anthropic/claude-opus-4.6', 'openrouter', 110_000, (10_000 * 5 + 100_000 * 10 + 1000 * 25) / M],
    ];
    for (const [model, provider, input, expected] of cases) {
      expect(total(catalog.price({ model, provider, usage: call(input), at: Date.parse('2026-01-15T00:00:00Z') })), `${model} ${input}`).toBeCloseTo(expected, 12);
    }
    // Bedrock's Claude 3 Haiku prices no caching (no cache-write price): its writes, an hour's too, are input ($0.25).
    const haiku = catalog.price({ model: 'anthropic.claude-3-haiku-20240307-v1:0', provider: 'aws.bedrock', usage: call(110_000), at });
    expect(total(haiku)).toBeCloseTo((110_000 * 0.25 + 1000 * 1.25) / M, 12);
  });

  it('a Claude entry’s own one-hour cache-write price is kept', () => {
    // anthropic.com/pricing, Claude Haiku 4.5: $1 in / $1.25 cache write / $2 kept for an hour per 1M, as the catalog has
    // it; a 1-hour price of the catalog's own wins over twice the input, whatever it is.
    const haiku = { input_mtok: 1, cache_write_mtok: 1.25, cache_read_mtok: 0.1, output_mtok: 5 };
    expect(catalogRateCard('anthropic/claude-haiku-4-5', { ...haiku, cache_write_1h_mtok: 2 })?.cacheWrite1h).toBe(2);
    expect(catalogRateCard('anthropic/claude-haiku-4-5', { ...haiku, cache_write_1h_mtok: 1.9 })?.cacheWrite1h).toBe(1.9);
    expect(catalogRateCard('aws/global.anthropic.claude-haiku-4-5-20251001-v1:0', haiku)?.cacheWrite1h).toBe(2);
  });

  it('Claude Sonnet 4.5 on Bedrock past 200k input tokens is at AWS’s long-context price, global and regional', () => {
    // aws.amazon.com/bedrock/pricing, Claude Sonnet 4.5: global $3 in / $0.30 cache read / $3.75 cache write / $15 out
    // per 1M, past 200k input tokens ("Long Context") $6 / $0.60 / $7.50 / $22.50; regional 10% more, $3.30 / $0.33 /
    // $4.125 / $16.50 and $6.60 / $0.66 / $8.25 / $24.75. Kept for an hour, a write is twice the input price
    // (anthropic.com/pricing). Before the 1M-context beta was retired (2026-04-30).
    const catalog = new PriceCatalog();
    const price = (model: string, input: number) =>
      catalog.price({ model, provider: 'aws.bedrock', usage: { input, cacheRead: 50_000, cacheWrite: 100_000, cacheWrite1h: 40_000, output: 1000, reasoning: 0 }, at: Date.parse('2026-01-15T00:00:00Z') });
    const regional = price('us.anthropic.claude-sonnet-4-5-20250929-v1:0', 300_000);
    expect(regional.status === 'priced' && regional.provenance).toMatchObject({ entry: 'aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0', tier: 'standard/input>200000' });
    expect(total(regional)).toBeCloseTo((150_000 * 6.6 + 50_000 * 0.66 + 60_000 * 8.25 + 40_000 * 13.2 + 1000 * 24.75) / M, 12);
    expect(total(price('global.anthropic.claude-sonnet-4-5-20250929-v1:0', 300_000))).toBeCloseTo((150_000 * 6 + 50_000 * 0.6 + 60_000 * 7.5 + 40_000 * 12 + 1000 * 22.5) / M, 12);
    expect(total(price('us.anthropic.claude-sonnet-4-5-20250929-v1:0', 160_000))).toBeCloseTo((10_000 * 3.3 + 50_000 * 0.33 + 60_000 * 4.125 + 40_000 * 6.6 + 1000 * 16.5) / M, 12);
  });

  it('a Gemini `-latest` alias the catalog does not name is unpriced, not priced as the model its name starts like', () => {
    // gemini-pro-latest is whichever Pro Google serves (2.5 Pro: $1.25 in / $10 out per 1M), not Gemini 1.0 Pro
    // ($0.125 / $0.375), which `gemini-pro` names. An alias the catalog names is priced: gemini-2.5-flash-latest as
    // Gemini 2.5 Flash, $0.30 in / $2.50 out per 1M (ai.google.dev/gemini-api/docs/pricing).
    const catalog = new PriceCatalog();
    for (const provider of ['gcp.gemini', 'gcp.vertex_ai', undefined]) {
      for (const model of ['gemini-pro-latest', 'models/gemini-flash-latest']) {
        expect(catalog.price({ model, provider, usage: usage(100_000, 10_000), at }).status, `${model} ${String(provider)}`).toBe('unpriced');
      }
      const named = catalog.price({ model: 'gemini-2.5-flash-latest', provider, usage: usage(100_000, 10_000), at });
      expect(named.status === 'priced' && named.provenance.entry).toBe('google/gemini-2.5-flash');
      expect(total(named)).toBeCloseTo((100_000 * 0.3 + 10_000 * 2.5) / M, 12);
    }
  });

  it('DeepSeek V4 on DeepSeek’s API: peak hours only on weekdays, and the flat price before peak billing, corrected over the catalog', () => {
    // api-docs.deepseek.com/quick_start/pricing: deepseek-v4-pro $0.435 in / $0.003625 cached / $0.87 out per 1M until
    // 16:00 UTC on 16 August 2026, then $0.66 / $0.022 / $1.98 off-peak and twice that at peak: 01:00–04:00 and
    // 06:00–10:00 UTC, Monday through Friday, Chinese public holidays excepted (from 23 August; every day in the week
    // before).
    const catalog = new PriceCatalog();
    const call = { input: 2_000_000, cacheRead: 1_000_000, cacheWrite: 0, output: 1_000_000, reasoning: 0 };
    const priceAt = (iso: string) => total(catalog.price({ model: 'deepseek-v4-pro', provider: 'deepseek', usage: call, at: Date.parse(iso) }));
    const FLAT = 0.435 + 0.003625 + 0.87;
    const OFF_PEAK = 0.66 + 0.022 + 1.98;
    const PEAK = 2 * OFF_PEAK;
    const cases: Array<[string, number]> = [
      ['2026-08-15T02:00:00Z', FLAT], // before peak billing, in a window the catalog prices at the new peak
      ['2026-08-16T20:00:00Z', OFF_PEAK], // after 16:00 UTC on 16 August, which the catalog dates 17 August
      ['2026-08-22T02:00:00Z', PEAK], // a Saturday before weekends were off-peak
      ['2026-12-05T02:00:00Z', OFF_PEAK], // a Saturday since: off-peak all day, where the catalog says peak
      ['2026-12-06T07:00:00Z', OFF_PEAK], // a Sunday
      ['2026-12-07T02:00:00Z', PEAK], // a Monday, 10:00 Beijing time
      ['2026-12-07T09:59:00Z', PEAK],
      ['2026-12-07T10:00:00Z', OFF_PEAK],
      ['2026-12-07T05:00:00Z', OFF_PEAK], // Beijing's lunch hours
      ['2026-10-05T02:00:00Z', OFF_PEAK], // a Monday of the National Day holidays (State Council's 2026 schedule)
      ['2026-09-25T07:00:00Z', OFF_PEAK], // the Friday of the Mid-Autumn Festival
      ['2026-10-08T02:00:00Z', PEAK], // the Thursday after
    ];
    for (const [instant, expected] of cases) expect(priceAt(instant), instant).toBeCloseTo(expected, 9);
    const tierAt = (iso: string) => {
      const result = catalog.price({ model: 'deepseek-v4-pro', provider: 'deepseek', usage: call, at: Date.parse(iso) });
      return result.status === 'priced' ? result.provenance.tier : result.status;
    };
    expect([tierAt('2026-08-15T02:00:00Z'), tierAt('2026-12-05T02:00:00Z'), tierAt('2026-12-07T02:00:00Z')]).toEqual(['standard', 'standard/off-peak', 'standard/peak']);
    // The catalog alone prices a Saturday's peak window at the peak price, and the hour before peak billing at the new
    // peak too: when it stops doing so, this fails, and the correction in supplements.ts can go.
    const raw = (iso: string) => calcPrice({ input_tokens: 2_000_000, cache_read_tokens: 1_000_000, output_tokens: 1_000_000 }, 'deepseek-v4-pro', { providerId: 'deepseek', timestamp: new Date(iso) });
    expect(raw('2026-12-05T02:00:00Z')?.total_price).toBeCloseTo(PEAK, 9);
    expect(raw('2026-08-15T02:00:00Z')?.total_price).toBeCloseTo(PEAK, 9);
    // The same correction for V4 Flash while it was billed as itself: $0.22 / $0.007 / $0.66 off-peak.
    const v4Flash = (iso: string) => total(catalog.price({ model: 'deepseek-v4-flash', provider: 'deepseek', usage: call, at: Date.parse(iso) }));
    expect(v4Flash('2026-08-29T02:00:00Z')).toBeCloseTo(0.22 + 0.007 + 0.66, 9); // a Saturday
    expect(v4Flash('2026-08-31T02:00:00Z')).toBeCloseTo(2 * (0.22 + 0.007 + 0.66), 9); // a Monday
  });

  it('deepseek-flash, which the catalog lacks, at DeepSeek’s price by the hour; the legacy V4 Flash names billed as it', () => {
    // api-docs.deepseek.com/quick_start/pricing: deepseek-flash (DeepSeek-V4.1-Flash) $0.15 in / $0.003 cache hit /
    // $0.60 out per 1M off-peak, twice that at peak; the legacy deepseek-v4-flash names "billed at Flash price" (from
    // 00:00 on 10 September 2026, Beijing time).
    const catalog = new PriceCatalog();
    const call = { input: 2_000_000, cacheRead: 1_000_000, cacheWrite: 0, output: 1_000_000, reasoning: 0 };
    const OFF_PEAK = 0.15 + 0.003 + 0.6;
    const price = (model: string, provider: string | undefined, iso: string) => catalog.price({ model, provider, usage: call, at: Date.parse(iso) });
    const monday = price('deepseek-flash', 'deepseek', '2026-12-07T02:00:00Z');
    expect(total(monday)).toBeCloseTo(2 * OFF_PEAK, 9);
    // The tier says which band the call paid: why the same call costs twice as much.
    expect(monday.status === 'priced' && monday.provenance).toEqual({ catalogVersion: CATALOG_VERSION, entry: 'deepseek/deepseek-flash', tier: 'standard/peak' });
    const saturday = price('deepseek-flash', 'deepseek', '2026-12-05T02:00:00Z');
    expect(total(saturday)).toBeCloseTo(OFF_PEAK, 9);
    expect(saturday.status === 'priced' && saturday.provenance.tier).toBe('standard/off-peak');
    // Named without its provider (the openai client on DeepSeek's API): found in DeepSeek's list all the same.
    expect(total(price('deepseek-flash', undefined, '2026-12-07T12:00:00Z'))).toBeCloseTo(OFF_PEAK, 9);
    // Another provider's list does not take it for its own.
    expect(price('deepseek-flash', 'together', '2026-12-07T12:00:00Z').status).toBe('unpriced');
    // The legacy name, the last hour before it was billed as Flash and the first after (both off-peak).
    expect(total(price('deepseek-v4-flash', 'deepseek', '2026-09-09T15:59:00Z'))).toBeCloseTo(0.22 + 0.007 + 0.66, 9);
    expect(total(price('deepseek-v4-flash', 'deepseek', '2026-09-09T16:00:00Z'))).toBeCloseTo(OFF_PEAK, 9);
    expect(total(price('deepseek-v4-flash-vision-exp', 'deepseek', '2026-12-07T02:00:00Z'))).toBeCloseTo(2 * OFF_PEAK, 9);
    // When genai-prices lists deepseek-flash itself, this fails: remove the entry from deepseek.ts.
    expect(calcPrice({ input_tokens: 1, output_tokens: 1 }, 'deepseek-flash', { providerId: 'deepseek', timestamp: new Date('2026-12-07T12:00:00Z') })).toBeNull();
  });

  it('lists the models it adds to the catalog beside the catalog’s own, for browsing', async () => {
    const deepseek = (await listProviders()).find((provider) => provider.id === 'deepseek');
    expect(deepseek?.models.map((model) => model.id)).toEqual(expect.arrayContaining(['deepseek-v4-pro', 'deepseek-flash']));
  });

  it('a model named without its provider is found in its maker’s own list when only that maker names it exactly', () => {
    // The catalog's own inference (patterns per provider) misses these names.
    expect(makersEntry('text-embedding-3-small')?.providerId).toBe('openai');
    expect(makersEntry('chatgpt-4o-latest')?.providerId).toBe('openai');
    expect(makersEntry('embed-v4.0')?.providerId).toBe('cohere');
    // Named by two makers' lists (Anthropic's claude-opus-4-0, Google Vertex's claude-4-opus): whose would it be?
    expect(makersEntry('claude-opus-4')).toBeUndefined();
    // OpenAI's moderation entry matches names that contain "moderation": a pattern is no claim on a stranger's model.
    expect(makersEntry('my-moderation-model')).toBeUndefined();
    // Hosted by many at many prices, made by none of the makers listed.
    expect(makersEntry('llama-3.3-70b-versatile')).toBeUndefined();
  });

  it('a model named without its provider: the makers’ common wire names are priced as theirs, a name that only starts like one is not', () => {
    // [wire name, entry, USD per 1M in, out]: the entries' prices in genai-prices 0.1.8's data (the provider's page each
    // cites), below any long-context tier. DeepSeek's are its standard hours, 00:30–16:30 UTC, where `at` falls.
    const priced: Array<[string, string, number, number]> = [
      ['gemini-2.0-flash', 'google/gemini-2.0-flash', 0.1, 0.4],
      ['gemini-2.0-flash-001', 'google/gemini-2.0-flash', 0.1, 0.4],
      ['models/gemini-2.0-flash-001', 'google/gemini-2.0-flash', 0.1, 0.4],
      ['gemini-2.0-flash-lite-001', 'google/gemini-2.0-flash-lite', 0.075, 0.3],
      ['gemini-2.5-pro', 'google/gemini-2.5-pro', 1.25, 10],
      ['models/gemini-2.5-pro', 'google/gemini-2.5-pro', 1.25, 10],
      ['gemini-2.5-flash', 'google/gemini-2.5-flash', 0.3, 2.5],
      ['gemini-2.5-flash-preview-05-20', 'google/gemini-2.5-flash-preview', 0.15, 0.6],
      ['gemini-1.5-pro', 'google/gemini-1.5-pro', 1.25, 5],
      ['gemini-1.5-pro-002', 'google/gemini-1.5-pro', 1.25, 5],
      ['gemini-1.5-flash-002', 'google/gemini-1.5-flash', 0.075, 0.3],
      ['claude-3-5-sonnet-20241022', 'anthropic/claude-3-5-sonnet', 3, 15],
      ['claude-3-5-sonnet-latest', 'anthropic/claude-3-5-sonnet', 3, 15],
      ['claude-3-7-sonnet-latest', 'anthropic/claude-3-7-sonnet-latest', 3, 15],
      ['claude-3-5-haiku-latest', 'anthropic/claude-3-5-haiku-latest', 0.8, 4],
      ['claude-3-opus-latest', 'anthropic/claude-3-opus-latest', 15, 75],
      ['claude-sonnet-4-20250514', 'anthropic/claude-sonnet-4-0', 3, 15],
      ['claude-opus-4-1-20250805', 'anthropic/claude-opus-4-1', 15, 75],
      ['claude-haiku-4-5-20251001', 'anthropic/claude-haiku-4-5', 1, 5],
      ['gpt-4o', 'openai/gpt-4o', 2.5, 10],
      ['gpt-4o-2024-05-13', 'openai/gpt-4o-2024-05-13', 5, 15],
      ['gpt-4o-mini-2024-07-18', 'openai/gpt-4o-mini', 0.15, 0.6],
      ['gpt-4.1', 'openai/gpt-4.1', 2, 8],
      ['o3-mini', 'openai/o3-mini', 1.1, 4.4],
      ['gpt-5', 'openai/gpt-5', 1.25, 10],
      ['gpt-4o-realtime-preview', 'openai/gpt-4o-realtime-preview', 5, 20],
      ['text-embedding-3-small', 'openai/text-embedding-3-small', 0.02, 0],
      ['mistral-large-latest', 'mistral/mistral-large', 2, 6],
      ['magistral-medium-latest', 'mistral/magistral-medium', 2, 5],
      ['codestral-latest', 'mistral/codestral', 0.3, 0.9],
      ['deepseek-chat', 'deepseek/deepseek-chat', 0.27, 1.1],
      ['deepseek-reasoner', 'deepseek/deepseek-reasoner', 0.55, 2.19],
      ['grok-3', 'x-ai/grok-3', 3, 15],
      ['command-r-plus', 'cohere/command-r-plus', 2.5, 10],
    ];
    const catalog = new PriceCatalog();
    for (const [model, entry, input, output] of priced) {
      const result = catalog.price({ model, usage: usage(1000, 1000), at });
      expect(result.status === 'priced' && result.provenance.entry, model).toBe(entry);
      expect(total(result), model).toBeCloseTo((1000 * input + 1000 * output) / M, 12);
    }
    // Names the catalog matches only by a pattern they start like, each a model of another price: DeepSeek-R1's distills
    // run locally (Ollama, vLLM); a Gemini preview, whose price may be its own (2.5 Flash's preview above) and is found
    // with the provider named. (Gemini 1.5 Flash-8B, which Flash's pattern matched too, has its own price: supplements.ts.)
    for (const model of ['deepseek-r1:14b', 'deepseek-r1:7b', 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'gemini-2.5-pro-preview-06-05']) {
      expect(catalog.price({ model, usage: usage(1000, 1000), at }), model).toEqual({ status: 'unpriced', reason: `model ${model} not in catalog (genai-prices@0.1.8) for any provider`, unknownModel: true });
    }
  });

  it('a call to OpenRouter named without the model\'s maker is priced at the maker\'s price, which OpenRouter passes through', () => {
    // OpenLLMetry's openai instrumentor (0.62.4) names OpenRouter's `openai/gpt-4o-mini` as `gpt-4o-mini`.
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.075 cached in / $0.60 out.
    const named = new PriceCatalog().price({ model: 'gpt-4o-mini', provider: 'openrouter', usage: usage(1000, 500, 200), at });
    expect(total(named)).toBeCloseTo((800 * 0.15 + 200 * 0.075 + 500 * 0.6) / M, 12);
    expect(named.status === 'priced' && named.provenance.entry).toBe('openai/gpt-4o-mini');
    // Named as OpenRouter lists it, its own entry.
    const listed = new PriceCatalog().price({ model: 'openai/gpt-4o-mini', provider: 'openrouter', usage: usage(1000, 500, 200), at });
    expect(listed.status === 'priced' && listed.provenance.entry).toBe('openrouter/openai/gpt-4o-mini');
  });

  it('an unknown model is unpriced with a reason, marked as a model no price list has', () => {
    const result = new PriceCatalog().price({ model: 'acme-llm-9000', provider: 'openai', usage: usage(1, 1), at });
    expect(result).toEqual({ status: 'unpriced', reason: 'model acme-llm-9000 not in catalog (genai-prices@0.1.8) for provider openai', unknownModel: true });
    // A provider without a price list is another reason: no other name of the model would find a price.
    expect(new PriceCatalog().price({ model: 'llama3', provider: 'ollama', usage: usage(1, 1), at })).not.toHaveProperty('unknownModel');
  });
});
