/**
 * Trace assembly's open traces on disk: a root held for `root_wait` and the running summary of every trace still
 * open were acknowledged to the app, so they must survive a crash. Rows are written in the transaction of the
 * request or sweep that changed them; on start they are read back and every trace is finished as it would have been.
 */
import type { Statement } from 'better-sqlite3';
import { decodeTracesProtobuf, encodeTracesProtobuf } from '../../otlp/index.js';
import type { InstrumentationScope, Resource, Span, TracesData } from '../../otlp/index.js';
import type { Store } from '../../storage/store.js';
import type { SummaryState } from './summary.js';

/** A root span with where it came from, so that it leaves with its own resource and scope. */
export interface StoredRoot {
  span: Span;
  resource: Resource | undefined;
  resourceSchemaUrl: string;
  scope: InstrumentationScope | undefined;
  scopeSchemaUrl: string;
  /** The fields of its ResourceSpans and ScopeSpans this model does not know, forwarded as they came (§7). */
  resourceUnknownFields: Uint8Array[] | undefined;
  scopeUnknownFields: Uint8Array[] | undefined;
  /** A root carrying usage or cost of its own (an LLM root) is sent once only: MLflow would add it twice. */
  resendable: boolean;
}

export interface StoredTrace {
  id: string;
  phase: 'collecting' | 'holding' | 'settling';
  deadline: number;
  rootForwarded: boolean;
  root: StoredRoot | undefined;
  summary: SummaryState;
}

interface Row {
  trace_id: string;
  phase: StoredTrace['phase'];
  deadline: number;
  root_forwarded: number;
  root: Buffer | null;
  root_resendable: number;
  summary: string;
}

export class OpenTraceStore {
  private readonly upsertState: Statement<[string, string, string, number, number, string]>;
  private readonly updateRoot: Statement<[Uint8Array, number, string, string]>;
  private readonly deleteRow: Statement<[string, string]>;
  private readonly selectAll: Statement<[string], Row>;

  constructor(
    readonly store: Store,
    /** The processor's id, `traceassembly@pipeline`: each pipeline's instance has its own traces. */
    private readonly processor: string,
  ) {
    store.db.exec(`
      CREATE TABLE IF NOT EXISTS open_traces (
        processor TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        phase TEXT NOT NULL,
        deadline INTEGER NOT NULL,
        root_forwarded INTEGER NOT NULL,
        root BLOB,
        root_resendable INTEGER NOT NULL DEFAULT 1,
        summary TEXT NOT NULL,
        PRIMARY KEY (processor, trace_id)
      )`);
    this.upsertState = store.db.prepare(`
      INSERT INTO open_traces (processor, trace_id, phase, deadline, root_forwarded, summary) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (processor, trace_id) DO UPDATE SET
        phase = excluded.phase, deadline = excluded.deadline, root_forwarded = excluded.root_forwarded, summary = excluded.summary`);
    this.updateRoot = store.db.prepare('UPDATE open_traces SET root = ?, root_resendable = ? WHERE processor = ? AND trace_id = ?');
    this.deleteRow = store.db.prepare('DELETE FROM open_traces WHERE processor = ? AND trace_id = ?');
    this.selectAll = store.db.prepare('SELECT * FROM open_traces WHERE processor = ? ORDER BY deadline');
  }

  /** The root is written only when it is new: it is the largest part of a row, and it does not change while held. */
  save(trace: Omit<StoredTrace, 'root'>, newRoot: StoredRoot | undefined): void {
    this.upsertState.run(this.processor, trace.id, trace.phase, trace.deadline, trace.rootForwarded ? 1 : 0, JSON.stringify(trace.summary));
    if (newRoot === undefined) return;
    this.updateRoot.run(encodeTracesProtobuf(rootBatch([newRoot])), newRoot.resendable ? 1 : 0, this.processor, trace.id);
  }

  delete(traceId: string): void {
    this.deleteRow.run(this.processor, traceId);
  }

  /** Every open trace, earliest deadline first. */
  loadAll(): StoredTrace[] {
    return this.selectAll.all(this.processor).map((row) => ({
      id: row.trace_id,
      phase: row.phase,
      deadline: row.deadline,
      rootForwarded: row.root_forwarded !== 0,
      root: row.root === null ? undefined : decodeRoot(row.root, row.root_resendable !== 0),
      summary: JSON.parse(row.summary) as SummaryState,
    }));
  }
}

/** Roots as a batch, each in the envelopes it came in. */
export function rootBatch(roots: readonly StoredRoot[]): TracesData {
  return {
    resourceSpans: roots.map((root) => ({
      resource: root.resource,
      schemaUrl: root.resourceSchemaUrl,
      unknownFields: root.resourceUnknownFields,
      scopeSpans: [{ scope: root.scope, schemaUrl: root.scopeSchemaUrl, unknownFields: root.scopeUnknownFields, spans: [root.span] }],
    })),
  };
}

function decodeRoot(body: Uint8Array, resendable: boolean): StoredRoot | undefined {
  const resourceSpans = decodeTracesProtobuf(body).resourceSpans[0];
  const scopeSpans = resourceSpans?.scopeSpans[0];
  const span = scopeSpans?.spans[0];
  if (resourceSpans === undefined || scopeSpans === undefined || span === undefined) return undefined;
  return {
    span,
    resource: resourceSpans.resource,
    resourceSchemaUrl: resourceSpans.schemaUrl,
    scope: scopeSpans.scope,
    scopeSchemaUrl: scopeSpans.schemaUrl,
    resourceUnknownFields: resourceSpans.unknownFields,
    scopeUnknownFields: scopeSpans.unknownFields,
    resendable,
  };
}
