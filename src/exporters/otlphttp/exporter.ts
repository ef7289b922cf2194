import { encodeTracesProtobuf } from '../../otlp/index.js';
import { countSpans } from '../../otlp/model.js';
import type { TracesData } from '../../otlp/model.js';
import type { PipelineError, TracesExporter } from '../../pipeline/consumer.js';
import { Store } from '../../storage/store.js';
import type { Logger } from '../../telemetry/logger.js';
import { compressed } from '../http/request.js';
import type { DeliveryResult, ExporterStorage } from '../sendingqueue/destination.js';
import { DurableSendingQueue } from '../sendingqueue/queue.js';
import type { SendingQueueStats } from '../sendingqueue/queue.js';
import { exportTraces } from './client.js';
import type { OtlpHttpRequest } from './client.js';
import type { OtlpHttpExporterConfig } from './config.js';
import { tracesUrl } from './config.js';

/**
 * Forwards spans to any OTLP/HTTP receiver (Jaeger, Tempo, Langfuse, Phoenix, another collector) as protobuf,
 * exactly as the pipeline hands them over, cost attributes included, through a durable sending queue (see
 * DurableSendingQueue). A re-sent batch may reach the receiver twice, which OTLP accepts; nothing is checked first.
 */
export class OtlpHttpExporter implements TracesExporter {
  private readonly store: Store;
  private readonly ownsStore: boolean;
  private readonly sendingQueue: DurableSendingQueue;
  private readonly request: OtlpHttpRequest;
  readonly stats: SendingQueueStats;

  constructor(
    private readonly config: OtlpHttpExporterConfig,
    private readonly logger: Logger,
    storage?: ExporterStorage,
  ) {
    this.store = storage?.store ?? Store.memory();
    this.ownsStore = storage === undefined;
    const id = storage?.id ?? 'otlphttp';
    this.request = { url: tracesUrl(config), headers: config.headers, timeoutMs: config.timeout };
    this.sendingQueue = new DurableSendingQueue(
      this.store,
      id,
      config,
      { name: id, url: this.request.url, attempt: (_batch, body, _mayBeStored, cancel) => this.attempt(body, cancel) },
      logger,
    );
    this.stats = this.sendingQueue.stats;
  }

  async start(): Promise<void> {
    this.sendingQueue.start();
    this.logger.info({ url: this.request.url, compression: this.config.compression }, 'OTLP/HTTP exporter ready');
  }

  /** Why a batch would be refused now (stopping, or the queue is full); the service asks before a request enters the pipelines. */
  admissionRefusal(): PipelineError | undefined {
    return this.sendingQueue.admissionRefusal();
  }

  /** Queues the batch; runs inside the request's transaction when the service gives one, so it commits with it. */
  async consume(data: TracesData): Promise<void> {
    const refusal = this.admissionRefusal();
    if (refusal !== undefined) throw refusal;
    const spans = countSpans(data);
    if (spans === 0) return;
    this.sendingQueue.enqueue({ body: encodeTracesProtobuf(data), spans, extra: '' }, Date.now());
  }

  async shutdown(deadlineMs = 10_000): Promise<void> {
    await this.sendingQueue.shutdown(deadlineMs);
    if (this.ownsStore) this.store.close();
  }

  private async attempt(body: Uint8Array, cancel: AbortSignal): Promise<DeliveryResult> {
    const { compression } = this.config;
    const answer = await exportTraces(this.request, await compressed(body, compression), compression === 'gzip', cancel);
    const partial = answer.partialSuccess;
    if (partial !== undefined) {
      // OTLP forbids retrying a partial success: what the receiver rejected, it will reject again.
      this.logger.warn({ url: this.request.url, rejectedSpans: partial.rejectedSpans, message: partial.errorMessage }, 'OTLP endpoint accepted a batch partially (partial_success)');
    }
    return answer.result;
  }
}
