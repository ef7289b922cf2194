/**
 * The ledger's schema as an ordered list of migrations. `PRAGMA user_version` records how many have run, so an
 * older database file is brought forward on open and a newer one (written by a later tokenmeter) is refused
 * rather than misread.
 * The list is exported for the test that upgrades a file written by an older version.
 */
import type { Database } from 'better-sqlite3';

export const migrations: readonly string[] = [
  `
  CREATE TABLE llm_calls (
    span_id            TEXT PRIMARY KEY,
    trace_id           TEXT NOT NULL,
    service            TEXT,
    workflow           TEXT,
    node               TEXT,
    model              TEXT,
    provider           TEXT,
    status             TEXT NOT NULL,
    unpriced_reason    TEXT,
    input_tokens       INTEGER NOT NULL,
    output_tokens      INTEGER NOT NULL,
    cache_read_tokens  INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens   INTEGER NOT NULL,
    cost_usd           REAL,
    input_usd          REAL,
    cache_read_usd     REAL,
    cache_write_usd    REAL,
    output_usd         REAL,
    reasoning_usd      REAL,
    reported_cost_usd  REAL,
    start_ms           INTEGER NOT NULL,
    end_ms             INTEGER NOT NULL,
    recorded_ms        INTEGER NOT NULL
  );
  CREATE INDEX llm_calls_by_trace ON llm_calls (trace_id);
  CREATE INDEX llm_calls_by_recorded ON llm_calls (recorded_ms);

  CREATE TABLE traces (
    trace_id           TEXT PRIMARY KEY,
    service            TEXT,
    workflow           TEXT,
    status             TEXT NOT NULL,
    source             TEXT NOT NULL,
    calls              INTEGER NOT NULL,
    unpriced_calls     INTEGER NOT NULL,
    input_tokens       INTEGER NOT NULL,
    output_tokens      INTEGER NOT NULL,
    cache_read_tokens  INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens   INTEGER NOT NULL,
    cost_usd           REAL NOT NULL,
    models             TEXT NOT NULL,
    bottleneck_node    TEXT,
    bottleneck_share   REAL,
    start_ms           INTEGER NOT NULL,
    end_ms             INTEGER NOT NULL,
    recorded_ms        INTEGER NOT NULL
  );
  CREATE INDEX traces_by_recorded ON traces (recorded_ms);

  CREATE TABLE live_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT NOT NULL,
    data        TEXT NOT NULL,
    recorded_ms INTEGER NOT NULL
  );
  CREATE INDEX live_events_by_recorded ON live_events (recorded_ms);
  `,
  // Reports list a window by when calls and traces started (the app's clock, as MLflow's trace search does).
  `
  CREATE INDEX llm_calls_by_start ON llm_calls (start_ms);
  CREATE INDEX traces_by_start ON traces (start_ms);
  `,
  // A call is its span within its trace: span ids are unique only within a trace (OTel), and keyed alone, a call whose
  // span id an earlier call of another trace had was taken for a retry and never recorded. SQLite cannot change a
  // primary key in place: the table is rebuilt with the rows as they are. The trace index is the key's prefix now.
  `
  CREATE TABLE llm_calls_by_span_in_trace (
    span_id            TEXT NOT NULL,
    trace_id           TEXT NOT NULL,
    service            TEXT,
    workflow           TEXT,
    node               TEXT,
    model              TEXT,
    provider           TEXT,
    status             TEXT NOT NULL,
    unpriced_reason    TEXT,
    input_tokens       INTEGER NOT NULL,
    output_tokens      INTEGER NOT NULL,
    cache_read_tokens  INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens   INTEGER NOT NULL,
    cost_usd           REAL,
    input_usd          REAL,
    cache_read_usd     REAL,
    cache_write_usd    REAL,
    output_usd         REAL,
    reasoning_usd      REAL,
    reported_cost_usd  REAL,
    start_ms           INTEGER NOT NULL,
    end_ms             INTEGER NOT NULL,
    recorded_ms        INTEGER NOT NULL,
    PRIMARY KEY (trace_id, span_id)
  );
  INSERT INTO llm_calls_by_span_in_trace SELECT * FROM llm_calls;
  DROP TABLE llm_calls;
  ALTER TABLE llm_calls_by_span_in_trace RENAME TO llm_calls;
  CREATE INDEX llm_calls_by_recorded ON llm_calls (recorded_ms);
  CREATE INDEX llm_calls_by_start ON llm_calls (start_ms);
  `,
  // A live event points at the row it announces (the call's trace and span, the trace's id) instead of holding a JSON
  // copy of it: the copy (~510 bytes a call) was larger than the row, and writing it a tenth of the ledger's time. Columns
  // are added, not the table rebuilt, so that event ids go on from where they were (a client resumes from one): the
  // events written before keep their copy in `data`; those written since have it empty.
  `
  ALTER TABLE live_events ADD COLUMN trace_id TEXT;
  ALTER TABLE live_events ADD COLUMN span_id TEXT;
  `,
  // When `tokenmeter reprice --write` last gave the trace's calls new prices: from then on the trace's cost is the sum
  // of its call rows, not the one a root re-sent after a late child carries (priced in flight, the reprice undone).
  `
  ALTER TABLE traces ADD COLUMN repriced_ms INTEGER;
  `,
];

export const SCHEMA_VERSION = migrations.length;

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`the ledger ${db.name} has schema version ${current}, newer than this tokenmeter knows (${SCHEMA_VERSION})`);
  }
  db.transaction(() => {
    for (const migration of migrations.slice(current)) db.exec(migration);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
