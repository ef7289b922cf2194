import type { ProcessorFactory } from '../../pipeline/component.js';
import { traceAssemblyConfigSchema } from './config.js';
import type { TraceAssemblyConfig } from './config.js';
import { TraceAssemblyProcessor } from './processor.js';

export const traceAssemblyProcessorFactory: ProcessorFactory<TraceAssemblyConfig> = {
  type: 'traceassembly',
  configSchema: traceAssemblyConfigSchema,
  create: (config, context, next) => new TraceAssemblyProcessor(config, next, context.logger),
};
