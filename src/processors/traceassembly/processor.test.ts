import { describe, expect, it } from 'vitest';
import { findAttribute, isRootSpan, toHex } from '../../otlp/index.js';
import type { Span, TracesData } from '../../otlp/index.js';
import { FanOutConsumer, PipelineError } from '../../pipeline/consumer.js';
import { silentLogger } from '../../telemetry/logger.js';
import { CostEstimatorProcessor } from '../costestimator/index.js';
import { decodeObject } from '../../recognition/values.js';
import { attributes, makeSpan, mlflowAttributes, tracesData } from '../../recognition/testSpans.js';
import { followUpsOf } from '../../exporters/mlflow/trace-followups.js';
import { rootCostUsd } from './spanFacts.js';
import { traceAssemblyConfigSchema } from './config.js';
import { TraceAssemblyProcessor } from './processor.js';
import { OpenTraceStore } from './store.js';
import { Store } from '../../storage/store.js';
import type { FinishedTrace } from './processor.js';
import { chatSpan, nodeSpan, timed, workflowRoot } from './testTraces.js';
import type { ChatCall } from './testTraces.js';

/** What left the processor, batch by batch. Can be told to refuse, as a full exporter queue does. */
class Downstream {
  batches: Span[][] = [];
  refuse = false;
  /** Runs once inside the next consume, as a sweep on a timer can while a batch is being forwarded. */
  duringNextConsume: (() => Promise<void>) | undefined;
  async consume(data: TracesData): Promise<void> {
    const during = this.duringNextConsume;
    this.duringNextConsume = undefined;
    await during?.();
    if (this.refuse) throw new PipelineError('queue full', 'overloaded', 1);
    this.batches.push(data.resourceSpans.flatMap((resourceSpans) => resourceSpans.scopeSpans.flatMap((scopeSpans) => scopeSpans.spans)));
  }
  roots(): Span[] {
    return this.batches.flat().filter((span) => isRootSpan(span) || span.name === 'tokenmeter_test_workflow');
  }
}

/** The real CostEstimator in front, as in the default pipeline; a clock the test moves by hand. */
function pipeline(config: Record<string, unknown> = {}) {
  const clock = { now: 0 };
  const downstream = new Downstream();
  const assembly = new TraceAssemblyProcessor(traceAssemblyConfigSchema.parse({ root_wait: '2s', late_span_wait: '10s', trace_timeout: '60s', ...config }), downstream, silentLogger(), {
    now: () => clock.now,
  });
  const finished: FinishedTrace[] = [];
  assembly.onTraceFinished((trace) => finished.push(trace));
  const costEstimator = new CostEstimatorProcessor({}, assembly);
  const send = (...spans: Span[]) => costEstimator.consume(tracesData(spans));
  const advance = async (ms: number) => {
    clock.now += ms;
    await assembly.sweep();
  };
  return { assembly, downstream, finished, send, advance };
}

const value = (span: Span, key: string): unknown => {
  const found = findAttribute(span.attributes, key);
  if (found === undefined) return undefined;
  if (found.kind === 'int') return Number(found.value);
  return found.kind === 'string' || found.kind === 'double' || found.kind === 'bool' ? found.value : undefined;
};

const json = (span: Span, key: string) => JSON.parse(value(span, key) as string) as Array<Record<string, unknown>>;

/** The sum of what the CostEstimator wrote on the leaves, in the same pico-USD arithmetic MLflow's totals need. */
function leafCostSum(spans: Span[]): number {
  let pico = 0;
  for (const span of spans) {
    const cost = decodeObject(findAttribute(span.attributes, 'mlflow.llm.cost'));
    if (cost !== undefined) pico += Math.round((cost['total_cost'] as number) * 1e12);
  }
  return pico / 1e12;
}

// The LangGraph app of the e2e test: plan (gpt-4o-mini), research (claude, twice), write (gpt-4o-mini).
const PLAN: ChatCall = { id: 'c-plan', node: 'plan', model: 'gpt-4o-mini', provider: 'openai', input: 100, output: 20 };
const RESEARCH_1: ChatCall = { id: 'c-res1', node: 'research', model: 'claude-3-5-haiku-20241022', provider: 'anthropic', input: 300, output: 20 };
const RESEARCH_2: ChatCall = { id: 'c-res2', node: 'research', model: 'claude-3-5-haiku-20241022', provider: 'anthropic', input: 307, output: 23 };
const WRITE: ChatCall = { id: 'c-write', node: 'write', model: 'gpt-4o-mini', provider: 'openai', input: 107, output: 23 };

/** The children of one workflow run: research is the slowest node (600 of 1000 ms). */
function children(trace: string): Span[] {
  return [
    chatSpan(trace, PLAN, { startMs: 10, durationMs: 150 }),
    nodeSpan(trace, 'plan', { startMs: 5, durationMs: 200 }),
    chatSpan(trace, RESEARCH_1, { startMs: 220, durationMs: 250 }),
    chatSpan(trace, RESEARCH_2, { startMs: 480, durationMs: 250 }),
    nodeSpan(trace, 'research', { startMs: 210, durationMs: 600 }),
    chatSpan(trace, WRITE, { startMs: 820, durationMs: 100 }),
    nodeSpan(trace, 'write', { startMs: 815, durationMs: 150 }),
  ];
}

const root = (trace: string) => workflowRoot(trace, { startMs: 0, durationMs: 1000 });

describe('TraceAssemblyProcessor', () => {
  it('children first: forwards them at once, holds the root for root_wait, then writes the whole story onto it', async () => {
    const { downstream, finished, send, advance } = pipeline();
    const leaves = children('t1');
    await send(...leaves.slice(0, 4));
    await send(...leaves.slice(4), root('t1'));
    expect(downstream.batches.flat()).toHaveLength(7);
    expect(downstream.roots()).toHaveLength(0);

    await advance(1999);
    expect(downstream.roots()).toHaveLength(0);
    await advance(1);
    const [enriched] = downstream.roots();
    expect(enriched).toBeDefined();
    const total = leafCostSum(leaves);
    expect(total).toBeGreaterThan(0);
    expect(value(enriched!, 'tokenmeter.cost.total_usd')).toBe(total);
    expect((value(enriched!, 'tokenmeter.cost.input_usd') as number) + (value(enriched!, 'tokenmeter.cost.output_usd') as number)).toBeCloseTo(total, 12);
    expect(value(enriched!, 'tokenmeter.tokens.input')).toBe(100 + 300 + 307 + 107);
    expect(value(enriched!, 'tokenmeter.tokens.output')).toBe(20 + 20 + 23 + 23);
    expect(value(enriched!, 'tokenmeter.tokens.total')).toBe(814 + 86);
    expect(value(enriched!, 'tokenmeter.tokens.cache_read')).toBe(0);
    expect(value(enriched!, 'tokenmeter.llm.calls')).toBe(4);
    expect(value(enriched!, 'tokenmeter.llm.unpriced_calls')).toBe(0);
    // The root must not carry MLflow's per-call cost: MLflow >= 3.10 would add it to the trace's cost.
    expect(value(enriched!, 'mlflow.llm.cost')).toBeUndefined();

    const nodes = json(enriched!, 'tokenmeter.breakdown.nodes');
    expect(nodes.map((row) => [row['name'], row['calls'], row['tokens'], row['wall_ms'], row['self_ms']])).toEqual([
      ['plan', 1, 120, 200, 50],
      ['research', 2, 650, 600, 100],
      ['write', 1, 130, 150, 50],
    ]);
    const researchCost = leafCostSum(leaves.filter((span) => span.name.includes('claude')));
    expect(nodes[1]!['cost_usd']).toBe(researchCost);
    expect(json(enriched!, 'tokenmeter.breakdown.models').map((row) => [row['name'], row['calls'], row['wall_ms']])).toEqual([
      ['gpt-4o-mini', 2, 250],
      ['claude-3-5-haiku-20241022', 2, 500],
    ]);
    expect(json(enriched!, 'tokenmeter.breakdown.providers').map((row) => [row['name'], row['calls'], row['tokens']])).toEqual([
      ['openai', 2, 250],
      ['anthropic', 2, 650],
    ]);
    expect(value(enriched!, 'tokenmeter.bottleneck.node')).toBe('research');
    expect(value(enriched!, 'tokenmeter.bottleneck.share')).toBe(0.6);
    expect(value(enriched!, 'tokenmeter.llm.time_share')).toBe(0.75);
    // MLflow derives the trace's session from `session.id`; LangGraph's thread is the session.
    expect(value(enriched!, 'session.id')).toBe('thread-1');

    expect(finished).toHaveLength(0);
    await advance(10_000);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ outcome: 'complete', llmCalls: 4, rootSpanName: 'tokenmeter_test_workflow', costUsd: { total } });
  });

  it('root first: children arriving within root_wait are in the totals of the one root it forwards', async () => {
    const { assembly, downstream, send, advance } = pipeline();
    const leaves = children('t1');
    await send(root('t1'));
    await advance(500);
    await send(...leaves);
    await advance(1500);
    expect(downstream.roots()).toHaveLength(1);
    expect(value(downstream.roots()[0]!, 'tokenmeter.cost.total_usd')).toBe(leafCostSum(leaves));
    expect(assembly.stats).toMatchObject({ rootsForwarded: 1, rootsResent: 0, lateSpans: 0 });
  });

  it('late child: updates the summary and sends the root again with the new totals', async () => {
    const { assembly, downstream, finished, send, advance } = pipeline();
    const leaves = children('t1');
    const late = leaves.pop()!; // the write node span
    const lateCall = leaves.pop()!; // and its chat call
    await send(...leaves, root('t1'));
    await advance(2000);
    const [first] = downstream.roots();
    expect(value(first!, 'tokenmeter.llm.calls')).toBe(3);

    await advance(5000);
    await send(lateCall, late);
    expect(downstream.roots()).toHaveLength(1);
    await advance(2000);
    const resent = downstream.roots()[1]!;
    expect(value(resent, 'tokenmeter.llm.calls')).toBe(4);
    expect(value(resent, 'tokenmeter.cost.total_usd')).toBe(leafCostSum([...leaves, lateCall]));
    expect(json(resent, 'tokenmeter.breakdown.nodes').map((row) => row['name'])).toEqual(['plan', 'research', 'write']);
    expect(assembly.stats).toMatchObject({ rootsForwarded: 1, rootsResent: 1, lateSpans: 2 });
    await advance(10_000);
    expect(finished.map((trace) => [trace.outcome, trace.llmCalls])).toEqual([['complete', 4]]);
  });

  it('late child of a root that is itself an LLM call: counted, but the root is not sent twice (MLflow would add its usage again)', async () => {
    const { assembly, downstream, finished, send, advance } = pipeline();
    const llmRoot = chatSpan('t1', PLAN, { startMs: 0, durationMs: 100 });
    llmRoot.parentSpanId = new Uint8Array(0);
    await send(llmRoot);
    await advance(2000);
    expect(downstream.batches.flat().filter((span) => span === llmRoot)).toHaveLength(1);
    await send(chatSpan('t1', WRITE, { startMs: 10, durationMs: 50 }));
    await advance(12_000);
    expect(downstream.batches.flat().filter((span) => span === llmRoot)).toHaveLength(1);
    expect(assembly.stats.rootsResent).toBe(0);
    expect(finished[0]).toMatchObject({ outcome: 'complete', llmCalls: 2 });
  });

  it('a call alone in its trace (its own root) keeps its split by token type; the trace\'s cost read from the root is the call\'s', async () => {
    const { downstream, send, advance } = pipeline();
    const alone = (trace: string, reported?: Record<string, number>): Span =>
      makeSpan({
        trace,
        id: 'call',
        attributes: mlflowAttributes({
          'mlflow.spanType': 'CHAT_MODEL',
          'mlflow.chat.tokenUsage': { input_tokens: 1000, output_tokens: 500, total_tokens: 1500, cache_read_input_tokens: 200 },
          invocation_params: { model: 'gpt-4o-mini' },
          metadata: { ls_provider: 'openai', ls_model_name: 'gpt-4o-mini' },
          ...(reported === undefined ? {} : { 'mlflow.llm.cost': reported }),
        }),
      });
    const priced = alone('t-alone');
    const reported = alone('t-reported', { input_cost: 0.0001, output_cost: 0.0002, total_cost: 0.0003 });
    await send(priced, reported);
    await advance(2000);
    expect(downstream.roots()).toEqual(expect.arrayContaining([priced, reported]));
    // openai.com/api/pricing, gpt-4o-mini $0.15 in / $0.075 cached in / $0.60 out.
    const parts = ['input', 'cache_read', 'cache_write', 'output', 'reasoning'].map((part) => value(priced, `tokenmeter.cost.${part}_usd`) as number);
    expect(parts[0]).toBeCloseTo((800 * 0.15) / 1e6, 12);
    expect(parts.reduce((sum, part) => sum + part, 0)).toBeCloseTo(value(priced, 'tokenmeter.cost.total_usd') as number, 12);
    expect(value(priced, 'tokenmeter.llm.calls')).toBe(1);
    // The trace's cost, as its feedback and the ledger read it: MLflow's view of the call (the provider's, when reported).
    expect(rootCostUsd(priced)).toEqual({ total: (800 * 0.15 + 200 * 0.075 + 500 * 0.6) / 1e6, input: (800 * 0.15 + 200 * 0.075) / 1e6, output: (500 * 0.6) / 1e6 });
    expect(rootCostUsd(reported)).toEqual({ total: 0.0003, input: 0.0001, output: 0.0002 });
    expect(followUpsOf(tracesData([reported]))[0]?.feedback).toMatchObject({ costUsd: 0.0003, metadata: { input_usd: '0.0001', output_usd: '0.0002' } });
  });

  it('missing root: the trace expires after trace_timeout without spans and its summary is still recorded', async () => {
    const { assembly, downstream, finished, send, advance } = pipeline();
    const leaves = children('t1');
    await send(...leaves.slice(0, 3));
    await advance(50_000);
    await send(...leaves.slice(3)); // activity postpones the expiry
    await advance(59_999);
    expect(finished).toHaveLength(0);
    await advance(1);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ outcome: 'root_missing', llmCalls: 4, rootSpanName: undefined, costUsd: { total: leafCostSum(leaves) } });
    expect(downstream.batches.flat()).toHaveLength(7);
    expect(assembly.stats).toMatchObject({ openTraces: 0, finished: { root_missing: 1 } });

    // A straggler of the given-up trace is forwarded, but opens no new trace that could never complete.
    await send(root('t1'));
    expect(downstream.roots()).toHaveLength(1);
    expect(assembly.stats).toMatchObject({ openTraces: 0, spansAfterFinish: 1 });
  });

  it('a root arriving while its trace is being given up leaves as it came, and opens no new trace', async () => {
    const { assembly, downstream, finished, send, advance } = pipeline();
    await send(...children('t1'));
    const lateRoot = root('t1');
    downstream.duringNextConsume = () => advance(60_000);
    await send(lateRoot);
    expect(finished.map((trace) => trace.outcome)).toEqual(['root_missing']);
    expect(downstream.batches.flat()).toContain(lateRoot);
    expect(value(lateRoot, 'tokenmeter.llm.calls')).toBeUndefined();
    expect(assembly.stats).toMatchObject({ openTraces: 0, spansAfterFinish: 1 });
  });

  it('interleaved traces: each root gets the totals of its own children only', async () => {
    const { downstream, send, advance } = pipeline();
    const a = children('ta');
    const b = children('tb').slice(0, 2); // trace b: the plan node only
    await send(a[0]!, b[0]!, a[1]!);
    await send(b[1]!, a[2]!, root('tb'), a[3]!);
    await send(...a.slice(4), root('ta'));
    await advance(2000);
    const roots = new Map(downstream.roots().map((span) => [toHex(span.traceId), span]));
    expect(roots.size).toBe(2);
    const rootA = roots.get(toHex(a[0]!.traceId))!;
    const rootB = roots.get(toHex(b[0]!.traceId))!;
    expect(value(rootA, 'tokenmeter.llm.calls')).toBe(4);
    expect(value(rootA, 'tokenmeter.cost.total_usd')).toBe(leafCostSum(a));
    expect(value(rootB, 'tokenmeter.llm.calls')).toBe(1);
    expect(value(rootB, 'tokenmeter.cost.total_usd')).toBe(leafCostSum(b));
  });

  it('eviction under a small limit: counted, and a held root is forwarded at once rather than lost', async () => {
    const { assembly, downstream, finished, send, advance } = pipeline({ max_open_traces: 2 });
    await send(...children('t1'), root('t1')); // t1: root held
    await advance(100);
    await send(...children('t2')); // t2: waiting for its root
    await send(...children('t3')); // over the limit: t1 goes (no trace is settling yet, none without a root is older)
    expect(assembly.stats.openTraces).toBe(2);
    expect(finished.map((trace) => [trace.traceId, trace.outcome])).toEqual([[toHex(root('t2').traceId), 'evicted']]);

    await send(...children('t4')); // t3 goes next
    expect(assembly.stats.finished.evicted).toBe(2);
    await send(root('t4'));
    await send(...children('t5')); // only t1 (held) and t4 (held) are left to evict: the oldest held root is forwarded now
    expect(downstream.roots().map((span) => toHex(span.traceId))).toEqual([toHex(root('t1').traceId)]);
    expect(value(downstream.roots()[0]!, 'tokenmeter.llm.calls')).toBe(4);
    expect(assembly.stats).toMatchObject({ openTraces: 2, finished: { evicted: 3 } });
  });

  it('a root with a remote parent (flags bits 8 and 9) is the local root: held and enriched', async () => {
    const { downstream, send, advance } = pipeline();
    const remoteChild = root('t1');
    remoteChild.parentSpanId = Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]);
    remoteChild.flags = 0x301;
    await send(...children('t1'), remoteChild);
    expect(downstream.batches.flat()).not.toContain(remoteChild);
    await advance(2000);
    expect(downstream.batches.flat()).toContain(remoteChild);
    expect(value(remoteChild, 'tokenmeter.llm.calls')).toBe(4);
  });

  it('in a distributed trace, the trace\'s own root takes the place of a part\'s root (remote parent) held before it', async () => {
    const partRoot = (trace: string): Span => {
      const span = workflowRoot(trace, { startMs: 100, durationMs: 300 });
      span.name = 'remote_service';
      span.spanId = Uint8Array.from([7, 7, 7, 7, 7, 7, 7, 7]);
      span.parentSpanId = Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]);
      span.flags = 0x301;
      return span;
    };
    const { downstream, assembly, send, advance } = pipeline();
    // Held, then displaced before root_wait: it leaves as an ordinary span, the trace's root is enriched.
    const held = partRoot('t1');
    await send(...children('t1'), held);
    expect(downstream.batches.flat()).not.toContain(held);
    const own = root('t1');
    await send(own);
    expect(downstream.batches.flat()).toContain(held);
    expect(value(held, 'tokenmeter.llm.calls')).toBeUndefined();
    await advance(2000);
    expect(downstream.roots()).toEqual([own]);
    expect(value(own, 'tokenmeter.llm.calls')).toBe(4);
    expect(value(own, 'tokenmeter.bottleneck.node')).toBe('research');

    // Forwarded (enriched) before the trace's own root came: that root is enriched too, the other not sent again.
    const early = partRoot('t2');
    await send(...children('t2'), early);
    await advance(2000);
    const late = root('t2');
    await send(late);
    await advance(2000);
    expect(downstream.batches.flat().filter((span) => span === early)).toHaveLength(1);
    expect(value(late, 'tokenmeter.llm.calls')).toBe(4);

    // Both in one batch, the part's root first (a gateway collector batching both services' spans).
    const first = partRoot('t3');
    const own3 = root('t3');
    await send(...children('t3'), first, own3);
    await advance(2000);
    expect(downstream.batches.flat().filter((span) => span === first)).toHaveLength(1);
    expect(value(first, 'tokenmeter.llm.calls')).toBeUndefined();
    expect(value(own3, 'tokenmeter.llm.calls')).toBe(4);

    // A sweep due while the batch that displaces the held root is being forwarded leaves that root to the batch.
    const swept = partRoot('t4');
    await send(...children('t4'), swept);
    downstream.duringNextConsume = () => advance(2000);
    const own4 = root('t4');
    await send(own4);
    await advance(2000);
    expect(downstream.batches.flat().filter((span) => span === swept)).toHaveLength(1);
    expect(value(swept, 'tokenmeter.llm.calls')).toBeUndefined();
    expect(value(own4, 'tokenmeter.llm.calls')).toBe(4);
    expect(assembly.stats.extraRoots).toBe(0);
  });

  it('a parent that is only known to be local (bit 8 without bit 9) is not a root', async () => {
    const { downstream, send } = pipeline();
    const child = root('t1');
    child.parentSpanId = Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]);
    child.flags = 0x101;
    await send(child);
    expect(downstream.batches.flat()).toContain(child);
  });

  it('a batch refused downstream counts nothing, so the app retrying it does not count twice', async () => {
    const { assembly, downstream, advance } = pipeline();
    // Priced once by the real CostEstimator; then the same priced spans reach trace assembly twice.
    const priced = new Downstream();
    await new CostEstimatorProcessor({}, priced).consume(tracesData([...children('t1'), root('t1')]));
    const spans = priced.batches.flat();
    downstream.refuse = true;
    await expect(assembly.consume(tracesData([...spans]))).rejects.toBeInstanceOf(PipelineError);
    downstream.refuse = false;
    await assembly.consume(tracesData([...spans]));
    await advance(2000);
    expect(value(downstream.roots()[0]!, 'tokenmeter.llm.calls')).toBe(4);
    expect(value(downstream.roots()[0]!, 'tokenmeter.cost.total_usd')).toBe(leafCostSum(spans));
  });

  it('an app restart is just new traces; the app’s own session.id is kept', async () => {
    const { downstream, send, advance } = pipeline();
    await send(...children('t1'), workflowRoot('t1', { startMs: 0, durationMs: 1000 }, { 'session.id': 'app-session' }));
    await send(...children('t2'), root('t2'));
    await advance(2000);
    expect(downstream.roots().map((span) => [value(span, 'session.id'), value(span, 'tokenmeter.llm.calls')])).toEqual([
      ['"app-session"', 4],
      ['thread-1', 4],
    ]);
  });

  describe('a nested call counted on its deepest span is in the node its ancestor names (§7 step 3.2)', () => {
    // The provider client's span counts (the deepest); the framework's span around it, a duplicate, names the node.
    /** MLflow's LangChain autolog ChatOpenAI, and its openai autolog's span of the same call inside it (no metadata). */
    const mlflowCall = (trace: string): Span[] => [
      timed(
        makeSpan({
          trace,
          id: 'client',
          parent: PLAN.id,
          name: 'Completions',
          attributes: mlflowAttributes({
            'mlflow.spanType': 'CHAT_MODEL',
            'mlflow.message.format': 'openai',
            model: 'gpt-4o-mini',
            'mlflow.spanInputs': { model: 'gpt-4o-mini', messages: [] },
            'mlflow.chat.tokenUsage': { input_tokens: 100, output_tokens: 20, total_tokens: 120 },
          }),
        }),
        { startMs: 21, durationMs: 798 },
      ),
      chatSpan(trace, PLAN, { startMs: 20, durationMs: 800 }),
    ];
    /** OpenInference's LangChain ChatOpenAI and its OpenAI instrumentor's ChatCompletion inside it. */
    const openInferenceCall = (trace: string): Span[] => {
      const llm = (id: string, parent: string, name: string, extra: Record<string, string>) =>
        makeSpan({
          trace,
          id,
          parent,
          name,
          attributes: attributes({
            'openinference.span.kind': 'LLM',
            'llm.model_name': 'gpt-4o-mini',
            'llm.provider': 'openai',
            'llm.token_count.prompt': 100,
            'llm.token_count.completion': 20,
            ...extra,
          }),
        });
      return [
        timed(llm('client', PLAN.id, 'ChatCompletion', {}), { startMs: 21, durationMs: 798 }),
        timed(llm(PLAN.id, 'n-plan', 'ChatOpenAI', { metadata: '{"langgraph_node": "plan", "langgraph_step": 1}' }), { startMs: 20, durationMs: 800 }),
      ];
    };
    const planNode = (trace: string) => nodeSpan(trace, 'plan', { startMs: 10, durationMs: 900 });
    const planRow = async (batches: Span[][]) => {
      const { downstream, send, advance } = pipeline();
      for (const batch of batches) await send(...batch);
      await advance(2000);
      const spans = downstream.batches.flat();
      expect(spans.filter((span) => value(span, 'tokenmeter.cost.counted') === true).map((span) => span.name)).toEqual([expect.stringMatching(/^(Completions|ChatCompletion)$/)]);
      return json(downstream.roots()[0]!, 'tokenmeter.breakdown.nodes').map((row) => [row['name'], row['calls'], row['tokens'], row['cost_usd'] === leafCostSum(spans)]);
    };
    const PLAN_ROW = [['plan', 1, 120, true]];

    it('MLflow, the client first, its ancestors in later batches', async () => {
      const [client, langChain] = mlflowCall('m1');
      expect(await planRow([[client!], [langChain!], [planNode('m1'), root('m1')]])).toEqual(PLAN_ROW);
    });

    it('MLflow, the ancestors first in the batch (an OTLP request groups spans by scope)', async () => {
      const [client, langChain] = mlflowCall('m2');
      expect(await planRow([[planNode('m2'), langChain!, client!, root('m2')]])).toEqual(PLAN_ROW);
    });

    it('MLflow, through an intermediate span without metadata, up to the node span', async () => {
      // A function the app traces itself (`@mlflow.trace`) inside the node, around the openai client's call.
      const [client] = mlflowCall('m4');
      const traced = timed(makeSpan({ trace: 'm4', id: PLAN.id, parent: 'n-plan', name: 'ask', attributes: mlflowAttributes({ 'mlflow.spanType': 'UNKNOWN' }) }), { startMs: 20, durationMs: 800 });
      expect(await planRow([[client!], [traced], [planNode('m4'), root('m4')]])).toEqual(PLAN_ROW);
    });

    it('OpenInference ChatOpenAI → ChatCompletion', async () => {
      const [client, chatOpenAI] = openInferenceCall('o1');
      expect(await planRow([[client!], [chatOpenAI!, planNode('o1'), root('o1')]])).toEqual(PLAN_ROW);
    });
  });

  it('stopping with its traces in memory, gives a held root one exporter refuses (a full queue) to the others, which alone would lose it', async () => {
    // Two exporters behind the pipeline's fan-out, all or none while running: the second's queue fills while the root
    // is held.
    const [ledger, mlflow] = [new Downstream(), new Downstream()];
    let full = false;
    const fullQueue = { admissionRefusal: () => (full ? new PipelineError('queue full', 'overloaded', 1) : undefined) };
    const exporters = new FanOutConsumer([{ consumer: ledger }, { consumer: mlflow, admission: fullQueue }]);
    const assembly = new TraceAssemblyProcessor(traceAssemblyConfigSchema.parse({ root_wait: '60s' }), exporters, silentLogger());
    await new CostEstimatorProcessor({}, assembly).consume(tracesData([...children('t1'), root('t1')]));
    full = true;
    await assembly.shutdown();
    expect(ledger.roots()).toHaveLength(1);
    expect(mlflow.roots()).toHaveLength(0);
    // While running, the fan-out gives a batch to none when one refuses it.
    await expect(exporters.consume(tracesData([root('t2')]))).rejects.toThrow('queue full');
    expect(ledger.roots()).toHaveLength(1);
  });

  it('forwards a held root in envelopes with the fields of its own it does not know, also after the store kept it', async () => {
    // Fields of a newer OTLP on the root's ResourceSpans and ScopeSpans (field 102, a string; field 101, a varint).
    const resourceUnknown = [Uint8Array.from([0xb2, 0x06, 3, 0x61, 0x62, 0x63])];
    const scopeUnknown = [Uint8Array.from([0xa8, 0x06, 7])];
    const request = tracesData([...children('u1'), root('u1')]);
    const last = request.resourceSpans[0]!;
    const rootSpan = last.scopeSpans[0]!.spans.pop()!;
    request.resourceSpans.push({ ...last, unknownFields: resourceUnknown, scopeSpans: [{ ...last.scopeSpans[0]!, unknownFields: scopeUnknown, spans: [rootSpan] }] });
    const batches: TracesData[] = [];
    const assembly = new TraceAssemblyProcessor(traceAssemblyConfigSchema.parse({ root_wait: '60s' }), { consume: async (data) => void batches.push(data) }, silentLogger());
    await new CostEstimatorProcessor({}, assembly).consume(request);
    await assembly.shutdown();
    const forwarded = batches.flatMap((batch) => batch.resourceSpans).find((resourceSpans) => resourceSpans.scopeSpans[0]!.spans.includes(rootSpan))!;
    expect(forwarded.unknownFields).toEqual(resourceUnknown);
    expect(forwarded.scopeSpans[0]!.unknownFields).toEqual(scopeUnknown);

    // Kept on disk for a restart, and read back.
    const store = new OpenTraceStore(Store.memory(), 'traceassembly@traces');
    const kept = { span: rootSpan, resource: undefined, resourceSchemaUrl: '', scope: undefined, scopeSchemaUrl: '', resourceUnknownFields: resourceUnknown, scopeUnknownFields: scopeUnknown, resendable: true };
    store.save({ id: 'u1', phase: 'holding', deadline: 0, rootForwarded: false, summary: {} as never }, kept);
    const loaded = store.loadAll()[0]!.root!;
    expect(loaded.resourceUnknownFields?.map((field) => [...field])).toEqual(resourceUnknown.map((field) => [...field]));
    expect(loaded.scopeUnknownFields?.map((field) => [...field])).toEqual(scopeUnknown.map((field) => [...field]));
  });

  it('shutdown forwards held roots and records every open trace', async () => {
    const { assembly, downstream, finished, send } = pipeline();
    await send(...children('t1'), root('t1'));
    await send(...children('t2'));
    await assembly.shutdown();
    expect(downstream.roots()).toHaveLength(1);
    expect(finished.map((trace) => trace.outcome).sort()).toEqual(['complete', 'root_missing']);
  });
});
