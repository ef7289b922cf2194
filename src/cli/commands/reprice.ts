import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readLedgerRecords } from '../../exporters/ledger/spanRecords.js';
import type { Ledger } from '../../ledger/index.js';
import { addCommonOptions, LEDGER_OPTION_HELP, resolveTarget, runReportCommand, targetSummary, warnSkipped } from '../../reports/cli.js';
import type { CommonOptions, LedgerOptions } from '../../reports/cli.js';
import { mapConcurrent } from '../../reports/concurrency.js';
import { openLedger } from '../../reports/ledger/source.js';
import { searchTraceInfos, visitTraces } from '../../reports/mlflow/source.js';
import { renderReport } from '../../reports/output/render.js';
import { TracePricer } from '../../reports/priceTrace.js';
import { progressBar } from '../../reports/progress.js';
import { plannedChange, repriceReport, writeChange } from '../../reports/reprice.js';
import type { RepriceChange } from '../../reports/reprice.js';
import { loadSidecarConfig } from '../../reports/sidecarConfig.js';
import type { SidecarSettings } from '../../reports/sidecarConfig.js';
import { traceBatch } from '../../reports/trace.js';
import { assembledFeedback } from '../../reports/traceFeedback.js';

interface RepriceOptions extends CommonOptions {
  write?: boolean;
  dryRun?: boolean;
  assessmentSource?: string;
  ledger?: string;
}

/**
 * The ledger `--write` also reprices: the one named, else the config's; with neither option, the embedded default's
 * file when there is one (a sidecar run by `npm start` here), else none: reprice never creates a ledger.
 */
function ledgerToUpdate(options: LedgerOptions, settings: SidecarSettings): string | undefined {
  if (options.ledger === undefined && options.config === undefined) return settings.ledgerPath !== undefined && existsSync(settings.ledgerPath) ? settings.ledgerPath : undefined;
  return options.ledger ?? settings.ledgerPath;
}

export function registerRepriceCommand(program: Command): void {
  addCommonOptions(
    program
      .command('reprice')
      .description('recompute past traces under the current catalog and --config overrides; --write overrides their cost assessments in MLflow and reprices the ledger')
      .option('--dry-run', 'show per trace and in total what would change (the default)')
      .option('--write', 'override the cost_usd assessments in MLflow (the old ones stay as history), and update the ledger')
      .option('--assessment-source <id>', "source id of the cost assessments (default: --config's exporters.mlflow.feedback.source_id, else cost_estimator)")
      .option('--ledger <file>', `${LEDGER_OPTION_HELP}; only with --write`),
    { since: '24h' },
  ).action((options: RepriceOptions) =>
    runReportCommand(async () => {
      if (options.write && options.dryRun) throw new Error('give either --dry-run or --write, not both');
      const settings = loadSidecarConfig(options.config);
      const feedback = options.assessmentSource === undefined ? settings.feedback : { ...settings.feedback, source_id: options.assessmentSource };
      const pricer = new TracePricer(settings.pricing);
      const target = await resolveTarget(options);
      const ledgerFile = options.write ? ledgerToUpdate(options, settings) : undefined;
      const ledger: Ledger | undefined = ledgerFile === undefined ? undefined : openLedger(ledgerFile);
      try {
        const infos = await searchTraceInfos(target.client, target);
        const changes: RepriceChange[] = [];
        const ledgerRepriced = { calls: 0, traces: 0 };
        const progress = progressBar('pricing');
        const skipped = await visitTraces(
          target.client,
          infos,
          async (trace) => {
            const change = plannedChange(trace, pricer.price(trace), feedback);
            if (options.write && change !== undefined) change.feedback = await assembledFeedback(trace);
            if (change !== undefined) changes.push(change);
            if (ledger === undefined) return;
            // The ledger exporter's own reader takes the new prices off the repriced spans.
            const repriced = ledger.reprice(readLedgerRecords(traceBatch(trace)).calls);
            ledgerRepriced.calls += repriced.calls;
            ledgerRepriced.traces += repriced.traces;
          },
          { concurrency: target.concurrency, onProgress: progress.update },
        );
        progress.finish();
        warnSkipped(skipped);
        if (options.write) {
          const now = new Date();
          await mapConcurrent(changes, target.concurrency, (change) => writeChange(target.client, change, feedback, now));
        }
        changes.sort((a, b) => Math.abs(b.deltaUsd) - Math.abs(a.deltaUsd));
        const summary = {
          ...targetSummary(target, infos.length, skipped),
          ...(options.write ? { ledger: ledgerFile ?? null, ledger_calls_repriced: ledgerRepriced.calls, ledger_traces_repriced: ledgerRepriced.traces } : {}),
        };
        console.log(renderReport(repriceReport(changes, options.write === true, summary), target.format));
      } finally {
        ledger?.close();
      }
    }),
  );
}
