import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireFileLock, StorageInUseError } from './file-lock.js';
import { Store } from './store.js';

const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) if (store.db.open) store.close();
});

const scratchFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-store-')), 'state.db');

function openDisk(file: string, synchronous: 'normal' | 'full' = 'normal'): Store {
  const store = Store.open({ mode: 'disk', path: file, synchronous });
  opened.push(store);
  store.db.exec('CREATE TABLE IF NOT EXISTS rows (value TEXT NOT NULL)');
  return store;
}

const rows = (store: Store) => store.db.prepare<[], { value: string }>('SELECT value FROM rows ORDER BY rowid').all().map((row) => row.value);
const insert = (store: Store, value: string) => store.db.prepare('INSERT INTO rows (value) VALUES (?)').run(value);
/** Lets other tasks run, as a component's awaits inside a transaction do. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Store transactions', () => {
  it('run one at a time even when their work awaits: no transaction sees or interleaves with another', async () => {
    const store = openDisk(scratchFile());
    const events: string[] = [];
    const work = (name: string) => async () => {
      events.push(`${name} begins`);
      insert(store, `${name}-1`);
      await yieldToOthers();
      insert(store, `${name}-2`);
      events.push(`${name} ends`);
    };
    await Promise.all([store.transaction(work('a')), store.transaction(work('b')), store.transaction(work('c'))]);
    expect(events).toEqual(['a begins', 'a ends', 'b begins', 'b ends', 'c begins', 'c ends']);
    expect(rows(store)).toEqual(['a-1', 'a-2', 'b-1', 'b-2', 'c-1', 'c-2']);
  });

  it('roll back everything a failed one wrote, skip its after-commit hooks, and let the next one run', async () => {
    const store = openDisk(scratchFile());
    const hooks: string[] = [];
    await expect(
      store.transaction(async () => {
        insert(store, 'lost');
        store.afterCommit(() => hooks.push('failed'));
        await yieldToOthers();
        throw new Error('the queue is full');
      }),
    ).rejects.toThrow('the queue is full');
    await store.transaction(() => {
      insert(store, 'kept');
      store.afterCommit(() => hooks.push('committed'));
      expect(hooks).toEqual([]); // not before the commit
    });
    expect(rows(store)).toEqual(['kept']);
    expect(hooks).toEqual(['committed']);
  });

  it('run a nested call inside the outer transaction (no deadlock), rolled back with it', async () => {
    const store = openDisk(scratchFile());
    await expect(
      store.transaction(async () => {
        await store.transaction(() => insert(store, 'inner'));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(rows(store)).toEqual([]);
  });

  it('on disk, keep what was committed across a close and reopen (synchronous full too)', async () => {
    const file = scratchFile();
    const first = openDisk(file, 'full');
    await first.transaction(() => insert(first, 'durable'));
    first.close();
    expect(rows(openDisk(file))).toEqual(['durable']);
  });
});

describe('Store modes', () => {
  it('memory: same transactions, nothing on disk, no lock, not durable', async () => {
    const cwdFiles = scratchFile();
    const store = Store.open({ mode: 'memory', path: cwdFiles, synchronous: 'normal' });
    opened.push(store);
    expect(store.durable).toBe(false);
    expect(store.location).toBe(':memory:');
    store.db.exec('CREATE TABLE rows (value TEXT NOT NULL)');
    await expect(store.transaction(() => { insert(store, 'x'); throw new Error('no'); })).rejects.toThrow('no');
    await store.transaction(() => insert(store, 'y'));
    expect(rows(store)).toEqual(['y']);
    expect(existsSync(cwdFiles)).toBe(false);
    expect(existsSync(`${cwdFiles}.lock`)).toBe(false);
  });

  it('disk: WAL journal and the synchronous level asked for', () => {
    const normal = openDisk(scratchFile(), 'normal');
    const full = openDisk(scratchFile(), 'full');
    expect(normal.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(normal.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(full.db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('disk: gives back to the file system what a drained backlog left free, in steps, keeping a little', async () => {
    const file = scratchFile();
    const store = openDisk(file);
    // A backlog of ~20 MiB, then drained.
    const blob = 'x'.repeat(4000);
    await store.transaction(() => {
      for (let i = 0; i < 5000; i++) insert(store, `${i}${blob}`);
    });
    await store.transaction(() => store.db.exec('DELETE FROM rows'));
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const sizeDrained = statSync(file).size;
    expect(store.db.pragma('freelist_count', { simple: true })).toBeGreaterThan(4000);
    expect(await store.releaseFreePages(2000)).toBe(2000);
    let released = 0;
    for (let step = await store.releaseFreePages(2000); step > 0; step = await store.releaseFreePages(2000)) released += step;
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(released).toBeGreaterThan(0);
    expect(store.db.pragma('freelist_count', { simple: true })).toBeLessThanOrEqual(1024);
    expect(statSync(file).size).toBeLessThan(sizeDrained - 10 * 1024 * 1024);
    // In memory, nothing to give back.
    expect(await Store.memory().releaseFreePages()).toBe(0);
  });
});

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const storeModule = pathToFileURL(path.resolve(import.meta.dirname, 'store.ts')).href;

describe('the storage lock', () => {
  it('refuses a second process while the first holds the storage, and is free again once it stopped', async () => {
    const file = scratchFile();
    // Another tokenmeter: opens the store, says so, and holds it until its stdin closes.
    const holder = spawn(
      process.execPath,
      [
        '--import', tsxLoader, '--input-type=module', '-e',
        `const { Store } = await import(${JSON.stringify(storeModule)});
         const store = Store.open({ mode: 'disk', path: ${JSON.stringify(file)}, synchronous: 'normal' });
         console.log('holding');
         process.stdin.resume();
         process.stdin.on('end', () => { store.close(); process.exit(0); });`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));

    let refusal: unknown;
    try {
      Store.open({ mode: 'disk', path: file, synchronous: 'normal' });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StorageInUseError);
    expect((refusal as StorageInUseError).pid).toBe(holder.pid);
    expect((refusal as Error).message).toContain(`pid ${holder.pid}`);

    holder.stdin.end();
    await exited;
    expect(existsSync(`${file}.lock`)).toBe(false);
    openDisk(file);
  });

  it('takes over a stale lock left by a process that was killed', () => {
    const file = `${scratchFile()}.lock`;
    // A pid that surely runs no more: a child that has exited.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(file, String(gone));
    const lock = acquireFileLock(file);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(existsSync(file)).toBe(false);
  });
});
