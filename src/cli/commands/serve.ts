import { Option } from 'commander';
import type { Command } from 'commander';
import { components } from '../../components.js';
import { embeddedDefaultConfig } from '../../config/defaults.js';
import { ConfigError } from '../../config/errors.js';
import { readConfigFile, validateConfig } from '../../config/load.js';
import { Service } from '../../pipeline/service.js';
import { createLogger, logNodeWarnings } from '../../telemetry/logger.js';
import { durationOption } from '../options.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the sidecar: receive OTLP traces, price LLM calls, forward to MLflow')
    .option('-c, --config <file>', 'YAML config file (default: embedded defaults, see config/tokenmeter.yaml)')
    .addOption(
      new Option('--shutdown-timeout <duration>', 'how long to drain on SIGTERM/SIGINT (30s, or milliseconds)').argParser(durationOption).default(10_000, '10s'),
    )
    .action(async (options: { config?: string; shutdownTimeout: number }) => {
      let config;
      try {
        const document = options.config ? readConfigFile(options.config) : embeddedDefaultConfig(Object.keys(components.processors));
        config = validateConfig(document, components);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        console.error(`tokenmeter: ${error.message}`);
        process.exitCode = 2;
        return;
      }
      const logger = createLogger(config.logLevel);
      logNodeWarnings(logger);
      if (!options.config) {
        logger.info(
          process.env.MLFLOW_TRACKING_URI
            ? `embedded defaults: pricing, recording to the ledger and forwarding to MLflow at ${process.env.MLFLOW_TRACKING_URI}`
            : 'embedded defaults: MLFLOW_TRACKING_URI is not set, so traces are priced and recorded to the ledger only, not forwarded to MLflow',
        );
      }
      let service: Service | undefined;
      try {
        // Building the components can fail too (a file a key names cannot be read): the same fatal line, no stack dump.
        service = new Service(config, components, logger);
        await service.start();
      } catch (error) {
        logger.fatal({ err: error }, 'cannot start');
        await service?.shutdown(1000);
        process.exitCode = 1;
        return;
      }
      logger.info('tokenmeter started');
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        service.shutdown(options.shutdownTimeout).then(
          () => logger.info('stopped'),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exitCode = 1;
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
