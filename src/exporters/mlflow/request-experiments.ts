/**
 * Which MLflow experiment spans go to. MLflow's own OTLP endpoint takes it from each request's
 * `x-mlflow-experiment-id` header; an app sending there keeps that header when it is pointed at tokenmeter, and the
 * receiver marks the request's resources with it (`MLFLOW_EXPERIMENT_RESOURCE_ATTRIBUTE`), so that the mark stays
 * with the spans however the pipeline regroups them. Spans of a request without it go to the configured experiment.
 */
import { MLFLOW_EXPERIMENT_RESOURCE_ATTRIBUTE } from '../../contract/attributes.js';
import { findAttribute, stringOf } from '../../otlp/index.js';
import type { ResourceSpans, TracesData } from '../../otlp/index.js';
import type { TraceFollowUp } from './trace-followups.js';

const markOf = (resourceSpans: ResourceSpans): string | undefined =>
  resourceSpans.resource === undefined ? undefined : stringOf(findAttribute(resourceSpans.resource.attributes, MLFLOW_EXPERIMENT_RESOURCE_ATTRIBUTE));

/** The entry with a copy of its resource without the mark (other exporters of the pipeline see the batch as it came). */
function unmarked(resourceSpans: ResourceSpans): ResourceSpans {
  const resource = resourceSpans.resource!;
  const attributes = resource.attributes.filter((attribute) => attribute.key !== MLFLOW_EXPERIMENT_RESOURCE_ATTRIBUTE);
  return { ...resourceSpans, resource: { ...resource, attributes, raw: undefined } };
}

/**
 * The batch's spans by the experiment their request named (undefined: the configured one), without the mark.
 * `honoured` false (`experiment_from_header`): all of them go to the configured one.
 */
export function byRequestedExperiment(data: TracesData, honoured: boolean): Map<string | undefined, TracesData> {
  if (!data.resourceSpans.some((resourceSpans) => markOf(resourceSpans) !== undefined)) return new Map([[undefined, data]]);
  const groups = new Map<string | undefined, TracesData>();
  for (const resourceSpans of data.resourceSpans) {
    const mark = markOf(resourceSpans);
    const experiment = honoured ? mark : undefined;
    let group = groups.get(experiment);
    if (group === undefined) groups.set(experiment, (group = { resourceSpans: [] }));
    group.resourceSpans.push(mark === undefined ? resourceSpans : unmarked(resourceSpans));
  }
  return groups;
}

/** What a queued batch keeps beside its spans: the experiment its request named, and the follow-ups of its roots. */
export interface QueuedExtra {
  experimentId: string | undefined;
  followUps: TraceFollowUp[];
}

/** As JSON; the follow-ups alone (as batches were queued before requests could name an experiment) without one. */
export function writeExtra({ experimentId, followUps }: QueuedExtra): string {
  return JSON.stringify(experimentId === undefined ? followUps : { experimentId, followUps });
}

export function readExtra(extra: string): QueuedExtra {
  const parsed = JSON.parse(extra) as TraceFollowUp[] | QueuedExtra;
  return Array.isArray(parsed) ? { experimentId: undefined, followUps: parsed } : parsed;
}
