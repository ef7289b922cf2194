import { AdminServer } from '../admin/server.js';
import type { ComponentRegistry } from '../components.js';
import type { TokenmeterConfig } from '../config/load.js';
import { costMetrics } from '../exporters/ledger/costMetrics.js';
import { LedgerExporter } from '../exporters/ledger/exporter.js';
import { TraceAssemblyProcessor } from '../processors/traceassembly/index.js';
import { countSpans } from '../otlp/model.js';
import type { Logger } from '../telemetry/logger.js';
import { telemetry } from '../telemetry/metrics.js';
import { OtlpCostMetrics } from '../telemetry/otlpCostMetrics.js';
import type { OtlpMetricsConfig } from '../admin/config.js';
import { ACCEPTED_REQUEST_MEMORY_MS, AcceptedRequests } from '../storage/accepted-requests.js';
import { StorageInUseError } from '../storage/file-lock.js';
import { Store } from '../storage/store.js';
import { WalCheckpoints } from '../storage/wal-checkpoints.js';
import { FanOutConsumer, hasAdmissionCheck, PipelineError, PipelinesFanOut } from './consumer.js';
import type { AdmissionCheck, Component, Receiver, TracesConsumer, TracesExporter, TracesProcessor } from './consumer.js';

/** How often requests accepted longer ago than any app retries are forgotten. */
const PRUNE_INTERVAL_MS = 60_000;

/**
 * A trace whose root never came leaves trace assembly with no root span to carry its summary downstream; the
 * ledgers of its pipeline still record it as a trace, from its calls.
 */
function recordTracesWithoutRoot(assembly: TraceAssemblyProcessor, ledgers: readonly LedgerExporter[]): void {
  if (ledgers.length === 0) return;
  assembly.onTraceFinished((trace) => {
    // Given up on: its root never came, or it was pushed out (max_open_traces) before it did.
    if (trace.outcome !== 'root_missing' && !(trace.outcome === 'evicted' && trace.rootSpanName === undefined)) return;
    for (const ledger of ledgers) ledger.recordTraceWithoutRoot(trace);
  });
}

/**
 * The running collector: components built from a validated config and wired into pipelines,
 * receivers → processors → exporters. Exporters are shared by the pipelines that name them (one queue each);
 * processors belong to their pipeline; a receiver in several pipelines feeds all of them.
 */
export class Service {
  private readonly exporters = new Map<string, TracesExporter>();
  /** Keyed `id@pipeline`, in the order they start. */
  private readonly processors = new Map<string, TracesProcessor>();
  private readonly receivers = new Map<string, Receiver>();
  private readonly ledgers = new Map<string, LedgerExporter>();
  /** Keyed by exporter id, or `id@pipeline` for a processor. */
  private readonly admissionChecks = new Map<string, AdmissionCheck>();
  /** The admin listener (page, live stream, metrics, probes); started first and stopped last. */
  readonly admin: AdminServer | undefined;
  /** What the components must not lose: queues, held roots, open traces (`storage:` in the config). */
  readonly store: Store;
  /** Requests committed recently, so that an app re-sending one it got no answer for is not counted twice. */
  private readonly acceptedRequests: AcceptedRequests;
  private pruneTimer: NodeJS.Timeout | undefined;
  private storeCheckpoints: WalCheckpoints | undefined;
  private draining = false;
  /** Requests that entered the pipelines before draining began: shutdown waits for them before flushing. */
  private readonly entering = new Set<Promise<unknown>>();
  private readonly metricsPushConfig: OtlpMetricsConfig | undefined;
  /** The cost metrics pushed over OTLP (`admin.metrics.otlp`), while the service runs. */
  private metricsPush: OtlpCostMetrics | undefined;

  constructor(
    config: TokenmeterConfig,
    registry: ComponentRegistry,
    private readonly logger: Logger,
  ) {
    this.store = openStore(config.storage, logger);
    this.acceptedRequests = new AcceptedRequests(this.store.db);
    const context = (kind: string, id: string) => ({ id, logger: logger.child({ component: `${kind}/${id}` }), store: this.store });
    telemetry.configure({ maxLabelValues: config.admin.metrics.max_label_values });
    this.metricsPushConfig = config.admin.metrics.otlp;
    const pipelineEntries = new Map<string, TracesConsumer[]>();
    /** Per receiver, the components its requests reach that may refuse them up front (keys of `admissionChecks`). */
    const receiverChecks = new Map<string, Set<string>>();

    for (const [pipelineName, pipeline] of config.pipelines) {
      let next: TracesConsumer = new FanOutConsumer(
        pipeline.exporters.map((id) => {
          let exporter = this.exporters.get(id);
          if (!exporter) {
            const { type, config: exporterConfig } = config.exporters.get(id)!;
            const created = createNamed(`exporters.${id}`, () => registry.exporters[type]!.create(exporterConfig as never, context('exporter', id)));
            if (created instanceof LedgerExporter) this.ledgers.set(id, created);
            if (hasAdmissionCheck(created)) this.admissionChecks.set(id, created);
            exporter = telemetry.meterExporter(id, created);
            this.exporters.set(id, exporter);
          }
          return { consumer: exporter, admission: this.admissionChecks.get(id) };
        }),
      );
      const pipelineLedgers = pipeline.exporters.flatMap((id) => this.ledgers.get(id) ?? []);
      for (const id of [...pipeline.processors].reverse()) {
        const { type, config: processorConfig } = config.processors.get(id)!;
        const processor = registry.processors[type]!.create(processorConfig as never, context('processor', `${id}@${pipelineName}`), next);
        telemetry.watchProcessor(`${id}@${pipelineName}`, processor);
        if (processor instanceof TraceAssemblyProcessor) recordTracesWithoutRoot(processor, pipelineLedgers);
        if (hasAdmissionCheck(processor)) this.admissionChecks.set(`${id}@${pipelineName}`, processor);
        this.processors.set(`${id}@${pipelineName}`, processor);
        next = processor;
      }
      for (const id of pipeline.receivers) {
        pipelineEntries.set(id, [...(pipelineEntries.get(id) ?? []), next]);
        const pipelineChecks = [...pipeline.exporters, ...pipeline.processors.map((processor) => `${processor}@${pipelineName}`)];
        receiverChecks.set(id, new Set([...(receiverChecks.get(id) ?? []), ...pipelineChecks]));
      }
    }
    for (const [id, entries] of pipelineEntries) {
      const { type, config: receiverConfig } = config.receivers.get(id)!;
      const checks = [...(receiverChecks.get(id) ?? [])].flatMap((key) => this.admissionChecks.get(key) ?? []);
      const next = telemetry.meterReceiver(id, this.durableEntry(id, entries.length === 1 ? entries[0]! : new PipelinesFanOut(entries), checks));
      this.receivers.set(id, registry.receivers[type]!.create(receiverConfig as never, context('receiver', id), next));
    }
    // The ledger the page and /v1/summary read is also the one the cost metrics count, admin listener or not.
    const reportingLedger = this.ledgers.get(config.admin.ledger ?? [...this.ledgers.keys()][0] ?? '');
    reportingLedger?.feedCostMetrics();
    if (config.admin.enabled) {
      this.admin = new AdminServer(config.admin, reportingLedger, logger.child({ component: 'admin' }));
    }
  }

  /** Starts from the end of the pipelines so that nothing receives data before its consumers are ready. */
  async start(): Promise<void> {
    if (this.metricsPushConfig !== undefined) {
      this.metricsPush = new OtlpCostMetrics(this.metricsPushConfig, this.logger.child({ component: 'metrics/otlp' }));
      costMetrics.pushed = this.metricsPush;
    }
    await this.admin?.start();
    await startAll('exporters', this.exporters);
    // Each pipeline's processors were built back to front, so this order starts the ones nearest the exporters first.
    await startAll('processors', this.processors);
    await startAll('receivers', this.receivers);
    // Every request commits to the store: its checkpoints are kept off the event loop.
    this.storeCheckpoints = WalCheckpoints.start(this.store.db, this.logger.child({ component: 'storage' }));
    this.pruneTimer = setInterval(() => void this.forgetOldRequests(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    this.admin?.setReady(true);
  }

  /**
   * Stops accepting first: requests still arriving are answered 503 / UNAVAILABLE (so apps keep their data and retry)
   * by receivers that keep listening until the drain is over, since a closed port reads as tokenmeter being gone.
   * Then lets the requests already inside finish, processors flush into exporters, and drains the exporters, the
   * ledgers last so that `/v1/summary` and the page keep answering while the others drain; what is left stays in the
   * store.
   */
  async shutdown(deadlineMs = 10_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    const remaining = () => Math.max(0, deadline - Date.now());
    this.draining = true;
    this.admin?.setReady(false);
    await Promise.allSettled(this.entering);
    for (const processor of [...this.processors.values()].reverse()) await processor.shutdown(remaining());
    const exporters = [...this.exporters];
    const stop = (ledgers: boolean) =>
      Promise.all(exporters.filter(([id]) => this.ledgers.has(id) === ledgers).map(([, exporter]) => exporter.shutdown(remaining())));
    await stop(false);
    await stop(true);
    // After the exporters: what the ledger recorded while draining is pushed too.
    if (this.metricsPush !== undefined) {
      if (costMetrics.pushed === this.metricsPush) costMetrics.pushed = undefined;
      await this.metricsPush.shutdown();
    }
    await Promise.all([...this.receivers.values()].map((receiver) => receiver.shutdown(remaining())));
    clearInterval(this.pruneTimer);
    await this.storeCheckpoints?.stop();
    this.store.close();
    await this.admin?.shutdown(remaining());
  }

  /**
   * One request's way into its pipelines, as one transaction: the receiver answers success only once everything
   * the request carries is committed (queued for each exporter, held roots, trace summaries), and a request refused
   * or cut short by a crash leaves nothing half counted. Requests enter one at a time; that costs little because
   * components do no network I/O while consuming (exporters only queue). A request accepted before (the app got no
   * answer and sent it again) is acknowledged without entering the pipelines again, and counted as a duplicate. A
   * request an exporter would refuse is refused before it enters them (see AdmissionCheck), inside the transaction so
   * that no request committed in between fills the queue after the check.
   */
  private durableEntry(receiver: string, next: TracesConsumer, admissionChecks: readonly AdmissionCheck[]): TracesConsumer {
    return {
      consume: (data) => {
        if (this.draining) return Promise.reject(new PipelineError('tokenmeter is shutting down', 'unavailable', 1));
        const entered = this.store.transaction(() => {
          for (const check of admissionChecks) {
            const refusal = check.admissionRefusal();
            if (refusal !== undefined) throw refusal;
          }
          const spans = countSpans(data);
          if (spans === 0 || this.acceptedRequests.firstTime(data, Date.now())) return next.consume(data);
          this.store.afterCommit(() => {
            telemetry.duplicateSpansLeftOut(receiver, spans);
            this.logger.warn({ receiver, spans }, 'a request accepted before came again (the app got no answer): acknowledged, not counted twice');
          });
        });
        this.entering.add(entered);
        const left = () => void this.entering.delete(entered);
        entered.then(left, left);
        return entered;
      },
    };
  }

  /** Forgets old accepted requests, and gives back to the file system what a drained backlog left free. */
  private async forgetOldRequests(): Promise<void> {
    try {
      await this.store.transaction(() => this.acceptedRequests.forgetOlderThan(Date.now() - ACCEPTED_REQUEST_MEMORY_MS));
      await this.store.releaseFreePages();
    } catch (error) {
      this.logger.warn({ err: error }, 'forgetting old accepted requests failed; will try again');
    }
  }
}

function openStore(storage: TokenmeterConfig['storage'], logger: Logger): Store {
  if (storage.mode === 'memory') return Store.memory();
  try {
    const store = Store.open(storage);
    logger.info({ path: store.location, synchronous: storage.synchronous }, 'storage ready');
    return store;
  } catch (error) {
    // A second sidecar started without its own storage.path in the same directory must not take over the first
    // one's queue; it meters all the same, without surviving a restart, and says how to fix that.
    if (!(error instanceof StorageInUseError) || storage.pathGiven) throw error;
    logger.warn({ err: error }, 'storage.path is not set and the default file is in use: running with storage in memory');
    return Store.memory();
  }
}

/** Starts components in order; what stops one (a port taken, a file it cannot read) names it, as config errors do. */
async function startAll(kind: string, components: Map<string, Component>): Promise<void> {
  for (const [id, component] of components) await named(`${kind}.${id}`, () => component.start());
}

function createNamed<T>(name: string, create: () => T): T {
  try {
    return create();
  } catch (error) {
    throw namedError(name, error);
  }
}

async function named(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    throw namedError(name, error);
  }
}

/** The component's name, then the error as its cause: logged, the message reads `exporters.x: what went wrong: why`. */
function namedError(name: string, error: unknown): Error {
  return new Error(name, { cause: error });
}
