import type { Command } from 'commander';
import { CATALOG_VERSION, catalogRateCard, listProviders, pricesInForce } from '../../pricing/index.js';
import type { Rate } from '../../pricing/index.js';
import { outputFormat, usd } from './price.js';

interface ModelRow {
  provider: string;
  model: string;
  name: string;
  input: string;
  cacheRead: string;
  cacheWrite: string;
  output: string;
  /** USD per thousand requests (Perplexity's fee per call), '-' without one. */
  perThousandRequests: string;
}

function rateText(rate: Rate | undefined): string {
  if (rate === undefined) return '-';
  if (typeof rate === 'number') return usd(rate);
  return [usd(rate.base), ...rate.tiers.map((tier) => `${usd(tier.rate)} >${tier.above / 1000}k`)].join(' / ');
}

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description(`list the built-in catalog (${CATALOG_VERSION}) with USD prices per 1M tokens in force now`)
    .argument('[query]', 'case-insensitive substring of provider id, model id or name')
    .option('--format <format>', 'text or json', outputFormat, 'text')
    .action(async (query: string | undefined, options: { format: 'text' | 'json' }) => {
      const needle = query?.toLowerCase();
      const now = Date.now();
      const rows: ModelRow[] = [];
      for (const provider of await listProviders()) {
        for (const model of provider.models) {
          const haystack = `${provider.id}/${model.id} ${model.name ?? ''}`.toLowerCase();
          if (needle !== undefined && !haystack.includes(needle)) continue;
          const entry = `${provider.id}/${model.id}`;
          const card = catalogRateCard(entry, pricesInForce(entry, model, now).prices);
          if (card === undefined) continue;
          rows.push({
            provider: provider.id,
            model: model.id,
            name: model.name ?? model.id,
            input: rateText(card.input),
            cacheRead: rateText(card.cacheRead),
            cacheWrite: rateText(card.cacheWrite),
            output: rateText(card.output),
            perThousandRequests: rateText(card.requests),
          });
        }
      }
      if (options.format === 'json') {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      const header: ModelRow = {
        provider: 'PROVIDER',
        model: 'MODEL',
        name: 'NAME',
        input: 'INPUT',
        cacheRead: 'CACHE READ',
        cacheWrite: 'CACHE WRITE',
        output: 'OUTPUT',
        perThousandRequests: 'PER 1K REQUESTS',
      };
      const columns = ['provider', 'model', 'input', 'cacheRead', 'cacheWrite', 'output', 'perThousandRequests'] as const;
      const widths = columns.map((column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
      for (const row of [header, ...rows]) console.log(columns.map((column, i) => row[column].padEnd(widths[i]!)).join('  ').trimEnd());
      console.log(`\n${rows.length} model(s), ${CATALOG_VERSION}, USD per 1M tokens (a fee per request: USD per 1,000 requests)`);
    });
}
