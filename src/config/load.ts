import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { adminConfigSchema } from '../admin/config.js';
import type { AdminConfig } from '../admin/config.js';
import type { ComponentRegistry } from '../components.js';
import { defaultStoragePath, storageConfigSchema } from '../storage/config.js';
import { ConfigError, describeZodIssues } from './errors.js';
import { MissingEnvironmentVariableError, substituteEnvironment } from './env.js';

const componentSections = ['receivers', 'processors', 'exporters'] as const;
type ComponentKind = (typeof componentSections)[number];

const idList = z.array(z.string().min(1));

const pipelineSchema = z
  .object({
    receivers: idList.min(1),
    processors: idList.default([]),
    exporters: idList.min(1),
  })
  .strict();

const documentSchema = z
  .object({
    receivers: z.record(z.string(), z.unknown()).default({}),
    processors: z.record(z.string(), z.unknown()).default({}),
    exporters: z.record(z.string(), z.unknown()).default({}),
    admin: adminConfigSchema.prefault({}),
    storage: storageConfigSchema.prefault({}),
    service: z
      .object({
        pipelines: z.record(z.string(), pipelineSchema).refine((p) => Object.keys(p).length > 0, 'expected at least one pipeline'),
        telemetry: z
          .object({
            logs: z
              .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
              .strict()
              .prefault({}),
          })
          .strict()
          .prefault({}),
      })
      .strict(),
  })
  .strict();

export type PipelineConfig = z.output<typeof pipelineSchema>;

/** A validated configuration: each component's section parsed by its own factory's schema. */
export interface TokenmeterConfig {
  receivers: Map<string, { type: string; config: unknown }>;
  processors: Map<string, { type: string; config: unknown }>;
  exporters: Map<string, { type: string; config: unknown }>;
  pipelines: Map<string, PipelineConfig>;
  logLevel: string;
  admin: AdminConfig;
  storage: {
    mode: 'disk' | 'memory';
    path: string;
    /** False when `path` is the default: a second sidecar in the same directory then runs in memory instead of failing. */
    pathGiven: boolean;
    synchronous: 'normal' | 'full';
  };
}

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read config file ${path}: ${(error as Error).message}`]);
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) throw new ConfigError([`${path}: not valid YAML: ${error.message}`]);
    throw error;
  }
}

/** Substitutes `${ENV}` references, then validates the whole document; every problem is reported at once. */
export function validateConfig(document: unknown, registry: ComponentRegistry, env = process.env): TokenmeterConfig {
  let substituted: unknown;
  try {
    substituted = substituteEnvironment(document, env);
  } catch (error) {
    if (error instanceof MissingEnvironmentVariableError) throw new ConfigError([error.message]);
    throw error;
  }
  const parsed = documentSchema.safeParse(substituted);
  if (!parsed.success) throw new ConfigError(describeZodIssues(parsed.error, substituted));

  const problems: string[] = [];
  const sections = {} as Record<ComponentKind, Map<string, { type: string; config: unknown }>>;
  for (const kind of componentSections) {
    sections[kind] = new Map();
    for (const [id, section] of Object.entries(parsed.data[kind])) {
      const type = id.split('/', 1)[0]!;
      const factory = registry[kind][type];
      if (!factory) {
        const known = Object.keys(registry[kind]).join(', ') || 'none';
        problems.push(`${kind}.${id}: unknown ${kind.slice(0, -1)} type ${JSON.stringify(type)}, expected one of: ${known}`);
        continue;
      }
      // `otlp:` with nothing under it means "all defaults", as in the Collector.
      const input = section ?? {};
      const result = (factory.configSchema as z.ZodType).safeParse(input);
      if (result.success) sections[kind].set(id, { type, config: result.data });
      else problems.push(...describeZodIssues(result.error, input, [kind, id]));
    }
  }

  const pipelines = new Map(Object.entries(parsed.data.service.pipelines));
  const used = new Set<string>();
  for (const [name, pipeline] of pipelines) {
    for (const kind of componentSections) {
      pipeline[kind].forEach((id, index) => {
        used.add(`${kind}.${id}`);
        if (!(id in parsed.data[kind])) {
          problems.push(
            `service.pipelines.${name}.${kind}[${index}]: got ${JSON.stringify(id)}, expected one of the ${kind} defined above (${
              Object.keys(parsed.data[kind]).join(', ') || 'none defined'
            })`,
          );
        }
      });
    }
  }
  for (const id of Object.keys(parsed.data.receivers)) {
    if (!used.has(`receivers.${id}`)) problems.push(`receivers.${id}: defined but not used by any pipeline in service.pipelines`);
  }

  const { admin } = parsed.data;
  if (admin.ledger !== undefined && sections.exporters.get(admin.ledger)?.type !== 'ledger') {
    problems.push(`admin.ledger: got ${JSON.stringify(admin.ledger)}, expected the id of a ledger exporter defined in exporters`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  const { storage } = parsed.data;
  const ledgerPaths = [...sections.exporters.values()].flatMap(({ type, config }) => (type === 'ledger' ? [(config as { path: string }).path] : []));
  return {
    ...sections,
    pipelines,
    logLevel: parsed.data.service.telemetry.logs.level,
    admin,
    storage: { ...storage, path: storage.path ?? defaultStoragePath(ledgerPaths), pathGiven: storage.path !== undefined },
  };
}
