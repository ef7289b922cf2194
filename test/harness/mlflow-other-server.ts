/**
 * More real MLflow servers, of other releases than the 3.9 one global-setup starts, for what only MLflow >= 3.10 does
 * with cost (mlflow-wire.md §4): price on ingest the spans that carry none, keep a `mlflow.llm.cost` it receives, and
 * add the spans' costs up into `mlflow.trace.cost` (every span's from 3.10 to 3.14, the outermost of each chain from
 * 3.15):
 *  - the newest 3.x (./.venv-mlflow-latest, pinned in requirements-mlflow-latest.txt);
 *  - 3.14, the last that adds up every span (./.venv-mlflow-3.14, requirements-mlflow-3.14.txt).
 *
 * Started lazily by the suites that need them, not by global-setup: only they pay the start-up. mlflow-server.ts takes
 * its venv from TOKENMETER_VENV when it is loaded, so this file runs it in a small child process of its own with that
 * variable pointed at the other venv (the LangGraph app in this process keeps the 3.9 venv). Run as a script, it
 * starts the server, prints its URL as one JSON line and stops it on SIGTERM. Set MLFLOW_LATEST_URL to reuse a
 * running newest server instead.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { latestVenvDir, repoRoot, summingVenvDir } from './paths.js';

/**
 * MLflow >= 3.11 fetches its model price catalog from the internet when it prices a span itself; tests must not
 * reach out, and tokenmeter's own `mlflow.llm.cost` never needs it (an empty URI disables fetching, mlflow-wire.md §4).
 */
const offlineCatalogEnv = { MLFLOW_MODEL_CATALOG_URI: '' };

export interface OtherMlflowServer {
  url: string;
  /** The version the server reports on /version. */
  version: string;
  stop(): Promise<void>;
}

/** The newest MLflow 3.x. */
export async function startLatestMlflowServer(): Promise<OtherMlflowServer> {
  const external = process.env['MLFLOW_LATEST_URL'];
  if (external) return { url: external.replace(/\/+$/, ''), version: await versionOf(external), stop: async () => {} };
  return startMlflowServerOf(latestVenvDir);
}

/** MLflow 3.14, the last release that adds up the cost of every span of a trace. */
export function startSummingMlflowServer(): Promise<OtherMlflowServer> {
  return startMlflowServerOf(summingVenvDir);
}

async function startMlflowServerOf(venvDir: string): Promise<OtherMlflowServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    cwd: repoRoot,
    env: { ...process.env, ...offlineCatalogEnv, TOKENMETER_VENV: venvDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then(() => reject(new Error(`the MLflow server of ${venvDir} did not start:\n${output}`)));
  });
  return {
    url,
    version: await versionOf(url),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function versionOf(url: string): Promise<string> {
  return (await (await fetch(`${url}/version`)).text()).trim();
}

// Run as a script (the child above): mlflow-server.js is imported only here, after TOKENMETER_VENV was set.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startMlflowServer } = await import('./mlflow-server.js');
  const server = await startMlflowServer({ env: offlineCatalogEnv });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.once('SIGTERM', () => {
    void server.stop({ removeDir: process.env['KEEP_MLFLOW_DIR'] === undefined }).then(() => process.exit(0));
  });
}
