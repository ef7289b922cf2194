/**
 * Start and stop real `mlflow server` processes (MLflow 3.9 from ./.venv) for tests.
 *
 * One shared server is started by global-setup.ts; fault tests can start their own with startMlflowServer() and
 * kill()/restart() them. Each server gets its own temp dir holding the SQLite db, the artifact root and a log.
 *
 * Why these flags: SQLite needs `--workers 1` (the default is 4 uvicorn workers contending for one file);
 * `/v1/traces` (OTLP ingest) only exists under uvicorn with a SQL backend, so no --gunicorn-opts/--waitress-opts;
 * 127.0.0.1 is an allowed Host for MLflow's security middleware, so no --allowed-hosts is needed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { noTelemetryEnv, venvMlflow } from './paths.js';
import { getFreePort } from './ports.js';

export interface StartMlflowServerOptions {
  /** Reuse a directory (db + artifacts) instead of a fresh temp dir, e.g. to restart on the same data. */
  dir?: string;
  /** Port to listen on; by default a free one is picked. */
  port?: number;
  /** First start runs alembic migrations (~5 s on a laptop); leave room for slow CI machines. */
  startupTimeoutMs?: number;
  /** Extra environment for the server process. */
  env?: Record<string, string>;
}

export interface MlflowServer {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:53211 */
  readonly url: string;
  readonly port: number;
  /** Temp dir holding mlflow.db, artifacts/ and server.log. */
  readonly dir: string;
  readonly logPath: string;
  /** Milliseconds from spawn until /health answered. */
  readonly startupMs: number;
  /** Graceful stop (SIGTERM, then SIGKILL after a grace period). Keeps the dir unless removeDir is set. */
  stop(options?: { removeDir?: boolean; graceMs?: number }): Promise<void>;
  /** Crash simulation: SIGKILL the whole process group at once. */
  kill(): Promise<void>;
  /** Start again on the same port and data dir (after stop() or kill()). */
  restart(): Promise<MlflowServer>;
  /** True while the server process is alive. */
  isRunning(): boolean;
}

const DEFAULT_STARTUP_TIMEOUT_MS = 120_000;
const HEALTH_POLL_INTERVAL_MS = 150;

/** Server processes started by this module, so a crashing test runner does not leave orphans behind. */
const liveProcessGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of liveProcessGroups) signalGroup(pgid, 'SIGKILL');
});

export async function startMlflowServer(options: StartMlflowServerOptions = {}): Promise<MlflowServer> {
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'tokenmeter-mlflow-')));
  // A picked free port can be taken by someone else before mlflow binds it; retry with a new one in that case.
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await getFreePort());
    try {
      return await spawnAndWait(dir, port, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function spawnAndWait(dir: string, port: number, options: StartMlflowServerOptions): Promise<MlflowServer> {
  const artifactsDir = path.join(dir, 'artifacts');
  await mkdir(artifactsDir, { recursive: true });
  const logPath = path.join(dir, 'server.log');
  const log = createWriteStream(logPath, { flags: 'a' });
  const url = `http://127.0.0.1:${port}`;
  const startedAt = Date.now();

  const child = spawn(
    venvMlflow,
    [
      'server',
      '--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`,
      '--artifacts-destination', artifactsDir,
      '--host', '127.0.0.1',
      '--port', String(port),
      '--workers', '1',
    ],
    {
      cwd: dir, // without --default-artifact-root nothing should land in cwd, but keep the repo clean regardless
      env: { ...process.env, ...noTelemetryEnv, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // `mlflow server` forks uvicorn as a child: give them their own process group so stop/kill reach both.
      detached: true,
    },
  );
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`failed to spawn ${venvMlflow}`);
  liveProcessGroups.add(pgid);

  let recentOutput = '';
  const remember = (chunk: Buffer): void => {
    log.write(chunk);
    recentOutput = (recentOutput + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => liveProcessGroups.delete(pgid));

  try {
    await waitForHealth(url, child, options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS);
  } catch (error) {
    await terminate(child, pgid, exited, 2_000);
    log.end();
    throw new Error(
      `mlflow server on ${url} did not become healthy: ${String(error)}\n--- server output ---\n${recentOutput}`,
      { cause: error },
    );
  }

  const server: MlflowServer = {
    url,
    port,
    dir,
    logPath,
    startupMs: Date.now() - startedAt,
    async stop({ removeDir = false, graceMs = 5_000 } = {}) {
      await terminate(child, pgid, exited, graceMs);
      log.end();
      if (removeDir) await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await terminate(child, pgid, exited, 0);
      log.end();
    },
    async restart() {
      await terminate(child, pgid, exited, 5_000);
      log.end();
      return await spawnAndWait(dir, port, options);
    },
    isRunning() {
      return child.exitCode === null && child.signalCode === null;
    },
  };
  return server;
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited early (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(HEALTH_POLL_INTERVAL_MS);
  }
  throw new Error(`timed out after ${timeoutMs} ms`);
}

/** SIGTERM the group, wait up to graceMs, then SIGKILL; graceMs 0 means SIGKILL straight away. */
async function terminate(child: ChildProcess, pgid: number, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    signalGroup(pgid, 'SIGKILL'); // the CLI may be gone while a uvicorn worker lingers
    return;
  }
  if (graceMs > 0) {
    signalGroup(pgid, 'SIGTERM');
    const stoppedInTime = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (stoppedInTime) {
      signalGroup(pgid, 'SIGKILL');
      return;
    }
  }
  signalGroup(pgid, 'SIGKILL');
  await exited;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // group already gone
  }
}
