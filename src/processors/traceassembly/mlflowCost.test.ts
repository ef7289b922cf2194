import { describe, expect, it } from 'vitest';
import { stringValue } from '../../otlp/index.js';
import { roundUsd, writeAscii, writeUsdText } from '../../pricing/index.js';
import { mlflowCostAsJson, mlflowCostOf, picoOfDecimal } from './mlflowCost.js';

/** The text the CostEstimator writes, from the same writer it uses. */
function ownText(input: number, output: number, total: number): string {
  const bytes = new Uint8Array(160);
  let at = writeUsdText(bytes, writeAscii(bytes, 0, '{"input_cost":'), roundUsd(input));
  at = writeUsdText(bytes, writeAscii(bytes, at, ',"output_cost":'), roundUsd(output));
  at = writeUsdText(bytes, writeAscii(bytes, at, ',"total_cost":'), roundUsd(total));
  return Buffer.from(bytes.subarray(0, at)).toString('latin1') + '}';
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

  it('gives the very integers the JSON reading gives, over amounts from a pico-dollar to thousands', () => {
    let seed = 11;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let n = 0; n < 20_000; n++) {
      const input = 10 ** (random() * 16 - 12);
      const output = n % 7 === 0 ? 0 : 10 ** (random() * 16 - 12);
      const total = input + output;
      for (const text of [ownText(input, output, total), JSON.stringify({ input_cost: input, output_cost: output, total_cost: total })]) {
        const value = stringValue(text);
        expect(mlflowCostOf(value), text).toEqual(mlflowCostAsJson(value));
      }
    }
  });

  it('reads a provider-reported cost in any JSON spelling, and nothing from what is not one', () => {
    expect(mlflowCostOf(stringValue('{"input_cost": 0.5, "output_cost": 0.25, "total_cost": 0.75}'))).toEqual({
      inputPico: 500_000_000_000n,
      outputPico: 250_000_000_000n,
      totalPico: 750_000_000_000n,
    });
    expect(mlflowCostOf(stringValue('{"input_cost":1e-7,"output_cost":0,"total_cost":1e-7}'))?.totalPico).toBe(100_000n);
    expect(mlflowCostOf(stringValue('{"input_cost":0.1,"output_cost":0.2}'))).toBeUndefined();
    expect(mlflowCostOf(stringValue('{"input_cost":0.1,"output_cost":0.2,"total_cost":0.3'))).toBeUndefined();
    expect(mlflowCostOf(undefined)).toBeUndefined();
  });
});
