import { Option } from 'commander';
import type { Command } from 'commander';
import { addCommonOptions, LEDGER_OPTION_HELP, ledgerPathOf, ledgerSummary, resolveTarget, runReportCommand, targetSummary, warnSkipped } from '../../reports/cli.js';
import type { CommonOptions } from '../../reports/cli.js';
import { COST_DIMENSIONS, parseDimensions } from '../../reports/cost.js';
import { collectCosts, collectLedgerCosts, costReport } from '../../reports/costReport.js';
import { openLedger } from '../../reports/ledger/source.js';
import { renderReport } from '../../reports/output/render.js';
import { parseFormat } from '../../reports/output/report.js';
import { TracePricer } from '../../reports/priceTrace.js';
import { loadSidecarConfig } from '../../reports/sidecarConfig.js';
import { searchTraceInfos, visitTraces } from '../../reports/mlflow/source.js';
import { parseWindow } from '../../reports/window.js';
import { ProfileAggregator, profileReport } from '../../reports/profile.js';
import { progressBar } from '../../reports/progress.js';

interface CostOptions extends CommonOptions {
  by: string;
  source: 'mlflow' | 'ledger';
  ledger?: string;
}

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('reports over stored traces: spend and where the time goes');

  addCommonOptions(
    report
      .command('cost')
      .description('spend over a time window, priced span by span with the pipeline\'s catalog and overrides')
      .option('--by <dimensions>', `group by a comma-separated list of ${COST_DIMENSIONS.join(', ')}`, 'workflow')
      .addOption(
        new Option('--source <source>', "where the calls come from: MLflow's traces, priced now; or the ledger, at the costs it holds")
          .choices(['mlflow', 'ledger'])
          .default('mlflow'),
      )
      .option('--ledger <file>', LEDGER_OPTION_HELP),
    { since: '24h' },
  ).action((options: CostOptions) =>
    runReportCommand(async () => {
      const by = parseDimensions(options.by);
      const settings = loadSidecarConfig(options.config);
      if (options.source === 'ledger') {
        const format = parseFormat(options.format);
        const window = parseWindow(options.since, options.until);
        const file = ledgerPathOf(options, settings);
        const ledger = openLedger(file);
        try {
          const { aggregator, traces } = collectLedgerCosts(ledger, window, by);
          console.log(renderReport(costReport(aggregator, ledgerSummary(file, window, traces)), format));
        } finally {
          ledger.close();
        }
        return;
      }
      const pricer = new TracePricer(settings.pricing);
      const target = await resolveTarget(options);
      const progress = progressBar('fetching');
      const { aggregator, traces, skipped } = await collectCosts(target, pricer, by, progress.update);
      progress.finish();
      warnSkipped(skipped);
      console.log(renderReport(costReport(aggregator, targetSummary(target, traces, skipped)), target.format));
    }),
  );

  addCommonOptions(
    report.command('profile').description('where the time goes per workflow and node, from span timestamps; the bottleneck of each trace'),
    { since: '24h' },
  ).action((options: CommonOptions) =>
    runReportCommand(async () => {
      const target = await resolveTarget(options);
      const infos = await searchTraceInfos(target.client, target);
      const profile = new ProfileAggregator();
      const progress = progressBar('fetching');
      const skipped = await visitTraces(target.client, infos, (trace) => profile.add(trace), { concurrency: target.concurrency, onProgress: progress.update });
      progress.finish();
      warnSkipped(skipped);
      console.log(renderReport(profileReport(profile, targetSummary(target, infos.length, skipped)), target.format));
    }),
  );
}
