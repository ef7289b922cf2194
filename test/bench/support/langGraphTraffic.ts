/**
 * The traffic the benchmarks price: batches of MLflow-traced LangGraph agent runs as MLflow 3 exports them (every value
 * JSON-encoded, LangGraph metadata on every span, inputs and outputs as JSON), and batches made only of model calls.
 * Token counts differ from call to call and between versions of a batch (`variant`), so that costs do not repeat.
 */
import type { KeyValue, Span, TracesData } from '../../../src/otlp/index.js';
import { attributes, makeSpan, mlflowAttributes, tracesData } from '../../../src/recognition/testSpans.js';

function langGraphMetadata(node: string, step: number, run: number): Record<string, unknown> {
  return {
    thread_id: `thread-${run}`,
    langgraph_step: step,
    langgraph_node: node,
    langgraph_triggers: [`branch:to:${node}`],
    langgraph_path: ['__pregel_pull', node],
    langgraph_checkpoint_ns: `${node}:6f1c${run.toString(16).padStart(4, '0')}-8d3e-4b0c-a1f2-9b7e5c3d${step}a10`,
    checkpoint_ns: `${node}:6f1c${run.toString(16).padStart(4, '0')}-8d3e-4b0c-a1f2-9b7e5c3d${step}a10`,
  };
}

function mlflowSpan(name: string, spanType: string, extra: Record<string, unknown>): KeyValue[] {
  return mlflowAttributes({
    'mlflow.traceRequestId': 'tr-4b7f0c2d9e8a4f6b8c1d2e3f4a5b6c7d',
    'mlflow.spanType': spanType,
    'mlflow.spanFunctionName': name,
    ...extra,
  });
}

/** Token counts of call `call` of batch version `variant`, all different from one call and version to the next. */
function usageOf(call: number, variant: number): { input: number; output: number } {
  return { input: 1200 + call * 37 + variant * 4099, output: 120 + ((call * 13 + variant * 7) % 400) };
}

function mlflowChat(run: number, step: number, call: number, variant: number): KeyValue[] {
  const { input, output } = usageOf(call, variant);
  return mlflowSpan('ChatOpenAI', 'CHAT_MODEL', {
    'mlflow.spanInputs': [[{ role: 'user', content: 'What is the weather in Paris today, and should I take an umbrella?' }]],
    'mlflow.spanOutputs': { generations: [[{ text: 'Let me look that up.', type: 'ChatGeneration' }]], llm_output: null },
    'mlflow.chat.tokenUsage': { input_tokens: input, output_tokens: output, total_tokens: input + output },
    'mlflow.message.format': 'langchain',
    invocation_params: {
      model: 'gpt-4o-mini',
      model_name: 'gpt-4o-mini',
      stream: false,
      temperature: 0.2,
      _type: 'openai-chat',
      stop: null,
      tools: [{ type: 'function', function: { name: 'search', description: 'Search the web', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } }],
    },
    options: { stop: null },
    batch_size: 1,
    metadata: { ...langGraphMetadata('agent', step, run), ls_provider: 'openai', ls_model_name: 'gpt-4o-mini', ls_model_type: 'chat', ls_temperature: 0.2 },
  });
}

/** One LangGraph agent run: 9 spans, 2 of them chat-model calls. */
function langGraphRun(run: number, variant: number, spans: Span[]): void {
  const trace = `r${run}`;
  const id = (n: number): string => `r${run}s${n}`;
  const chain = (name: string, step: number, extra: Record<string, unknown> = {}): KeyValue[] =>
    mlflowSpan(name, 'CHAIN', {
      'mlflow.spanInputs': { messages: [{ role: 'user', content: 'What is the weather in Paris today?' }] },
      'mlflow.spanOutputs': { messages: [{ role: 'assistant', content: 'Sunny, 24 °C.' }] },
      metadata: langGraphMetadata(name, step, run),
      ...extra,
    });
  spans.push(
    makeSpan({ trace, id: id(0), name: 'LangGraph', attributes: chain('LangGraph', 0) }),
    makeSpan({ trace, id: id(1), parent: id(0), name: 'agent', attributes: chain('agent', 1) }),
    makeSpan({ trace, id: id(2), parent: id(1), name: 'ChatOpenAI', attributes: mlflowChat(run, 1, 2 * run, variant) }),
    makeSpan({ trace, id: id(3), parent: id(1), name: 'should_continue', attributes: chain('should_continue', 1) }),
    makeSpan({ trace, id: id(4), parent: id(0), name: 'tools', attributes: chain('tools', 2) }),
    makeSpan({ trace, id: id(5), parent: id(4), name: 'search', attributes: mlflowSpan('search', 'TOOL', { 'mlflow.spanInputs': { query: 'weather Paris' }, 'mlflow.spanOutputs': 'Sunny, 24 °C.' }) }),
    makeSpan({ trace, id: id(6), parent: id(0), name: 'agent', attributes: chain('agent', 3) }),
    makeSpan({ trace, id: id(7), parent: id(6), name: 'ChatOpenAI', attributes: mlflowChat(run, 3, 2 * run + 1, variant) }),
    makeSpan({ trace, id: id(8), parent: id(6), name: 'should_continue', attributes: chain('should_continue', 3) }),
  );
}

/** Per run a root, node, conditional-edge and tool spans and two chat-model spans: 2 spans in 9 are model calls. */
export function langGraphMix(variant: number, size: number): TracesData {
  const spans: Span[] = [];
  for (let run = 0; spans.length < size; run++) langGraphRun(run, variant, spans);
  return tracesData(spans);
}

/** MLflow LangChain chat spans and OTel GenAI chat spans, alternately (the worst case for pricing). */
export function allModelCalls(variant: number, size: number): TracesData {
  const spans: Span[] = [];
  for (let i = 0; i < size; i++) {
    const common = { trace: `t${i >> 3}`, id: `s${i}`, ...(i % 8 === 0 ? {} : { parent: `s${i - (i % 8)}` }) };
    const attributesOfCall =
      i % 2 === 0
        ? mlflowChat(i >> 3, i % 8, i, variant)
        : attributes({
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'anthropic',
            'gen_ai.request.model': 'claude-sonnet-4-5',
            'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
            'gen_ai.response.id': `msg_${i}`,
            'gen_ai.usage.input_tokens': 5000 + usageOf(i, variant).input,
            'gen_ai.usage.cache_read.input_tokens': 3000 + variant,
            'gen_ai.usage.output_tokens': usageOf(i, variant).output,
            'gen_ai.response.finish_reasons': '["end_turn"]',
            'server.address': 'api.anthropic.com',
          });
    spans.push(makeSpan({ ...common, name: 'chat', attributes: attributesOfCall }));
  }
  return tracesData(spans);
}
