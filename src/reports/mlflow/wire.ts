/**
 * MLflow's JSON as the 3.x REST API returns it (protobuf `MessageToJson`, snake_case field names), parsed by
 * `parseMlflowJson`: integers longer than 15 digits and long decimals arrive as strings, never rounded.
 * Only the fields the reports read are declared.
 */

/** OTel `AnyValue`; an empty object (`{"key": "stop"}` has no value at all) is an empty value. */
export interface AnyValueJson {
  string_value?: string;
  bool_value?: boolean;
  int_value?: number | string;
  double_value?: number | string;
  bytes_value?: string;
  array_value?: { values?: AnyValueJson[] };
  kvlist_value?: { values?: KeyValueJson[] };
}

export interface KeyValueJson {
  key: string;
  value?: AnyValueJson;
}

/** An OTel proto span: ids in base64, times as (possibly string) int64 nanoseconds. */
export interface SpanJson {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  trace_state?: string;
  name?: string;
  kind?: string;
  start_time_unix_nano?: number | string;
  end_time_unix_nano?: number | string;
  attributes?: KeyValueJson[];
  events?: { time_unix_nano?: number | string; name?: string; attributes?: KeyValueJson[] }[];
  status?: { code?: string; message?: string };
}

export interface AssessmentJson {
  assessment_id: string;
  assessment_name: string;
  trace_id?: string;
  span_id?: string;
  source?: { source_type?: string; source_id?: string };
  feedback?: { value?: unknown };
  rationale?: string;
  metadata?: Record<string, string>;
  overrides?: string;
  valid?: boolean;
  create_time?: string;
}

export interface TraceInfoJson {
  /** As stored: `tr-<hex>`, or `"tr-<hex>"` with literal quotes for traces the MLflow SDK sent over OTLP. */
  trace_id: string;
  trace_location?: { type?: string; mlflow_experiment?: { experiment_id?: string } };
  /** RFC 3339. */
  request_time?: string;
  /** `"1.234s"`. */
  execution_duration?: string;
  state?: string;
  trace_metadata?: Record<string, string>;
  tags?: Record<string, string>;
  assessments?: AssessmentJson[];
}

export interface SearchTracesResponse {
  traces?: TraceInfoJson[];
  next_page_token?: string;
}

export interface BatchGetTracesResponse {
  traces?: { trace_info: TraceInfoJson; spans?: SpanJson[] }[];
}

/**
 * A span as MLflow's Python SDK writes it into a trace's `traces.json` artifact (`Span.to_dict`), where the spans of
 * traces logged to servers older than 3.4 (or by clients that cannot log spans) live: ids in base64, times as int64
 * nanoseconds, attributes as a map of JSON texts.
 */
export interface ArtifactSpanJson {
  trace_id: string;
  span_id: string;
  parent_span_id?: string | null;
  name?: string;
  start_time_unix_nano?: number | string;
  end_time_unix_nano?: number | string;
  attributes?: Record<string, unknown>;
  events?: { name?: string; time_unix_nano?: number | string; attributes?: Record<string, unknown> }[];
  status?: { code?: string; message?: string };
}

export interface TraceArtifactJson {
  spans?: ArtifactSpanJson[];
}
