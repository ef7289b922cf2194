import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { PriceCatalog, roundUsd } from '../../pricing/index.js';
import { normaliseProvider } from '../../recognition/index.js';
import type { PriceResult } from '../../pricing/index.js';

interface PriceOptions {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  audioInput: number;
  audioCacheRead: number;
  audioOutput: number;
  provider?: string;
  at?: Date;
  serviceTier?: string;
  format: 'text' | 'json';
}

function tokenCount(value: string): number {
  // Decimal digits only: Number() reads "" and " " as 0 and "0x10" as 16.
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed)) throw new InvalidArgumentError('expected a non-negative integer');
  return parsed;
}

/** `--input` counts the cache tokens and `--output` the reasoning ones: parts larger than their whole are a mistake. */
function usageProblem(options: PriceOptions): string | undefined {
  if (options.cacheRead + options.cacheWrite > options.input) {
    return `--cache-read + --cache-write (${options.cacheRead + options.cacheWrite}) exceed --input (${options.input}), which includes them`;
  }
  if (options.reasoning > options.output) return `--reasoning (${options.reasoning}) exceeds --output (${options.output}), which includes it`;
  if (options.audioInput > options.input) return `--audio-input (${options.audioInput}) exceeds --input (${options.input}), which includes it`;
  if (options.audioCacheRead > Math.min(options.audioInput, options.cacheRead)) {
    return `--audio-cache-read (${options.audioCacheRead}) exceeds --audio-input (${options.audioInput}) or --cache-read (${options.cacheRead}), which both include it`;
  }
  if (options.audioOutput > options.output - options.reasoning) {
    return `--audio-output (${options.audioOutput}) exceeds --output less --reasoning (${options.output - options.reasoning}), which includes it`;
  }
  return undefined;
}

function instant(value: string): Date {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new InvalidArgumentError('expected an ISO date or date-time');
  return parsed;
}

/** The `--format` option of the catalog commands. */
export function outputFormat(value: string): 'text' | 'json' {
  if (value !== 'text' && value !== 'json') throw new InvalidArgumentError('expected text or json');
  return value;
}

/** Dollars with cents always shown and up to eight decimals when smaller amounts need them: $0.40, $2.00, $0.00035. */
export const usd = (amount: number): string => `$${amount.toFixed(8).replace(/(\.\d\d\d*?)0+$/, '$1')}`;

/** As the pipeline writes amounts: rounded to 1e-12 USD, so that binary-float noise (0.39999999999999997) stays out. */
function rounded(result: PriceResult): PriceResult {
  if (result.status === 'unpriced') return result;
  const { input, cacheRead, cacheWrite, output, reasoning, total } = result.costs;
  return {
    ...result,
    costs: { input: roundUsd(input), cacheRead: roundUsd(cacheRead), cacheWrite: roundUsd(cacheWrite), output: roundUsd(output), reasoning: roundUsd(reasoning), total: roundUsd(total) },
  };
}

function describe(model: string, result: PriceResult, requestFee: number): string {
  if (result.status === 'unpriced') return `${model}: unpriced — ${result.reason}`;
  const { costs, provenance } = result;
  return [
    `${model} → ${provenance.entry} (${provenance.catalogVersion}, tier ${provenance.tier})`,
    `  input        ${usd(costs.input)}`,
    // The pipeline puts a fee per request in the input part (MLflow's cost has only input and output): shown apart here.
    ...(requestFee > 0 ? [`    of which the request fee  ${usd(requestFee)}`] : []),
    `  cache read   ${usd(costs.cacheRead)}`,
    `  cache write  ${usd(costs.cacheWrite)}`,
    `  output       ${usd(costs.output)}`,
    `  reasoning    ${usd(costs.reasoning)}`,
    `  total        ${usd(costs.total)}`,
  ].join('\n');
}

export function registerPriceCommand(program: Command): void {
  program
    .command('price')
    .description('price one model call with the built-in catalog (input includes cache tokens, output includes reasoning)')
    .argument('<model>', 'model name as it appears on the wire, e.g. gpt-4o-2024-08-06 or us.anthropic.claude-3-5-sonnet-20240620-v1:0')
    .requiredOption('--input <n>', 'input tokens, including cache read and write', tokenCount)
    .requiredOption('--output <n>', 'output tokens, including reasoning', tokenCount)
    .option('--cache-read <n>', 'cache-read input tokens', tokenCount, 0)
    .option('--cache-write <n>', 'cache-write input tokens', tokenCount, 0)
    .option('--reasoning <n>', 'reasoning output tokens', tokenCount, 0)
    .option('--audio-input <n>', 'of the input tokens, the audio ones (cached audio included)', tokenCount, 0)
    .option('--audio-cache-read <n>', 'of the cache-read tokens, the audio ones', tokenCount, 0)
    .option('--audio-output <n>', 'of the output tokens, the audio ones', tokenCount, 0)
    .option('--provider <name>', 'OTel gen_ai.provider.name or a framework\'s spelling of it, e.g. openai, anthropic, aws.bedrock (bedrock), gcp.vertex_ai (vertex_ai), azure')
    .option('--at <date>', 'price in force at this instant (default: now)', instant)
    .option('--service-tier <tier>', 'batch, flex, priority, …')
    .option('--format <format>', 'text or json', outputFormat, 'text')
    .action((model: string, options: PriceOptions, command: Command) => {
      const problem = usageProblem(options);
      if (problem !== undefined) command.error(`error: ${problem}`, { exitCode: 2 });
      const catalog = new PriceCatalog();
      const request = {
        model,
        // Spelt as spans spell it (`azure`, `bedrock`, `vertex_ai`): read as recognition reads a span's provider.
        provider: options.provider === undefined ? undefined : normaliseProvider(options.provider),
        usage: {
          input: options.input,
          output: options.output,
          cacheRead: options.cacheRead,
          cacheWrite: options.cacheWrite,
          reasoning: options.reasoning,
          audioInput: options.audioInput,
          audioCacheRead: options.audioCacheRead,
          audioOutput: options.audioOutput,
        },
        at: options.at ?? new Date(),
        serviceTier: options.serviceTier,
      };
      const result = catalog.price(request);
      // What a call of no tokens costs is the fee per request alone (Perplexity's), which the split counts in the input.
      const feeOnly = catalog.price({ ...request, usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 } });
      const requestFee = feeOnly.status === 'priced' ? roundUsd(feeOnly.costs.total) : 0;
      if (options.format === 'json') console.log(JSON.stringify({ model, ...rounded(result), ...(requestFee > 0 ? { requestFee } : {}) }, null, 2));
      // An unpriced call is an error for a person reading text: said on stderr, with a failing exit code.
      else if (result.status === 'unpriced') console.error(describe(model, result, 0));
      else console.log(describe(model, result, requestFee));
      if (result.status === 'unpriced') process.exitCode = 1;
    });
}
