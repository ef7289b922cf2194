/**
 * A restart in the middle of a trace (a rolling deploy): a LangChain chat span around the OpenAI SDK's span of the same
 * call, the inner span exported before tokenmeter stops, the chat span and the workflow root after it starts again; or
 * the whole call before, and after it a root that reports the call's usage again (an agent span).
 * Spans from the real OTel JS SDK and exporter, through the whole sidecar to an OTLP backend, on disk storage. And a
 * crash (SIGKILL) of the real CLI in the same place: the memory of the last checkpoint comes back.
 */
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { PRICING_ATTRIBUTES, TRACE_ATTRIBUTES } from '../../src/contract/attributes.js';
import { findAttribute, toHex } from '../../src/otlp/index.js';
import type { Span } from '../../src/otlp/index.js';
import { capturedLogger } from '../fixtures/captured-logs.js';
import { waitFor } from '../e2e/ledger-sidecar.js';
import { FAST_RETRY } from './forwarding-faults.js';
import { startScriptedOtlpEndpoint } from './scripted-otlp-endpoint.js';
import type { ScriptedEndpoint } from './scripted-otlp-endpoint.js';
import { startSidecarWith } from './sidecar.js';
import type { InProcessSidecar, SidecarOptions } from './sidecar.js';
import { exportAll } from './workload.js';
import { startTokenmeter } from '../e2e/tokenmeter-process.js';
import { getFreePort } from '../harness/ports.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Attributes = Record<string, string | number>;

const WORKFLOW_ROOT: Attributes = { 'mlflow.spanType': 'CHAIN' };
/** An agent root reporting the usage of the calls below it, as some SDKs do (genai-conventions.md §7 step 3.4). */
const AGENT_ROOT_WITH_USAGE: Attributes = {
  'gen_ai.operation.name': 'invoke_agent',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.usage.input_tokens': 1000,
  'gen_ai.usage.output_tokens': 200,
};

/** One model call seen by two layers: the root, LangChain's chat span, and inside it the OpenAI SDK's span. */
function nestedCall(rootAttributes: Attributes): { inner: ReadableSpan; chat: ReadableSpan; root: ReadableSpan } {
  const recorder = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(recorder)] }).getTracer('restart-test');
  const root = tracer.startSpan('workflow', { attributes: rootAttributes }, ROOT_CONTEXT);
  const chat = tracer.startSpan(
    'ChatOpenAI',
    {
      attributes: {
        'mlflow.spanType': 'CHAT_MODEL',
        'mlflow.chat.tokenUsage': JSON.stringify({ input_tokens: 1000, output_tokens: 200, total_tokens: 1200 }),
        invocation_params: JSON.stringify({ model: 'gpt-4o-mini', _type: 'openai-chat' }),
      },
    },
    trace.setSpan(ROOT_CONTEXT, root),
  );
  tracer
    .startSpan(
      'chat gpt-4o-mini',
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 1000,
          'gen_ai.usage.output_tokens': 200,
        },
      },
      trace.setSpan(ROOT_CONTEXT, chat),
    )
    .end();
  chat.end();
  root.end();
  const [inner, chatSpan, rootSpan] = recorder.getFinishedSpans();
  return { inner: inner!, chat: chatSpan!, root: rootSpan! };
}

async function backend(): Promise<ScriptedEndpoint> {
  const started = await startScriptedOtlpEndpoint(() => ({ status: 200 }));
  cleanups.push(() => started.close());
  return started;
}

async function sidecar(url: string, options: SidecarOptions = {}): Promise<InProcessSidecar> {
  const started = await startSidecarWith({ otlphttp: { endpoint: url, retry_on_failure: FAST_RETRY } }, options);
  let stopped = false;
  cleanups.push(async () => stopped || started.shutdown());
  return { ...started, shutdown: async (deadlineMs) => ((stopped = true), started.shutdown(deadlineMs)) };
}

async function delivered(endpoint: ScriptedEndpoint, span: ReadableSpan): Promise<Span> {
  const id = span.spanContext().spanId;
  // The root is held for `root_wait` before it is forwarded.
  return waitFor(`span ${span.name} delivered`, () => endpoint.received.flatMap((request) => request.spans).find((sent) => toHex(sent.spanId) === id), 20_000);
}

const counted = (span: Span) => findAttribute(span.attributes, PRICING_ATTRIBUTES.counted);
const rootTokens = (span: Span) => findAttribute(span.attributes, TRACE_ATTRIBUTES.totalTokens);
const status = (span: Span) => findAttribute(span.attributes, PRICING_ATTRIBUTES.status);

/**
 * The first `sentBefore` spans of the call (inner, chat, root) before a restart, the rest after it: on `sameStorage` or
 * on new storage.
 */
async function restartMidTrace(sameStorage: boolean, { rootAttributes = WORKFLOW_ROOT, sentBefore = 1 } = {}) {
  const { inner, chat, root } = nestedCall(rootAttributes);
  const spans = [inner, chat, root];
  const endpoint = await backend();
  const before = await sidecar(endpoint.url);
  expect(await exportAll(before.http, spans.slice(0, sentBefore))).toEqual([0]);
  expect(counted(await delivered(endpoint, inner))).toEqual({ kind: 'bool', value: true });
  await before.shutdown();

  const logs = capturedLogger();
  const after = await sidecar(endpoint.url, { logger: logs.logger, ...(sameStorage ? { dir: before.dir } : {}) });
  expect(await exportAll(after.http, spans.slice(sentBefore))).toEqual([0]);
  return { chat: await delivered(endpoint, chat), root: await delivered(endpoint, root), logs: logs.lines };
}

describe('CostEstimator across a restart', () => {
  it('remembers the calls of open traces: the framework span of a call counted before the restart is not counted again', async () => {
    const { chat, root, logs } = await restartMidTrace(true);
    expect(counted(chat)).toEqual({ kind: 'bool', value: false });
    // Trace assembly kept its running summary too: the root has the one call, not two.
    expect(findAttribute(root.attributes, TRACE_ATTRIBUTES.llmCalls)).toEqual({ kind: 'int', value: 1 });
    expect(rootTokens(root)).toEqual({ kind: 'int', value: 1200 });
    expect(logs.find((line) => line.msg === 'memory of open traces restored')).toMatchObject({ traces: 1, skipped: 0 });
  });

  it('on new storage the same spans count the call twice (what the memory prevents)', async () => {
    const { chat, root } = await restartMidTrace(false);
    expect(counted(chat)).toEqual({ kind: 'bool', value: true });
    // New storage has neither memory: the root has only the call seen after the restart.
    expect(findAttribute(root.attributes, TRACE_ATTRIBUTES.llmCalls)).toEqual({ kind: 'int', value: 1 });
  });

  // The whole call before the restart, the root after it.
  const agentRootAfterRestart = { rootAttributes: AGENT_ROOT_WITH_USAGE, sentBefore: 2 };

  it('an agent root reporting usage is not priced on top of the call its trace counted before the restart', async () => {
    const { root } = await restartMidTrace(true, agentRootAfterRestart);
    expect(status(root)).toBeUndefined();
    expect(findAttribute(root.attributes, 'mlflow.llm.cost')).toBeUndefined();
    expect(rootTokens(root)).toEqual({ kind: 'int', value: 1200 });
  });

  it('on new storage the same agent root is priced as the trace’s call (what the memory prevents)', async () => {
    const { root } = await restartMidTrace(false, agentRootAfterRestart);
    expect(status(root)).toEqual({ kind: 'string', value: 'priced' });
    expect(counted(root)).toEqual({ kind: 'bool', value: true });
  });
});

describe('CostEstimator across a crash', () => {
  it('comes back with the memory of its last checkpoint: the framework span of a call counted before SIGKILL is not counted again', async () => {
    const { inner, chat, root } = nestedCall(WORKFLOW_ROOT);
    const endpoint = await backend();
    const port = await getFreePort();
    const receiver = `http://127.0.0.1:${port}/v1/traces`;
    const tokenmeter = await startTokenmeter({
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
      processors: { costestimator: { checkpoint_interval: '100ms' }, traceassembly: { root_wait: '200ms' } },
      exporters: { otlphttp: { endpoint: endpoint.url, retry_on_failure: FAST_RETRY } },
      storage: { path: 'state.db' },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['otlphttp'] } } },
    });
    let running = tokenmeter;
    cleanups.push(() => running.stop());
    expect(await exportAll(receiver, [inner])).toEqual([0]);
    expect(counted(await delivered(endpoint, inner))).toEqual({ kind: 'bool', value: true });
    // Past a checkpoint or two, then killed as an OOM killer would: no shutdown saves the memory.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await tokenmeter.kill();
    running = await tokenmeter.restart();

    expect(await exportAll(receiver, [chat, root])).toEqual([0]);
    expect(counted(await delivered(endpoint, chat))).toEqual({ kind: 'bool', value: false });
    expect(findAttribute((await delivered(endpoint, root)).attributes, TRACE_ATTRIBUTES.llmCalls)).toEqual({ kind: 'int', value: 1 });
  });
});
