// Recognition: a pure library (no I/O) that tells which spans are model calls, in every instrumentation's
// conventions, and reads their model, provider, tokens, LangGraph node and any cost the provider reported.
export { answeringModelOf, forgetRememberedCalls, graphNodeOf, namesOtherServer, requestedModelOf, readMlflowCost, recognizeCallContext, recognizeCallOrRootAggregate, recognizeSpan } from './recognize.js';
export { ONLY_ZERO_COUNTS } from './tokens.js';
export type { CallContext, CallLayer, LlmCall, ReportedCost } from './recognize.js';
export { JsonFields } from './jsonFields.js';
export { normaliseProvider } from './providers.js';
export { decodeNumber, decodeObject, decodeString, stringField } from './values.js';
