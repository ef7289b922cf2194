/**
 * The cost metrics of `/metrics`, pushed over OTLP/HTTP as well (`admin.metrics.otlp`), so that they reach a
 * collector the users already run. Same meaning and labels as the Prometheus series; OTel names (dots, units).
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { Counter, Histogram } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { OtlpMetricsConfig } from '../admin/config.js';
import type { Logger } from './logger.js';

/** The labels of one call, already bounded, as on `/metrics`. Type aliases, so that they are OTel `Attributes` as they are. */
export type CallLabels = { service: string; provider: string; model: string; node: string };

export type WorkflowLabels = { service: string; workflow: string };

export const WORKFLOW_COST_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
export const WORKFLOW_SECONDS_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export class OtlpCostMetrics {
  private readonly provider: MeterProvider;
  private readonly callCost: Counter;
  private readonly callTokens: Counter;
  private readonly calls: Counter;
  private readonly unpricedCalls: Counter;
  private readonly workflowCost: Counter;
  private readonly workflowRuns: Counter;
  private readonly workflowCostPerRun: Histogram;
  private readonly workflowSeconds: Histogram;

  constructor(config: OtlpMetricsConfig, logger: Logger) {
    // The SDK reports a failed push only to its diagnostic logger, which is silent unless one is set.
    diag.setLogger(
      {
        error: (message, ...args) => logger.warn({ details: args }, `OTLP metrics push: ${message}`),
        warn: (message, ...args) => logger.warn({ details: args }, `OTLP metrics push: ${message}`),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    // A push must end before the next one is due (the SDK refuses a longer timeout than interval).
    const timeout = Math.min(config.timeout, config.interval);
    const exporter = new OTLPMetricExporter({ url: config.endpoint, headers: config.headers, timeoutMillis: timeout });
    this.provider = new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: config.interval, exportTimeoutMillis: timeout })],
      // The histograms keep the buckets of their Prometheus twins.
      views: [
        { instrumentName: 'tokenmeter.workflow.run.cost', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: WORKFLOW_COST_BUCKETS } } },
        { instrumentName: 'tokenmeter.workflow.run.duration', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: WORKFLOW_SECONDS_BUCKETS } } },
      ],
    });
    const meter = this.provider.getMeter('tokenmeter');
    this.callCost = meter.createCounter('tokenmeter.llm.cost', { unit: 'USD', description: 'USD spent on LLM calls: the provider-reported cost where there is one, else tokenmeter.cost.total_usd' });
    this.callTokens = meter.createCounter('tokenmeter.llm.tokens', { unit: '{token}', description: 'Tokens of counted LLM calls, by type (input includes cache, output includes reasoning)' });
    this.calls = meter.createCounter('tokenmeter.llm.calls', { unit: '{call}', description: 'Counted LLM calls, by cost status' });
    this.unpricedCalls = meter.createCounter('tokenmeter.llm.unpriced_calls', { unit: '{call}', description: 'LLM calls tokenmeter could not price' });
    this.workflowCost = meter.createCounter('tokenmeter.workflow.cost', { unit: 'USD', description: 'USD spent by finished traces, by workflow (root span name)' });
    this.workflowRuns = meter.createCounter('tokenmeter.workflow.runs', { unit: '{run}', description: 'Finished traces, by workflow and root span status' });
    this.workflowCostPerRun = meter.createHistogram('tokenmeter.workflow.run.cost', { unit: 'USD', description: 'USD per finished trace' });
    this.workflowSeconds = meter.createHistogram('tokenmeter.workflow.run.duration', { unit: 's', description: 'Wall time per finished trace (root span duration)' });
  }

  /** `count` calls of one batch with these labels and status, their cost (null when none was priced) and tokens added up. */
  addCalls(labels: CallLabels, status: string, count: number, costUsd: number | null, tokens: ReadonlyArray<readonly [type: string, count: number]>): void {
    this.calls.add(count, { ...labels, status });
    if (costUsd !== null) this.callCost.add(costUsd, labels);
    if (status === 'unpriced') this.unpricedCalls.add(count, { provider: labels.provider, model: labels.model });
    for (const [type, tokenCount] of tokens) this.callTokens.add(tokenCount, { ...labels, type });
  }

  trace(labels: WorkflowLabels, status: string, costUsd: number, seconds: number): void {
    this.workflowRuns.add(1, { ...labels, status });
    this.workflowCost.add(costUsd, labels);
    this.workflowCostPerRun.record(costUsd, labels);
    this.workflowSeconds.record(seconds, labels);
  }

  grownTrace(labels: WorkflowLabels, addedCostUsd: number): void {
    this.workflowCost.add(addedCostUsd, labels);
  }

  /** Pushes what is left, then stops. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
