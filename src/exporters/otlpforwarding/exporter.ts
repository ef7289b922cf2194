import { encodedHalves, encodeWithin } from '../../otlp/index.js';
import type { RequestLimit } from '../../otlp/index.js';
import { countSpans } from '../../otlp/model.js';
import type { TracesData } from '../../otlp/model.js';
import type { PipelineError, TracesExporter } from '../../pipeline/consumer.js';
import { Store } from '../../storage/store.js';
import type { Logger } from '../../telemetry/logger.js';
import type { DeliveryResult, ExporterStorage } from '../sendingqueue/destination.js';
import { DurableSendingQueue } from '../sendingqueue/queue.js';
import type { SendingQueueSettings, SendingQueueStats } from '../sendingqueue/queue.js';
import type { OtlpAnswer } from './answer.js';

/** How one OTLP exporter (otlphttp, otlp) reaches its receiver. */
export interface OtlpTransport {
  /** Where batches go, as logs and refusals name it. */
  readonly url: string;
  /** What the start log adds about the transport (compression, TLS). */
  readonly describe: Record<string, unknown>;
  /** Runs at start, before any batch is sent: open what sending needs. */
  open?(): Promise<void>;
  /** One export of an encoded `ExportTraceServiceRequest`; `cancel` fires when tokenmeter stops. */
  send(body: Uint8Array, cancel: AbortSignal): Promise<OtlpAnswer>;
  /** Runs at shutdown once the queue stopped sending. */
  close?(): void;
}

/**
 * Forwards spans to an OTLP receiver (Jaeger, Tempo, Langfuse, Phoenix, another collector) as protobuf, exactly as
 * the pipeline hands them over, cost attributes included, through a durable sending queue (see
 * DurableSendingQueue). A re-sent batch may reach the receiver twice, which OTLP accepts; nothing is checked first.
 */
export class OtlpForwardingExporter implements TracesExporter {
  private readonly store: Store;
  private readonly ownsStore: boolean;
  private readonly sendingQueue: DurableSendingQueue;
  readonly stats: SendingQueueStats;

  private readonly requestLimit: RequestLimit;

  constructor(
    settings: SendingQueueSettings & { sending_queue: { batch: RequestLimit } },
    private readonly transport: OtlpTransport,
    private readonly logger: Logger,
    private readonly readyMessage: string,
    storage: ExporterStorage | undefined,
    defaultId: string,
  ) {
    this.requestLimit = settings.sending_queue.batch;
    this.store = storage?.store ?? Store.memory();
    this.ownsStore = storage === undefined;
    const id = storage?.id ?? defaultId;
    this.sendingQueue = new DurableSendingQueue(
      this.store,
      id,
      settings,
      {
        name: id,
        url: transport.url,
        attempt: (_batch, { body }, _mayBeStored, cancel) => this.attempt(body, cancel),
        split: ({ body }) => encodedHalves(body).map((half) => ({ body: half.body, spans: half.spans, extra: '' })),
      },
      logger,
    );
    this.stats = this.sendingQueue.stats;
  }

  async start(): Promise<void> {
    await this.transport.open?.();
    this.sendingQueue.start();
    this.logger.info({ url: this.transport.url, ...this.transport.describe }, this.readyMessage);
  }

  /** Why a batch would be refused now (stopping, or the queue is full); the service asks before a request enters the pipelines. */
  admissionRefusal(): PipelineError | undefined {
    return this.sendingQueue.admissionRefusal();
  }

  /** Queues the batch; runs inside the request's transaction when the service gives one, so it commits with it. */
  async consume(data: TracesData): Promise<void> {
    const refusal = this.admissionRefusal();
    if (refusal !== undefined) throw refusal;
    if (countSpans(data) === 0) return;
    // Parts of one request are queued together, in the request's transaction: all of them or none.
    const now = Date.now();
    for (const { body, spans } of encodeWithin(data, this.requestLimit)) this.sendingQueue.enqueue({ body, spans, extra: '' }, now);
  }

  async shutdown(deadlineMs = 10_000): Promise<void> {
    await this.sendingQueue.shutdown(deadlineMs);
    this.transport.close?.();
    if (this.ownsStore) this.store.close();
  }

  private async attempt(body: Uint8Array, cancel: AbortSignal): Promise<DeliveryResult> {
    const answer = await this.transport.send(body, cancel);
    const partial = answer.partialSuccess;
    if (partial !== undefined) {
      // OTLP forbids retrying a partial success: what the receiver rejected, it will reject again.
      this.logger.warn({ url: this.transport.url, rejectedSpans: partial.rejectedSpans, message: partial.errorMessage }, 'OTLP endpoint accepted a batch partially (partial_success)');
    }
    return answer.result;
  }
}
