import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterTable, SendingQueueTable } from './sending-queue.js';
import { Store } from './store.js';

const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) if (store.db.open) store.close();
});

function openDisk(): Store {
  const store = Store.open({ mode: 'disk', path: path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-queue-')), 'state.db'), synchronous: 'normal' });
  opened.push(store);
  return store;
}

/** A batch body of `bytes` bytes that does not compress into a few pages. */
function body(bytes: number, seed: number): Uint8Array {
  const data = new Uint8Array(bytes);
  let state = seed;
  for (let i = 0; i < bytes; i++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    data[i] = state >>> 24;
  }
  return data;
}

describe('sending queue table', () => {
  it('records an attempt without writing the batch to the disk again', () => {
    const store = openDisk();
    const queue = new SendingQueueTable(store.db, 'mlflow');
    const batch = queue.add({ body: body(1024 * 1024, 1), spans: 500, extra: '[]' }, 1_000);
    store.db.pragma('wal_checkpoint(TRUNCATE)');

    batch.attempts = 1;
    batch.firstAttemptAt = 2_000;
    batch.outcomeUnknown = true;
    queue.saveAttempt(batch);

    // What the update appended to the write-ahead log: a few pages, not the megabyte body.
    expect(statSync(`${store.location}-wal`).size).toBeLessThan(64 * 1024);
    expect(queue.batchesAfter(0)).toEqual([{ ...batch, bytes: 1024 * 1024 }]);
    expect(queue.contentOf(batch.id)?.body).toEqual(Buffer.from(body(1024 * 1024, 1)));
  });

  it('removes a delivered batch with its content, and moves a failed one to the dead letters whole', () => {
    const store = Store.memory();
    opened.push(store);
    const queue = new SendingQueueTable(store.db, 'otlphttp/tempo');
    const delivered = queue.add({ body: body(100, 2), spans: 3, extra: '["a"]' }, 1_000);
    const failed = queue.add({ body: body(200, 3), spans: 4, extra: '["b"]' }, 1_001);

    queue.remove(delivered.id);
    queue.moveToDeadLetters(failed.id, 'refused for good', 5_000);

    expect(queue.batchesAfter(0)).toEqual([]);
    expect(store.db.prepare('SELECT count(*) AS n FROM sending_queue_contents').get()).toEqual({ n: 0 });
    const [letter] = new DeadLetterTable(store.db).list();
    expect(letter).toMatchObject({ exporter: 'otlphttp/tempo', spans: 4, bytes: 200, reason: 'refused for good', enqueuedAt: 1_001, failedAt: 5_000 });

    // Replayed: back in the queue with its body and extra, to be checked first.
    expect(new DeadLetterTable(store.db).replay([letter!.id], 6_000)).toEqual([letter!.id]);
    const [requeued] = queue.batchesAfter(0);
    expect(requeued).toMatchObject({ spans: 4, bytes: 200, enqueuedAt: 6_000, attempts: 0, outcomeUnknown: true });
    expect(queue.contentOf(requeued!.id)).toEqual({ body: Buffer.from(body(200, 3)), extra: '["b"]' });
  });

  it('replaces a batch by its parts, which keep its arrival, the start of its retrying and its uncertainty', () => {
    const store = Store.memory();
    opened.push(store);
    const queue = new SendingQueueTable(store.db, 'mlflow');
    const whole = queue.add({ body: body(300, 4), spans: 5, extra: '["root"]' }, 1_000);
    const later = queue.add({ body: body(10, 5), spans: 1, extra: '[]' }, 1_500);
    whole.attempts = 2;
    whole.firstAttemptAt = 2_000;
    whole.outcomeUnknown = true;
    queue.saveAttempt(whole);

    const parts = queue.replace(whole, [
      { body: body(180, 6), spans: 3, extra: '[]' },
      { body: body(120, 7), spans: 2, extra: '["root"]' },
    ]);

    const expected = { enqueuedAt: 1_000, attempts: 0, firstAttemptAt: 2_000, outcomeUnknown: true };
    expect(parts).toMatchObject([
      { spans: 3, bytes: 180, ...expected },
      { spans: 2, bytes: 120, ...expected },
    ]);
    expect(queue.batchesAfter(0)).toEqual([later, ...parts]);
    expect(queue.contentOf(whole.id)).toBeUndefined();
    expect(queue.contentOf(parts[1]!.id)).toEqual({ body: Buffer.from(body(120, 7)), extra: '["root"]' });
  });

  it('brings a queue an earlier tokenmeter wrote (body inside the queue row) forward, every batch kept', () => {
    const store = openDisk();
    // The earlier layout, as tokenmeter 0.1.0 created it.
    store.db.exec(`
      CREATE TABLE sending_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT, exporter TEXT NOT NULL, body BLOB NOT NULL, spans INTEGER NOT NULL,
        bytes INTEGER NOT NULL, extra TEXT NOT NULL, enqueued_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        first_attempt_at INTEGER, outcome_unknown INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX sending_queue_by_exporter ON sending_queue (exporter, id);
    `);
    const insertOld = store.db.prepare(
      'INSERT INTO sending_queue (exporter, body, spans, bytes, extra, enqueued_at, attempts, first_attempt_at, outcome_unknown) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insertOld.run('mlflow', body(5000, 4), 9, 5000, '[{"traceId":"t1"}]', 1_000, 2, 1_500, 1);
    insertOld.run('otlphttp', body(300, 5), 1, 300, '', 1_100, 0, null, 0);

    const queue = new SendingQueueTable(store.db, 'mlflow');
    expect(queue.batchesAfter(0)).toEqual([{ id: 1, spans: 9, bytes: 5000, enqueuedAt: 1_000, attempts: 2, firstAttemptAt: 1_500, outcomeUnknown: true }]);
    expect(queue.contentOf(1)).toEqual({ body: Buffer.from(body(5000, 4)), extra: '[{"traceId":"t1"}]' });
    expect(new SendingQueueTable(store.db, 'otlphttp').contentOf(2)).toEqual({ body: Buffer.from(body(300, 5)), extra: '' });

    // New batches go on after the old ones, in the current layout.
    const next = queue.add({ body: body(10, 6), spans: 1, extra: '[]' }, 2_000);
    expect(next.id).toBe(3);
    expect(queue.batchesAfter(1).map((batch) => batch.id)).toEqual([3]);
    // Opening again (a restart) finds the current layout and changes nothing.
    expect(new SendingQueueTable(store.db, 'mlflow').batchesAfter(0).map((batch) => batch.id)).toEqual([1, 3]);
  });
});

describe('the queue\'s periodic upkeep', () => {
  it('sums the dead letters\' size from an index, not by reading past every row\'s body', () => {
    const store = openDisk();
    new SendingQueueTable(store.db, 'mlflow');
    const plan = store.db.prepare('EXPLAIN QUERY PLAN SELECT COALESCE(SUM(bytes), 0) AS bytes FROM dead_letters WHERE exporter = ?').all('mlflow') as { detail: string }[];
    expect(plan.map((step) => step.detail).join('; ')).toMatch(/USING COVERING INDEX dead_letters_bytes/);
  });
});
