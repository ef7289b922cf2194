import { USER_AGENT } from '../../version.js';
import { describeRequestError, headerOf, HttpPool, mayHaveReachedServer, withConfiguredHeaders } from '../http/request.js';
import type { HttpTlsConfig } from '../http/config.js';
import type { HttpAnswer } from '../http/request.js';
import { parseRetryAfterMs } from '../retry/backoff.js';
import type { DeliveryResult } from '../sendingqueue/destination.js';

/** Throttling: MLflow refused the request before storing anything. */
const THROTTLED_STATUS = new Set([429]);
/** A server failing or restarting, or a proxy giving up on it: the request may have been stored. */
const MAYBE_STORED_STATUS = new Set([408, 500, 502, 503]);
/** What SQLite says when another writer holds the database for longer than MLflow's busy timeout. */
const SQLITE_LOCKED = 'database is locked';
/** A gateway that stopped waiting for MLflow's answer, as we do at our `timeout`: MLflow may be storing it still. */
const GATEWAY_TIMEOUT = 504;

/** A feedback assessment in MLflow's REST shape (proto JSON, snake_case; `mlflow/protos/assessments.proto`). */
export interface AssessmentBody {
  assessment_id: string;
  assessment_name: string;
  trace_id: string;
  source: { source_type: string; source_id: string };
  feedback: { value: number };
  rationale?: string;
  metadata?: Record<string, string>;
}

export class MlflowError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
}

/**
 * The configured experiment is in MLflow's trash. MLflow would still store traces there (its OTLP ingest takes a
 * deleted experiment, its lookup by name finds one, and the name cannot be created again), where nobody sees them;
 * MLflow's own `set_experiment` refuses it the same way.
 */
export class DeletedExperimentError extends MlflowError {
  constructor(experiment: MlflowExperiment, setting: 'experiment_name' | 'experiment_id') {
    super(
      `MLflow experiment "${experiment.name}" (id ${experiment.experiment_id}) is deleted: restore it ` +
        `(mlflow experiments restore --experiment-id ${experiment.experiment_id}) or set ${setting} to another experiment`,
    );
    this.name = 'DeletedExperimentError';
  }
}

/** An experiment as MLflow's REST API describes it (`mlflow/protos/service.proto`). */
interface MlflowExperiment {
  experiment_id: string;
  name: string;
  /** `active`, or `deleted` while it is in the trash. */
  lifecycle_stage: string;
}

/** The few MLflow REST calls the exporter needs, over the tracking server's HTTP API. */
export class MlflowClient {
  private readonly baseUrl: string;
  private readonly pool: HttpPool;

  constructor(
    trackingUri: string,
    private readonly timeoutMs: number,
    private readonly extraHeaders: Record<string, string> = {},
    tls: Partial<HttpTlsConfig> = {},
  ) {
    this.baseUrl = trackingUri.replace(/\/+$/, '');
    this.pool = new HttpPool(this.baseUrl, timeoutMs, tls);
  }

  /** Closes the connections kept open to MLflow. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /**
   * Our user agent unless the config names another, the configured headers, then what the request itself needs (its
   * body's type, the experiment), which no configured header replaces: names compared without case, as HTTP does.
   */
  private headers(request: Record<string, string>): Record<string, string> {
    return withConfiguredHeaders(withConfiguredHeaders({ 'User-Agent': USER_AGENT }, this.extraHeaders), request);
  }

  get trackingUri(): string {
    return this.baseUrl;
  }

  /** Posts an `ExportTraceServiceRequest` exactly as MLflow 3.9 requires (mlflow-wire.md §1.3). */
  async postSpans(body: Uint8Array, experimentId: string, gzipped: boolean, cancel?: AbortSignal): Promise<DeliveryResult> {
    const headers = this.headers({
      // No parameters: 3.9 compares the media type as a plain string.
      'Content-Type': 'application/x-protobuf',
      'x-mlflow-experiment-id': experimentId,
      ...(gzipped ? { 'Content-Encoding': 'gzip' } : {}),
    });
    let answer: HttpAnswer;
    try {
      answer = await this.pool.send(`${this.baseUrl}/v1/traces`, { method: 'POST', headers, body, timeoutMs: this.timeoutMs, cancel });
    } catch (error) {
      const cause = describeRequestError(error);
      if (cause === 'timed out') return { outcome: 'tooSlow', reason: `MLflow did not answer POST /v1/traces within ${this.timeoutMs} ms` };
      return { outcome: 'retry', reason: `MLflow unreachable at ${this.baseUrl}: ${cause}`, outcomeUnknown: mayHaveReachedServer(cause) };
    }
    const text = await answer.body.text().catch(() => '');
    const { statusCode: status } = answer;
    if (status >= 200 && status < 300) return { outcome: 'delivered' };
    const reason = `MLflow answered ${status} to POST /v1/traces: ${text.slice(0, 500)}`;
    // MLflow sets no limit; a proxy in front of it may (nginx's client_max_body_size).
    if (status === 413) return { outcome: 'tooLarge', reason };
    if (status === GATEWAY_TIMEOUT) return { outcome: 'tooSlow', reason };
    const retryAfterMs = parseRetryAfterMs(headerOf(answer, 'retry-after'));
    if (THROTTLED_STATUS.has(status)) return { outcome: 'retry', reason, retryAfterMs, outcomeUnknown: false, status };
    if (MAYBE_STORED_STATUS.has(status)) return { outcome: 'retry', reason, retryAfterMs, outcomeUnknown: true, status };
    // 3.9's storage failure (mlflow-wire.md §1.1): other traces of the request may be committed, so the rest is
    // worth one more try after asking what MLflow has; a span MLflow can never convert is refused for good.
    if (status === 422 && !text.includes('Cannot convert')) {
      // A SQLite backend busy with other writers answers so too, as often as the load lasts: that is MLflow
      // unavailable for now (as 3.10 on say with 503), not a refusal that a second 422 would confirm.
      return { outcome: 'retry', reason, outcomeUnknown: true, status: text.includes(SQLITE_LOCKED) ? 503 : status };
    }
    return { outcome: 'failed', reason };
  }

  /**
   * The ids (hex) of the spans MLflow stored for a trace (`tr-<hex>`); empty when it has none. Span ids come back
   * base64 (mlflow-wire.md §7). Throws when MLflow cannot tell.
   */
  async storedSpanIds(traceId: string): Promise<Set<string>> {
    const query = new URLSearchParams({ trace_id: traceId, allow_partial: 'true' });
    let found: { trace?: { spans?: Array<{ span_id?: string }> } };
    try {
      // Plain JSON.parse: only the span ids are read, not the nanosecond times it rounds.
      found = await this.json('GET', `/api/3.0/mlflow/traces/get?${query.toString()}`);
    } catch (error) {
      if (error instanceof MlflowError && error.status === 404) return new Set();
      throw error;
    }
    return new Set((found.trace?.spans ?? []).flatMap((span) => (span.span_id ? [Buffer.from(span.span_id, 'base64').toString('hex')] : [])));
  }

  /** The id of the experiment with this name, creating it when missing; refused when it is deleted. */
  async ensureExperiment(name: string): Promise<string> {
    const found = await this.experimentByName(name);
    if (found) return activeExperimentId(found, 'experiment_name');
    try {
      const created = await this.json<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', { name });
      return created.experiment_id;
    } catch (error) {
      // Another instance created it between our lookup and our create.
      if (error instanceof MlflowError && error.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const raced = await this.experimentByName(name);
        if (raced) return activeExperimentId(raced, 'experiment_name');
      }
      throw error;
    }
  }

  /**
   * The experiment id, refused when MLflow has that experiment deleted. An id MLflow does not know is returned as it
   * is: MLflow refuses the spans sent there (422), and the exporter gives up on them.
   */
  async checkExperimentId(id: string): Promise<string> {
    try {
      const found = await this.json<{ experiment: MlflowExperiment }>('GET', `/api/2.0/mlflow/experiments/get?experiment_id=${encodeURIComponent(id)}`);
      return activeExperimentId(found.experiment, 'experiment_id');
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return id;
      throw error;
    }
  }

  /** The experiment with this name, deleted ones included (MLflow's lookup by name finds those too). */
  private async experimentByName(name: string): Promise<MlflowExperiment | undefined> {
    try {
      const found = await this.json<{ experiment: MlflowExperiment }>(
        'GET',
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      );
      return found.experiment;
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  /** SetTraceTagV3 (mlflow-wire.md §6); MLflow answers 400 (a failed foreign key) while the trace is not stored. */
  async setTraceTag(traceId: string, key: string, value: string): Promise<void> {
    await this.json('PATCH', `/api/3.0/mlflow/traces/${encodeURIComponent(traceId)}/tags`, { key, value });
  }

  /** Creates an assessment with the id it carries (mlflow-wire.md §5): MLflow keeps a client-supplied id. */
  async createAssessment(assessment: AssessmentBody): Promise<void> {
    await this.json('POST', `/api/3.0/mlflow/traces/${encodeURIComponent(assessment.trace_id)}/assessments`, { assessment });
  }

  /** Replaces the value, rationale and metadata of an existing assessment, keeping its id (metadata keys are merged). */
  async updateAssessment(assessment: AssessmentBody): Promise<void> {
    const { trace_id: traceId, assessment_id: id, feedback, rationale, metadata } = assessment;
    await this.json('PATCH', `/api/3.0/mlflow/traces/${encodeURIComponent(traceId)}/assessments/${encodeURIComponent(id)}`, {
      assessment: { feedback, rationale, metadata },
      update_mask: 'feedback,rationale,metadata',
    });
  }

  /** A JSON REST call; MLflow rejects POST/PATCH without `Content-Type: application/json` (mlflow-wire.md §6). */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.text(method, path, body === undefined ? undefined : JSON.stringify(body));
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A REST call's answer as text, for callers that parse it their own way; throws MlflowError unless 2xx. */
  async text(method: string, path: string, jsonBody?: string): Promise<string> {
    let answer: HttpAnswer;
    try {
      answer = await this.pool.send(`${this.baseUrl}${path}`, {
        method,
        headers: this.headers(jsonBody === undefined ? {} : { 'Content-Type': 'application/json' }),
        body: jsonBody,
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      throw new MlflowError(`MLflow unreachable at ${this.baseUrl}: ${describeRequestError(error)}`);
    }
    const text = await answer.body.text();
    const { statusCode: status } = answer;
    if (status < 200 || status >= 300) {
      let errorCode: string | undefined;
      try {
        errorCode = (JSON.parse(text) as { error_code?: string }).error_code;
      } catch {
        // not a JSON error body
      }
      // The path without its query: a search's parameters would drown the reason.
      throw new MlflowError(`MLflow answered ${status} to ${method} ${path.split('?')[0]}: ${text.slice(0, 500)}`, status, errorCode);
    }
    return text;
  }
}

function activeExperimentId(experiment: MlflowExperiment, setting: 'experiment_name' | 'experiment_id'): string {
  if (experiment.lifecycle_stage === 'deleted') throw new DeletedExperimentError(experiment, setting);
  return experiment.experiment_id;
}
