import { z } from 'zod';
import { httpUrl } from '../../config/units.js';
import { compressionConfigSchema, headersConfigSchema, httpTlsConfigSchema, reportTlsKeysForPlaintext, requestTimeoutConfigSchema } from '../http/config.js';
import { retryOnFailureConfigSchema, splittingSendingQueueConfigSchema } from '../sendingqueue/config.js';

/**
 * Where MLflow is, with MLflow's own environment variables as defaults so that an app's existing setup
 * (`MLFLOW_TRACKING_URI`, `MLFLOW_EXPERIMENT_ID` / `MLFLOW_EXPERIMENT_NAME`) just works.
 */
const withMlflowEnvironment = (section: unknown): unknown => {
  if (section === null || typeof section !== 'object' || Array.isArray(section)) return section;
  const { MLFLOW_EXPERIMENT_ID: id, MLFLOW_EXPERIMENT_NAME: name } = process.env;
  const given = section as Record<string, unknown>;
  // The environment only fills what the config leaves out; a config that names either wins over both variables.
  if ('experiment_id' in given || 'experiment_name' in given) return given;
  return { ...(id ? { experiment_id: id } : name ? { experiment_name: name } : {}), ...given };
};

export const mlflowExporterConfigSchema = z.preprocess(withMlflowEnvironment, z
  .object({
    tracking_uri: httpUrl.default(() => process.env.MLFLOW_TRACKING_URI || 'http://127.0.0.1:5000'),
    /** Takes precedence over `experiment_name`. With neither, MLflow's default experiment `0`. */
    experiment_id: z.string().regex(/^\d+$/, 'expected a numeric MLflow experiment id').optional(),
    /** Looked up by name, and created when missing. */
    experiment_name: z.string().min(1).optional(),
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
    /**
     * MLflow takes requests of any size, so by default a batch goes as it came; `batch` bounds requests for a proxy
     * in front of MLflow that limits bodies (nginx's `client_max_body_size`). One that refuses a request as too large
     * (413) gets it again in halves anyway.
     */
    sending_queue: splittingSendingQueueConfigSchema({ sizer: 'bytes', max_size: 0 }),
    /** Cost assessments on every trace whose root trace assembly enriched (contract.md, "On the MLflow trace"). */
    feedback: z
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
      .prefault({}),
    /** Sets the `mlflow.traceName` tag (the root span's name), which MLflow's OTLP ingest never sets. */
    trace_name_tag: z.boolean().default(true),
    /** Also how long a trace's feedback is retried before it is dropped (and logged). */
    retry_on_failure: retryOnFailureConfigSchema,
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.tracking_uri.startsWith('http://')) reportTlsKeysForPlaintext(config.tls, ctx);
  }));

export type MlflowExporterConfig = z.output<typeof mlflowExporterConfigSchema>;
