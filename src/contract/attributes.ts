/**
 * The attributes tokenmeter writes onto spans: the wire contract users build on (contract.md, "On every LLM span" and
 * "On the root span"). Named once here: the CostEstimator and trace assembly write them; the ledger, the MLflow
 * exporter's feedback and the reports read them back.
 */

/** Token counts, on each counted call and (summed) on the root. Inclusive: input holds cache reads and writes, output holds reasoning. */
export const TOKEN_ATTRIBUTES = {
  input: 'tokenmeter.tokens.input',
  output: 'tokenmeter.tokens.output',
  cacheRead: 'tokenmeter.tokens.cache_read',
  cacheWrite: 'tokenmeter.tokens.cache_write',
  reasoning: 'tokenmeter.tokens.reasoning',
} as const;

/**
 * Of the counts above, the audio tokens, billed at their own prices where the price list has them (OpenAI's audio and
 * realtime models, Gemini's audio input): on a counted call that used audio only. Their cost is in the input, cache-read
 * and output amounts.
 */
export const AUDIO_TOKEN_ATTRIBUTES = {
  input: 'tokenmeter.tokens.audio_input',
  cacheRead: 'tokenmeter.tokens.audio_cache_read',
  output: 'tokenmeter.tokens.audio_output',
} as const;

/** Dollar amounts: the split by token type and the total on each counted call; total, input and output on the root. */
export const USD_ATTRIBUTES = {
  input: 'tokenmeter.cost.input_usd',
  cacheRead: 'tokenmeter.cost.cache_read_usd',
  cacheWrite: 'tokenmeter.cost.cache_write_usd',
  output: 'tokenmeter.cost.output_usd',
  reasoning: 'tokenmeter.cost.reasoning_usd',
  total: 'tokenmeter.cost.total_usd',
} as const;

/** How a call was priced: on every span the CostEstimator recognised as an LLM call. */
export const PRICING_ATTRIBUTES = {
  /** true on the one span of a call that counts (nested LLM spans count once), false on the others. */
  counted: 'tokenmeter.cost.counted',
  /** `priced`, `provider_reported` or `unpriced`. */
  status: 'tokenmeter.cost.status',
  unpricedReason: 'tokenmeter.cost.unpriced_reason',
  catalogVersion: 'tokenmeter.cost.catalog_version',
  priceEntry: 'tokenmeter.cost.price_entry',
  tier: 'tokenmeter.cost.tier',
  /**
   * On a span that does not count: the cost of the counted calls below it, zero when it wraps none, absent when unknown,
   * in the layout of `mlflow.llm.cost` (see `CallMemory.wrappedCost`). The MLflow exporter gives it to MLflow >= 3.15 as
   * the span's cost where MLflow would otherwise price the span itself.
   */
  wrapped: 'tokenmeter.cost.wrapped',
} as const;

/** A trace's totals, breakdowns and bottleneck, on its root span (trace assembly). */
export const TRACE_ATTRIBUTES = {
  /** Written last on every enriched root: readers recognise an enriched root by it. */
  llmCalls: 'tokenmeter.llm.calls',
  unpricedCalls: 'tokenmeter.llm.unpriced_calls',
  llmTimeShare: 'tokenmeter.llm.time_share',
  totalTokens: 'tokenmeter.tokens.total',
  nodes: 'tokenmeter.breakdown.nodes',
  models: 'tokenmeter.breakdown.models',
  providers: 'tokenmeter.breakdown.providers',
  bottleneckNode: 'tokenmeter.bottleneck.node',
  bottleneckShare: 'tokenmeter.bottleneck.share',
} as const;

/**
 * On a resource: the MLflow experiment its spans go to, from the `x-mlflow-experiment-id` header (gRPC metadata) of
 * the request that brought them, as MLflow's own OTLP endpoint takes it. The MLflow exporter sends them there and
 * drops the attribute.
 */
export const MLFLOW_EXPERIMENT_RESOURCE_ATTRIBUTE = 'tokenmeter.mlflow.experiment_id';

/** Every key above starts with this; a span priced before carries some of them. */
export const ATTRIBUTE_PREFIX = 'tokenmeter.';

/**
 * How the CostEstimator spells `mlflow.llm.cost`: these three openings, each followed by a plain decimal, then `}`.
 * Any JSON reader reads it; trace assembly reads this exact spelling digit by digit.
 */
export const MLFLOW_COST_TEXT = {
  input: '{"input_cost":',
  output: ',"output_cost":',
  total: ',"total_cost":',
} as const;
