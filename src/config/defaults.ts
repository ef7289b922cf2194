/**
 * What tokenmeter runs with when no config file is given: OTLP/gRPC on 127.0.0.1:4317 and OTLP/HTTP on 127.0.0.1:4318, every LLM call priced and
 * recorded into the ledger (`tokenmeter.db` in the working directory), the admin listener on 127.0.0.1:9464.
 * Traces are forwarded to MLflow only when `MLFLOW_TRACKING_URI` is set (experiment from `MLFLOW_EXPERIMENT_ID` /
 * `MLFLOW_EXPERIMENT_NAME`, else `0`: the exporter's own defaults): without an MLflow to talk to, metering must still
 * work, and an exporter aimed at a server that is not there would only fill its queue, and then refuse every request
 * (its backpressure), the ledger's included.
 *
 * The addresses and the ledger's file are taken from the variables `config/tokenmeter.yaml` reads
 * (`TOKENMETER_OTLP_GRPC_ENDPOINT`, `TOKENMETER_OTLP_HTTP_ENDPOINT`, `TOKENMETER_ADMIN_ENDPOINT`, `TOKENMETER_LEDGER_PATH`)
 * when they are set: the container image runs on these defaults and listens on all its interfaces through them.
 */
export function embeddedDefaultConfig(processors: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const exporters = env.MLFLOW_TRACKING_URI ? ['ledger', 'mlflow'] : ['ledger'];
  const exporterConfigs: Record<string, unknown> = Object.fromEntries(exporters.map((id) => [id, {}]));
  exporterConfigs.ledger = fromVariables(env, { path: 'TOKENMETER_LEDGER_PATH' });
  return {
    // Both OTLP transports: MLflow's Python SDK exports over gRPC unless told otherwise, most others over HTTP.
    receivers: {
      otlp: {
        protocols: {
          grpc: fromVariables(env, { endpoint: 'TOKENMETER_OTLP_GRPC_ENDPOINT' }),
          http: fromVariables(env, { endpoint: 'TOKENMETER_OTLP_HTTP_ENDPOINT' }),
        },
      },
    },
    processors: Object.fromEntries(processors.map((id) => [id, {}])),
    exporters: exporterConfigs,
    admin: fromVariables(env, { endpoint: 'TOKENMETER_ADMIN_ENDPOINT' }),
    service: {
      pipelines: {
        traces: { receivers: ['otlp'], processors: [...processors], exporters },
      },
    },
  };
}

/** The value of each variable that is set; an empty one counts as unset, as `${VAR:-default}` in the config file reads it. */
function fromVariables(env: NodeJS.ProcessEnv, variables: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).flatMap(([key, name]) => (env[name] ? [[key, env[name]]] : [])));
}
