import { describe, expect, it } from 'vitest';
import { makeSpan } from '../../../test/fixtures/spans.js';
import { intValue, stringValue } from '../../otlp/model.js';
import { carriesAdditiveTotals } from './spanFacts.js';

const spanWith = (key: string) => makeSpan({ attributes: [{ key: 'gen_ai.request.model', value: stringValue('gpt-4o') }, { key, value: intValue(10) }] });

describe('carriesAdditiveTotals', () => {
  // The token counts each translator MLflow runs on every stored span reads (`mlflow/tracing/otel/translation`), by
  // translator, 3.9 and 3.17, and MLflow's own usage and cost: MLflow adds each to its trace's totals.
  it.each([
    ['mlflow.chat.tokenUsage'],
    ['mlflow.llm.cost'],
    ['llm.token_count.prompt'], // OpenInference
    ['llm.token_count.completion'],
    ['llm.token_count.total'], // counted alone by 3.17
    ['gen_ai.usage.input_tokens'], // OTel GenAI, Spring AI, Laminar
    ['gen_ai.usage.output_tokens'],
    ['gen_ai.usage.prompt_tokens'], // OpenLLMetry
    ['gen_ai.usage.completion_tokens'],
    ['llm.usage.total_tokens'],
    ['usage.prompt_tokens'], // VoltAgent
    ['usage.completion_tokens'],
    ['usage.total_tokens'],
    ['llm.usage.prompt_tokens'],
    ['llm.usage.completion_tokens'],
    ['input_tokens'], // Claude Code (3.17)
    ['output_tokens'],
  ])('a span carrying %s carries totals MLflow adds up', (key) => {
    expect(carriesAdditiveTotals(spanWith(key))).toBe(true);
  });

  it.each([
    ['tokenmeter.tokens.input'],
    ['tokenmeter.cost.total_usd'],
    ['ai.usage.promptTokens'],
    ['llm.cost.total'],
    ['gen_ai.usage.cache_read.input_tokens'],
    ['llm.token_count.prompt_details.cache_read'],
    ['llm.usage.reasoning_tokens'],
  ])('a span carrying only %s does not: no translator reads it, or not alone', (key) => {
    expect(carriesAdditiveTotals(spanWith(key))).toBe(false);
  });
});
