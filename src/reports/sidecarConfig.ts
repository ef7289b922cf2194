/**
 * What the reports take from a tokenmeter config file (`--config`), so that they work as the sidecar running with that
 * file does: the `costestimator` processor's prices, the MLflow exporter's feedback names and source (reprice writes
 * the same assessments), and the ledger exporter's file. Only those sections are read and validated; the rest of the
 * file (receivers, pipelines) does not matter here. Without a file, the embedded defaults `npm start` runs on apply.
 */
import { describeZodIssues, ConfigError } from '../config/errors.js';
import { MissingEnvironmentVariableError, substituteEnvironment } from '../config/env.js';
import { readConfigFile } from '../config/load.js';
import { ledgerExporterConfigSchema } from '../exporters/ledger/config.js';
import { mlflowExporterConfigSchema } from '../exporters/mlflow/config.js';
import type { FeedbackSettings } from '../exporters/mlflow/trace-followups.js';
import { costEstimatorConfigSchema } from '../processors/costestimator/index.js';
import type { PricingInput } from './priceTrace.js';

export interface SidecarSettings {
  pricing: PricingInput;
  feedback: FeedbackSettings;
  /** The ledger the config records into; undefined when it has no ledger exporter. */
  ledgerPath: string | undefined;
}

type Kind = 'processors' | 'exporters';

interface Schema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: Parameters<typeof describeZodIssues>[0] };
}

/** The one component of this type (`costestimator`, `costestimator/fast`, …) in the file, parsed; undefined if none. */
function component<T>(document: unknown, kind: Kind, type: string, schema: Schema<T>): T | undefined {
  const components = (document as Partial<Record<Kind, Record<string, unknown>>> | null)?.[kind] ?? {};
  const ids = Object.keys(components).filter((id) => id.split('/', 1)[0] === type);
  if (ids.length === 0) return undefined;
  if (ids.length > 1) throw new ConfigError([`${kind}: ${ids.join(', ')}: several ${type} components, reports cannot tell which one applies`]);
  const id = ids[0]!;
  const section = components[id] ?? {};
  const parsed = schema.safeParse(section);
  if (!parsed.success) throw new ConfigError(describeZodIssues(parsed.error, section, [kind, id]));
  return parsed.data;
}

export function loadSidecarConfig(path: string | undefined): SidecarSettings {
  if (path === undefined) {
    return { pricing: {}, feedback: mlflowExporterConfigSchema.parse({}).feedback, ledgerPath: ledgerExporterConfigSchema.parse({}).path };
  }
  let document: unknown;
  try {
    document = substituteEnvironment(readConfigFile(path));
  } catch (error) {
    if (error instanceof MissingEnvironmentVariableError) throw new ConfigError([error.message]);
    throw error;
  }
  return {
    pricing: component(document, 'processors', 'costestimator', costEstimatorConfigSchema)?.pricing ?? {},
    feedback: (component(document, 'exporters', 'mlflow', mlflowExporterConfigSchema) ?? mlflowExporterConfigSchema.parse({})).feedback,
    ledgerPath: component(document, 'exporters', 'ledger', ledgerExporterConfigSchema)?.path,
  };
}
