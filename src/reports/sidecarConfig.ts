/**
 * What the reports take from a tokenmeter config file (`--config`), so that they work as the sidecar running with that
 * file does: the `costestimator` processor's prices, the MLflow exporter's feedback names and source (reprice writes
 * the same assessments), the ledger exporter's file, and where the admin listener is (`status` checks it). Only those
 * sections are read and validated; the rest of the file (receivers, pipelines) does not matter here. Without a file,
 * the embedded defaults `npm start` runs on apply.
 */
import type { z } from 'zod';
import { adminConfigSchema } from '../admin/config.js';
import { ConfigError } from '../config/errors.js';
import { substituteReferences } from '../config/env.js';
import type { Substitution } from '../config/env.js';
import { readConfigFile } from '../config/load.js';
import { parseSubstituted } from '../config/parse.js';
import { ledgerExporterConfigSchema } from '../exporters/ledger/config.js';
import { feedbackConfigSchema, mlflowExporterConfigSchema } from '../exporters/mlflow/config.js';
import type { FeedbackSettings } from '../exporters/mlflow/trace-followups.js';
import { costEstimatorConfigSchema } from '../processors/costestimator/index.js';
import type { PricingInput } from './priceTrace.js';

export interface SidecarSettings {
  pricing: PricingInput;
  feedback: FeedbackSettings;
  /** The ledger the config records into; undefined when it has no ledger exporter. */
  ledgerPath: string | undefined;
  /** The URL of the file's admin listener (`admin.endpoint`); undefined without a file. */
  adminUrl: string | undefined;
}

type Kind = 'processors' | 'exporters';

/**
 * The one component of this type (`costestimator`, `costestimator/fast`, …) in the file, parsed as the sidecar parses
 * it; undefined if none.
 */
function component<T>(substitution: Substitution, kind: Kind, type: string, schema: z.ZodType<T>): T | undefined {
  const components = (substitution.value as Partial<Record<Kind, Record<string, unknown>>> | null)?.[kind] ?? {};
  const ids = Object.keys(components).filter((id) => id.split('/', 1)[0] === type);
  if (ids.length === 0) return undefined;
  if (ids.length > 1) throw new ConfigError([`${kind}: ${ids.join(', ')}: several ${type} components, reports cannot tell which one applies`]);
  const id = ids[0]!;
  const section = components[id] ?? {};
  const parsed = parseSubstituted(schema, section, [kind, id], substitution);
  if (!parsed.success) throw new ConfigError(parsed.problems);
  return parsed.data;
}

/** Where a client reaches the listener of `admin.endpoint`: one listening on every address is reached on loopback. */
function adminUrl(substitution: Substitution): string {
  const section = (substitution.value as { admin?: unknown } | null)?.admin ?? {};
  const parsed = parseSubstituted(adminConfigSchema, section, ['admin'], substitution);
  if (!parsed.success) throw new ConfigError(parsed.problems);
  const { host, port } = parsed.data.endpoint;
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export function loadSidecarConfig(path: string | undefined): SidecarSettings {
  // The feedback defaults alone: where MLflow is (a variable the report may not need) is not checked here.
  const defaultFeedback = () => feedbackConfigSchema.parse(undefined);
  if (path === undefined) return { pricing: {}, feedback: defaultFeedback(), ledgerPath: ledgerExporterConfigSchema.parse({}).path, adminUrl: undefined };
  const substitution = substituteReferences(readConfigFile(path));
  if (substitution.missing.size > 0) throw new ConfigError([...substitution.missing.values()].flat());
  return {
    pricing: component(substitution, 'processors', 'costestimator', costEstimatorConfigSchema)?.pricing ?? {},
    feedback: component(substitution, 'exporters', 'mlflow', mlflowExporterConfigSchema)?.feedback ?? defaultFeedback(),
    ledgerPath: component(substitution, 'exporters', 'ledger', ledgerExporterConfigSchema)?.path,
    adminUrl: adminUrl(substitution),
  };
}
