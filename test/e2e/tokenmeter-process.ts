/**
 * Runs the real tokenmeter CLI (`tokenmeter serve --config …`) as a child process, the way a user runs the sidecar,
 * and stops it with SIGTERM like a container runtime would.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { repoRoot } from '../harness/paths.js';

export interface TokenmeterProcess {
  /** Everything it logged (JSON lines on stderr). */
  logs: () => string;
  stop: () => Promise<number | null>;
}

/** tsx's loader by absolute URL: the child runs in a scratch directory where a bare `tsx` would not resolve. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Starts `tokenmeter serve` with the given config document and resolves once it logs that it started. */
export async function startTokenmeter(config: Record<string, unknown>, env: Record<string, string> = {}): Promise<TokenmeterProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tokenmeter-e2e-'));
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', tsxLoader, path.join(repoRoot, 'src/cli/main.ts'), 'serve', '--config', configFile],
    // Its own working directory, so that files it keeps by default (ledger, state store) never collect in the
    // checkout or carry one test's open traces into the next run.
    { cwd: dir, env: { ...process.env, TOKENMETER_LOG_LEVEL: 'debug', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tokenmeter did not start within 30 s:\n${output}`)), 30_000);
    const check = () => {
      if (output.includes('"msg":"tokenmeter started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tokenmeter exited with ${code} before starting:\n${output}`));
    });
  });

  return {
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
