/**
 * Recognition + pricing throughput on one core: a 512-span batch in the shapes the sidecar sees most (MLflow
 * LangChain chat spans with JSON-encoded values, OTel GenAI chat spans, and plain chain/tool spans around them).
 * Baseline, measured in the same run: a loop that only reads every attribute of every span, so the ratio says what
 * recognition and pricing cost on top of touching the data at all.
 */
import { CostEstimatorProcessor } from '../../src/processors/costestimator/processor.js';
import { recognizeSpan } from '../../src/processors/costestimator/recognize.js';
import { attributes, makeSpan, mlflowAttributes, tracesData } from '../../src/processors/costestimator/testSpans.js';
import type { Span, TracesData } from '../../src/otlp/index.js';

const SPANS = 512;
const MEASURE_MS = 1500;

function batch(): TracesData {
  const spans: Span[] = [];
  for (let i = 0; i < SPANS; i++) {
    const trace = `t${Math.floor(i / 8)}`;
    const id = `s${i}`;
    const parent = i % 8 === 0 ? undefined : `s${i - (i % 8)}`;
    const common = { trace, id, ...(parent === undefined ? {} : { parent }) };
    switch (i % 4) {
      case 0:
        spans.push(makeSpan({ ...common, attributes: mlflowAttributes({ 'mlflow.spanType': 'CHAIN', 'mlflow.spanInputs': { messages: ['hi'] }, metadata: { langgraph_node: 'agent' } }) }));
        break;
      case 1:
        spans.push(
          makeSpan({
            ...common,
            attributes: mlflowAttributes({
              'mlflow.spanType': 'CHAT_MODEL',
              'mlflow.chat.tokenUsage': { input_tokens: 1200 + i, output_tokens: 300, total_tokens: 1500 + i },
              invocation_params: { model: 'gpt-4o-mini', model_name: 'gpt-4o-mini', temperature: 0.2, _type: 'openai-chat' },
              metadata: { langgraph_node: 'agent', langgraph_step: 3, ls_provider: 'openai', ls_model_name: 'gpt-4o-mini', thread_id: 'abc' },
              'mlflow.message.format': 'langchain',
            }),
          }),
        );
        break;
      case 2:
        spans.push(
          makeSpan({
            ...common,
            attributes: attributes({
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'anthropic',
              'gen_ai.request.model': 'claude-sonnet-4-5',
              'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
              'gen_ai.response.id': `msg_${i}`,
              'gen_ai.usage.input_tokens': 5000 + i,
              'gen_ai.usage.cache_read.input_tokens': 3000,
              'gen_ai.usage.output_tokens': 400,
              'server.address': 'api.anthropic.com',
            }),
          }),
        );
        break;
      default:
        spans.push(makeSpan({ ...common, attributes: attributes({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'http.status_code': 200 }) }));
    }
  }
  return tracesData(spans);
}

/**
 * Spans per second of `work` over one batch, reused: between rounds (outside the timed section) the attributes the
 * processor appended are cut off again and the trace ids renumbered, so every round prices fresh calls of new traces
 * without building garbage that the collector would charge to the measurement.
 */
function spansPerSecond(data: TracesData, work: (data: TracesData) => void): number {
  const spans = data.resourceSpans.flatMap((resourceSpans) => resourceSpans.scopeSpans.flatMap((scopeSpans) => scopeSpans.spans));
  const originalLengths = spans.map((span) => span.attributes.length);
  let processed = 0;
  let elapsed = 0;
  for (let round = 1; elapsed < MEASURE_MS; round++) {
    spans.forEach((span, i) => {
      span.attributes.length = originalLengths[i]!;
      new DataView(span.traceId.buffer, span.traceId.byteOffset).setUint32(0, round);
    });
    const started = performance.now();
    work(data);
    elapsed += performance.now() - started;
    processed += spans.length;
  }
  return (processed / elapsed) * 1000;
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

export async function run(): Promise<void> {
  const processor = new CostEstimatorProcessor({ maxOpenTraces: 10_000 }, { consume: async () => {} });
  const price = (data: TracesData): void => processor.process(data);
  // Warm both paths before measuring.
  const data = batch();
  spansPerSecond(data, readAllAttributes);
  spansPerSecond(data, price);
  const baseline = spansPerSecond(data, readAllAttributes);
  spansPerSecond(data, recogniseOnly);
  const recognised = spansPerSecond(data, recogniseOnly);
  const priced = spansPerSecond(data, price);
  const format = (rate: number): string => `${(rate / 1e6).toFixed(2)} M spans/s`;
  console.log(`baseline (read every attribute)     ${format(baseline)}`);
  console.log(`recognition only                    ${format(recognised)}`);
  console.log(`recognition + pricing + attributes  ${format(priced)}  (${(baseline / priced).toFixed(1)}× the baseline's time per span; half the spans are model calls)`);
  if (sink < 0) console.log(sink);
}
