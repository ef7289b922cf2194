/**
 * Runs test/apps/langgraph_app.py (a real LangGraph app traced by MLflow 3.9 autolog) with the venv python and
 * returns what it reports per run, so tests can compare it with what arrived downstream.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { latestVenvDir, noTelemetryEnv, repoRoot, venvPython } from './paths.js';

export const langgraphAppPath = path.join(repoRoot, 'test', 'apps', 'langgraph_app.py');

/** One LLM call as the app saw it. */
export interface AppUsage {
  node: 'plan' | 'research' | 'write';
  model: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
}

/** One workflow run: `trace_id` is the 32-hex OTel id, `mlflow_trace_id` is `tr-` + the same hex. */
export interface AppRun {
  trace_id: string;
  mlflow_trace_id: string;
  thread_id: string;
  usages: AppUsage[];
}

export type OtlpProtocol = 'http/protobuf' | 'grpc';

export interface RunLanggraphAppOptions {
  /** Full OTLP traces URL, e.g. http://127.0.0.1:4318/v1/traces (HTTP) or http://127.0.0.1:4317 (gRPC). */
  endpoint: string;
  /** MLflow's default would be grpc; we default to http/protobuf like the first suites. */
  protocol?: OtlpProtocol;
  /** OTLP headers, e.g. { 'x-mlflow-experiment-id': '1' } when exporting straight to MLflow. */
  headers?: Record<string, string>;
  runs?: number;
  threadId?: string;
  /** Fail (exit 4 -> throw) if the OTel exporter dropped a batch; by default export failures are silent. */
  strictExport?: boolean;
  /** false: the app leaves `session.id` off its root span (the thread id is then only in LangGraph's metadata). */
  sessionAttribute?: boolean;
  /** Extra env (e.g. OTEL_BSP_* to shape batching, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT); applied last. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** The environment of a Python app that exports its spans to `endpoint` and nowhere else. */
function otlpAppEnv(endpoint: string, protocol: OtlpProtocol): Record<string, string | undefined> {
  return {
    ...process.env,
    ...noTelemetryEnv,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
    // Never let a developer's MLflow/OTel settings leak in and redirect or duplicate the spans.
    OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
    OTEL_EXPORTER_OTLP_PROTOCOL: undefined,
    OTEL_EXPORTER_OTLP_HEADERS: undefined,
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: undefined,
    MLFLOW_TRACKING_URI: undefined,
    MLFLOW_TRACE_ENABLE_OTLP_DUAL_EXPORT: 'false',
    PYTHONUNBUFFERED: '1',
  };
}

export type Instrumentation = 'openinference' | 'openllmetry' | 'opentelemetry' | 'mlflow' | 'mlflow-latest' | 'litellm' | 'langsmith';

/**
 * Traces each run makes: one per call, but some calls come as two, their spans made by two instrumentations that share
 * no context (the Anthropic client's own and OpenLLMetry's, or OpenInference's when streamed; OpenInference's
 * LangChain, LiteLLM or LlamaIndex span and the OpenAI client's; MLflow's litellm autolog span and its openai one). MLflow's gemini
 * autolog makes two nested spans of one call, in one trace. Waiting for all
 * of them to be recorded (a trace's root is held for root_wait) means every span has been through the pipeline, so no
 * duplicate can still be on its way when calls are compared.
 */
export const INSTRUMENTED_TRACES: Readonly<Record<Instrumentation, number>> = { openinference: 43, openllmetry: 36, opentelemetry: 5, mlflow: 39, 'mlflow-latest': 2, litellm: 10, langsmith: 2 };

/**
 * Runs test/apps/instrumented_calls.py: OpenAI and Anthropic calls (against the APIs at `apiBaseUrl`) and a LangChain
 * call traced by `instrumentation`, exported over OTLP/HTTP to `endpoint`; resolves once the app has exported them.
 */
export async function runInstrumentedCalls(options: { endpoint: string; instrumentation: Instrumentation; apiBaseUrl: string }): Promise<void> {
  const args = [path.join(repoRoot, 'test', 'apps', 'instrumented_calls.py'), '--instrumentation', options.instrumentation, '--api-base-url', options.apiBaseUrl];
  // The newest MLflow's SDK is in its own venv, with Anthropic's client alone.
  const python = options.instrumentation === 'mlflow-latest' ? path.join(latestVenvDir, 'bin', 'python') : venvPython;
  const { stderr, exitCode, signal } = await run(python, args, otlpAppEnv(options.endpoint, 'http/protobuf'), 60_000);
  if (exitCode !== 0) throw new Error(`instrumented_calls.py exited with ${signal ?? exitCode}\n--- stderr ---\n${stderr.slice(-6000)}`);
}

export async function runLanggraphApp(options: RunLanggraphAppOptions): Promise<AppRun[]> {
  const env = otlpAppEnv(options.endpoint, options.protocol ?? 'http/protobuf');
  if (options.headers !== undefined) {
    // OTel env header syntax: comma-separated key=value, values URL-encoded.
    env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'] = Object.entries(options.headers)
      .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
      .join(',');
  }
  Object.assign(env, options.env);

  const args = [langgraphAppPath, '--runs', String(options.runs ?? 1), '--thread-id', options.threadId ?? 'thread-1'];
  if (options.strictExport === true) args.push('--strict-export');
  if (options.sessionAttribute === false) args.push('--no-session-attribute');
  const { stdout, stderr, exitCode, signal } = await run(venvPython, args, env, options.timeoutMs ?? 60_000);
  if (exitCode !== 0) {
    throw new Error(`langgraph_app.py exited with ${signal ?? exitCode}\n--- stderr ---\n${stderr.slice(-6000)}`);
  }
  const runs = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AppRun);
  if (runs.length !== (options.runs ?? 1)) {
    throw new Error(`expected ${options.runs ?? 1} JSON lines, got ${runs.length}\n${stdout}\n--- stderr ---\n${stderr}`);
  }
  return runs;
}

interface ProcessResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

async function run(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<ProcessResult> {
  return await new Promise<ProcessResult>((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exitCode, signal });
    });
  });
}

/** Sum of tokens the app reported over all its calls. */
export function totalUsage(runs: readonly AppRun[]): { input_tokens: number; output_tokens: number } {
  let input = 0;
  let output = 0;
  for (const appRun of runs) {
    for (const usage of appRun.usages) {
      input += usage.input_tokens;
      output += usage.output_tokens;
    }
  }
  return { input_tokens: input, output_tokens: output };
}
