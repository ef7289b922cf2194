/** Token counts of one call, in the inclusive convention of OTel GenAI: `input` contains `cacheRead` and `cacheWrite`, `output` contains `reasoning`. */
export interface TokenUsage {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  /**
   * Of `cacheWrite`, the tokens written to a cache kept for an hour (Anthropic's 1-hour TTL, billed at twice the input
   * price where the 5-minute write is one and a quarter); 0 or absent when the span does not tell.
   */
  cacheWrite1h?: number;
  /**
   * The context compactions the call made (Anthropic's beta), each counted in the fields above too. Each is a sampling
   * iteration billed at its own size: a long-context price applies to an iteration whose own input is past the
   * threshold, not to the call's sum (a compaction starts at 150k tokens by default, close to Claude's 200k). The
   * response's own usage leaves them out, so another instrumentation of the call counts its input without them.
   * Absent (or empty) for most calls.
   */
  compactions?: readonly TokenUsage[] | undefined;
  output: number;
  reasoning: number;
  /**
   * Of `input`, the audio tokens (OpenAI's audio and realtime models, Gemini's audio input), billed at their own price
   * where the price list has one; 0 or absent when the span does not tell.
   */
  audioInput?: number;
  /** Of `audioInput`, those read from the cache (in `cacheRead` too). */
  audioCacheRead?: number;
  /** Of `output` (not of its reasoning), the audio tokens. */
  audioOutput?: number;
}

/** A call that used no tokens: where a usage is wanted and none was reported. */
export const NO_TOKENS: TokenUsage = Object.freeze({ input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 });

export interface PriceRequest {
  /** The model string as it appeared on the wire; normalisation happens inside the catalog. */
  model: string;
  /** Canonical OTel `gen_ai.provider.name` value, when known. */
  provider?: string | undefined;
  usage: TokenUsage;
  /**
   * When the call started: prices in force at that instant apply. Milliseconds since the epoch are accepted as well,
   * so that pricing a span does not make a Date for the few entries whose prices change over time.
   */
  at: Date | number;
  /** `batch`, `flex`, `priority`, … as reported by the span; absent or `default`/`auto` means standard. */
  serviceTier?: string | undefined;
}

/**
 * USD per token type. The parts are disjoint and add up to `total`: `input` is the uncached input only (with the fee per
 * call of a provider that charges one, Perplexity) and `output` excludes reasoning, so no token is priced twice.
 */
export interface CostSplit {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  total: number;
}

export interface Provenance {
  /** Where the prices came from: `genai-prices@<version>` or `config`. */
  catalogVersion: string;
  /** The matched entry, `<provider>/<entry id>` for the catalog, the rule's name for an override. */
  entry: string;
  /** Service tier and, when one applied, the long-context tier: `standard`, `batch`, `standard/input>200000`. */
  tier: string;
}

export type PriceResult =
  | { status: 'priced'; costs: CostSplit; provenance: Provenance }
  /** `unknownModel`: no price list has the model (another name for it may be priced). */
  | { status: 'unpriced'; reason: string; unknownModel?: boolean };
