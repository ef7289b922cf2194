/**
 * The call's cost as MLflow will sum it: the three amounts of `mlflow.llm.cost` (ours when priced, the provider's
 * when it reported one), so that our trace total and MLflow's `mlflow.trace.cost` (>= 3.10) add up the very same
 * numbers. Costs are integer pico-USD so that sums never drift: plain numbers, exact up to 2^53 pico-USD (over $9,000
 * in one trace or breakdown row; past it a sum is off by a few pico-USD at most). They were bigints, whose every
 * addition makes a new object: trace assembly made ten of them per model call.
 */
import { MLFLOW_COST_TEXT } from '../../contract/attributes.js';
import type { AnyValue } from '../../otlp/index.js';
import { PICO_PER_USD, toPicoUsd } from '../../pricing/index.js';
import { readMlflowCost } from '../../recognition/index.js';

export interface PicoCost {
  inputPico: number;
  outputPico: number;
  totalPico: number;
}

/**
 * The cost on a span. The CostEstimator's own text (`{"input_cost":…,"output_cost":…,"total_cost":…}`, plain
 * decimals) is read digit by digit, straight to pico-USD; anything else (the provider's cost as an SDK wrote it,
 * exponents, spaces) is read as JSON. Reading back the text just written, as JSON and through doubles, was a third of
 * what trace assembly spent reading a model-call span. Both ways give the same integers (a test holds them to it).
 */
export function mlflowCostOf(value: AnyValue | undefined): PicoCost | undefined {
  if (value?.kind === 'string') {
    const written = ownCostText(value.value);
    if (written !== undefined) return written;
  }
  return mlflowCostAsJson(value);
}

const INPUT_FIELD = MLFLOW_COST_TEXT.input;
const OUTPUT_FIELD = MLFLOW_COST_TEXT.output;
const TOTAL_FIELD = MLFLOW_COST_TEXT.total;

/**
 * Pico-USD of the three plain decimals in the CostEstimator's layout, or undefined for any other text. Exported for
 * the test that holds the CostEstimator's own text to this reading.
 */
export function ownCostText(text: string): PicoCost | undefined {
  if (!text.startsWith(INPUT_FIELD)) return undefined;
  const inputEnd = text.indexOf(',', INPUT_FIELD.length);
  if (inputEnd < 0 || !text.startsWith(OUTPUT_FIELD, inputEnd)) return undefined;
  const outputStart = inputEnd + OUTPUT_FIELD.length;
  const outputEnd = text.indexOf(',', outputStart);
  if (outputEnd < 0 || !text.startsWith(TOTAL_FIELD, outputEnd)) return undefined;
  const totalStart = outputEnd + TOTAL_FIELD.length;
  const totalEnd = text.length - 1;
  if (text.charCodeAt(totalEnd) !== 125 /* } */) return undefined;
  const input = picoOfDecimal(text, INPUT_FIELD.length, inputEnd);
  const output = picoOfDecimal(text, outputStart, outputEnd);
  const total = picoOfDecimal(text, totalStart, totalEnd);
  if (input < 0 || output < 0 || total < 0) return undefined;
  return { inputPico: input, outputPico: output, totalPico: total };
}

const DIGIT_0 = 48;
/** `PICO_PER_DECIMAL[n]` is what one unit of the n-th decimal is worth in pico-USD. */
const PICO_PER_DECIMAL = Array.from({ length: 13 }, (_, places) => 10 ** (12 - places));

/**
 * `text[start, end)` as pico-USD when it is a plain decimal under $1000 with at most 12 decimals (`0`, `12.5`,
 * `0.000123456789`), else -1. Such a number times 1e12 is an integer below 2^53, so it is exact, and it is what
 * `toPicoUsd` of the parsed double gives: the double is within 2^-52 of it relatively, far less than half a pico-USD.
 * Exported for its test.
 */
export function picoOfDecimal(text: string, start: number, end: number): number {
  let at = start;
  let dollars = 0;
  for (; at < end && at - start < 3; at++) {
    const digit = text.charCodeAt(at) - DIGIT_0;
    if (digit < 0 || digit > 9) break;
    dollars = dollars * 10 + digit;
  }
  // One to three digits, and no leading zero before another digit (JSON does not write one).
  if (at === start || (at - start > 1 && text.charCodeAt(start) === DIGIT_0)) return -1;
  if (at === end) return dollars * PICO_PER_USD;
  if (text.charCodeAt(at) !== 46 /* . */ || end - at - 1 > 12 || end - at - 1 === 0) return -1;
  let decimals = 0;
  let places = 0;
  for (at++; at < end; at++, places++) {
    const digit = text.charCodeAt(at) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    decimals = decimals * 10 + digit;
  }
  return dollars * PICO_PER_USD + decimals * PICO_PER_DECIMAL[places]!;
}

/** Any JSON spelling of the cost; exported for the test that holds the two readings to the same answers. */
export function mlflowCostAsJson(value: AnyValue | undefined): PicoCost | undefined {
  const cost = readMlflowCost(value);
  if (cost === undefined) return undefined;
  const input = cost.inputUsd ?? 0;
  const output = cost.outputUsd ?? cost.totalUsd - input;
  return { inputPico: toPicoUsd(input), outputPico: toPicoUsd(output), totalPico: toPicoUsd(cost.totalUsd) };
}
