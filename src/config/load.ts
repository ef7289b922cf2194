import { readFileSync } from 'node:fs';
import { parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { adminConfigSchema } from '../admin/config.js';
import type { AdminConfig } from '../admin/config.js';
import type { ComponentRegistry } from '../components.js';
import { defaultStoragePath, storageConfigSchema } from '../storage/config.js';
import { ConfigError, describeZodIssues } from './errors.js';
import { QuotedReference, substituteReferences } from './env.js';
import { parseSubstituted } from './parse.js';

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

const pipelinesSchema = z.record(z.string(), pipelineSchema).refine((p) => Object.keys(p).length > 0, 'expected at least one pipeline');

const logLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);


const documentSchema = z
  .object({
    receivers: z.record(z.string(), z.unknown()).default({}),
    processors: z.record(z.string(), z.unknown()).default({}),
    exporters: z.record(z.string(), z.unknown()).default({}),
    admin: adminConfigSchema.prefault({}),
    storage: storageConfigSchema.prefault({}),
    service: z
      .object({
        pipelines: pipelinesSchema,
        telemetry: z
          .object({
            logs: z
              .object({ level: logLevelSchema.default('info') })
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
  const document = parseDocument(text);
  const [syntaxError] = document.errors;
  if (syntaxError) throw new ConfigError([`${path}: not valid YAML: ${syntaxError.message}`]);
  // Only the parsed document still knows which scalars were quoted: YAML makes those strings, whatever they hold.
  visit(document, {
    Scalar(key, node) {
      if (key !== 'key' && node.type !== 'PLAIN' && typeof node.value === 'string' && QuotedReference.isWhole(node.value)) {
        node.value = new QuotedReference(node.value);
      }
    },
  });
  return document.toJS() ?? {};
}

/** Substitutes `${ENV}` references, then validates the whole document; every problem is reported at once. */
export function validateConfig(document: unknown, registry: ComponentRegistry, env = process.env): TokenmeterConfig {
  const substitution = substituteReferences(document, env);
  const problems = [...substitution.missing.values()].flat();
  const parse = <T>(schema: z.ZodType<T>, input: unknown, prefix: string[]): T | undefined => {
    const result = parseSubstituted(schema, input, prefix, substitution);
    if (!result.success) problems.push(...result.problems);
    return result.data;
  };

  const root = parse(documentSchema, substitution.value, []);
  // A problem in one part of the document must not hide those of the others: the parts the checks below need are
  // read on their own, whatever the rest holds.
  const part = <Key extends keyof typeof documentSchema.shape>(key: Key) => {
    const value = isRecord(substitution.value) ? substitution.value[key] : undefined;
    return documentSchema.shape[key].safeParse(value).data as z.output<(typeof documentSchema.shape)[Key]> | undefined;
  };

  const defined = Object.fromEntries(componentSections.map((kind) => [kind, part(kind) ?? {}])) as Record<ComponentKind, Record<string, unknown>>;
  const sections = {} as Record<ComponentKind, Map<string, { type: string; config: unknown }>>;
  for (const kind of componentSections) {
    sections[kind] = new Map();
    for (const [id, section] of Object.entries(defined[kind])) {
      const type = typeOf(id);
      const factory = registry[kind][type];
      if (!factory) {
        const known = Object.keys(registry[kind]).join(', ') || 'none';
        problems.push(`${kind}.${id}: unknown ${kind.slice(0, -1)} type ${JSON.stringify(type)}, expected one of: ${known}`);
        continue;
      }
      // `otlp:` with nothing under it means "all defaults", as in the Collector.
      const config = parse(factory.configSchema as z.ZodType, section ?? {}, [kind, id]);
      if (config !== undefined) sections[kind].set(id, { type, config });
    }
  }

  // Read on their own: a problem elsewhere under service (a log level) must not hide theirs, nor make every receiver
  // and ledger look unused.
  const serviceSection = isRecord(substitution.value) ? substitution.value.service : undefined;
  const pipelinesRead = pipelinesSchema.safeParse(isRecord(serviceSection) ? serviceSection.pipelines : undefined).data;
  const pipelines = new Map(Object.entries(pipelinesRead ?? {}));
  const used = new Set<string>();
  for (const [name, pipeline] of pipelines) {
    for (const kind of componentSections) {
      pipeline[kind].forEach((id, index) => {
        used.add(`${kind}.${id}`);
        if (pipeline[kind].indexOf(id) < index) {
          // The Collector refuses this too: each listed exporter would get (and send) every span twice.
          problems.push(`service.pipelines.${name}.${kind}[${index}]: ${JSON.stringify(id)} is listed more than once`);
        } else if (!(id in defined[kind])) {
          problems.push(
            `service.pipelines.${name}.${kind}[${index}]: got ${JSON.stringify(id)}, expected one of the ${kind} defined above (${
              Object.keys(defined[kind]).join(', ') || 'none defined'
            })`,
          );
        }
      });
    }
    problems.push(...processorOrderProblems(name, pipeline.processors));
  }
  const usedByPipelines = (kind: ComponentKind, id: string) => pipelinesRead === undefined || used.has(`${kind}.${id}`);
  for (const id of Object.keys(defined.receivers)) {
    if (!usedByPipelines('receivers', id)) problems.push(`receivers.${id}: defined but not used by any pipeline in service.pipelines`);
  }

  // Only the ledgers of a pipeline are built: the page and /v1/summary would wait for any other one forever (503).
  const ledgerId = part('admin')?.ledger;
  const usedLedgers = Object.keys(defined.exporters).filter((id) => typeOf(id) === 'ledger' && usedByPipelines('exporters', id));
  if (ledgerId !== undefined && !usedLedgers.includes(ledgerId)) {
    problems.push(
      `admin.ledger: got ${JSON.stringify(ledgerId)}, expected the id of a ledger exporter that a pipeline in service.pipelines uses (${
        usedLedgers.join(', ') || 'none is used'
      })`,
    );
  }

  // The variable overrides the file; empty is unset, as for every variable tokenmeter reads.
  const levelOverride = env.TOKENMETER_LOG_LEVEL || undefined;
  // Named as the key it stands for, as every variable is, and the variable with it: the file does not show the value.
  const levelChecked = levelOverride === undefined ? undefined : logLevelSchema.safeParse(levelOverride);
  if (levelChecked?.success === false) {
    problems.push(...describeZodIssues(levelChecked.error, levelOverride, ['service', 'telemetry', 'logs', 'level']).map((problem) => `${problem} (from TOKENMETER_LOG_LEVEL)`));
  }
  const logLevel = levelChecked?.data;

  if (problems.length > 0 || root === undefined) throw new ConfigError(problems);
  const { storage, admin, service } = root;
  const ledgerPaths = [...sections.exporters.values()].flatMap(({ type, config }) => (type === 'ledger' ? [(config as { path: string }).path] : []));
  return {
    ...sections,
    pipelines,
    logLevel: logLevel ?? service.telemetry.logs.level,
    admin,
    storage: { ...storage, path: storage.path ?? defaultStoragePath(ledgerPaths), pathGiven: storage.path !== undefined },
  };
}

/** A component id is `type` or `type/name`, as in the Collector. */
function typeOf(id: string): string {
  return id.split('/', 1)[0]!;
}

/**
 * Trace assembly sums the costs the CostEstimator writes onto the spans: listed before it, it finds none, and the
 * trace totals, the ledger's trace rows and the workflow metrics are all 0. That is the one order the processors
 * depend on: the memory limiter refuses a request before it enters any pipeline (the service asks it up front),
 * wherever it is listed, so the Collector's advice to list it first is followed in the examples but not required.
 */
function processorOrderProblems(pipeline: string, processors: readonly string[]): string[] {
  const problems: string[] = [];
  processors.forEach((assembly, assemblyIndex) => {
    if (typeOf(assembly) !== 'traceassembly') return;
    processors.forEach((estimator, estimatorIndex) => {
      if (typeOf(estimator) !== 'costestimator' || estimatorIndex < assemblyIndex) return;
      problems.push(
        `service.pipelines.${pipeline}.processors: got ${JSON.stringify(assembly)} at [${assemblyIndex}] before ${JSON.stringify(estimator)} at [${estimatorIndex}], ` +
          `expected ${JSON.stringify(estimator)} before ${JSON.stringify(assembly)} (trace assembly sums the costs the CostEstimator writes onto the spans)`,
      );
    });
  });
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
