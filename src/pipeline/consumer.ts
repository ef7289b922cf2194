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

/**
 * A component that can tell before a request enters the pipelines that it would refuse it: an exporter with a full
 * sending queue, the memory limiter over its soft limit. Turning the request away up front matters: processors keep
 * in-memory state (the cost estimator's memory of the calls it counted) that a rolled-back transaction does not undo,
 * so a request refused at the end of its pipeline would find its calls "already counted" when the app retries it, and
 * its trace would be summed without them.
 */
export interface AdmissionCheck {
  admissionRefusal(): PipelineError | undefined;
}

export function hasAdmissionCheck(component: object): component is AdmissionCheck {
  return typeof (component as Partial<AdmissionCheck>).admissionRefusal === 'function';
}

/**
 * Sends a batch to several consumers (one pipeline, several exporters), all or none: a batch one of `admissionChecks`
 * would refuse (an exporter's full queue) goes to none of them. Sent to the others, it would reach them again when it
 * is retried: the app's retry is checked before it enters (see `Service`), but a root trace assembly forwards later is
 * retried from inside the pipeline, and each retry gave every other exporter one more copy.
 */
export class FanOutConsumer implements TracesConsumer, PartialDelivery {
  constructor(private readonly targets: readonly FanOutTarget[]) {}

  async consume(data: TracesData): Promise<void> {
    for (const { admission } of this.targets) {
      const refusal = admission?.admissionRefusal();
      if (refusal !== undefined) throw refusal;
    }
    if (this.targets.length === 1) return this.targets[0]!.consumer.consume(data);
    await Promise.all(this.targets.map(({ consumer }) => consumer.consume(data)));
  }

  async consumeWhereAdmitted(data: TracesData): Promise<{ refusedBy: number }> {
    const admitted = this.targets.filter(({ admission }) => admission?.admissionRefusal() === undefined);
    await Promise.all(admitted.map(({ consumer }) => consumer.consume(data)));
    return { refusedBy: this.targets.length - admitted.length };
  }
}

/** One consumer of a fan-out, and what tells whether it would refuse a batch now (an exporter's full queue), if anything. */
export interface FanOutTarget {
  consumer: TracesConsumer;
  admission?: AdmissionCheck | undefined;
}

/**
 * A consumer that can give a batch to those of its consumers that admit it now, for a caller that will not send it
 * again: trace assembly stopping with its open traces in memory, whose held roots would otherwise be lost to every
 * exporter because one (MLflow's, its queue full) refuses them. Returns how many refused.
 */
export interface PartialDelivery {
  consumeWhereAdmitted(data: TracesData): Promise<{ refusedBy: number }>;
}

export function canDeliverPartly(consumer: object): consumer is PartialDelivery {
  return typeof (consumer as Partial<PartialDelivery>).consumeWhereAdmitted === 'function';
}

/**
 * Sends one request to each of a receiver's pipelines. Processors edit the request's envelopes in place (trace
 * assembly takes out the roots it holds), so each pipeline gets envelopes of its own, made before any of them runs: a
 * pipeline after one with trace assembly got no root spans. The spans themselves are shared.
 */
export class PipelinesFanOut implements TracesConsumer {
  constructor(private readonly pipelines: readonly TracesConsumer[]) {}

  async consume(data: TracesData): Promise<void> {
    const requests = this.pipelines.map((_, index) => (index === 0 ? data : withOwnEnvelopes(data)));
    await Promise.all(this.pipelines.map((pipeline, index) => pipeline.consume(requests[index]!)));
  }
}

function withOwnEnvelopes(data: TracesData): TracesData {
  return {
    ...data,
    resourceSpans: data.resourceSpans.map((resourceSpans) => ({
      ...resourceSpans,
      scopeSpans: resourceSpans.scopeSpans.map((scopeSpans) => ({ ...scopeSpans, spans: [...scopeSpans.spans] })),
    })),
  };
}
