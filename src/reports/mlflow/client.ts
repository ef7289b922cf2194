/**
 * The MLflow REST calls the reports make: experiment lookup, trace search, span fetch (batch, or a trace's artifact),
 * version, assessments.
 * Through the exporter's client; span fetches need a BigInt-safe parse, so they read the text.
 */
import { MlflowClient, MlflowError } from '../../exporters/mlflow/client.js';
import { parseMlflowJson } from './bigJson.js';
import type { AssessmentJson, BatchGetTracesResponse, SearchTracesResponse, TraceArtifactJson } from './wire.js';

/** MLflow's own page limit for trace search. */
export const SEARCH_PAGE_SIZE = 500;

export interface MlflowConnection {
  trackingUri: string;
  timeoutMs: number;
  headers: Record<string, string>;
}

export class ReportsMlflowClient {
  private readonly rest: MlflowClient;

  constructor(connection: MlflowConnection) {
    this.rest = new MlflowClient(connection.trackingUri, connection.timeoutMs, connection.headers);
  }

  get trackingUri(): string {
    return this.rest.trackingUri;
  }

  /** A numeric id is taken as it is; anything else is an experiment name, which must exist (reports create nothing). */
  async resolveExperimentId(idOrName: string): Promise<string> {
    if (/^\d+$/.test(idOrName)) return idOrName;
    try {
      const found = await this.rest.json<{ experiment: { experiment_id: string } }>(
        'GET',
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(idOrName)}`,
      );
      return found.experiment.experiment_id;
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
        throw new MlflowError(`no MLflow experiment named ${JSON.stringify(idOrName)} at ${this.trackingUri}`, 404, error.errorCode);
      }
      throw error;
    }
  }

  async searchTraces(experimentId: string, filter: string, pageToken: string | undefined): Promise<SearchTracesResponse> {
    return await this.rest.json<SearchTracesResponse>('POST', '/api/3.0/mlflow/traces/search', {
      locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
      filter,
      max_results: SEARCH_PAGE_SIZE,
      order_by: ['timestamp_ms ASC'],
      ...(pageToken === undefined ? {} : { page_token: pageToken }),
    });
  }

  /** Traces with their spans; ids as stored (quoted ids included), at most a handful per call like MLflow's client. */
  async batchGetTraces(storedIds: readonly string[]): Promise<BatchGetTracesResponse> {
    const query = new URLSearchParams(storedIds.map((id): [string, string] => ['trace_ids', id]));
    const path = `/api/3.0/mlflow/traces/batchGet?${query.toString()}`;
    const text = await this.rest.text('GET', path);
    return parseMlflowJson<BatchGetTracesResponse>(text);
  }

  /**
   * The spans of a trace kept as its `traces.json` artifact. MLflow's Python client downloads that file through its
   * artifact repository; the tracking server's own endpoint for it (served under `/ajax-api` only, for its UI) reads it
   * server-side from whatever store holds it, so tokenmeter needs no S3/GCS/Azure access of its own.
   */
  async getTraceArtifact(storedId: string): Promise<TraceArtifactJson> {
    const text = await this.rest.text('GET', `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${encodeURIComponent(storedId)}`);
    return parseMlflowJson<TraceArtifactJson>(text);
  }

  /** The server's version string, e.g. `3.9.0`. */
  async version(): Promise<string> {
    return (await this.rest.text('GET', '/version')).trim();
  }

  /** MLflow assigns the id, the times and `valid` when they are left out. */
  async createAssessment(assessment: Omit<AssessmentJson, 'assessment_id' | 'valid' | 'create_time'> & { assessment_id?: string }): Promise<AssessmentJson> {
    const path = `/api/3.0/mlflow/traces/${encodeURIComponent(assessment.trace_id ?? '')}/assessments`;
    return (await this.rest.json<{ assessment: AssessmentJson }>('POST', path, { assessment })).assessment;
  }
}
