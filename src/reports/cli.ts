/**
 * What every report command shares: where the traces are (MLflow's own environment variables by default), the
 * time window, the prices, the output format.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import { ConfigError } from '../config/errors.js';
import { durationOption } from '../cli/options.js';
import { ReportsMlflowClient } from './mlflow/client.js';
import type { SkippedTrace } from './mlflow/source.js';
import { FORMATS, parseFormat } from './output/report.js';
import type { Format } from './output/report.js';
import type { SidecarSettings } from './sidecarConfig.js';
import { parseWindow } from './window.js';
import type { TimeWindow } from './window.js';

export interface CommonOptions {
  since: string;
  until?: string;
  trackingUri?: string;
  experiment?: string;
  /** Milliseconds. */
  timeout: number;
  concurrency: string;
  config?: string;
  format: string;
}

export function addCommonOptions(command: Command, defaults: { since: string }): Command {
  return command
    .option('--since <when>', 'start of the window: a duration back from now (90m, 24h, 7d) or a date', defaults.since)
    .option('--until <when>', 'end of the window (exclusive), same forms; default now')
    .option('--tracking-uri <url>', 'MLflow tracking server (default $MLFLOW_TRACKING_URI, else http://127.0.0.1:5000)')
    .option('--experiment <id|name>', 'MLflow experiment (default $MLFLOW_EXPERIMENT_ID, else $MLFLOW_EXPERIMENT_NAME, else 0)')
    .option('-c, --config <file>', 'tokenmeter config whose costestimator price overrides apply')
    .addOption(new Option('--timeout <duration>', 'per MLflow request (30s, or milliseconds)').argParser(durationOption).default(30_000, '30s'))
    .option('--concurrency <n>', 'span fetches in flight', '8')
    .addOption(new Option('--format <format>', 'output').choices(FORMATS).default('table'));
}

export interface LedgerOptions {
  config?: string;
  ledger?: string;
}

export const LEDGER_OPTION_HELP = "tokenmeter's ledger file (default: the one --config's ledger exporter names, else tokenmeter.db as npm start writes it)";

/** The ledger file the options name: `--ledger`, else the config's ledger exporter, else the embedded default's. */
export function ledgerPathOf(options: LedgerOptions, settings: SidecarSettings): string {
  const file = options.ledger ?? settings.ledgerPath;
  if (file === undefined) throw new Error(`${options.config} has no ledger exporter: give --ledger`);
  return file;
}

/** The summary lines of a report read from the ledger. */
export function ledgerSummary(file: string, window: TimeWindow, traces: number): Record<string, string | number> {
  return {
    source: 'ledger',
    ledger: file,
    from: new Date(window.fromMs).toISOString(),
    until: new Date(window.untilMs).toISOString(),
    traces,
  };
}

export interface MlflowTarget {
  client: ReportsMlflowClient;
  experimentId: string;
  window: TimeWindow;
  format: Format;
  concurrency: number;
}

export function mlflowClientFrom(options: Pick<CommonOptions, 'trackingUri' | 'timeout'>): ReportsMlflowClient {
  const trackingUri = options.trackingUri ?? (process.env.MLFLOW_TRACKING_URI || 'http://127.0.0.1:5000');
  if (!/^https?:\/\//.test(trackingUri)) throw new Error(`the tracking URI must be an http(s) URL to a tracking server, got ${JSON.stringify(trackingUri)}`);
  return new ReportsMlflowClient({ trackingUri: trackingUri.replace(/\/+$/, ''), timeoutMs: options.timeout, headers: {} });
}

export async function resolveTarget(options: CommonOptions): Promise<MlflowTarget> {
  const client = mlflowClientFrom(options);
  const experiment = options.experiment ?? (process.env.MLFLOW_EXPERIMENT_ID || process.env.MLFLOW_EXPERIMENT_NAME || '0');
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got ${options.concurrency}`);
  return {
    client,
    experimentId: await client.resolveExperimentId(experiment),
    window: parseWindow(options.since, options.until),
    format: parseFormat(options.format),
    concurrency,
  };
}

/** Runs a command body; a failure is one line on stderr and exit code 1 (2 for bad usage), not a stack trace. */
export async function runReportCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    console.error(`tokenmeter: ${(error as Error).message}`);
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  }
}

/** The summary lines every MLflow report starts with. */
export function targetSummary(target: MlflowTarget, traces: number, skipped: readonly SkippedTrace[] = []): Record<string, string | number> {
  return {
    source: 'mlflow',
    tracking_uri: target.client.trackingUri,
    experiment_id: target.experimentId,
    from: new Date(target.window.fromMs).toISOString(),
    until: new Date(target.window.untilMs).toISOString(),
    traces,
    ...(skipped.length === 0 ? {} : { traces_skipped: skipped.length }),
  };
}

/** One line on stderr per trace a report left out, so that a total missing some traces says which and why. */
export function warnSkipped(skipped: readonly SkippedTrace[]): void {
  for (const { traceId, reason } of skipped) console.error(`tokenmeter: left out trace ${traceId}: ${reason}`);
}
