/** `tokenmeter price` and `tokenmeter models` as a user runs them: real child processes, numbers checked. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tokenmeter(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('tokenmeter price', () => {
  it('prices gpt-4o-mini from the catalog (openai.com/api/pricing: $0.15 in, $0.075 cached in, $0.60 out per 1M)', async () => {
    const run = await tokenmeter('price', 'gpt-4o-mini', '--input', '1000', '--output', '500', '--cache-read', '400', '--format', 'json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { status: string; costs: Record<string, number>; provenance: Record<string, string> };
    expect(result.status).toBe('priced');
    expect(result.costs['input']).toBeCloseTo((600 * 0.15) / 1e6, 12);
    expect(result.costs['cacheRead']).toBeCloseTo((400 * 0.075) / 1e6, 12);
    expect(result.costs['output']).toBeCloseTo((500 * 0.6) / 1e6, 12);
    expect(result.costs['total']).toBeCloseTo((600 * 0.15 + 400 * 0.075 + 500 * 0.6) / 1e6, 12);
    expect(result.provenance).toEqual({ catalogVersion: 'genai-prices@0.1.8', entry: 'openai/gpt-4o-mini', tier: 'standard' });
  });

  it('prints the split as text, and applies the batch tier (half price) and the date', async () => {
    const run = await tokenmeter('price', 'gpt-4o-mini', '--input', '1000000', '--output', '1000000', '--service-tier', 'batch', '--at', '2025-09-01');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('openai/gpt-4o-mini');
    expect(run.stdout).toContain('tier batch');
    expect(run.stdout).toMatch(/total\s+\$0\.375\b/);
  });

  it('writes amounts rounded as the pipeline writes them, and shows cents (openai.com/api/pricing: gpt-4.1-mini $0.40 in, $1.60 out per 1M)', async () => {
    const json = await tokenmeter('price', 'gpt-4.1-mini-2025-04-14', '--input', '1000000', '--output', '1000000', '--format', 'json');
    // Unrounded, the binary floats printed 0.39999999999999997, 1.5999999999999999 and 1.9999999999999998.
    expect((JSON.parse(json.stdout) as { costs: Record<string, number> }).costs).toEqual({ input: 0.4, cacheRead: 0, cacheWrite: 0, output: 1.6, reasoning: 0, total: 2 });
    const text = await tokenmeter('price', 'gpt-4.1-mini-2025-04-14', '--input', '1000000', '--output', '1000000');
    expect(text.stdout).toMatch(/input\s+\$0\.40\n/);
    expect(text.stdout).toMatch(/output\s+\$1\.60\n/);
    expect(text.stdout).toMatch(/total\s+\$2\.00$/m);
  });

  it('shows a fee per request apart, which the split counts in the input (docs.perplexity.ai/getting-started/pricing: sonar $1 in, $1 out per 1M, $12 per 1K requests)', async () => {
    const text = await tokenmeter('price', 'sonar', '--provider', 'perplexity', '--input', '1000', '--output', '100');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/input\s+\$0\.013\n\s+of which the request fee\s+\$0\.012\n/);
    const json = JSON.parse((await tokenmeter('price', 'sonar', '--provider', 'perplexity', '--input', '1000', '--output', '100', '--format', 'json')).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ requestFee: 0.012, costs: { input: 0.013, total: 0.0131 } });
    // A model without one shows none.
    const plain = await tokenmeter('price', 'gpt-4o-mini', '--input', '1000', '--output', '100');
    expect(plain.stdout).not.toContain('request fee');
  });

  it('reads --provider as spans spell it: LangChain’s azure is Azure OpenAI, priced from the catalog’s Azure list', async () => {
    const run = await tokenmeter('price', 'gpt-4o-mini', '--provider', 'azure', '--input', '1000000', '--output', '1000000', '--format', 'json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'priced', provenance: { entry: 'azure/gpt-4o-mini' } });
  });

  it('refuses a negative token count with a message naming the option, exit code non-zero', async () => {
    const run = await tokenmeter('price', 'gpt-4o-mini', '--input', '-3', '--output', '500');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("option '--input <n>' argument '-3' is invalid");
    expect(run.stderr).toContain('expected a non-negative integer');
    expect(run.stdout).toBe('');
  });

  it('reads token counts as decimal digits only: empty, blank and hex counts are refused, not priced as 0 or 16', async () => {
    for (const count of ['', ' ', '0x10', '1e3']) {
      const run = await tokenmeter('price', 'gpt-4o-mini', '--input', count, '--output', '500');
      expect(run.code, JSON.stringify(count)).not.toBe(0);
      expect(run.stderr).toContain(`option '--input <n>' argument '${count}' is invalid`);
      expect(run.stdout).toBe('');
    }
  });

  it('refuses cache tokens beyond --input and reasoning beyond --output, which include them', async () => {
    const cache = await tokenmeter('price', 'gpt-4o-mini', '--input', '1000000', '--output', '10', '--cache-read', '3000000', '--cache-write', '1');
    expect(cache.code).toBe(2);
    expect(cache.stderr).toContain('--cache-read + --cache-write (3000001) exceed --input (1000000), which includes them');
    expect(cache.stdout).toBe('');
    const reasoning = await tokenmeter('price', 'gpt-4o-mini', '--input', '10', '--output', '500', '--reasoning', '501');
    expect(reasoning.code).toBe(2);
    expect(reasoning.stderr).toContain('--reasoning (501) exceeds --output (500), which includes it');
  });

  it('prices the audio of a call apart, and refuses audio beyond the counts that include it', async () => {
    // openai.com/api/pricing, gpt-audio: text $2.50 in / $10 out, audio $32 in / $64 out per 1M.
    const json = await tokenmeter('price', 'gpt-audio', '--input', '100000', '--audio-input', '80000', '--output', '20000', '--audio-output', '15000', '--format', 'json');
    expect(json.code).toBe(0);
    const { costs } = JSON.parse(json.stdout) as { costs: Record<string, number> };
    expect(costs['input']).toBeCloseTo((20_000 * 2.5 + 80_000 * 32) / 1e6, 12);
    expect(costs['output']).toBeCloseTo((5000 * 10 + 15_000 * 64) / 1e6, 12);
    const input = await tokenmeter('price', 'gpt-audio', '--input', '100', '--audio-input', '101', '--output', '10');
    expect(input.code).toBe(2);
    expect(input.stderr).toContain('--audio-input (101) exceeds --input (100), which includes it');
    const cached = await tokenmeter('price', 'gpt-realtime', '--input', '100', '--cache-read', '50', '--audio-input', '40', '--audio-cache-read', '45', '--output', '10');
    expect(cached.code).toBe(2);
    expect(cached.stderr).toContain('--audio-cache-read (45) exceeds --audio-input (40) or --cache-read (50), which both include it');
    const output = await tokenmeter('price', 'gpt-audio', '--input', '100', '--output', '10', '--reasoning', '5', '--audio-output', '6');
    expect(output.code).toBe(2);
    expect(output.stderr).toContain('--audio-output (6) exceeds --output less --reasoning (5), which includes it');
  });

  it('says why an unknown model has no price, on stderr, exit code non-zero', async () => {
    const run = await tokenmeter('price', 'acme-llm-9000', '--input', '10', '--output', '5');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('acme-llm-9000: unpriced — model acme-llm-9000 not in catalog');
    expect(run.stdout).toBe('');
  });

  it('keeps JSON on stdout for an unknown model, with the reason', async () => {
    const run = await tokenmeter('price', 'acme-llm-9000', '--input', '10', '--output', '5', '--format', 'json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ model: 'acme-llm-9000', status: 'unpriced', reason: expect.stringContaining('not in catalog') });
  });
});

describe('tokenmeter models', () => {
  it('lists matching catalog entries with USD per 1M tokens', async () => {
    const run = await tokenmeter('models', 'gpt-4o-mini', '--format', 'json');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Record<string, string>[];
    expect(rows).toContainEqual(expect.objectContaining({ provider: 'openai', model: 'gpt-4o-mini', input: '$0.15', cacheRead: '$0.075', output: '$0.60' }));
    expect(rows.every((row) => `${row['provider']}/${row['model']} ${row['name']}`.toLowerCase().includes('gpt-4o-mini'))).toBe(true);
  });

  it('lists a fee per request in USD per 1,000 requests (docs.perplexity.ai/getting-started/pricing: sonar $12)', async () => {
    const rows = JSON.parse((await tokenmeter('models', 'perplexity/sonar', '--format', 'json')).stdout) as Record<string, string>[];
    expect(rows).toContainEqual(expect.objectContaining({ provider: 'perplexity', model: 'sonar', perThousandRequests: '$12.00' }));
    const openAi = JSON.parse((await tokenmeter('models', 'gpt-4o-mini', '--format', 'json')).stdout) as Record<string, string>[];
    expect(openAi.every((row) => row['perThousandRequests'] === '-')).toBe(true);
  });

  it('prints a table with a count line', async () => {
    const run = await tokenmeter('models', 'claude-3-5-haiku');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PROVIDER\s+MODEL\s+INPUT\s+CACHE READ\s+CACHE WRITE\s+OUTPUT\s+PER 1K REQUESTS/);
    expect(run.stdout).toMatch(/\d+ model\(s\), genai-prices@0\.1\.8, USD per 1M tokens/);
    // Anthropic's published Claude 3.5 Haiku price: $0.80 in, $4 out per 1M tokens, shown with cents.
    expect(run.stdout).toMatch(/^anthropic\s+claude-3-5-haiku-latest\s+\$0\.80\s.*\$4\.00\s+-$/m);
  });

  it('refuses an unknown output format', async () => {
    const run = await tokenmeter('models', '--format', 'xml');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('expected text or json');
  });
});
