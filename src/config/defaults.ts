/**
 * What tokenmeter runs with when no config file is given: OTLP/gRPC on 127.0.0.1:4317 and OTLP/HTTP on 127.0.0.1:4318, every LLM call priced and
 * recorded into the ledger (`tokenmeter.db` in the working directory), the admin listener on 127.0.0.1:9464.
 * Traces are forwarded to MLflow only when `MLFLOW_TRACKING_URI` is set (experiment from `MLFLOW_EXPERIMENT_ID` /
 * `MLFLOW_EXPERIMENT_NAME`, else `0`: the exporter's own defaults): without an MLflow to talk to, metering must still
 * work, and an exporter aimed at a server that is not there would only fill its queue and log retries.
 */
export function embeddedDefaultConfig(processors: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const exporters = env.MLFLOW_TRACKING_URI ? ['ledger', 'mlflow'] : ['ledger'];
  return {
    // Both OTLP transports: MLflow's Python SDK exports over gRPC unless told otherwise, most others over HTTP.
    receivers: { otlp: { protocols: { grpc: {}, http: {} } } },
    processors: Object.fromEntries(processors.map((id) => [id, {}])),
    exporters: Object.fromEntries(exporters.map((id) => [id, {}])),
    service: {
      pipelines: {
        traces: { receivers: ['otlp'], processors: [...processors], exporters },
      },
    },
  };
}
