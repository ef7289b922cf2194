import { existsSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { components } from '../../components.js';
import { embeddedDefaultConfig } from '../../config/defaults.js';
import { ConfigError } from '../../config/errors.js';
import { readConfigFile, validateConfig } from '../../config/load.js';
import { DeadLetterTable } from '../../storage/sending-queue.js';
import { Store } from '../../storage/store.js';

interface StorageOptions {
  config?: string;
  storage?: string;
}

/** Each `--id` value, as commander hands a variadic option's values to its parser one at a time. */
function deadLetterIds(value: string, previous: number[] = []): number[] {
  const id = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError('expected a dead letter id, a positive integer (see dlq list)');
  return [...previous, id];
}

/** The storage file: given, else the one `serve` would use with this config. */
function storagePath(options: StorageOptions): string {
  if (options.storage !== undefined) return options.storage;
  const document = options.config ? readConfigFile(options.config) : embeddedDefaultConfig(Object.keys(components.processors));
  return validateConfig(document, components).storage.path;
}

/** Opens the dead letters without taking the storage lock: `serve` may be running, and picks replayed batches up. */
function withDeadLetters<T>(options: StorageOptions, use: (table: DeadLetterTable) => T): T | undefined {
  let file: string;
  try {
    file = storagePath(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`tokenmeter: ${error.message}`);
    process.exitCode = 2;
    return undefined;
  }
  if (!existsSync(file)) {
    console.error(`tokenmeter: no storage at ${file} (nothing was ever queued there)`);
    process.exitCode = 1;
    return undefined;
  }
  const store = Store.openShared(file);
  try {
    return use(new DeadLetterTable(store.db));
  } finally {
    store.close();
  }
}

export function registerDlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('batches an exporter could not deliver for good (dead letters)');
  const storageOptions = (command: Command) =>
    command
      .option('-c, --config <file>', 'the config `serve` runs with, to find its storage')
      .option('--storage <file>', 'the storage file (default: storage.path of the config)');

  storageOptions(dlq.command('list').description('list dead letters: id, exporter, spans, reason, time')).action((options: StorageOptions) => {
    withDeadLetters(options, (table) => {
      const letters = table.list();
      if (letters.length === 0) return console.log('no dead letters');
      for (const letter of letters) {
        console.log(`${letter.id}\t${letter.exporter}\t${letter.spans} spans\t${new Date(letter.failedAt).toISOString()}\t${letter.reason}`);
      }
    });
  });

  storageOptions(
    dlq
      .command('replay')
      .description('move dead letters back to their exporter’s queue (a running tokenmeter picks them up within seconds)')
      .option('--id <ids...>', 'dead letter ids to replay', deadLetterIds)
      .option('--all', 'replay every dead letter'),
  ).action((options: StorageOptions & { id?: number[]; all?: boolean }) => {
    if ((options.id === undefined) === (options.all !== true)) {
      console.error('tokenmeter: give either --id N [N…] or --all');
      process.exitCode = 2;
      return;
    }
    withDeadLetters(options, (table) => {
      const ids = options.all === true ? table.list().map((letter) => letter.id) : options.id!;
      const replayed = table.replay(ids, Date.now());
      console.log(`replayed ${replayed.length} dead letter(s)${replayed.length > 0 ? `: ${replayed.join(', ')}` : ''}`);
      const missing = ids.filter((id) => !replayed.includes(id));
      if (missing.length > 0) {
        console.error(`tokenmeter: no dead letter with id ${missing.join(', ')}`);
        process.exitCode = 1;
      }
    });
  });
}
