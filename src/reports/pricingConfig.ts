/**
 * The prices a report applies: the built-in catalog plus the overrides of the `costestimator` processor in a
 * tokenmeter config file (`--config`), so that a report prices exactly as the sidecar running with that file does.
 * Only that section is read and validated; the rest of the file (receivers, pipelines) does not matter here.
 */
import { describeZodIssues, ConfigError } from '../config/errors.js';
import { MissingEnvironmentVariableError, substituteEnvironment } from '../config/env.js';
import { readConfigFile } from '../config/load.js';
import { costEstimatorConfigSchema } from '../processors/costestimator/index.js';
import type { PricingInput } from './priceTrace.js';

export function loadPricingConfig(path: string | undefined): PricingInput {
  if (path === undefined) return {};
  let document: unknown;
  try {
    document = substituteEnvironment(readConfigFile(path));
  } catch (error) {
    if (error instanceof MissingEnvironmentVariableError) throw new ConfigError([error.message]);
    throw error;
  }
  const processors = (document as { processors?: Record<string, unknown> } | null)?.processors ?? {};
  const ids = Object.keys(processors).filter((id) => id.split('/', 1)[0] === 'costestimator');
  if (ids.length === 0) return {};
  if (ids.length > 1) throw new ConfigError([`processors: ${ids.join(', ')}: several costestimator processors, reports cannot tell which prices apply`]);
  const id = ids[0]!;
  const section = processors[id] ?? {};
  const parsed = costEstimatorConfigSchema.safeParse(section);
  if (!parsed.success) throw new ConfigError(describeZodIssues(parsed.error, section, ['processors', id]));
  return parsed.data.pricing;
}
