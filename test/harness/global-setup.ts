/**
 * Vitest globalSetup: ONE real MLflow 3.9 server for the whole run, shared by every test file via
 * `inject('mlflowUrl')`. Tests isolate themselves by creating their own experiment (mlflow-client.ts).
 *
 * Started eagerly: lazy start from inside a worker would need cross-process coordination, and startup is cheap
 * (~5 s incl. alembic migrations of a fresh SQLite db). Set MLFLOW_URL to reuse an already running server.
 */
import type {} from 'vitest'; // makes the module augmentation below resolvable
import type { TestProject } from 'vitest/node';
import { startMlflowServer } from './mlflow-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the shared MLflow server, e.g. http://127.0.0.1:53211 (no trailing slash). */
    mlflowUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const externalUrl = process.env['MLFLOW_URL'];
  if (externalUrl !== undefined && externalUrl !== '') {
    project.provide('mlflowUrl', externalUrl.replace(/\/+$/, ''));
    return async () => {};
  }

  const server = await startMlflowServer();
  console.log(`[harness] mlflow server ${server.url} ready in ${server.startupMs} ms (data: ${server.dir})`);
  project.provide('mlflowUrl', server.url);
  return async () => {
    await server.stop({ removeDir: process.env['KEEP_MLFLOW_DIR'] === undefined });
  };
}
