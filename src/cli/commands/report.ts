import { Option } from 'commander';
import type { Command } from 'commander';
import { addCommonOptions, resolveTarget, runReportCommand, targetSummary } from '../../reports/cli.js';
import type { CommonOptions } from '../../reports/cli.js';
import { COST_DIMENSIONS, parseDimensions } from '../../reports/cost.js';
import { collectCosts, costReport } from '../../reports/costReport.js';
import { renderReport } from '../../reports/output/render.js';
import { TracePricer } from '../../reports/priceTrace.js';
import { loadPricingConfig } from '../../reports/pricingConfig.js';
import { searchTraceInfos, visitTraces } from '../../reports/mlflow/source.js';
import { ProfileAggregator, profileReport } from '../../reports/profile.js';
import { progressBar } from '../../reports/progress.js';

interface CostOptions extends CommonOptions {
  by: string;
  source: 'mlflow' | 'ledger';
}

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('reports over stored traces: spend and where the time goes');

  addCommonOptions(
    report
      .command('cost')
      .description('spend over a time window, priced span by span with the pipeline\'s catalog and overrides')
      .option('--by <dimensions>', `group by a comma-separated list of ${COST_DIMENSIONS.join(', ')}`, 'workflow')
      .addOption(new Option('--source <source>', 'where the calls come from').choices(['mlflow', 'ledger']).default('mlflow')),
    { since: '24h' },
  ).action((options: CostOptions) =>
    runReportCommand(async () => {
      const by = parseDimensions(options.by);
      // The ledger (src/ledger) can record calls but not yet list those of a window, which this report needs.
      if (options.source === 'ledger') throw new Error('--source ledger: the ledger cannot list the calls of a time window yet; use --source mlflow');
      const pricer = new TracePricer(loadPricingConfig(options.config));
      const target = await resolveTarget(options);
      const progress = progressBar('fetching');
      const { aggregator, traces } = await collectCosts(target, pricer, by, progress.update);
      progress.finish();
      console.log(renderReport(costReport(aggregator, targetSummary(target, traces)), target.format));
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
      await visitTraces(target.client, infos, (trace) => profile.add(trace), { concurrency: target.concurrency, onProgress: progress.update });
      progress.finish();
      console.log(renderReport(profileReport(profile, targetSummary(target, infos.length)), target.format));
    }),
  );
}
