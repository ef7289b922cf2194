/**
 * What tokenmeter runs with when no config file is given: OTLP/HTTP on 127.0.0.1:4318, every LLM call priced,
 * everything forwarded to MLflow (`MLFLOW_TRACKING_URI`, else http://127.0.0.1:5000; experiment from
 * `MLFLOW_EXPERIMENT_ID` / `MLFLOW_EXPERIMENT_NAME`, else `0`: the exporter's own defaults).
 */
export function embeddedDefaultConfig(processors: readonly string[]): Record<string, unknown> {
  return {
    receivers: { otlp: { protocols: { http: {} } } },
    processors: Object.fromEntries(processors.map((id) => [id, {}])),
    exporters: { mlflow: {} },
    service: {
      pipelines: {
        traces: { receivers: ['otlp'], processors: [...processors], exporters: ['mlflow'] },
      },
    },
  };
}
