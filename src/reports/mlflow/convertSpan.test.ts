import { describe, expect, it } from 'vitest';
import { recognizeSpan } from '../../recognition/index.js';
import { toHex } from '../../otlp/index.js';
import { parseMlflowJson } from './bigJson.js';
import { artifactSpanToOtlp, toOtlpSpan } from './convertSpan.js';
import type { SpanJson, TraceArtifactJson } from './wire.js';

/** A chat-model span exactly as MLflow 3.9's batchGet returned it for the LangGraph test app (trimmed). */
const STORED = `{"trace_id": "g8ynXxvGWyP5AYi/sctMSw==", "span_id": "cSQegFyiCTo=", "parent_span_id": "EtCV+QK8xh8=",
 "name": "PricedFakeChatModel", "start_time_unix_nano": 1795928861663912804, "end_time_unix_nano": 1795928861664735667,
 "status": {"code": "STATUS_CODE_OK"}, "attributes": [
  {"key": "mlflow.spanType", "value": {"string_value": "CHAT_MODEL"}},
  {"key": "invocation_params", "value": {"kvlist_value": {"values": [{"key": "model", "value": {"string_value": "gpt-4o-mini"}},
    {"key": "_type", "value": {"string_value": "openai-chat"}}, {"key": "stop"}]}}},
  {"key": "metadata", "value": {"kvlist_value": {"values": [{"key": "langgraph_node", "value": {"string_value": "plan"}},
    {"key": "ls_provider", "value": {"string_value": "openai"}}, {"key": "langgraph_step", "value": {"int_value": 1}}]}}},
  {"key": "mlflow.chat.tokenUsage", "value": {"kvlist_value": {"values": [{"key": "input_tokens", "value": {"int_value": 100}},
    {"key": "output_tokens", "value": {"int_value": 20}}, {"key": "total_tokens", "value": {"int_value": 120}}]}}},
  {"key": "big", "value": {"int_value": "9007199254740993"}},
  {"key": "ratio", "value": {"double_value": 0.000123456789012345}},
  {"key": "tags", "value": {"array_value": {"values": [{"string_value": "a"}, {"bool_value": true}]}}},
  {"key": "blob", "value": {"bytes_value": "AQID"}}
 ]}`;

describe('MLflow span JSON → our span model', () => {
  const span = toOtlpSpan(parseMlflowJson<SpanJson>(STORED));

  it('decodes base64 ids to the bytes OTLP carries', () => {
    expect(toHex(span.traceId)).toBe('83cca75f1bc65b23f90188bfb1cb4c4b');
    expect(toHex(span.spanId)).toBe('71241e805ca2093a');
    expect(toHex(span.parentSpanId)).toBe('12d095f902bcc61f');
  });

  it('keeps nanosecond times above 2^53 exact', () => {
    expect(span.startTimeUnixNano).toBe(1795928861663912804n);
    expect(span.endTimeUnixNano - span.startTimeUnixNano).toBe(822863n);
    expect(span.status.code).toBe(1);
  });

  it('converts every AnyValue kind, including a value-less key and long numbers', () => {
    const value = (key: string) => span.attributes.find((attribute) => attribute.key === key)?.value;
    expect(value('big')).toEqual({ kind: 'int', value: 9007199254740993n });
    expect(value('ratio')).toEqual({ kind: 'double', value: 0.000123456789012345 });
    expect(value('tags')).toEqual({ kind: 'array', values: [{ kind: 'string', value: 'a' }, { kind: 'bool', value: true }] });
    expect(value('blob')).toEqual({ kind: 'bytes', value: new Uint8Array([1, 2, 3]) });
    // An object MLflow hands back decoded is its JSON text again, as the app sent it.
    expect(value('invocation_params')).toEqual({ kind: 'string', value: '{"model":"gpt-4o-mini","_type":"openai-chat","stop":null}' });
    expect(value('metadata')).toEqual({ kind: 'string', value: '{"langgraph_node":"plan","ls_provider":"openai","langgraph_step":1}' });
  });

  it('reads the cache count an MLflow client autolog keeps only in the response, as the live span gave it', () => {
    // MLflow 3.9's openai autolog: its token usage has no cache count; the response it keeps does (openai.com/api/pricing
    // gpt-4o-mini: $0.15 in, $0.075 cached in per 1M).
    const stored = toOtlpSpan({
      trace_id: 'g8ynXxvGWyP5AYi/sctMSw==',
      span_id: 'cSQegFyiCTo=',
      name: 'Completions',
      attributes: [
        { key: 'mlflow.spanType', value: { string_value: 'CHAT_MODEL' } },
        { key: 'mlflow.message.format', value: { string_value: 'openai' } },
        { key: 'mlflow.spanInputs', value: { kvlist_value: { values: [{ key: 'model', value: { string_value: 'gpt-4o-mini' } }] } } },
        {
          key: 'mlflow.chat.tokenUsage',
          value: { kvlist_value: { values: [{ key: 'input_tokens', value: { int_value: 1000 } }, { key: 'output_tokens', value: { int_value: 100 } }, { key: 'total_tokens', value: { int_value: 1100 } }] } },
        },
        {
          key: 'mlflow.spanOutputs',
          value: {
            kvlist_value: {
              values: [
                { key: 'id', value: { string_value: 'chatcmpl-1' } },
                { key: 'model', value: { string_value: 'gpt-4o-mini-2024-07-18' } },
                {
                  key: 'usage',
                  value: {
                    kvlist_value: {
                      values: [
                        { key: 'prompt_tokens', value: { int_value: 1000 } },
                        { key: 'completion_tokens', value: { int_value: 100 } },
                        { key: 'prompt_tokens_details', value: { kvlist_value: { values: [{ key: 'cached_tokens', value: { int_value: 400 } }] } } },
                      ],
                    },
                  },
                },
              ],
            },
          },
        },
      ],
    });
    expect(recognizeSpan(stored)).toMatchObject({ model: 'gpt-4o-mini', tokens: { input: 1000, cacheRead: 400, output: 100 } });
  });

  it('is recognised by the pipeline\'s recognition as the call it is', () => {
    expect(recognizeSpan(span)).toMatchObject({
      operation: 'chat',
      model: 'gpt-4o-mini',
      provider: 'openai',
      node: 'plan',
      tokens: { input: 100, output: 20, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    });
  });
});

describe('parseMlflowJson', () => {
  it('keeps long integers and long decimals as text instead of rounding or throwing', () => {
    const parsed = parseMlflowJson<{ a: unknown; b: unknown; c: unknown }>('{"a": 1795928861663912804, "b": 0.000123456789012345, "c": 12}');
    expect(parsed).toEqual({ a: '1795928861663912804', b: '0.000123456789012345', c: 12 });
  });
});

/** A chat span from a `traces.json` artifact the MLflow Python SDK uploaded (what get-trace-artifact returns). */
const ARTIFACT = `{"spans": [{"trace_id": "cCTV/p2fpSnlpZgM6kUS0w==", "span_id": "4OWQ+kFmDKY=", "parent_span_id": "U4ccbiwbrg8=",
 "name": "chat", "start_time_unix_nano": 1795931503978643872, "end_time_unix_nano": 1795931503978907384, "events": [],
 "status": {"code": "STATUS_CODE_OK", "message": ""}, "attributes": {"mlflow.traceRequestId": "\\"tr-7024d5fe9d9fa529e5a5980cea4512d3\\"",
 "mlflow.spanType": "\\"CHAT_MODEL\\"", "mlflow.chat.tokenUsage": "{\\"input_tokens\\": 1200, \\"output_tokens\\": 300, \\"total_tokens\\": 1500}",
 "invocation_params": "{\\"model\\": \\"gpt-4o-mini\\"}", "metadata": "{\\"ls_provider\\": \\"openai\\", \\"langgraph_node\\": \\"answer\\"}"}}]}`;

describe('artifactSpanToOtlp', () => {
  it('reads a traces.json span: base64 ids, exact nanosecond times, JSON-text attributes recognised as a model call', () => {
    const [json] = parseMlflowJson<TraceArtifactJson>(ARTIFACT).spans!;
    const span = artifactSpanToOtlp(json!);
    expect(toHex(span.traceId)).toBe('7024d5fe9d9fa529e5a5980cea4512d3');
    expect(toHex(span.parentSpanId)).toBe('53871c6e2c1bae0f');
    expect(span.startTimeUnixNano).toBe(1795931503978643872n);
    expect(span.status.code).toBe(1);
    expect(recognizeSpan(span)).toMatchObject({ model: 'gpt-4o-mini', provider: 'openai', node: 'answer', tokens: { input: 1200, output: 300 } });
  });

  it('takes a root (no parent) as a root, and non-text attribute values as their JSON', () => {
    const span = artifactSpanToOtlp({ trace_id: 'cCTV/p2fpSnlpZgM6kUS0w==', span_id: 'U4ccbiwbrg8=', parent_span_id: null, attributes: { n: 3, ok: true, list: [1] } });
    expect(span.parentSpanId).toHaveLength(0);
    expect(span.attributes).toEqual([
      { key: 'n', value: { kind: 'int', value: 3 } },
      { key: 'ok', value: { kind: 'bool', value: true } },
      { key: 'list', value: { kind: 'string', value: '[1]' } },
    ]);
  });
});
