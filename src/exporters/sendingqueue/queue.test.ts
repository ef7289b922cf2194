import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../storage/store.js';
import { silentLogger } from '../../telemetry/logger.js';
import type { Logger } from '../../telemetry/logger.js';
import { waitFor } from '../../../test/e2e/ledger-sidecar.js';
import { retryOnFailureConfigSchema, sendingQueueConfigSchema } from './config.js';
import type { DeliveryResult, Destination } from './destination.js';
import { DurableSendingQueue } from './queue.js';
import { DeadLetterTable, SendingQueueTable } from '../../storage/sending-queue.js';
import type { BatchContent } from '../../storage/sending-queue.js';

const stores: Store[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A store as `storage.mode` makes it: `disk` in a fresh directory, where dead letters are kept. */
function openStore(mode: 'disk' | 'memory'): Store {
  const store = Store.open({ mode, path: path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-queue-')), 'state.db'), synchronous: 'normal' });
  stores.push(store);
  return store;
}

/** A logger keeping each line's level and message. */
function recordingLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

/** A destination that holds every attempt until the test lets it through, recording which batch each one carried. */
class GatedDestination implements Destination {
  readonly name = 'gated';
  readonly url = 'test://gated';
  /** The first byte of each attempt's body, in the order the attempts started. */
  readonly started: number[] = [];
  private readonly gates = new Map<number, () => void>();

  async attempt(_batch: unknown, { body }: BatchContent): Promise<{ outcome: 'delivered' }> {
    const batch = body[0]!;
    this.started.push(batch);
    await new Promise<void>((resolve) => this.gates.set(batch, resolve));
    return { outcome: 'delivered' };
  }

  letThrough(batch: number): void {
    this.gates.get(batch)!();
  }
}

describe('DurableSendingQueue', () => {
  it('gives each free worker the oldest batch waiting, never one another worker is sending', async () => {
    const store = Store.open({ mode: 'memory', path: ':memory:', synchronous: 'normal' });
    stores.push(store);
    const destination = new GatedDestination();
    const settings = { sending_queue: sendingQueueConfigSchema.parse({ num_consumers: 3 }), retry_on_failure: retryOnFailureConfigSchema.parse({}) };
    const queue = new DurableSendingQueue(store, 'gated', settings, destination, silentLogger());
    queue.start();
    await store.transaction(() => {
      for (let batch = 1; batch <= 8; batch++) queue.enqueue({ body: new Uint8Array([batch]), spans: 1, extra: '' }, Date.now());
    });

    const startedCount = (count: number) => () => (destination.started.length >= count ? true : undefined);
    await waitFor('three attempts', startedCount(3), 5_000);
    expect(destination.started).toEqual([1, 2, 3]);
    expect(queue.stats.queued).toBe(5);

    // A worker in the middle of the queue finishing takes batch 4, although 1 and 3 are older and still held.
    destination.letThrough(2);
    await waitFor('a fourth attempt', startedCount(4), 5_000);
    destination.letThrough(1);
    await waitFor('a fifth attempt', startedCount(5), 5_000);
    expect(destination.started).toEqual([1, 2, 3, 4, 5]);

    for (let batch = 3; batch <= 8; batch++) {
      await waitFor(`batch ${batch} sent`, () => (destination.started.includes(batch) ? true : undefined), 5_000);
      destination.letThrough(batch);
    }
    await waitFor('every batch delivered', () => (queue.stats.delivered.batches === 8 ? true : undefined), 5_000);
    expect(destination.started).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(queue.stats.queued).toBe(0);
    await queue.shutdown(1_000);
  });
});

describe('DurableSendingQueue and tokenmeter dlq replay', () => {
  it('picks up a batch replayed while it runs, though a batch queued since has a later id', async () => {
    const store = Store.open({ mode: 'memory', path: ':memory:', synchronous: 'normal' });
    stores.push(store);
    const sent: number[] = [];
    const destination: Destination = {
      name: 'recording',
      url: 'test://recording',
      attempt: async (_batch, { body }) => {
        sent.push(body[0]!);
        return { outcome: 'delivered' };
      },
    };
    const settings = { sending_queue: sendingQueueConfigSchema.parse({}), retry_on_failure: retryOnFailureConfigSchema.parse({}) };
    const queue = new DurableSendingQueue(store, 'recording', settings, destination, silentLogger());
    queue.start();
    // What `tokenmeter dlq replay` does from another process: a dead letter back in the queue table.
    const table = new SendingQueueTable(store.db, 'recording');
    const dead = table.add({ body: new Uint8Array([1]), spans: 1, extra: '' }, Date.now());
    table.moveToDeadLetters(dead.id, 'refused', Date.now());
    new DeadLetterTable(store.db).replay([1], Date.now());
    // A request the sidecar takes right after.
    await store.transaction(() => queue.enqueue({ body: new Uint8Array([2]), spans: 1, extra: '' }, Date.now()));

    await waitFor('the replayed batch sent', () => (sent.includes(1) ? true : undefined), 15_000);
    expect(sent.sort()).toEqual([1, 2]);
    await queue.shutdown(1_000);
  }, 20_000);
});

/**
 * A destination whose requests carry one byte per span, refused as too large above `maxSpans` spans (or answered
 * `overLimit`); a span of value 0 stands for one larger than any request it takes. The first attempt of all fails
 * with an uncertain outcome, unless told otherwise.
 */
class LimitedDestination implements Destination {
  readonly name = 'limited';
  readonly url = 'test://limited';
  readonly attempts: Array<{ spans: number[]; mayBeStored: boolean; outcome: string }> = [];
  constructor(
    private readonly maxSpans: number,
    private readonly firstUncertain = true,
    private readonly overLimit: DeliveryResult = { outcome: 'tooLarge', reason: 'answered 413' },
  ) {}

  async attempt(_batch: unknown, { body }: BatchContent, mayBeStored: boolean): Promise<DeliveryResult> {
    const spans = [...body];
    const result: DeliveryResult =
      this.attempts.length === 0 && this.firstUncertain
        ? { outcome: 'retry', reason: 'timed out', outcomeUnknown: true }
        : spans.length > this.maxSpans || spans.includes(0)
          ? this.overLimit
          : { outcome: 'delivered' };
    this.attempts.push({ spans, mayBeStored, outcome: result.outcome });
    return result;
  }

  split({ body, extra }: BatchContent) {
    const half = Math.ceil(body.length / 2);
    return [body.subarray(0, half), body.subarray(half)].map((part) => ({ body: part, spans: part.length, extra }));
  }
}

function startQueue(destination: Destination, options: { store?: Store; sendingQueue?: object; retry?: object; logger?: Logger } = {}): DurableSendingQueue {
  const store = options.store ?? openStore('disk');
  const settings = {
    sending_queue: sendingQueueConfigSchema.parse({ num_consumers: 1, ...options.sendingQueue }),
    retry_on_failure: retryOnFailureConfigSchema.parse({ initial_interval: '10ms', max_interval: '10ms', ...options.retry }),
  };
  const queue = new DurableSendingQueue(store, destination.name, settings, destination, options.logger ?? silentLogger());
  queue.start();
  return queue;
}

describe('DurableSendingQueue, retry_on_failure.max_elapsed_time', () => {
  it('0 is no limit, as in the Collector: a batch is retried until the destination takes it', async () => {
    let attempts = 0;
    const destination: Destination = {
      name: 'flaky',
      url: 'test://flaky',
      attempt: async () => (++attempts <= 5 ? { outcome: 'retry', reason: 'answered 503', outcomeUnknown: true, status: 503 } : { outcome: 'delivered' }),
    };
    const queue = startQueue(destination, { retry: { max_elapsed_time: 0 } });
    await stores.at(-1)!.transaction(() => queue.enqueue({ body: new Uint8Array([1]), spans: 1, extra: '' }, Date.now()));
    await waitFor('the batch delivered or dead-lettered', () => (queue.stats.delivered.batches + queue.stats.failed.batches === 1 ? true : undefined), 5_000);
    expect(queue.stats).toMatchObject({ delivered: { batches: 1 }, failed: { batches: 0 } });
    expect(attempts).toBe(6);
    await queue.shutdown(1_000);
  });
});

/** A destination that refuses every batch for good, as an endpoint given a wrong token does. */
const refusingAll = (name: string): Destination => ({ name, url: `test://${name}`, attempt: async () => ({ outcome: 'failed', reason: 'answered 401: bad token' }) });

describe('DurableSendingQueue, dead letters', () => {
  it('keeps each exporter’s within sending_queue.dead_letters.max_bytes, dropping its oldest, counted and logged', async () => {
    const store = openStore('disk');
    // Another exporter's dead letter: not this exporter's to drop.
    const other = new SendingQueueTable(store.db, 'other');
    other.moveToDeadLetters(other.add({ body: new Uint8Array(300), spans: 3, extra: '' }, Date.now()).id, 'refused', Date.now());
    const { logger, lines } = recordingLogger();
    const queue = startQueue(refusingAll('refused'), { store, sendingQueue: { dead_letters: { max_bytes: 250 } }, logger });
    await store.transaction(() => {
      for (let batch = 1; batch <= 5; batch++) queue.enqueue({ body: new Uint8Array(100).fill(batch), spans: batch, extra: '' }, Date.now());
    });
    await waitFor('every batch dead-lettered', () => (queue.stats.failed.batches === 5 ? true : undefined), 5_000);

    expect(new DeadLetterTable(store.db).list().map(({ exporter, spans, bytes }) => ({ exporter, spans, bytes }))).toEqual([
      { exporter: 'other', spans: 3, bytes: 300 },
      { exporter: 'refused', spans: 4, bytes: 100 },
      { exporter: 'refused', spans: 5, bytes: 100 },
    ]);
    expect(queue.stats.deadLettersDropped).toEqual({ batches: 3, spans: 1 + 2 + 3 });
    const drops = lines.filter((line) => line.msg === 'refused: dropped the oldest dead letters, to keep them within sending_queue.dead_letters.max_bytes');
    expect(drops).toHaveLength(3);
    expect(drops[0]).toMatchObject({ level: 40, batches: 1, spans: 1, bytes: 100, maxBytes: 250 });
    await queue.shutdown(1_000);
  });

  it('counts what dead letters a previous run left against the bound', async () => {
    const store = openStore('disk');
    const table = new SendingQueueTable(store.db, 'refused');
    for (let batch = 1; batch <= 2; batch++) table.moveToDeadLetters(table.add({ body: new Uint8Array(100), spans: 1, extra: '' }, Date.now()).id, 'refused', Date.now());
    const queue = startQueue(refusingAll('refused'), { store, sendingQueue: { dead_letters: { max_bytes: 250 } } });
    await store.transaction(() => queue.enqueue({ body: new Uint8Array(100), spans: 1, extra: '' }, Date.now()));
    await waitFor('the batch dead-lettered', () => (queue.stats.failed.batches === 1 ? true : undefined), 5_000);
    expect(new DeadLetterTable(store.db).list().map(({ id }) => id)).toEqual([2, 3]);
    await queue.shutdown(1_000);
  });

  it('with storage.mode memory keeps none (no other process can list them) and does not point to dlq list', async () => {
    const store = openStore('memory');
    const { logger, lines } = recordingLogger();
    const queue = startQueue(refusingAll('refused'), { store, logger });
    await store.transaction(() => queue.enqueue({ body: new Uint8Array(100), spans: 2, extra: '' }, Date.now()));
    await waitFor('the batch given up', () => (queue.stats.failed.batches === 1 ? true : undefined), 5_000);
    expect(store.db.prepare('SELECT COUNT(*) AS rows FROM dead_letters').get()).toEqual({ rows: 0 });
    expect(queue.stats).toMatchObject({ failed: { batches: 1, spans: 2 }, queued: 0, queuedBytes: 0 });
    expect(lines.filter((line) => line.level === 50).map((line) => line.msg)).toEqual([
      'refused did not accept a batch: dropped (dead letters are kept only with storage.mode: disk)',
    ]);
    await queue.shutdown(1_000);
  });
});

describe('DurableSendingQueue, a batch refused as too large', () => {
  it('learns the size refused: a later batch as large is cut before it is sent, not refused again', async () => {
    const destination = new LimitedDestination(2, false);
    const queue = startQueue(destination);
    const store = stores.at(-1)!;
    const delivered = (spans: number) => () => (queue.stats.delivered.spans === spans ? true : undefined);
    await store.transaction(() => queue.enqueue({ body: new Uint8Array([1, 2, 3, 4, 5]), spans: 5, extra: '' }, Date.now()));
    await waitFor('the first batch delivered', delivered(5), 5_000);
    await store.transaction(() => queue.enqueue({ body: new Uint8Array([6, 7, 8]), spans: 3, extra: '' }, Date.now()));
    await waitFor('the second batch delivered', delivered(8), 5_000);
    expect(destination.attempts.map(({ spans, outcome }) => ({ spans, outcome }))).toEqual([
      { spans: [1, 2, 3, 4, 5], outcome: 'tooLarge' },
      // Smaller than what was refused: tried.
      { spans: [1, 2, 3], outcome: 'tooLarge' },
      { spans: [1, 2], outcome: 'delivered' },
      { spans: [3], outcome: 'delivered' },
      { spans: [4, 5], outcome: 'delivered' },
      // As large as [1, 2, 3]: cut first.
      { spans: [6, 7], outcome: 'delivered' },
      { spans: [8], outcome: 'delivered' },
    ]);
    await queue.shutdown(1_000);
  });

  it('is sent in halves, in order, cut again while too large, each as uncertain as the batch; a span alone too large is dead-lettered', async () => {
    const destination = new LimitedDestination(2);
    const queue = startQueue(destination);
    const store = stores.at(-1)!;
    await store.transaction(() => queue.enqueue({ body: new Uint8Array([1, 2, 3, 4, 5, 0, 6]), spans: 7, extra: '' }, Date.now()));

    await waitFor('every span delivered or dead-lettered', () => (queue.stats.delivered.spans + queue.stats.failed.spans === 7 ? true : undefined), 5_000);
    expect(destination.attempts).toEqual([
      { spans: [1, 2, 3, 4, 5, 0, 6], mayBeStored: false, outcome: 'retry' },
      { spans: [1, 2, 3, 4, 5, 0, 6], mayBeStored: true, outcome: 'tooLarge' },
      { spans: [1, 2, 3, 4], mayBeStored: true, outcome: 'tooLarge' },
      { spans: [1, 2], mayBeStored: true, outcome: 'delivered' },
      { spans: [3, 4], mayBeStored: true, outcome: 'delivered' },
      { spans: [5, 0, 6], mayBeStored: true, outcome: 'tooLarge' },
      { spans: [5, 0], mayBeStored: true, outcome: 'tooLarge' },
      { spans: [5], mayBeStored: true, outcome: 'delivered' },
      { spans: [0], mayBeStored: true, outcome: 'tooLarge' },
      { spans: [6], mayBeStored: true, outcome: 'delivered' },
    ]);
    expect(queue.stats).toMatchObject({ delivered: { batches: 4, spans: 6 }, failed: { batches: 1, spans: 1 }, queued: 0, queuedBytes: 0 });
    const letters = new DeadLetterTable(store.db).list();
    expect(letters).toMatchObject([{ exporter: 'limited', spans: 1, bytes: 1, reason: 'answered 413 (a request of one span, 1 bytes)' }]);
    await queue.shutdown(1_000);
  });
});

describe('DurableSendingQueue, a batch the destination took too long over', () => {
  it('is sent again in halves, each checked first as possibly stored, until quick enough; no size is learnt from it', async () => {
    const destination = new LimitedDestination(2, false, { outcome: 'tooSlow', reason: 'did not answer within 10000 ms' });
    const queue = startQueue(destination);
    const store = stores.at(-1)!;
    const delivered = (spans: number) => () => (queue.stats.delivered.spans === spans ? true : undefined);
    try {
      await store.transaction(() => queue.enqueue({ body: new Uint8Array([1, 2, 3, 4, 5]), spans: 5, extra: '' }, Date.now()));
      await waitFor('the first batch delivered', delivered(5), 5_000);
      await store.transaction(() => queue.enqueue({ body: new Uint8Array([6, 7, 8]), spans: 3, extra: '' }, Date.now()));
      await waitFor('the second batch delivered', delivered(8), 5_000);
      expect(destination.attempts).toEqual([
        { spans: [1, 2, 3, 4, 5], mayBeStored: false, outcome: 'tooSlow' },
        { spans: [1, 2, 3], mayBeStored: true, outcome: 'tooSlow' },
        { spans: [1, 2], mayBeStored: true, outcome: 'delivered' },
        { spans: [3], mayBeStored: true, outcome: 'delivered' },
        { spans: [4, 5], mayBeStored: true, outcome: 'delivered' },
        // A slow answer says nothing of the size a request may have: the next batch is sent whole first.
        { spans: [6, 7, 8], mayBeStored: false, outcome: 'tooSlow' },
        { spans: [6, 7], mayBeStored: true, outcome: 'delivered' },
        { spans: [8], mayBeStored: true, outcome: 'delivered' },
      ]);
      expect(queue.stats).toMatchObject({ delivered: { batches: 5, spans: 8 }, failed: { batches: 0 }, queued: 0, queuedBytes: 0 });
    } finally {
      await queue.shutdown(1_000);
    }
  });
});
