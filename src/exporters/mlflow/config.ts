import { z } from 'zod';
import { httpUrl } from '../../config/units.js';
import { compressionConfigSchema, headersConfigSchema, httpTlsConfigSchema, reportTlsKeysForPlaintext, requestTimeoutConfigSchema } from '../http/config.js';
import { requestLimitKeys, retryOnFailureConfigSchema, sendingQueueKeys } from '../sendingqueue/config.js';

/** MLflow's own environment variables, by the key each stands for. */
const ENVIRONMENT = { tracking_uri: 'MLFLOW_TRACKING_URI', experiment_id: 'MLFLOW_EXPERIMENT_ID', experiment_name: 'MLFLOW_EXPERIMENT_NAME' } as const;
type EnvironmentKey = keyof typeof ENVIRONMENT;

const keySchemas = {
  tracking_uri: httpUrl,
  experiment_id: z.string().regex(/^\d+$/, 'expected a numeric MLflow experiment id'),
  experiment_name: z.string().min(1),
} satisfies Record<EnvironmentKey, z.ZodType<string>>;

/** Cost assessments on every trace whose root trace assembly enriched (contract.md, "On the MLflow trace"). */
export const feedbackConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    source_type: z.enum(['CODE', 'LLM_JUDGE', 'HUMAN']).default('CODE'),
    source_id: z.string().min(1).default('cost_estimator'),
    /** Assessment names, as dashboards and `feedback.\`name\`` searches know them. */
    names: z
      .object({
        cost_usd: z.string().min(1).default('cost_usd'),
        total_tokens: z.string().min(1).default('total_tokens'),
        input_tokens: z.string().min(1).default('input_tokens'),
        output_tokens: z.string().min(1).default('output_tokens'),
      })
      .strict()
      .prefault({}),
    /** Traces waiting for their feedback (and trace name tag); past it, new ones go without and are counted. */
    queue_size: z.number().int().positive().default(10_000),
    num_consumers: z.number().int().positive().default(2),
  })
  .strict()
  .prefault({});

/**
 * Traces per request to MLflow, beside the Collector's `sizer` / `max_size`. MLflow 3.9 stores each trace of a request
 * in a transaction of its own, so a request takes time by its traces: ~15 ms each against SQLite (measured ad hoc:
 * 100 traces of one span 1.5 s, of 11 spans 3 s; one trace of 1,100 spans 1.3 s), and 1,000 traces outlast the 10 s
 * `timeout`. 100 keeps a request a few seconds; 0 is no limit.
 */
const maxTracesPerRequest = z
  .custom<number>((value) => Number.isSafeInteger(value) && (value as number) >= 0, 'expected a whole number of traces, such as 100 (0: no limit)')
  .default(100);

/**
 * MLflow takes requests of any size, but a request's traces make it slow (see maxTracesPerRequest); `sizer` /
 * `max_size` bound requests for a proxy in front of MLflow that limits bodies (nginx's `client_max_body_size`). One
 * that refuses a request as too large (413) gets it again in halves anyway.
 */
const sendingQueueConfigSchema = z
  .object({
    ...sendingQueueKeys,
    batch: z
      .object({ ...requestLimitKeys({ sizer: 'bytes', max_size: 0 }), max_traces: maxTracesPerRequest })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/**
 * What MLflow's variables fill in, so that an app's existing setup just works: only the keys the section leaves out,
 * and a section that names either experiment key wins over both variables. An empty variable is unset.
 */
function fromEnvironment(section: object): Partial<Record<EnvironmentKey, string>> {
  const { MLFLOW_TRACKING_URI: uri, MLFLOW_EXPERIMENT_ID: id, MLFLOW_EXPERIMENT_NAME: name } = process.env;
  const experimentGiven = 'experiment_id' in section || 'experiment_name' in section;
  return {
    ...(uri && !('tracking_uri' in section) ? { tracking_uri: uri } : {}),
    ...(experimentGiven ? {} : id ? { experiment_id: id } : name ? { experiment_name: name } : {}),
  };
}

/** A variable is held to what its key would be, and named: the file does not show the value. */
function checkEnvironment(section: unknown, ctx: z.RefinementCtx): void {
  if (section === null || typeof section !== 'object') return;
  for (const [key, value] of Object.entries(fromEnvironment(section)) as Array<[EnvironmentKey, string]>) {
    const checked = keySchemas[key].safeParse(value);
    if (!checked.success) {
      ctx.addIssue({ code: 'custom', path: [key], params: { value }, message: `${checked.error.issues[0]!.message} (from ${ENVIRONMENT[key]})` });
    }
  }
}

export const mlflowExporterConfigSchema = z
  .object({
    /** Default: `MLFLOW_TRACKING_URI`, else http://127.0.0.1:5000. */
    tracking_uri: keySchemas.tracking_uri.optional(),
    /** Takes precedence over `experiment_name`. With neither (nor their variables), MLflow's default experiment `0`. */
    experiment_id: keySchemas.experiment_id.optional(),
    /** Looked up by name, and created when missing. */
    experiment_name: keySchemas.experiment_name.optional(),
    /**
     * A request's `x-mlflow-experiment-id` header (gRPC metadata), as MLflow's own OTLP endpoint takes it, sends its
     * spans to that experiment; false: every span goes to the one above.
     */
    experiment_from_header: z.boolean().default(true),
    /** Whom to trust when `tracking_uri` is https:// (a private CA). */
    tls: httpTlsConfigSchema,
    compression: compressionConfigSchema,
    /** Per HTTP request to MLflow. */
    timeout: requestTimeoutConfigSchema('10s'),
    /** Extra headers on every request, e.g. `Authorization` for a protected MLflow. */
    headers: headersConfigSchema,
    sending_queue: sendingQueueConfigSchema,
    feedback: feedbackConfigSchema,
    /** Sets the `mlflow.traceName` tag (the root span's name), which MLflow's OTLP ingest never sets. */
    trace_name_tag: z.boolean().default(true),
    /** Also how long a trace's feedback is retried before it is dropped (and logged). */
    retry_on_failure: retryOnFailureConfigSchema,
  })
  .strict()
  // Even when the file's own keys have problems, so that a bad variable is reported with them, at once.
  .superRefine(checkEnvironment, { when: () => true })
  .transform((config) => {
    const filled = { ...fromEnvironment(config), ...config };
    return { ...filled, tracking_uri: filled.tracking_uri ?? 'http://127.0.0.1:5000' };
  })
  .superRefine((config, ctx) => {
    if (config.tracking_uri.startsWith('http://')) reportTlsKeysForPlaintext(config.tls, ctx);
  });

export type MlflowExporterConfig = z.output<typeof mlflowExporterConfigSchema>;
