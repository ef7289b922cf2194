/**
 * Memory stays flat while 100k traces stream through: per open trace only a summary and the root are kept, and the
 * open traces are bounded. Asserts the bounds; prints the heap figure (a benchmark number, not a timed assertion).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Span, TracesData } from '../../otlp/index.js';
import { silentLogger } from '../../telemetry/logger.js';
import { CostEstimatorProcessor } from '../costestimator/index.js';
import { tracesData } from '../../recognition/testSpans.js';
import { traceAssemblyConfigSchema } from './config.js';
import { TraceAssemblyProcessor } from './processor.js';
import { chatSpan, nodeSpan, workflowRoot } from './testTraces.js';

const TRACES = 100_000;
const MAX_OPEN_TRACES = 1_000;

/** Counts what leaves, keeping nothing. */
class CountingSink {
  spans = 0;
  async consume(data: TracesData): Promise<void> {
    for (const resourceSpans of data.resourceSpans) for (const scopeSpans of resourceSpans.scopeSpans) this.spans += scopeSpans.spans.length;
  }
}

/** One LangGraph-like trace priced once by the real CostEstimator; copies get their own trace id. */
async function pricedTemplate(): Promise<Span[]> {
  const spans: Span[] = [];
  const collect = { consume: async (data: TracesData) => void spans.push(...data.resourceSpans[0]!.scopeSpans[0]!.spans) };
  await new CostEstimatorProcessor({}, collect).consume(
    tracesData([
      chatSpan('tpl', { id: 'c1', node: 'plan', model: 'gpt-4o-mini', provider: 'openai', input: 100, output: 20 }, { startMs: 1, durationMs: 5 }),
      nodeSpan('tpl', 'plan', { startMs: 0, durationMs: 8 }),
    ]),
  );
  return spans;
}

function copyOf(span: Span, traceId: Uint8Array): Span {
  return { ...span, traceId, raw: undefined };
}

// A heap figure means something only after a full collection; the test runner does not expose gc, so ask V8 for it.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function heapMiB(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe('TraceAssemblyProcessor memory', () => {
  it(`stays bounded while ${TRACES} traces stream through (a few always missing their root)`, async () => {
    const clock = { now: 0 };
    const sink = new CountingSink();
    const config = traceAssemblyConfigSchema.parse({ root_wait: '50ms', late_span_wait: '50ms', trace_timeout: '2s', max_open_traces: MAX_OPEN_TRACES });
    const assembly = new TraceAssemblyProcessor(config, sink, silentLogger(), { now: () => clock.now });
    let finished = 0;
    assembly.onTraceFinished(() => finished++);
    const template = await pricedTemplate();
    const heap: Record<number, number> = {};

    for (let index = 0; index < TRACES; index++) {
      const traceId = new Uint8Array(16);
      new DataView(traceId.buffer).setUint32(12, index + 1);
      const spans = template.map((span) => copyOf(span, traceId));
      // Every 100th trace loses its root: it must expire, not accumulate.
      if (index % 100 !== 0) spans.push(copyOf(workflowRoot('tpl', { startMs: 0, durationMs: 10 }), traceId));
      await assembly.consume(tracesData(spans));
      clock.now += 1;
      if (index % 10 === 0) await assembly.sweep();
      expect(assembly.stats.openTraces).toBeLessThanOrEqual(MAX_OPEN_TRACES);
      if (index + 1 === 10_000 || index + 1 === TRACES) heap[index + 1] = heapMiB();
    }
    // Held roots go out on the first sweep, and their traces finish once late_span_wait has passed.
    for (let sweep = 0; sweep < 2; sweep++) {
      clock.now += 10_000;
      await assembly.sweep();
    }
    expect(finished).toBe(TRACES);
    expect(assembly.stats.openTraces).toBe(0);
    expect(assembly.stats.finished.root_missing).toBe(TRACES / 100);
    expect(sink.spans).toBe(TRACES * 2 + (TRACES - TRACES / 100));
    // Retaining even 200 bytes per finished trace would add ~17 MiB between the two figures.
    expect(heap[TRACES]!).toBeLessThan(heap[10_000]! + 8);
    console.log(
      `[traceassembly memory] heap after 10k traces ${heap[10_000]!.toFixed(1)} MiB, after ${TRACES / 1000}k ${heap[TRACES]!.toFixed(1)} MiB` +
        ` after a full gc (open traces bounded at ${MAX_OPEN_TRACES})`,
    );
  }, 120_000);
});
