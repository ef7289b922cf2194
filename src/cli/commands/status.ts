import type { Command } from 'commander';
import { durationMs } from '../../config/units.js';
import { addCommonOptions, mlflowClientFrom, resolveTarget, runReportCommand, targetSummary } from '../../reports/cli.js';
import type { CommonOptions } from '../../reports/cli.js';
import { searchTraceInfos, visitTraces } from '../../reports/mlflow/source.js';
import { renderReport } from '../../reports/output/render.js';
import { parseFormat } from '../../reports/output/report.js';
import { TracePricer } from '../../reports/priceTrace.js';
import { loadPricingConfig } from '../../reports/pricingConfig.js';
import { progressBar } from '../../reports/progress.js';
import { checkMlflow, checkTokenmeter, DEFAULT_ADMIN_URL, StatusCollector, statusReport } from '../../reports/status.js';

interface StatusOptions extends CommonOptions {
  adminUrl: string;
}

export function registerStatusCommand(program: Command): void {
  addCommonOptions(
    program
      .command('status')
      .description('MLflow reachability and version, tokenmeter health, traces by state, spend and unpriced calls in the window')
      .option('--admin-url <url>', 'admin endpoint of a running tokenmeter', DEFAULT_ADMIN_URL),
    { since: '24h' },
  ).action((options: StatusOptions) =>
    runReportCommand(async () => {
      const format = parseFormat(options.format);
      const timeoutMs = durationMs.parse(options.timeout);
      const [mlflow, tokenmeter] = await Promise.all([
        checkMlflow(mlflowClientFrom(options)),
        checkTokenmeter(options.adminUrl, Math.min(timeoutMs, 5000)),
      ]);
      if (!mlflow.reachable) {
        console.log(renderReport(statusReport(mlflow, tokenmeter, undefined, {}), format));
        process.exitCode = 1;
        return;
      }
      const target = await resolveTarget(options);
      const pricer = new TracePricer(loadPricingConfig(options.config));
      const infos = await searchTraceInfos(target.client, target);
      const collected = new StatusCollector();
      const progress = progressBar('fetching');
      await visitTraces(target.client, infos, (trace) => collected.add(trace, pricer.price(trace)), {
        concurrency: target.concurrency,
        onProgress: progress.update,
      });
      progress.finish();
      console.log(renderReport(statusReport(mlflow, tokenmeter, collected, targetSummary(target, infos.length)), format));
    }),
  );
}
