import type { TracesData } from '../otlp/model.js';

/**
 * What every processor and exporter is to the component before it: something that takes a batch of spans.
 * Resolving means the batch has been accepted downstream (for an exporter: delivered or safely queued);
 * rejecting with a `PipelineError` tells the receiver how to answer its client.
 */
export interface TracesConsumer {
  consume(data: TracesData): Promise<void>;
}

/** Lifecycle shared by receivers, processors and exporters. */
export interface Component {
  start(): Promise<void>;
  /** Stops accepting work and flushes what is held, within the given deadline. */
  shutdown(deadlineMs?: number): Promise<void>;
}

export type TracesProcessor = TracesConsumer & Component;
export type TracesExporter = TracesConsumer & Component;
export type Receiver = Component;

/**
 * A failure a receiver can explain to its client. `retryable` failures (overload, a downstream that is down)
 * become HTTP 503/429 or gRPC UNAVAILABLE; the others are permanent for that data.
 */
export class PipelineError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'overloaded' | 'unavailable' | 'internal',
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'PipelineError';
  }
}

/** Sends a batch to several consumers (one pipeline, several exporters). */
export class FanOutConsumer implements TracesConsumer {
  constructor(private readonly consumers: readonly TracesConsumer[]) {}

  async consume(data: TracesData): Promise<void> {
    if (this.consumers.length === 1) return this.consumers[0]!.consume(data);
    await Promise.all(this.consumers.map((consumer) => consumer.consume(data)));
  }
}
