import type { ProcessorFactory } from '../../pipeline/component.js';
import { traceAssemblyConfigSchema } from './config.js';
import type { TraceAssemblyConfig } from './config.js';
import { TraceAssemblyProcessor } from './processor.js';
import { OpenTraceStore } from './store.js';

export const traceAssemblyProcessorFactory: ProcessorFactory<TraceAssemblyConfig> = {
  type: 'traceassembly',
  configSchema: traceAssemblyConfigSchema,
  create: (config, context, next) =>
    new TraceAssemblyProcessor(config, next, context.logger, {
      // With `storage.mode: memory` there is nothing to survive: the maps alone are faster.
      store: context.store?.durable === true ? new OpenTraceStore(context.store, context.id) : undefined,
    }),
};
