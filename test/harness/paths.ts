import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, resolved from this file so tests work from any cwd. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The venv that test/harness/setup-python-env.sh maintains (mlflow server + the LangGraph app); same override. */
export const venvDir = process.env['TOKENMETER_VENV'] || path.join(repoRoot, '.venv');
export const venvPython = path.join(venvDir, 'bin', 'python');
export const venvMlflow = path.join(venvDir, 'bin', 'mlflow');

/** The venv of the newest MLflow 3.x (requirements-mlflow-latest.txt): its server, and an app on its SDK. */
export const latestVenvDir = process.env['TOKENMETER_MLFLOW_LATEST_VENV'] || path.join(repoRoot, '.venv-mlflow-latest');

/** The venv of MLflow 3.14 (requirements-mlflow-3.14.txt), the last that adds up every span's cost: its server. */
export const summingVenvDir = process.env['TOKENMETER_MLFLOW_3_14_VENV'] || path.join(repoRoot, '.venv-mlflow-3.14');

/** Env every MLflow process we start gets: no usage telemetry leaves a test run. */
export const noTelemetryEnv: Readonly<Record<string, string>> = {
  MLFLOW_DISABLE_TELEMETRY: 'true',
  DO_NOT_TRACK: 'true',
};
