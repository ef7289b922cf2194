import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { capturedLogger, WARN } from '../../test/fixtures/captured-logs.js';
import { WalCheckpoints } from './wal-checkpoints.js';

const opened: Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

/** A database in WAL mode, as the store and the ledger open theirs. */
function walDatabase(): Database {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-wal-')), 'state.db');
  const db = new BetterSqlite3(file);
  opened.push(db);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE pages (data BLOB NOT NULL)');
  return db;
}

const autoCheckpointPages = (db: Database) => db.pragma('wal_autocheckpoint', { simple: true }) as number;
const PAGE_BYTES = 4096;

/** `pages` rows of a page each, one transaction per hundred, as batches arrive. */
function writePages(db: Database, pages: number): void {
  const insert = db.prepare('INSERT INTO pages (data) VALUES (?)');
  const batch = db.transaction((count: number) => {
    for (let row = 0; row < count; row++) insert.run(Buffer.alloc(PAGE_BYTES, row));
  });
  for (let done = 0; done < pages; done += 100) batch(100);
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('WAL checkpoints on a worker thread', () => {
  it('copy the WAL into the database file while the writer only appends to it', async () => {
    const db = walDatabase();
    const checkpoints = WalCheckpoints.start(db, capturedLogger().logger, 20)!;
    // The writer would checkpoint on its own only past 10,000 pages: the 3,000 written here stay in the WAL unless
    // the worker copies them (SQLite's default, 1,000, would have the writer do it three times).
    expect(autoCheckpointPages(db)).toBe(10_000);
    writePages(db, 3_000);
    await waitFor(() => statSync(db.name).size >= 3_000 * PAGE_BYTES);
    // Copied in full: a checkpoint now finds every frame of the WAL already in the database file.
    const [progress] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    expect(progress!.checkpointed).toBe(progress!.log);
    await checkpoints.stop();
    expect(autoCheckpointPages(db)).toBe(1_000);
  });

  it('give the checkpoints back to the writer, with a warning, when the worker cannot run', async () => {
    const db = walDatabase();
    // The file is gone (the writer keeps it open): the worker cannot open its own connection.
    rmSync(db.name);
    const { logger, lines } = capturedLogger();
    const checkpoints = WalCheckpoints.start(db, logger, 20)!;
    await checkpoints.stop();
    expect(autoCheckpointPages(db)).toBe(1_000);
    expect(lines.find((line) => line.level === WARN)?.msg).toMatch(/checkpoint worker failed/);
    // The writer works on, checkpointing on its own.
    writePages(db, 200);
    expect(db.prepare('SELECT count(*) AS rows FROM pages').get()).toEqual({ rows: 200 });
  });

  it('are not started for a database in memory, which has no WAL', () => {
    const db = new BetterSqlite3(':memory:');
    opened.push(db);
    expect(WalCheckpoints.start(db, capturedLogger().logger)).toBeUndefined();
  });
});
