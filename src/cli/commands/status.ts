import { Option } from 'commander';
import type { Command } from 'commander';
import { addCommonOptions, LEDGER_OPTION_HELP, ledgerPathOf, ledgerSummary, mlflowClientFrom, resolveTarget, runReportCommand, targetSummary, warnSkipped } from '../../reports/cli.js';
import type { CommonOptions } from '../../reports/cli.js';
import { openLedger, visitLedgerWindow } from '../../reports/ledger/source.js';
import { searchTraceInfos, visitTraces } from '../../reports/mlflow/source.js';
import { renderReport } from '../../reports/output/render.js';
import { parseFormat } from '../../reports/output/report.js';
import { TracePricer } from '../../reports/priceTrace.js';
import { progressBar } from '../../reports/progress.js';
import { loadSidecarConfig } from '../../reports/sidecarConfig.js';
import { checkMlflow, checkTokenmeter, DEFAULT_ADMIN_URL, StatusCollector, statusReport } from '../../reports/status.js';
import { parseWindow } from '../../reports/window.js';

interface StatusOptions extends CommonOptions {
  adminUrl?: string;
  source: 'mlflow' | 'ledger';
  ledger?: string;
}

export function registerStatusCommand(program: Command): void {
  addCommonOptions(
    program
      .command('status')
      .description('MLflow reachability and version, tokenmeter health, traces by state, spend and unpriced calls in the window')
      .option('--admin-url <url>', `admin endpoint of a running tokenmeter (default: the --config file's admin.endpoint, else ${DEFAULT_ADMIN_URL})`)
      .addOption(new Option('--source <source>', "where the window's traces come from: MLflow, or the ledger").choices(['mlflow', 'ledger']).default('mlflow'))
      .option('--ledger <file>', LEDGER_OPTION_HELP),
    { since: '24h' },
  ).action((options: StatusOptions) =>
    runReportCommand(async () => {
      const format = parseFormat(options.format);
      const settings = loadSidecarConfig(options.config);
      const [mlflow, tokenmeter] = await Promise.all([
        checkMlflow(() => mlflowClientFrom(options)),
        checkTokenmeter(options.adminUrl ?? settings.adminUrl ?? DEFAULT_ADMIN_URL, Math.min(options.timeout, 5000)),
      ]);
      const collected = new StatusCollector();
      if (options.source === 'ledger') {
        // MLflow's reachability is still reported, but the numbers do not need it.
        const window = parseWindow(options.since, options.until);
        const file = ledgerPathOf(options, settings);
        const ledger = openLedger(file);
        try {
          Object.assign(collected.states, visitLedgerWindow(ledger, window, (call) => collected.addCall(call)));
        } finally {
          ledger.close();
        }
        const traces = collected.states.OK + collected.states.ERROR + collected.states.IN_PROGRESS;
        console.log(renderReport(statusReport(mlflow, tokenmeter, collected, ledgerSummary(file, window, traces)), format));
        return;
      }
      if (!mlflow.reachable) {
        console.log(renderReport(statusReport(mlflow, tokenmeter, undefined, {}), format));
        process.exitCode = 1;
        return;
      }
      const target = await resolveTarget(options);
      const pricer = new TracePricer(settings.pricing);
      const infos = await searchTraceInfos(target.client, target);
      const progress = progressBar('fetching');
      const skipped = await visitTraces(target.client, infos, (trace) => collected.add(trace, pricer.price(trace)), {
        concurrency: target.concurrency,
        onProgress: progress.update,
      });
      progress.finish();
      warnSkipped(skipped);
      console.log(renderReport(statusReport(mlflow, tokenmeter, collected, targetSummary(target, infos.length, skipped)), format));
    }),
  );
}
