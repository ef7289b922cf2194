/**
 * Recognition + pricing throughput on one core, for two batches of 504 spans:
 *  - LangGraph mix: MLflow-traced LangGraph agent runs as MLflow 3 exports them (every value JSON-encoded, LangGraph
 *    metadata on every span, inputs and outputs as JSON): per run a root, node, conditional-edge and tool spans and
 *    two chat-model spans, so 2 spans in 9 are model calls;
 *  - all model calls (worst case): MLflow LangChain chat spans and OTel GenAI chat spans, alternately.
 * Each round decodes the batch from protobuf outside the timed section, so attribute keys and values are as on the
 * receiver (literal strings would be pre-hashed and flatter the figures), and trace ids are renumbered so that every
 * round prices new calls of new traces. Token counts differ from call to call and between VARIANTS versions of each
 * batch, taken in turn: costs that repeat would be turned into text from V8's number-string cache, which real
 * traffic, every call priced differently, rarely hits (a double printed afresh costs ~100 ns, ~10 from the cache).
 * Baseline, in the same run on the same decoded spans: a loop that only reads
 * every attribute of every span; the ratio says what recognition and pricing cost on top of touching the data at all.
 * For scale in the pipeline, decoding the same batch from protobuf is timed too: the receiver pays it for every span
 * before the CostEstimator sees one. Rounds of the four measurements are interleaved (best of 5), so a busy machine
 * slows all of them alike.
 *
 * Then the pipeline itself, in process: protobuf decode → CostEstimator → trace assembly → protobuf encode (what an
 * OTLP exporter does), against the same pipeline without the CostEstimator. The difference is what pricing costs a
 * pipeline, everything it brings on included: the attributes it adds are encoded, and the collections of the young
 * generation it triggers copy whatever else is alive. Timing stages alone misleads here: which stage a collection
 * falls in, and whether V8 has moved the decoded requests to the old generation (it does once they keep surviving),
 * changes a stage's figure two- or threefold while the pipeline's stays the same. The two pipelines run back to back in
 * each round, and the shares are medians of what each round shows (see PIPELINE_ROUNDS).
 */
import { decodeTracesProtobuf, encodeTracesProtobuf } from '../../src/otlp/index.js';
import type { TracesData } from '../../src/otlp/index.js';
import { CostEstimatorProcessor } from '../../src/processors/costestimator/processor.js';
import { recognizeSpan } from '../../src/recognition/recognize.js';
import type { TracesConsumer } from '../../src/pipeline/consumer.js';
import { TraceAssemblyProcessor } from '../../src/processors/traceassembly/processor.js';
import { traceAssemblyConfigSchema } from '../../src/processors/traceassembly/config.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { allModelCalls, langGraphMix } from './support/langGraphTraffic.js';

const SPANS = 504;
/** Versions of each batch with other token counts; together they price more distinct amounts than V8 caches as text. */
const VARIANTS = 32;
const ROUNDS = 5;
/**
 * Rounds of the pipelines, each both pipelines back to back. Their share of pricing is the median over rounds of the
 * paired ratio: best-of rates taken apart could pair one pipeline's lucky round with the other's unlucky one, and
 * on this noisy host that once reported pricing as making the pipeline faster.
 */
const PIPELINE_ROUNDS = 11;
const ROUND_MS = 200;

type Work = (data: TracesData) => void;

/**
 * A fresh decoded copy of a batch per round (the versions in turn), with trace ids renumbered so that every round is
 * new traces.
 */
function decodedRounds(versions: readonly Uint8Array[]): () => TracesData {
  let round = 0;
  return () => {
    const decoded = decodeTracesProtobuf(versions[round % versions.length]!);
    round++;
    for (const resourceSpans of decoded.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        // The ids are views into `encoded` (Buffer views, whose slice() does not copy): copy before renumbering. A
        // Uint8Array of its own, not `Buffer.from`: a small Buffer is a slice of Node's shared pool, and the DataView
        // below would write into the pool rather than the id, so every round would replay the same traces.
        for (const span of scopeSpans.spans) {
          span.traceId = new Uint8Array(span.traceId);
          new DataView(span.traceId.buffer).setUint32(0, round);
        }
      }
    }
    return decoded;
  };
}

/**
 * Best spans/s of each `work` over interleaved rounds of ~ROUND_MS each. Each step decodes one batch (not timed)
 * and times `work` on it, as the pipeline prices a batch right after decoding it. Collections triggered while
 * timing are charged to the work, in proportion to what it allocates: the baseline allocates nothing.
 */
function measure(versions: readonly Uint8Array[], works: readonly Work[]): number[] {
  const next = decodedRounds(versions);
  const best = works.map(() => 0);
  for (let round = 0; round <= ROUNDS; round++) {
    works.forEach((work, index) => {
      let elapsed = 0;
      let spans = 0;
      while (elapsed < ROUND_MS) {
        const batch = next();
        const started = performance.now();
        work(batch);
        elapsed += performance.now() - started;
        spans += SPANS;
      }
      // Round 0 only warms up.
      if (round > 0) best[index] = Math.max(best[index]!, (spans / elapsed) * 1000);
    });
  }
  return best;
}

let sink = 0;
function readAllAttributes(data: TracesData): void {
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        for (const attribute of span.attributes) if (attribute.key.length > 0 && attribute.value.kind === 'string') sink += attribute.value.value.length;
      }
    }
  }
}

function recogniseOnly(data: TracesData): void {
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) if (recognizeSpan(span) !== undefined) sink++;
    }
  }
}

/** One pipeline: the CostEstimator, if any, then trace assembly (which hands batches to the encoding exporter). */
interface Pipeline {
  pricing: CostEstimatorProcessor | undefined;
  assembly: TraceAssemblyProcessor;
}

async function pipeline(withPricing: boolean): Promise<Pipeline> {
  const exporter: TracesConsumer = {
    consume: async (data) => {
      sink += encodeTracesProtobuf(data).length;
    },
  };
  // Defaults, as `npm start` runs it: traces past max_open_traces are finished early, which is the work a sweep
  // does for every trace anyway (the root enriched and forwarded).
  const assembly = new TraceAssemblyProcessor(traceAssemblyConfigSchema.parse({}), exporter, silentLogger());
  await assembly.start();
  return { pricing: withPricing ? new CostEstimatorProcessor({}, assembly) : undefined, assembly };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Best spans/s of each pipeline over interleaved rounds, decoding included; and, as medians over rounds, the share of
 * the priced pipeline's time per span that pricing adds (from the two rates of each round) and the share spent inside
 * the CostEstimator. `pipelines`: without the CostEstimator, then with it.
 */
async function measurePipelines(versions: readonly Uint8Array[], pipelines: readonly [Pipeline, Pipeline]): Promise<{ rates: number[]; share: number; inside: number }> {
  const next = decodedRounds(versions);
  const rates = pipelines.map(() => 0);
  const shares: number[] = [];
  const insides: number[] = [];
  for (let round = 0; round <= PIPELINE_ROUNDS; round++) {
    const roundRates: number[] = [];
    for (const [index, { pricing, assembly }] of pipelines.entries()) {
      let elapsed = 0;
      let pricingTime = 0;
      let spans = 0;
      while (elapsed < ROUND_MS) {
        const started = performance.now();
        const batch = next();
        // What CostEstimatorProcessor.consume does, with its own part timed.
        if (pricing !== undefined) {
          const pricingStarted = performance.now();
          pricing.process(batch);
          pricingTime += performance.now() - pricingStarted;
        }
        await assembly.consume(batch);
        elapsed += performance.now() - started;
        spans += SPANS;
      }
      const rate = (spans / elapsed) * 1000;
      roundRates[index] = rate;
      // Round 0 only warms up.
      if (round === 0) continue;
      rates[index] = Math.max(rates[index]!, rate);
      if (pricing !== undefined) insides.push(pricingTime / elapsed);
    }
    // The part of the priced pipeline's time per span that the unpriced one does not spend.
    if (round > 0) shares.push(1 - roundRates[1]! / roundRates[0]!);
  }
  return { rates, share: median(shares), inside: median(insides) };
}

export async function run(): Promise<void> {
  const processor = new CostEstimatorProcessor({ max_open_traces: 10_000 }, { consume: async () => {} });
  const price: Work = (data) => processor.process(data);
  const format = (rate: number): string => `${(rate / 1e6).toFixed(2).padStart(6)} M spans/s`;
  const formatThousands = (rate: number): string => `${(rate / 1e3).toFixed(0).padStart(6)} k spans/s`;
  for (const [name, batch] of [
    ['LangGraph mix (2 in 9 spans are model calls)', langGraphMix],
    ['all model calls (worst case)', allModelCalls],
  ] as const) {
    const versions = Array.from({ length: VARIANTS }, (_, variant) => encodeTracesProtobuf(batch(variant, SPANS)));
    const decode: Work = () => {
      sink += decodeTracesProtobuf(versions[0]!).resourceSpans.length;
    };
    const [baseline, decoded, recognised, priced] = measure(versions, [readAllAttributes, decode, recogniseOnly, price]) as [number, number, number, number];
    console.log(`${name}`);
    console.log(`  baseline (read every attribute)     ${format(baseline)}`);
    console.log(`  protobuf decode (for scale)         ${format(decoded)}`);
    console.log(`  recognition only                    ${format(recognised)}`);
    console.log(
      `  recognition + pricing + attributes  ${format(priced)}  (${(baseline / priced).toFixed(1)}× the baseline's time per span, ` +
        `${((decoded / priced) * 100).toFixed(0)}% of decoding's)`,
    );
    const pipelines: [Pipeline, Pipeline] = [await pipeline(false), await pipeline(true)];
    const { rates, share, inside } = await measurePipelines(versions, pipelines);
    const [without, withPricing] = rates as [number, number];
    console.log('  in a pipeline: protobuf decode → [CostEstimator] → trace assembly → protobuf encode');
    console.log(`    without the CostEstimator         ${formatThousands(without)}`);
    console.log(
      `    with it                           ${formatThousands(withPricing)}  (pricing: ${(share * 100).toFixed(0)}% of the pipeline's time per span, ` +
        `${(inside * 100).toFixed(0)}% spent inside the CostEstimator; medians of ${PIPELINE_ROUNDS} paired rounds)`,
    );
    for (const { assembly } of pipelines) await assembly.shutdown();
  }
  if (sink < 0) console.log(sink);
}
