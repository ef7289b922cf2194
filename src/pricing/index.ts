// Pricing: a pure library (no I/O, no clock) that turns a model, a provider, token counts and a start time into USD.
export { PriceCatalog, catalogRateCard, pricesInForce } from './catalog.js';
export { CATALOG_VERSION, listProviders, pricesAt, toRateCard } from './genaiPrices.js';
export { modelCandidates, catalogProviderId, normaliseServiceTier, providerOfCatalogPrice } from './normalise.js';
export { pricingConfigSchema } from './overrides.js';
export type { PricingConfig, PricingConfigInput, PriceOverride } from './overrides.js';
export { emptyCostSplit } from './rates.js';
export type { RateCard, Rate } from './rates.js';
export { addUsd, fromPicoUsd, PICO_PER_USD, roundUsd, toPicoUsd, writeAscii, writeUsdText } from './usd.js';
export { NO_TOKENS } from './types.js';
export type { CostSplit, PriceRequest, PriceResult, Provenance, TokenUsage } from './types.js';
