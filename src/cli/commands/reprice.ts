import type { Command } from 'commander';
import { addCommonOptions, resolveTarget, runReportCommand, targetSummary } from '../../reports/cli.js';
import type { CommonOptions } from '../../reports/cli.js';
import { mapConcurrent } from '../../reports/concurrency.js';
import { searchTraceInfos, visitTraces } from '../../reports/mlflow/source.js';
import { renderReport } from '../../reports/output/render.js';
import { TracePricer } from '../../reports/priceTrace.js';
import { loadPricingConfig } from '../../reports/pricingConfig.js';
import { progressBar } from '../../reports/progress.js';
import { DEFAULT_ASSESSMENT_SOURCE, plannedChange, repriceReport, writeChange } from '../../reports/reprice.js';
import type { RepriceChange } from '../../reports/reprice.js';

interface RepriceOptions extends CommonOptions {
  write?: boolean;
  dryRun?: boolean;
  assessmentSource: string;
}

export function registerRepriceCommand(program: Command): void {
  addCommonOptions(
    program
      .command('reprice')
      .description('recompute past traces under the current catalog and --config overrides; --write overrides their cost assessments in MLflow')
      .option('--dry-run', 'show per trace and in total what would change (the default)')
      .option('--write', 'override the cost_usd assessments in MLflow (the old ones stay as history)')
      .option('--assessment-source <id>', 'source id of the cost assessments to override', DEFAULT_ASSESSMENT_SOURCE),
    { since: '24h' },
  ).action((options: RepriceOptions) =>
    runReportCommand(async () => {
      if (options.write && options.dryRun) throw new Error('give either --dry-run or --write, not both');
      const pricer = new TracePricer(loadPricingConfig(options.config));
      const target = await resolveTarget(options);
      const infos = await searchTraceInfos(target.client, target);
      const changes: RepriceChange[] = [];
      const progress = progressBar('pricing');
      await visitTraces(
        target.client,
        infos,
        (trace) => {
          const change = plannedChange(trace, pricer.price(trace), options.assessmentSource);
          if (change !== undefined) changes.push(change);
        },
        { concurrency: target.concurrency, onProgress: progress.update },
      );
      progress.finish();
      if (options.write) {
        const now = new Date();
        await mapConcurrent(changes, target.concurrency, (change) => writeChange(target.client, change, options.assessmentSource, now));
      }
      changes.sort((a, b) => Math.abs(b.deltaUsd) - Math.abs(a.deltaUsd));
      console.log(renderReport(repriceReport(changes, options.write === true, targetSummary(target, infos.length)), target.format));
    }),
  );
}
