/**
 * What goes on the wire for a model-call span (contract.md, "On every LLM span"). Attributes that never change (the
 * counted flag, status, catalog version, zero counts and amounts) are shared, frozen and encoded once: the model's helpers
 * replace an attribute rather than edit it. Every object made here is made while the decoded request is alive, and
 * each young-generation collection it brings on copies that request: allocating less is most of writing faster.
 */
import { ATTRIBUTE_PREFIX, AUDIO_TOKEN_ATTRIBUTES, MLFLOW_COST_TEXT, PRICING_ATTRIBUTES, TOKEN_ATTRIBUTES, USD_ATTRIBUTES } from '../../contract/attributes.js';
import { boolValue, constantAttribute, doubleValue, intValue, setAttributes, stringValue } from '../../otlp/index.js';
import type { AnyValue, KeyValue, Span } from '../../otlp/index.js';
import { CATALOG_VERSION, roundUsd, writeAscii, writeUsdText } from '../../pricing/index.js';
import type { CostSplit, PriceResult, TokenUsage } from '../../pricing/index.js';
import type { LlmCall } from '../../recognition/index.js';

export type CostStatus = 'priced' | 'provider_reported' | 'unpriced';

const COUNTED = constantAttribute(PRICING_ATTRIBUTES.counted, boolValue(true));
const NOT_COUNTED = constantAttribute(PRICING_ATTRIBUTES.counted, boolValue(false));
const STATUS: Readonly<Record<CostStatus, KeyValue>> = {
  priced: constantAttribute(PRICING_ATTRIBUTES.status, stringValue('priced')),
  provider_reported: constantAttribute(PRICING_ATTRIBUTES.status, stringValue('provider_reported')),
  unpriced: constantAttribute(PRICING_ATTRIBUTES.status, stringValue('unpriced')),
};
const CATALOG = constantAttribute(PRICING_ATTRIBUTES.catalogVersion, stringValue(CATALOG_VERSION));
const STANDARD_TIER = constantAttribute(PRICING_ATTRIBUTES.tier, stringValue('standard'));

/**
 * Whether a key may be one this module writes: ours are all `tokenmeter.*` or `mlflow.llm.*`. Every attribute of a
 * model call is checked, most of them `mlflow.*`: one character tells most keys apart before a string comparison.
 */
function mayBeWrittenHere(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first === 116 /* t */) return key.startsWith(ATTRIBUTE_PREFIX);
  return first === 109 /* m */ && key.charCodeAt(7) === 108 /* l, as in mlflow.llm. */ && key.startsWith('mlflow.llm.');
}

/**
 * Where to put a span's new attributes: straight onto the span when it has none of the keys we write (replays carry
 * a status and are skipped before this, so nearly always), else into a list that `finish` merges, replacing values.
 * New keys pushed onto a decoded span keep its raw bytes (`Span.rawAttributeCount`): re-encoding a model call's
 * prompts and completions for the exporter would cost several times what pricing it does.
 */
function output(span: Span): KeyValue[] {
  for (const attribute of span.attributes) if (mayBeWrittenHere(attribute.key)) return [];
  return span.attributes;
}

function finish(span: Span, written: KeyValue[]): void {
  if (written !== span.attributes) setAttributes(span, written);
}

const ZERO_TOKENS = intValue(0);
const ZERO_USD = doubleValue(0);

/** Attributes of `count` tokens under one key; zero, the most frequent, is shared. */
class TokenAttribute {
  private readonly zero: KeyValue;
  constructor(private readonly key: string) {
    this.zero = constantAttribute(key, ZERO_TOKENS);
  }
  of(count: number): KeyValue {
    return count === 0 ? this.zero : { key: this.key, value: intValue(count) };
  }
}

/** Attributes of a dollar amount under one key; zero, the most frequent, is shared. */
class UsdAttribute {
  private readonly zero: KeyValue;
  constructor(private readonly key: string) {
    this.zero = constantAttribute(key, ZERO_USD);
  }
  of(amount: number): KeyValue {
    const rounded = roundUsd(amount);
    return rounded === 0 ? this.zero : { key: this.key, value: doubleValue(rounded) };
  }
}

/** Where MLflow's cost field is written, one byte per character: the fields' names and three amounts fit in 128. */
const costText = Buffer.allocUnsafe(128);

/** Distinct values remembered per key; past this the memory starts afresh (models and providers come off the wire). */
const MAX_SHARED_VALUES = 256;

/**
 * Attributes of a key whose values repeat call after call (model, provider, price entry): one per value, made once
 * and shared. The attributes written stay alive with their span until it is exported, so each one made per call was
 * copied by every young-generation collection in between.
 */
class SharedAttributes {
  private readonly byValue = new Map<string, KeyValue>();
  constructor(private readonly key: string) {}
  of(value: string): KeyValue {
    let attribute = this.byValue.get(value);
    if (attribute === undefined) {
      if (this.byValue.size >= MAX_SHARED_VALUES) this.byValue.clear();
      attribute = constantAttribute(this.key, stringValue(value));
      this.byValue.set(value, attribute);
    }
    return attribute;
  }
}

const MODEL = new SharedAttributes('mlflow.llm.model');
const PROVIDER = new SharedAttributes('mlflow.llm.provider');
const PRICE_ENTRY = new SharedAttributes(PRICING_ATTRIBUTES.priceEntry);

/** The amounts as `mlflowCost` writes them, rounded, into `given`. */
function setGiven(given: MlflowCostParts, input: number, output: number, total: number): void {
  given.input = roundUsd(input);
  given.output = roundUsd(output);
  given.total = roundUsd(total);
}

/** MLflow's cost field from rounded amounts, numbers printed as JSON.stringify prints them: written as bytes, made one flat string. */
function mlflowCost({ input, output, total }: MlflowCostParts): AnyValue {
  let at = writeUsdText(costText, writeAscii(costText, 0, MLFLOW_COST_TEXT.input), input);
  at = writeUsdText(costText, writeAscii(costText, at, MLFLOW_COST_TEXT.output), output);
  at = writeUsdText(costText, writeAscii(costText, at, MLFLOW_COST_TEXT.total), total);
  costText[at++] = 125; /* } */
  return stringValue(costText.toString('latin1', 0, at));
}

/** What an uncounted span that wraps no counted call (the usual one) carries: shared, like the other constants. */
const NOTHING_WRAPPED = constantAttribute(PRICING_ATTRIBUTES.wrapped, mlflowCost({ input: 0, output: 0, total: 0 }));

const INPUT_TOKENS = new TokenAttribute(TOKEN_ATTRIBUTES.input);
const OUTPUT_TOKENS = new TokenAttribute(TOKEN_ATTRIBUTES.output);
const CACHE_READ_TOKENS = new TokenAttribute(TOKEN_ATTRIBUTES.cacheRead);
const CACHE_WRITE_TOKENS = new TokenAttribute(TOKEN_ATTRIBUTES.cacheWrite);
const REASONING_TOKENS = new TokenAttribute(TOKEN_ATTRIBUTES.reasoning);

const AUDIO_INPUT_TOKENS = new TokenAttribute(AUDIO_TOKEN_ATTRIBUTES.input);
const AUDIO_CACHE_READ_TOKENS = new TokenAttribute(AUDIO_TOKEN_ATTRIBUTES.cacheRead);
const AUDIO_OUTPUT_TOKENS = new TokenAttribute(AUDIO_TOKEN_ATTRIBUTES.output);

function pushTokens(entries: KeyValue[], usage: TokenUsage): void {
  entries.push(
    INPUT_TOKENS.of(usage.input),
    OUTPUT_TOKENS.of(usage.output),
    CACHE_READ_TOKENS.of(usage.cacheRead),
    CACHE_WRITE_TOKENS.of(usage.cacheWrite),
    REASONING_TOKENS.of(usage.reasoning),
  );
  // Only on calls that used audio: most never do, and every attribute added is encoded with the span.
  if (usage.audioInput || usage.audioOutput) {
    entries.push(AUDIO_INPUT_TOKENS.of(usage.audioInput ?? 0), AUDIO_CACHE_READ_TOKENS.of(usage.audioCacheRead ?? 0), AUDIO_OUTPUT_TOKENS.of(usage.audioOutput ?? 0));
  }
}

const INPUT_USD = new UsdAttribute(USD_ATTRIBUTES.input);
const CACHE_READ_USD = new UsdAttribute(USD_ATTRIBUTES.cacheRead);
const CACHE_WRITE_USD = new UsdAttribute(USD_ATTRIBUTES.cacheWrite);
const OUTPUT_USD = new UsdAttribute(USD_ATTRIBUTES.output);
const REASONING_USD = new UsdAttribute(USD_ATTRIBUTES.reasoning);
const TOTAL_USD = new UsdAttribute(USD_ATTRIBUTES.total);

function pushSplit(entries: KeyValue[], costs: CostSplit): void {
  entries.push(
    INPUT_USD.of(costs.input),
    CACHE_READ_USD.of(costs.cacheRead),
    CACHE_WRITE_USD.of(costs.cacheWrite),
    OUTPUT_USD.of(costs.output),
    REASONING_USD.of(costs.reasoning),
    TOTAL_USD.of(costs.total),
  );
}

/** A call's cost as MLflow was given it (`mlflow.llm.cost`), each amount rounded as written; NaN when it was given none. */
export interface MlflowCostParts {
  input: number;
  output: number;
  total: number;
}

/**
 * The counted span of a call: tokens, our estimate, status, provenance, and MLflow's cost field, whose parts are left
 * in `given`. A call without usage is written the same way with `unpriced` and the reason, so that it is seen rather
 * than silently $0.
 */
export function writeCountedCall(span: Span, call: LlmCall, price: PriceResult, given: MlflowCostParts): void {
  const entries = output(span);
  if (call.tokens !== undefined) pushTokens(entries, call.tokens);
  entries.push(COUNTED);
  if (call.model !== undefined && !call.hasMlflowModel) entries.push(MODEL.of(call.model));
  if (call.provider !== undefined && !call.hasMlflowProvider) entries.push(PROVIDER.of(call.provider));

  if (price.status === 'priced') {
    pushSplit(entries, price.costs);
    const { provenance } = price;
    entries.push(
      provenance.catalogVersion === CATALOG_VERSION ? CATALOG : { key: PRICING_ATTRIBUTES.catalogVersion, value: stringValue(provenance.catalogVersion) },
      PRICE_ENTRY.of(provenance.entry),
      provenance.tier === 'standard' ? STANDARD_TIER : { key: PRICING_ATTRIBUTES.tier, value: stringValue(provenance.tier) },
    );
  } else {
    entries.push({ key: PRICING_ATTRIBUTES.unpricedReason, value: stringValue(price.reason) });
  }

  const reported = call.reportedCost;
  let status: CostStatus;
  given.input = Number.NaN;
  given.output = Number.NaN;
  given.total = Number.NaN;
  if (reported !== undefined) {
    // The provider's number is kept as MLflow's cost; ours stays beside it in tokenmeter.cost.*.
    status = 'provider_reported';
    const input = reported.inputUsd ?? reported.totalUsd - (reported.outputUsd ?? 0);
    setGiven(given, input, reported.outputUsd ?? reported.totalUsd - input, reported.totalUsd);
    if (reported.source !== 'mlflow') entries.push({ key: 'mlflow.llm.cost', value: mlflowCost(given) });
  } else if (price.status === 'priced') {
    status = 'priced';
    const { costs } = price;
    setGiven(given, costs.input + costs.cacheRead + costs.cacheWrite, costs.output + costs.reasoning, costs.total);
    entries.push({ key: 'mlflow.llm.cost', value: mlflowCost(given) });
  } else {
    status = 'unpriced';
  }
  entries.push(STATUS[status]);
  finish(span, entries);
}

/**
 * A model-call span that does not count: the same call seen by another layer of a nested chain, or in another trace.
 * `wrapped`, when known: the cost of the counted calls below it (zero when it wraps none), for MLflow (see
 * `CallMemory.wrappedCost`), in MLflow's layout; never `mlflow.llm.cost` itself, which only the counted span carries.
 */
export function writeUncountedCall(span: Span, wrapped: MlflowCostParts | undefined): void {
  const entries = output(span);
  entries.push(NOT_COUNTED);
  if (wrapped !== undefined) {
    entries.push(
      wrapped.input === 0 && wrapped.output === 0 && wrapped.total === 0 ? NOTHING_WRAPPED : { key: PRICING_ATTRIBUTES.wrapped, value: mlflowCost(wrapped) },
    );
  }
  finish(span, entries);
}
