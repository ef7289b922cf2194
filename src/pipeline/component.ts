import type { z } from 'zod';
import type { Logger } from '../telemetry/logger.js';
import type { Receiver, TracesConsumer, TracesExporter, TracesProcessor } from './consumer.js';

/** What every component gets besides its own config. */
export interface ComponentContext {
  /** The component's id in the config, `type` or `type/name`. */
  id: string;
  logger: Logger;
}

interface Factory<Config> {
  /** The `type` part of a component id in the config. */
  type: string;
  /** Validates this component's section of the config and fills its defaults. */
  configSchema: z.ZodType<Config>;
}

export interface ReceiverFactory<Config = unknown> extends Factory<Config> {
  create(config: Config, context: ComponentContext, next: TracesConsumer): Receiver;
}

export interface ProcessorFactory<Config = unknown> extends Factory<Config> {
  create(config: Config, context: ComponentContext, next: TracesConsumer): TracesProcessor;
}

export interface ExporterFactory<Config = unknown> extends Factory<Config> {
  create(config: Config, context: ComponentContext): TracesExporter;
}
