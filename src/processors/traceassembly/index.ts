// Trace assembly: per-trace running summary, root enrichment and profile, the finished-trace hook.
export { TraceAssemblyProcessor } from './processor.js';
export type { FinishedTrace, TraceAssemblyStats, TraceFinishedListener, TraceOutcome } from './processor.js';
export { traceAssemblyProcessorFactory } from './factory.js';
export { traceAssemblyConfigSchema } from './config.js';
export type { TraceAssemblyConfig } from './config.js';
export type { BreakdownRow, NodeRow, TraceSummary } from './summary.js';
