/**
 * Runs every benchmark module in test/bench (each exports `run(): Promise<void>`), one after another in this process.
 * `npm run bench -- codec` runs only the modules whose file name contains one of the given words.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  run(): Promise<void>;
}

const directory = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);

const modules = readdirSync(directory)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && file !== self)
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (modules.length === 0) {
  console.error(`no benchmark in ${directory} matches ${filters.join(', ')}`);
  process.exitCode = 1;
}

for (const file of modules) {
  const module = (await import(pathToFileURL(join(directory, file)).href)) as Partial<BenchModule>;
  if (typeof module.run !== 'function') continue;
  console.log(`\n## ${file}`);
  await module.run();
}
