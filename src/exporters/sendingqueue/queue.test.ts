import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../storage/store.js';
import { silentLogger } from '../../telemetry/logger.js';
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
 * A destination whose requests carry one byte per span, refused as too large above `maxSpans` spans; a span of
 * value 0 stands for one larger than any request it takes. The first attempt of all fails with an uncertain outcome,
 * unless told otherwise.
 */
class LimitedDestination implements Destination {
  readonly name = 'limited';
  readonly url = 'test://limited';
  readonly attempts: Array<{ spans: number[]; mayBeStored: boolean; outcome: string }> = [];
  constructor(
    private readonly maxSpans: number,
    private readonly firstUncertain = true,
  ) {}

  async attempt(_batch: unknown, { body }: BatchContent, mayBeStored: boolean): Promise<DeliveryResult> {
    const spans = [...body];
    const result: DeliveryResult =
      this.attempts.length === 0 && this.firstUncertain
        ? { outcome: 'retry', reason: 'timed out', outcomeUnknown: true }
        : spans.length > this.maxSpans || spans.includes(0)
          ? { outcome: 'tooLarge', reason: 'answered 413' }
          : { outcome: 'delivered' };
    this.attempts.push({ spans, mayBeStored, outcome: result.outcome });
    return result;
  }

  split({ body, extra }: BatchContent) {
    const half = Math.ceil(body.length / 2);
    return [body.subarray(0, half), body.subarray(half)].map((part) => ({ body: part, spans: part.length, extra }));
  }
}

function startQueue(destination: Destination): DurableSendingQueue {
  const store = Store.open({ mode: 'memory', path: ':memory:', synchronous: 'normal' });
  stores.push(store);
  const settings = {
    sending_queue: sendingQueueConfigSchema.parse({ num_consumers: 1 }),
    retry_on_failure: retryOnFailureConfigSchema.parse({ initial_interval: '10ms', max_interval: '10ms' }),
  };
  const queue = new DurableSendingQueue(store, 'limited', settings, destination, silentLogger());
  queue.start();
  return queue;
}

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
