/**
 * "When LLM spans nest, count one" (genai-conventions.md §7 step 3) across batches. Spans of one trace arrive over
 * several batches, children usually first (they end first). Per open trace we remember the parent of each span seen,
 * the model-call spans counted, and every known ancestor of a counted span ("covered").
 *
 * A model-call span with usage is a duplicate when
 *  - it is covered by a call with usage: a descendant was already counted (the usual order: provider-SDK child
 *    first, framework parent later);
 *  - one of its known ancestors was counted with usage (the parent arrived first and could not be un-counted);
 *  - a span counted lately reported the same response id and input tokens at the same time: in the trace, two tracer
 *    providers with no parent link; in another trace, two instrumentations that share no context (see
 *    `RecentResponses`). A server may repeat its ids (Ollama draws them from 999): calls at other times, or with
 *    other inputs, are other calls. A span of the trace whose id the memory has forgotten since (or from before a
 *    restart) is matched by its id alone.
 * A model-call span without usage (streaming without usage) is a duplicate when any counted call is in its chain;
 * otherwise it counts as an unpriced call. It never hides a call with usage: an ancestor with usage that arrives
 * later still counts (and is priced), so that call is then counted twice, once unpriced.
 *
 * Deciding is idempotent per span: the same span arriving again (an app's retry) gets the same answer.
 *
 * So the rule is "first counted wins within a nested chain"; within one batch, deeper spans are decided first, which
 * makes the deepest span win whenever both arrive together. Limit: a chain whose linking span arrives after both ends
 * (child and ancestor in different batches, the span between them later still) is counted twice; the memory is
 * bounded by `max_open_traces` (least recently seen trace forgotten first). It outlives a graceful restart
 * (`toState` / `restore`, through `CallMemoryStore`), not a crash.
 *
 * Trace and span ids are kept as numbers (see `traceKey`, `spanKey`) rather than hex strings: no string building or
 * hashing on every span.
 */

import { fold53 } from '../../otlp/idKeys.js';
import type { CallLayer } from '../../recognition/index.js';

/** Per-entry state bits: counted (with / without usage), covered (by a call with / without usage). */
const COUNTED = 1;
const COUNTED_WITH_USAGE = 2;
const COVERED = 4;
const COVERED_WITH_USAGE = 8;
const NONE = -1;
const MAX_STEPS = 1000;
const TWO_POW_32 = 2 ** 32;
const PICO_PER_USD = 1e12;
/** Room for 16 spans before the table first grows: most agent traces fit, and growing was a tenth of linking. */
const INITIAL_SLOTS = 32;
/** Copied for each new trace: copying a small array is a fast builtin, `new Array(n).fill(0)` a runtime call. */
const EMPTY_SLOTS: readonly number[] = Array.from({ length: INITIAL_SLOTS }, () => 0);
const INITIAL_SHIFT = 32 - Math.log2(INITIAL_SLOTS);
/** A reused memory keeps a table grown up to this size (a trace of 512 spans); a larger one is dropped. */
const MAX_KEPT_SLOTS = 1024;

/**
 * The spans of one trace in an open-addressing table: span keys (53-bit numbers, kept unboxed in a double array),
 * the entry of each span's parent (an index, so walking a chain does no hashing), and the state bits. Allocation is
 * a handful of small arrays per trace instead of three Maps of boxed numbers.
 */
export class TraceMemory {
  /** Entries 0 … size-1 are in use; the arrays are longer when the memory is reused for a smaller trace. */
  size = 0;
  readonly keys: number[] = [0.5];
  readonly parent: number[] = [];
  readonly state: number[] = [];
  /**
   * Per counted entry, the cost MLflow was given for its call (`mlflow.llm.cost`) in pico-USD, its input and output
   * parts and its total, NaN when unpriced or unknown (restored after a restart): what an outer span of the call shows
   * MLflow (see `wrappedCost`). Read only for counted entries, so nothing is written for the others.
   */
  readonly inputCost: number[] = [];
  readonly outputCost: number[] = [];
  readonly totalCost: number[] = [];
  /** Entry index + 1 per hash slot, 0 when empty; the length is a power of two, at least twice the entries. */
  private slots: number[] = EMPTY_SLOTS.slice();
  private shift = INITIAL_SHIFT;
  callsWithUsage = 0;
  /** Neighbours in the recency list (older, newer). */
  older: TraceMemory | undefined;
  newer: TraceMemory | undefined;

  constructor(public id: number) {}

  /**
   * Makes this the empty memory of another trace. Evicted memories are reused rather than left to the collector:
   * they live long (until 10,000 newer traces came), so each one dropped cost a full collection's work.
   */
  reuse(id: number): void {
    this.id = id;
    this.size = 0;
    if (this.slots.length > MAX_KEPT_SLOTS) {
      this.slots = EMPTY_SLOTS.slice();
      this.shift = INITIAL_SHIFT;
    } else {
      this.slots.fill(0);
    }
    this.callsWithUsage = 0;
  }

  /** The entry of a span, or NONE. */
  find(key: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let h = hash(key, this.shift); ; h = (h + 1) & mask) {
      const entry = slots[h]!;
      if (entry === 0) return NONE;
      if (this.keys[entry - 1] === key) return entry - 1;
    }
  }

  /** The entry of a span, created (parent unknown, no state) when absent. */
  entry(key: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    let h = hash(key, this.shift);
    for (; ; h = (h + 1) & mask) {
      const entry = slots[h]!;
      if (entry === 0) break;
      if (this.keys[entry - 1] === key) return entry - 1;
    }
    const index = this.size++;
    this.keys[index] = key;
    this.parent[index] = NONE;
    this.state[index] = 0;
    slots[h] = index + 1;
    if ((index + 1) * 2 > slots.length) this.grow();
    return index;
  }

  /** Refills an empty memory (new or just reused) from stored entries that `isStoredTrace` accepted, in their order. */
  restoreEntries(keys: readonly number[], parents: readonly number[], states: readonly number[], callsWithUsage: number): void {
    for (let index = 0; index < keys.length; index++) {
      this.entry(keys[index]!);
      this.parent[index] = parents[index]!;
      this.state[index] = states[index]!;
      // Costs are not stored: a restored call's is unknown.
      this.inputCost[index] = Number.NaN;
      this.outputCost[index] = Number.NaN;
      this.totalCost[index] = Number.NaN;
    }
    this.callsWithUsage = callsWithUsage;
  }

  private grow(): void {
    const slots: number[] = [];
    for (let h = this.slots.length * 2; h > 0; h--) slots.push(0);
    this.shift--;
    const mask = slots.length - 1;
    for (let index = 0; index < this.size; index++) {
      let h = hash(this.keys[index]!, this.shift);
      while (slots[h] !== 0) h = (h + 1) & mask;
      slots[h] = index + 1;
    }
    this.slots = slots;
  }
}

/** The top bits of a multiplicative hash of the key's low 32 bits xor its high bits. */
function hash(key: number, shift: number): number {
  const low = key >>> 0;
  const high = (key / TWO_POW_32) | 0;
  return Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> shift;
}

/** No response id to remember: never a key, since response keys are negative and span keys are not. */
const NO_RESPONSE = 0;

/**
 * A response id (`gen_ai.response.id`) as a key of the same table as the trace's spans: a negative 53-bit number,
 * so never a span's key (those are not negative), from two 32-bit hashes of its characters. The ids of the calls
 * counted are remembered so, as entries without parent or state; only their presence is looked up. Keeping the
 * strings in a Set per trace instead kept them alive as long as the trace (10,000 traces by default): every one
 * of them was copied by the young-generation collections and then promoted, and when all spans were model calls with
 * response ids, the collections that caused cost more than pricing them. Two ids of one trace share a key with
 * probability about 2^-53 per pair; the later call would then be taken for the same call, as in `spanKey`.
 */
export function responseKey(id: string): number {
  let low = 0x811c9dc5 ^ id.length;
  let high = 0x6a09e667;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    low = Math.imul(low ^ code, 0x01000193);
    high = Math.imul((high ^ code) + (high >>> 15), 0x5bd1e995);
  }
  return -1 - fold53(finalMix(high), finalMix(low));
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function finalMix(hash: number): number {
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** One remembered trace as stored: its key, its calls with usage, and per entry the span (or response) key, parent entry and state. */
export type TraceMemoryState = [traceId: number, callsWithUsage: number, keys: number[], parents: number[], states: number[]];

/** Counted calls remembered across traces by response id (see `RecentResponses`): more than arrive within seconds. */
const RECENT_RESPONSES = 16_384;

/**
 * The calls counted lately, by response id, whatever their trace: two instrumentations of one call that do not share a
 * context export it in two traces. The Anthropic SDK's own span and OpenLLMetry's or OpenInference's, tried with
 * anthropic 2.17, opentelemetry-instrumentation-anthropic 0.62.4 and openinference-instrumentation-anthropic 3.1.0,
 * come as two roots with the same response id and input tokens (OpenLLMetry always, OpenInference when streaming):
 * counted twice before. A span is the same call as one counted in another trace when it reports the same response id
 * and the same input tokens, and their times overlap. Output counts may differ: instrumentations add up a stream's
 * output differently (OpenLLMetry adds the count in Anthropic's `message_start` to the final one, 51 for 50). A server
 * that hands out one id for every call (some local ones do) repeats it on calls made one after another, which do not
 * overlap, and every call that had the id lately is compared, not only the last. A ring of the last RECENT_RESPONSES,
 * numbers in typed arrays, so that remembering allocates nothing but the map's key.
 */
class RecentResponses {
  /** The latest slot of each response id; each slot links to the one before it with the same id (`earlier`). */
  private readonly slotOf = new Map<number, number>();
  private readonly keys = new Float64Array(RECENT_RESPONSES);
  private readonly earlier = new Int32Array(RECENT_RESPONSES).fill(-1);
  private readonly traces = new Float64Array(RECENT_RESPONSES);
  private readonly inputs = new Float64Array(RECENT_RESPONSES);
  private readonly times = new Float64Array(2 * RECENT_RESPONSES);
  private next = 0;

  /**
   * Whether the call is one already counted: a remembered call with the same response id, the same input and times
   * that overlap. Every remembered call with the id is a candidate, latest first, up to SAME_ID_CALLS: with a server
   * that repeats its ids, another call may have taken the id since. `inTrace`: the trace `traceId` counted a call with
   * the id; if none of the remembered calls is that one (forgotten since, or before a restart), the span is taken for
   * it, as the id is all that is left to tell.
   */
  counted(traceId: number, response: number, input: number, startMs: number, endMs: number, inTrace: boolean): boolean {
    let slot = this.slotOf.get(response) ?? -1;
    let sameTraceSeen = false;
    // A link to a slot reused since (by another id, or by the same id later: a loop) ends the walk or is bounded by it.
    for (let steps = 0; slot >= 0 && steps < SAME_ID_CALLS && this.keys[slot] === response; steps++, slot = this.earlier[slot]!) {
      if (this.traces[slot] === traceId) sameTraceSeen = true;
      if (this.inputs[slot] === input && this.times[2 * slot]! <= endMs && startMs <= this.times[2 * slot + 1]!) return true;
    }
    return inTrace && !sameTraceSeen;
  }

  remember(traceId: number, response: number, input: number, startMs: number, endMs: number): void {
    const slot = this.next;
    this.next = (slot + 1) % RECENT_RESPONSES;
    const evicted = this.keys[slot]!;
    if (evicted !== 0 && this.slotOf.get(evicted) === slot) this.slotOf.delete(evicted);
    this.keys[slot] = response;
    this.earlier[slot] = this.slotOf.get(response) ?? -1;
    this.traces[slot] = traceId;
    this.inputs[slot] = input;
    this.times[2 * slot] = startMs;
    this.times[2 * slot + 1] = endMs;
    this.slotOf.set(response, slot);
  }
}

/**
 * Calls with one response id compared at most (see `RecentResponses`): a server that repeats its ids serves each in
 * turn, and the spans of one call arrive within seconds of each other, not after a hundred later calls.
 */
const SAME_ID_CALLS = 64;

/** Counted calls remembered across traces by their usage (see `LayeredCalls`). */
const RECENT_LAYERED = 4096;

/**
 * The OpenInference calls counted lately whose two spans may have come in two traces with no response id to match
 * them by. With openinference-instrumentation-langchain 0.1.80 and -openai 0.1.66 (langchain-openai 1.1.7), a
 * streamed ChatOpenAI call comes as LangChain's span and the OpenAI client's, roots of two traces, and LangChain's
 * result names no response id: counted twice before. So was every call of LlamaIndex's OpenAI LLM with
 * openinference-instrumentation-llama-index 4.3.10 beside the OpenAI instrumentor: its span keeps the answer's text.
 * A span is the other span of a call counted in another trace when it is of the other layer (framework or client),
 * reports the same input, output, cache-read and reasoning tokens, and the client's span is one the framework's made
 * (`madeWithin`). Limit: two calls with those same counts at the same time, one of them made without the framework,
 * can be taken for one.
 */
class LayeredCalls {
  private readonly slotsByUsage = new Map<string, number[]>();
  private readonly usages: Array<string | undefined> = new Array<string | undefined>(RECENT_LAYERED).fill(undefined);
  private readonly traces = new Float64Array(RECENT_LAYERED);
  private readonly frameworks = new Uint8Array(RECENT_LAYERED);
  private readonly times = new Float64Array(2 * RECENT_LAYERED);
  private next = 0;

  /** Whether the call is the other span of one counted in another trace than `traceId`. */
  pairedElsewhere(traceId: number, layer: CallLayer, usage: LayeredUsage, startMs: number, endMs: number): boolean {
    const slots = this.slotsByUsage.get(usageKey(usage));
    if (slots === undefined) return false;
    const framework = layer === 'framework';
    for (const slot of slots) {
      if (this.traces[slot] === traceId || (this.frameworks[slot] === 1) === framework) continue;
      const [otherStart, otherEnd] = [this.times[2 * slot]!, this.times[2 * slot + 1]!];
      if (framework ? madeWithin(startMs, endMs, otherStart, otherEnd) : madeWithin(otherStart, otherEnd, startMs, endMs)) return true;
    }
    return false;
  }

  remember(traceId: number, layer: CallLayer, usage: LayeredUsage, startMs: number, endMs: number): void {
    const slot = this.next;
    this.next = (slot + 1) % RECENT_LAYERED;
    const evicted = this.usages[slot];
    if (evicted !== undefined) {
      const slots = this.slotsByUsage.get(evicted)!;
      slots.splice(slots.indexOf(slot), 1);
      if (slots.length === 0) this.slotsByUsage.delete(evicted);
    }
    const key = usageKey(usage);
    this.usages[slot] = key;
    this.traces[slot] = traceId;
    this.frameworks[slot] = layer === 'framework' ? 1 : 0;
    this.times[2 * slot] = startMs;
    this.times[2 * slot + 1] = endMs;
    const slots = this.slotsByUsage.get(key);
    if (slots === undefined) this.slotsByUsage.set(key, [slot]);
    else slots.push(slot);
  }
}

/**
 * How long after a framework's span of a streamed call ends its client's span may start. LlamaIndex's instrumentor
 * (openinference-instrumentation-llama-index 4.3.10) ends a `stream_chat` span when it hands the stream over, before
 * the client's request is made (0.8 ms before, here), yet reports the stream's counts on it.
 */
const STREAM_HANDOFF_MS = 100;

/**
 * Whether a client's span (`clientStart`…`clientEnd`) is the call a framework's span (`frameworkStart`…`frameworkEnd`)
 * made: its time holds the client's, or the client's starts as the framework's hands a stream over.
 */
function madeWithin(frameworkStart: number, frameworkEnd: number, clientStart: number, clientEnd: number): boolean {
  if (clientStart < frameworkStart) return false;
  return clientEnd <= frameworkEnd || (frameworkEnd <= clientStart && clientStart - frameworkEnd <= STREAM_HANDOFF_MS);
}

/** The counts a call's two spans agree on (their model names may not: `gpt-4o-mini` and its dated name). */
interface LayeredUsage {
  input: number;
  output: number;
  cacheRead: number;
  reasoning: number;
}

/** The usage a call is claimed with: what the layers agree on, and the compactions only the client's span counts. */
interface ClaimedUsage extends LayeredUsage {
  compactions?: readonly { input: number }[] | undefined;
}

/**
 * The input of a call as its response's usage counts it, which every instrumentation of the call reports alike: the
 * Anthropic client's own span also counts the context compactions the response leaves out (`TokenUsage.compactions`).
 */
function responseInput(usage: ClaimedUsage): number {
  let input = usage.input;
  if (usage.compactions !== undefined) for (const compaction of usage.compactions) input -= compaction.input;
  return input;
}

function usageKey({ input, output, cacheRead, reasoning }: LayeredUsage): string {
  return `${input}/${output}/${cacheRead}/${reasoning}`;
}

export class CallMemory {
  private readonly traces = new Map<number, TraceMemory>();
  private readonly responses = new RecentResponses();
  private readonly layered = new LayeredCalls();
  /**
   * Least recently seen first, as a list through the traces themselves: re-ordering a Map (delete and re-insert)
   * leaves holes that every `keys().next()` of an eviction walks past, which made touching a trace the costliest step.
   */
  private oldest: TraceMemory | undefined;
  private newest: TraceMemory | undefined;
  /** The trace touched last: consecutive spans of one trace skip the re-ordering of `traces`. */
  private lastId: number | undefined;
  private last: TraceMemory | undefined;

  constructor(private readonly maxOpenTraces: number) {}

  /**
   * Starts remembering a trace (or marks it recently seen): a trace with a model call. The memory returned is passed
   * back to `depth` and `claim` for the trace's calls in the batch, which saves looking the trace up again for each.
   */
  track(traceId: number): TraceMemory {
    return this.touch(traceId);
  }

  /**
   * The memory of a trace with model calls we remember, marked recently seen, or undefined: only such traces need
   * their span links recorded. One lookup serves the deciding and the linking: on a table of 10,000 traces each
   * lookup is mostly a cache miss, and a second one per trace was a tenth of the CostEstimator's time on agent runs.
   */
  tracked(traceId: number): TraceMemory | undefined {
    if (traceId === this.lastId && this.last !== undefined) return this.last;
    const trace = this.traces.get(traceId);
    if (trace !== undefined) this.seen(trace);
    return trace;
  }

  /** Whether a call with usage was counted in the trace (§7 step 3.4: only otherwise is an aggregate priced). */
  hasCallWithUsage(traceId: number): boolean {
    const trace = this.traces.get(traceId);
    return trace !== undefined && trace.callsWithUsage > 0;
  }

  /**
   * Records that span `spanId`'s parent is `parentId` (both from `spanKey`) in a trace's memory from `tracked`,
   * extending the covered chain through it.
   */
  link(trace: TraceMemory, spanId: number, parentId: number): void {
    linkEntries(trace, trace.entry(spanId), parentId);
  }

  /** Number of known ancestors of a span (for deepest-first ordering within a batch); `tracked` is from `track`. */
  depth(tracked: TraceMemory, traceId: number, spanId: number): number {
    const trace = this.current(tracked, traceId);
    const entry = trace.find(spanId);
    if (entry === NONE) return 0;
    let depth = 0;
    for (let id = trace.parent[entry]!; id !== NONE && depth < MAX_STEPS; id = trace.parent[id]!) depth++;
    return depth;
  }

  /**
   * The span keys of a span's known ancestors, nearest first, into `into` (emptied first); `tracked` is from `track`.
   * Response ids are never parents, so only span keys come out.
   */
  ancestors(tracked: TraceMemory, traceId: number, spanId: number, into: number[]): void {
    into.length = 0;
    const trace = this.current(tracked, traceId);
    const entry = trace.find(spanId);
    if (entry === NONE) return;
    for (let id = trace.parent[entry]!; id !== NONE && into.length < MAX_STEPS; id = trace.parent[id]!) into.push(trace.keys[id]!);
  }

  /**
   * Decides whether a model-call span counts, and remembers it when it does; `tracked` is from `track`. With `usage`
   * and the span's times (ms), a call with a response id is also matched to those counted lately in other traces
   * (see `RecentResponses`), and one with a `layer` to the other span of a call counted in another trace (see
   * `LayeredCalls`).
   */
  claim(
    tracked: TraceMemory,
    traceId: number,
    spanId: number,
    responseId: string | undefined,
    withUsage: boolean,
    usage?: ClaimedUsage,
    startMs = 0,
    endMs = 0,
    layer?: CallLayer,
  ): boolean {
    const trace = this.current(tracked, traceId);
    const entry = trace.entry(spanId);
    const state = trace.state[entry]!;
    // The same span again is the same call, not a second one: an app re-sends a batch that was refused downstream
    // (429 while a queue was full) or never acknowledged, and it must be priced again, not turned into a duplicate.
    // Counting it once more is for the stages after us to prevent (idempotent ledger rows, the MLflow exporter).
    if ((state & COUNTED) !== 0) return true;
    if ((state & COVERED_WITH_USAGE) !== 0 || ((state & COVERED) !== 0 && !withUsage)) return false;
    const response = withUsage && responseId !== undefined ? responseKey(responseId) : NO_RESPONSE;
    if (response !== NO_RESPONSE) {
      const inTrace = trace.find(response) !== NONE;
      if (usage === undefined ? inTrace : this.responses.counted(traceId, response, responseInput(usage), startMs, endMs, inTrace)) return false;
    }
    if (layer !== undefined && usage !== undefined && this.layered.pairedElsewhere(traceId, layer, usage, startMs, endMs)) return false;
    let steps = 0;
    for (let id = trace.parent[entry]!; id !== NONE && steps < MAX_STEPS; id = trace.parent[id]!, steps++) {
      const ancestor = trace.state[id]!;
      if ((ancestor & COUNTED_WITH_USAGE) !== 0 || ((ancestor & COUNTED) !== 0 && !withUsage)) return false;
    }
    trace.state[entry] = state | (withUsage ? COUNTED | COUNTED_WITH_USAGE : COUNTED);
    // Unknown until `recordCost` (the call is priced once it is claimed).
    trace.inputCost[entry] = Number.NaN;
    trace.outputCost[entry] = Number.NaN;
    trace.totalCost[entry] = Number.NaN;
    if (withUsage) {
      trace.callsWithUsage++;
      if (response !== NO_RESPONSE) {
        trace.entry(response);
        if (usage !== undefined) this.responses.remember(traceId, response, responseInput(usage), startMs, endMs);
      }
      if (layer !== undefined && usage !== undefined) this.layered.remember(traceId, layer, usage, startMs, endMs);
    }
    const parent = trace.parent[entry]!;
    if (parent !== NONE) cover(trace, parent, withUsage);
    return true;
  }

  /**
   * Remembers what MLflow was given as the cost of a call `claim` counted (`mlflow.llm.cost`, amounts in USD as
   * written); an unpriced call's (NaN) stays unknown. `tracked` is from `track`.
   */
  recordCost(tracked: TraceMemory, traceId: number, spanId: number, cost: { input: number; output: number; total: number }): void {
    const trace = this.current(tracked, traceId);
    const entry = trace.find(spanId);
    if (entry === NONE || (trace.state[entry]! & COUNTED) === 0) return;
    trace.inputCost[entry] = Math.round(cost.input * PICO_PER_USD);
    trace.outputCost[entry] = Math.round(cost.output * PICO_PER_USD);
    trace.totalCost[entry] = Math.round(cost.total * PICO_PER_USD);
  }

  /**
   * The cost of the counted calls below a span `claim` did not count, in USD into `into`, for MLflow: from 3.15 it takes
   * a trace's cost from the outermost span of each chain that carries one, and prices on ingest a span of a call that
   * carries none. Zero when the span is known to wrap none: a counted call is above it, or it is the copy of a call
   * counted in another trace. False, `into` left as is, when unknown: a call below has no cost we know (unpriced, or
   * counted before a restart), or the span has the response id of a call counted in its trace with no link between
   * them known yet (it may turn out to be above it). `tracked` is from `track`.
   */
  wrappedCost(tracked: TraceMemory, traceId: number, spanId: number, responseId: string | undefined, into: { input: number; output: number; total: number }): boolean {
    const trace = this.current(tracked, traceId);
    const wrapper = trace.find(spanId);
    if (wrapper === NONE) return false;
    let input = 0;
    let output = 0;
    let total = 0;
    if ((trace.state[wrapper]! & COVERED) !== 0) {
      // Rare (outer spans of nested calls) and traces are small: every counted entry's chain is walked up.
      for (let entry = 0; entry < trace.size; entry++) {
        if (entry === wrapper || (trace.state[entry]! & COUNTED) === 0 || !someAncestor(trace, entry, (id) => id === wrapper)) continue;
        input += trace.inputCost[entry]!;
        output += trace.outputCost[entry]!;
        total += trace.totalCost[entry]!;
      }
      if (Number.isNaN(total + input + output)) return false;
    } else if (!someAncestor(trace, wrapper, (id) => (trace.state[id]! & COUNTED) !== 0) && responseId !== undefined && trace.find(responseKey(responseId)) !== NONE) {
      return false;
    }
    into.input = input / PICO_PER_USD;
    into.output = output / PICO_PER_USD;
    into.total = total / PICO_PER_USD;
    return true;
  }

  get openTraces(): number {
    return this.traces.size;
  }

  /** Every remembered trace, least recently seen first, to be restored by `restore` after a restart. */
  toState(): TraceMemoryState[] {
    const states: TraceMemoryState[] = [];
    for (let trace = this.oldest; trace !== undefined; trace = trace.newer) {
      const size = trace.size;
      states.push([trace.id, trace.callsWithUsage, trace.keys.slice(0, size), trace.parent.slice(0, size), trace.state.slice(0, size)]);
    }
    return states;
  }

  /**
   * Remembers stored traces again, in their order (the last one most recently seen; past `max_open_traces` the
   * oldest are forgotten as usual). Returns how many were restored; a trace that does not read back is skipped.
   */
  restore(states: readonly unknown[]): number {
    let restored = 0;
    for (const stored of states) {
      if (!isStoredTrace(stored)) continue;
      const [traceId, callsWithUsage, keys, parents, bits] = stored;
      const trace = this.touch(traceId);
      // A trace stored twice keeps its last entries.
      if (trace.size > 0) trace.reuse(traceId);
      trace.restoreEntries(keys, parents, bits, callsWithUsage);
      restored++;
    }
    return restored;
  }

  /**
   * The trace's memory: the one tracked for it, unless that was forgotten and reused for another trace since (a batch
   * with calls in more than `max_open_traces` traces).
   */
  private current(tracked: TraceMemory, traceId: number): TraceMemory {
    return tracked.id === traceId ? tracked : this.touch(traceId);
  }

  private touch(traceId: number): TraceMemory {
    // Only touching another trace can evict this one, and that changes `lastId`.
    if (traceId === this.lastId && this.last !== undefined) return this.last;
    let trace = this.traces.get(traceId);
    if (trace === undefined) {
      if (this.traces.size >= this.maxOpenTraces && this.oldest !== undefined) {
        trace = this.oldest;
        this.unlink(trace);
        this.traces.delete(trace.id);
        trace.reuse(traceId);
      } else {
        trace = new TraceMemory(traceId);
      }
      this.traces.set(traceId, trace);
    }
    this.seen(trace);
    return trace;
  }

  /** Makes a remembered trace the most recently seen. */
  private seen(trace: TraceMemory): void {
    if (trace !== this.newest) {
      // In the list unless new (or just evicted for reuse): only the newest has no newer neighbour.
      if (trace.older !== undefined || trace.newer !== undefined) this.unlink(trace);
      this.append(trace);
    }
    this.lastId = trace.id;
    this.last = trace;
  }

  private append(trace: TraceMemory): void {
    trace.older = this.newest;
    trace.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = trace;
    else this.oldest = trace;
    this.newest = trace;
  }

  private unlink(trace: TraceMemory): void {
    if (trace.older !== undefined) trace.older.newer = trace.newer;
    else this.oldest = trace.newer;
    if (trace.newer !== undefined) trace.newer.older = trace.older;
    else this.newest = trace.older;
    trace.older = undefined;
    trace.newer = undefined;
  }
}

/**
 * Whether a stored trace describes a memory: distinct keys, parents among its entries, known state bits. One that
 * does not is left out rather than guessed at.
 */
function isStoredTrace(stored: unknown): stored is TraceMemoryState {
  if (!Array.isArray(stored) || stored.length !== 5) return false;
  const [traceId, callsWithUsage, keys, parents, states] = stored as unknown[];
  if (!Number.isSafeInteger(traceId) || !Number.isSafeInteger(callsWithUsage) || (callsWithUsage as number) < 0) return false;
  if (!Array.isArray(keys) || !Array.isArray(parents) || !Array.isArray(states)) return false;
  const size = keys.length;
  if (parents.length !== size || states.length !== size || new Set(keys).size !== size) return false;
  const allStates = COUNTED | COUNTED_WITH_USAGE | COVERED | COVERED_WITH_USAGE;
  return (
    keys.every((key) => Number.isSafeInteger(key)) &&
    parents.every((parent) => Number.isInteger(parent) && parent >= NONE && parent < size) &&
    states.every((state) => Number.isInteger(state) && state >= 0 && (state & ~allStates) === 0)
  );
}

/** Sets an entry's parent, and extends the covered chain through it when the entry is counted or covered. */
function linkEntries(trace: TraceMemory, entry: number, parentKey: number): void {
  const parent = trace.entry(parentKey);
  trace.parent[entry] = parent;
  const state = trace.state[entry]!;
  // counted.get(span) ?? covered.get(span): whether a call with usage is at or below the span.
  if ((state & COUNTED) !== 0) cover(trace, parent, (state & COUNTED_WITH_USAGE) !== 0);
  else if ((state & COVERED) !== 0) cover(trace, parent, (state & COVERED_WITH_USAGE) !== 0);
}

/** Whether a known ancestor of `entry` passes `test`. */
function someAncestor(trace: TraceMemory, entry: number, test: (ancestor: number) => boolean): boolean {
  let steps = 0;
  for (let id = trace.parent[entry]!; id !== NONE && steps < MAX_STEPS; id = trace.parent[id]!, steps++) if (test(id)) return true;
  return false;
}

/** Marks `from` and its known ancestors covered; a call with usage below upgrades a cover without usage. */
function cover(trace: TraceMemory, from: number, withUsage: boolean): void {
  let steps = 0;
  for (let id = from; id !== NONE && steps < MAX_STEPS; id = trace.parent[id]!, steps++) {
    const state = trace.state[id]!;
    if ((state & COVERED_WITH_USAGE) !== 0 || ((state & COVERED) !== 0 && !withUsage)) break;
    trace.state[id] = state | (withUsage ? COVERED | COVERED_WITH_USAGE : COVERED);
  }
}
