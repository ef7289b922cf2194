import { describe, expect, it } from 'vitest';
import { findAttribute, stringValue } from '../../otlp/index.js';
import { attributes, makeSpan, tracesData } from '../../recognition/testSpans.js';
import { CostEstimatorProcessor } from '../costestimator/index.js';
import { mlflowCostAsJson, mlflowCostOf, ownCostText, picoOfDecimal } from './mlflowCost.js';

/** `mlflow.llm.cost` as the CostEstimator writes it, for 2,000 calls costing from under a micro-dollar to thousands. */
async function costTexts(): Promise<string[]> {
  let seed = 11;
  const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const spans = Array.from({ length: 2000 }, (_, i) =>
    makeSpan({
      id: `s${i}`,
      trace: `t${i}`,
      attributes: attributes({
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': ['gpt-4o-mini', 'gpt-4o', 'o3', 'claude-opus-4-1'][i % 4]!,
        'gen_ai.usage.input_tokens': Math.floor(10 ** (random() * 8)),
        'gen_ai.usage.output_tokens': i % 7 === 0 ? 0 : Math.floor(10 ** (random() * 7)),
      }),
    }),
  );
  await new CostEstimatorProcessor({}, { consume: async () => {} }).consume(tracesData(spans));
  return spans.map((span) => {
    const value = findAttribute(span.attributes, 'mlflow.llm.cost');
    if (value?.kind !== 'string') throw new Error(`no mlflow.llm.cost on ${span.name}`);
    return value.value;
  });
}

describe('mlflow.llm.cost read back', () => {
  it('reads plain decimals under $1000 straight to pico-USD, and refuses every other number', () => {
    const decimal = (text: string): number => picoOfDecimal(text, 0, text.length);
    expect(decimal('0')).toBe(0);
    expect(decimal('12.5')).toBe(12_500_000_000_000);
    expect(decimal('0.000000000001')).toBe(1);
    expect(decimal('999.999999999999')).toBe(999_999_999_999_999);
    for (const other of ['', '-1', '1000', '1e-7', '0.0000000000001', '01', '1.', '.5', '1.2.3', 'NaN']) expect(decimal(other), other).toBe(-1);
  });

  it("reads the CostEstimator's own text digit by digit whenever its amounts are plain decimals, to the JSON reading's integers", async () => {
    const plain = (amount: number): boolean => amount === 0 || (amount >= 1e-6 && amount < 1000);
    let readDigitByDigit = 0;
    for (const text of await costTexts()) {
      const amounts = Object.values(JSON.parse(text) as Record<string, number>);
      const ownReading = ownCostText(text);
      expect(ownReading !== undefined, text).toBe(amounts.every(plain));
      if (ownReading !== undefined) readDigitByDigit++;
      expect(mlflowCostOf(stringValue(text)), text).toEqual(mlflowCostAsJson(stringValue(text)));
    }
    // Most calls cost between a micro-dollar and $1000; both sides of the range occur too.
    expect(readDigitByDigit).toBeGreaterThan(1500);
    expect(readDigitByDigit).toBeLessThan(2000);
  });

  it('gives the very integers the JSON reading gives for any JSON spelling of amounts from a pico-dollar to thousands', () => {
    let seed = 11;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let n = 0; n < 20_000; n++) {
      const input = 10 ** (random() * 16 - 12);
      const output = n % 7 === 0 ? 0 : 10 ** (random() * 16 - 12);
      const text = JSON.stringify({ input_cost: input, output_cost: output, total_cost: input + output });
      expect(mlflowCostOf(stringValue(text)), text).toEqual(mlflowCostAsJson(stringValue(text)));
    }
  });

  it('reads a provider-reported cost in any JSON spelling, and nothing from what is not one', () => {
    expect(mlflowCostOf(stringValue('{"input_cost": 0.5, "output_cost": 0.25, "total_cost": 0.75}'))).toEqual({
      inputPico: 500_000_000_000,
      outputPico: 250_000_000_000,
      totalPico: 750_000_000_000,
    });
    expect(mlflowCostOf(stringValue('{"input_cost":1e-7,"output_cost":0,"total_cost":1e-7}'))?.totalPico).toBe(100_000);
    expect(mlflowCostOf(stringValue('{"input_cost":0.1,"output_cost":0.2}'))).toBeUndefined();
    expect(mlflowCostOf(stringValue('{"input_cost":0.1,"output_cost":0.2,"total_cost":0.3'))).toBeUndefined();
    expect(mlflowCostOf(undefined)).toBeUndefined();
  });
});
