import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../storage/store.js';
import { silentLogger } from '../../telemetry/logger.js';
import { waitFor } from '../../../test/e2e/ledger-sidecar.js';
import { retryOnFailureConfigSchema, sendingQueueConfigSchema } from './config.js';
import type { Destination } from './destination.js';
import { DurableSendingQueue } from './queue.js';

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

  async attempt(_batch: unknown, body: Uint8Array): Promise<{ outcome: 'delivered' }> {
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
