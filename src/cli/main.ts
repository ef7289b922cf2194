#!/usr/bin/env node
import { Command } from 'commander';
import { registerDlqCommand } from './commands/dlq.js';
import { registerModelsCommand } from './commands/models.js';
import { registerPriceCommand } from './commands/price.js';
import { registerReportCommand } from './commands/report.js';
import { registerRepriceCommand } from './commands/reprice.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStatusCommand } from './commands/status.js';
import { VERSION } from '../version.js';

const program = new Command()
  .name('tokenmeter')
  .description('Meters what LLM applications spend: an OTLP span processor that prices every LLM call in flight')
  .version(VERSION)
  .showHelpAfterError();

registerServeCommand(program);
registerPriceCommand(program);
registerModelsCommand(program);
registerReportCommand(program);
registerStatusCommand(program);
registerRepriceCommand(program);
registerDlqCommand(program);

await program.parseAsync(process.argv);
