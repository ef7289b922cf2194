import { describe, expect, it } from 'vitest';
import { capturedLogger, WARN } from '../../../test/fixtures/captured-logs.js';
import { findAttribute } from '../../otlp/index.js';
import { Store } from '../../storage/store.js';
import { attributes, makeSpan, tracesData } from '../../recognition/testSpans.js';
import { CostEstimatorProcessor } from './processor.js';
import { CallMemoryStore } from './store.js';

const next = { consume: async () => {} };
const chat = (id: string, parent: string | undefined) =>
  makeSpan({
    trace: 't1',
    id,
    ...(parent === undefined ? {} : { parent }),
    attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 }),
  });

describe('CallMemoryStore', () => {
  it('hands the memory saved at shutdown to the next start once, per processor id', async () => {
    const store = Store.memory();
    const first = new CostEstimatorProcessor({}, next, { store: new CallMemoryStore(store, 'costestimator@traces') });
    await first.start();
    await first.consume(tracesData([chat('inner', 'outer')]));
    await first.shutdown();

    const { logger, lines } = capturedLogger();
    const other = new CostEstimatorProcessor({}, next, { store: new CallMemoryStore(store, 'costestimator@other'), logger });
    await other.start();
    expect(lines).toEqual([]);

    const second = new CostEstimatorProcessor({}, next, { store: new CallMemoryStore(store, 'costestimator@traces'), logger });
    await second.start();
    expect(lines.map(({ msg, traces }) => ({ msg, traces }))).toEqual([{ msg: 'memory of open traces restored', traces: 1 }]);
    const outer = chat('outer', undefined);
    await second.consume(tracesData([outer]));
    expect(findAttribute(outer.attributes, 'tokenmeter.cost.counted')).toEqual({ kind: 'bool', value: false });
    // Taken, not copied: a later start without a shutdown in between (a crash) does not bring it back.
    expect(await new CallMemoryStore(store, 'costestimator@traces').take()).toBeUndefined();
    store.close();
  });

  it('saves the memory at each checkpoint while running, only when a batch may have changed it', async () => {
    const store = Store.memory();
    const saved = new CallMemoryStore(store, 'costestimator@traces');
    const processor = new CostEstimatorProcessor({ checkpoint_interval: '10ms' }, next, { store: saved });
    await processor.start();
    const checkpointsPass = () => new Promise((resolve) => setTimeout(resolve, 60));
    await checkpointsPass();
    expect(await saved.take()).toBeUndefined();
    await processor.consume(tracesData([chat('inner', 'outer')]));
    await checkpointsPass();
    expect(await saved.take()).toMatchObject({ traces: [expect.anything()] });
    // Taken, and nothing processed since: the next checkpoints leave the store alone.
    await checkpointsPass();
    expect(await saved.take()).toBeUndefined();
    await processor.shutdown();
    store.close();
  });

  it('starts without a saved memory that does not read back, and says so', async () => {
    const store = Store.memory();
    const saved = new CallMemoryStore(store, 'costestimator@traces');
    store.db.prepare('INSERT INTO costestimator_memory (processor, traces) VALUES (?, ?)').run('costestimator@traces', '{"not":');
    const { logger, lines } = capturedLogger();
    const processor = new CostEstimatorProcessor({}, next, { store: saved, logger });
    await processor.start();
    expect(lines).toMatchObject([{ level: WARN, msg: 'the saved memory of open traces does not read back; starting without it' }]);
    expect(String(lines[0]!['reason'])).toMatch(/JSON/);
    const outer = chat('outer', undefined);
    await processor.consume(tracesData([outer]));
    expect(findAttribute(outer.attributes, 'tokenmeter.cost.counted')).toEqual({ kind: 'bool', value: true });
    expect(await saved.take()).toBeUndefined();
    store.close();
  });
});
