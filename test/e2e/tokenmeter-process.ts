/**
 * Runs the real tokenmeter CLI (`tokenmeter serve --config …`) as a child process, the way a user runs the sidecar,
 * and stops it with SIGTERM like a container runtime would, or kills it with SIGKILL like an OOM killer would and
 * starts it again on the same directory (config, storage) like a restart policy would.
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
  /** Its working directory: the config file, and whatever it keeps by default (ledger, state store). */
  dir: string;
  configFile: string;
  /** Everything it logged (JSON lines on stderr). */
  logs: () => string;
  stop: () => Promise<number | null>;
  /** SIGKILL: no shutdown, nothing flushed; resolves once the process is gone. */
  kill: () => Promise<void>;
  /** Starts `serve` again in the same directory with the same config (after stop() or kill()). */
  restart: () => Promise<TokenmeterProcess>;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** tsx's loader by absolute URL: the child runs in a scratch directory where a bare `tsx` would not resolve. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const cliArgs = (args: readonly string[]) => ['--import', tsxLoader, path.join(repoRoot, 'src/cli/main.ts'), ...args];

/** Starts `tokenmeter serve` with the given config document and resolves once it logs that it started. */
export async function startTokenmeter(config: Record<string, unknown>, env: Record<string, string> = {}): Promise<TokenmeterProcess> {
  // Its own working directory, so that files it keeps by default (ledger, state store) never collect in the
  // checkout or carry one test's open traces into the next run.
  const dir = mkdtempSync(path.join(tmpdir(), 'tokenmeter-e2e-'));
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  return serve(dir, configFile, env);
}

/** Runs a short tokenmeter command (e.g. `dlq list`) in `dir` to its end. */
export async function runTokenmeterCommand(args: readonly string[], dir: string): Promise<CommandResult> {
  const child = spawn(process.execPath, cliArgs(args), { cwd: dir, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  return { code, stdout, stderr };
}

async function serve(dir: string, configFile: string, env: Record<string, string>): Promise<TokenmeterProcess> {
  const child: ChildProcess = spawn(process.execPath, cliArgs(['serve', '--config', configFile]), {
    cwd: dir,
    env: { ...process.env, TOKENMETER_LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) child.kill('SIGTERM');
    return exited;
  };
  return {
    dir,
    configFile,
    logs: () => output,
    stop,
    kill: async () => {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    restart: async () => {
      await stop();
      return serve(dir, configFile, env);
    },
  };
}
