import type { z } from 'zod';
import type { Store } from '../storage/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Receiver, TracesConsumer, TracesExporter, TracesProcessor } from './consumer.js';

/** What every component gets besides its own config. */
export interface ComponentContext {
  /** The component's id in the config, `type` or `type/name`. */
  id: string;
  logger: Logger;
  /**
   * The embedded database shared by the components. A component writes what it must not lose here, in the
   * transaction of the request or sweep that calls it; `store.durable` is false in `storage.mode: memory`.
   * Absent where a component runs outside a service (tests, tools): it then keeps its state in memory.
   */
  store?: Store | undefined;
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
