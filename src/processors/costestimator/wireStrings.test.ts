/**
 * The CostEstimator's memories (price lookups, shared attributes, providers) keep the names of models and providers
 * seen, a bounded number of them, for as long as the process runs: a span whose model attribute holds a prompt must
 * not leave the prompt in them.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Span } from '../../otlp/index.js';
import { attributes, makeSpan, tracesData } from '../../recognition/testSpans.js';
import { CostEstimatorProcessor } from './processor.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const MB = 1024 * 1024;
const SPANS = 40;

/** Heap growth, in MB, left after pricing the spans `make` gives and dropping them. */
function retainedMb(make: (index: number) => Span): number {
  const processor = new CostEstimatorProcessor({}, { consume: async () => {} });
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  for (let index = 0; index < SPANS; index++) processor.process(tracesData([make(index)]));
  collectGarbage();
  const retained = (process.memoryUsage().heapUsed - before) / MB;
  // Alive until measured: its price lookups are among the memories measured.
  processor.process(tracesData([]));
  return retained;
}

describe('names the CostEstimator remembers', () => {
  it('do not keep alive a megabyte prompt sent as the model name (cut to a name’s length)', () => {
    const retained = retainedMb((index) =>
      makeSpan({
        trace: `t${index}`,
        attributes: attributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': `${index} ${'Summarise this. '.repeat(MB / 16)}`, 'gen_ai.provider.name': `p${index} ${'x'.repeat(MB)}`, 'gen_ai.usage.input_tokens': 10 }),
      }),
    );
    // 40 spans of 2 MB: all of it stayed before.
    expect(retained).toBeLessThan(8);
  });
});
