import { describe, expect, it } from 'vitest';
import { stringValue } from '../otlp/index.js';
import { JsonFields, lastString } from './jsonFields.js';
import { toNumber } from './values.js';
import { Random } from '../../test/fixtures/random-traces.js';

const fields = new JsonFields(['model', 'n', 'service_tier']);
const read = (text: string): { ok: boolean; model: string | undefined; n: number | undefined } => {
  const ok = fields.read(stringValue(text));
  return { ok, model: fields.string('model'), n: fields.number('n') };
};

describe('JsonFields', () => {
  it('reads top-level strings and numbers, never a nested key of the same name', () => {
    const text = JSON.stringify({ tools: [{ parameters: { properties: { model: { type: 'string' } } } }], model: 'gpt-4o', n: 3, x: [1, { model: 'no' }] });
    expect(read(text)).toEqual({ ok: true, model: 'gpt-4o', n: 3 });
    expect(read(JSON.stringify({ nested: { model: 'no' } }))).toEqual({ ok: true, model: undefined, n: undefined });
  });

  it('decodes as JSON.parse does: escapes, escaped keys, quotes inside strings, duplicate keys, whitespace', () => {
    expect(read('{"a": "say \\"model\\": 1", "model": "o\\u0033", "n": -1.5e2}')).toEqual({ ok: true, model: 'o3', n: -150 });
    expect(read('{"mo\\u0064el": "gpt", "n": 1, "n": 2}')).toEqual({ ok: true, model: 'gpt', n: 2 });
    expect(read(' {\n "model" : "a\\\\" ,\t"n":0 } ')).toEqual({ ok: true, model: 'a\\', n: 0 });
  });

  it('unwraps a JSON-encoded JSON object (MLflow), and reads numeric strings as numbers', () => {
    expect(read(JSON.stringify(JSON.stringify({ model: 'm', n: '12' })))).toEqual({ ok: true, model: 'm', n: 12 });
  });

  it('reads truncated, trailing-garbage or non-object input as nothing', () => {
    for (const text of ['{"model": "x"', '{"model": "x"} trailing', '[1]', 'model', '"text"']) {
      expect(read(text), text).toEqual({ ok: false, model: undefined, n: undefined });
    }
  });

  it('reads scanned (nested or escaped) malformed objects as nothing; a flat one is only searched for its keys', () => {
    for (const text of ['{"o": {}, "model" "x"}', '{"o": {}, "model": "x",}', '{"e": "\\n", "model": "x",}']) {
      expect(read(text), text).toEqual({ ok: false, model: undefined, n: undefined });
    }
    expect(read('{"model" "x", "n": 1}')).toEqual({ ok: true, model: undefined, n: 1 });
  });

  it('finds keys of a flat object only where keys stand, the last duplicate winning', () => {
    expect(read('{"a": ["model", "x"], "b": "model", "model": "m1", "n": 1, "model": "m2"}')).toEqual({ ok: true, model: 'm2', n: 1 });
    expect(read('{"a": "the model", "b": ["n"]}')).toEqual({ ok: true, model: undefined, n: undefined });
  });

  it('ignores non-scalar and empty values', () => {
    expect(read('{"model": ["a"], "n": true, "service_tier": ""}')).toEqual({ ok: true, model: undefined, n: undefined });
    expect(fields.string('service_tier')).toBeUndefined();
  });

  it('tells apart keys that share their ending, their length, or end one inside another', () => {
    const usage = new JsonFields(['input_tokens', 'total_tokens', 'cache_read_input_tokens', 'cached_input_tokens', 'tokens']);
    const text = '{"tokens": 1, "cached_input_tokens": 2, "input_tokens": 3, "cache_read_input_tokens": 4, "total_tokens": 5}';
    for (const object of [text, text.replace('{"tokens": 1, ', '{').replace('}', ', "tokens": 1}'), JSON.stringify(JSON.parse(text))]) {
      expect(usage.read(stringValue(object)), object).toBe(true);
      expect(['tokens', 'cached_input_tokens', 'input_tokens', 'cache_read_input_tokens', 'total_tokens'].map((key) => usage.number(key as 'tokens'))).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it('refuses a reader of no key or of the same key twice', () => {
    expect(() => new JsonFields([])).toThrow(/distinct keys/);
    expect(() => new JsonFields(['model', 'model'])).toThrow(/distinct keys to read, got \[model, model\]/);
  });

  it('reads integers in place and any other number as JSON.parse does (long ones too: digit by digit would round twice)', () => {
    const numbers = ['0', '12', '-3', '12.5', '1e3', '123456789012345', '6834737179540785448'];
    for (const number of numbers) {
      expect(read(`{"n": ${number}}`).n, number).toBe(JSON.parse(number));
      expect(read(`{"n":${number},"model":"m"}`).n, number).toBe(JSON.parse(number));
    }
  });

  it('reads of any valid JSON object what JSON.parse reads of it (seeded random objects, flat and nested)', () => {
    // JsonFields is a hand-written reader on the hot path: this compares it with the reference on objects built to
    // trip it (wanted keys nested and inside strings, escapes, quotes, brackets in strings, whitespace, duplicates).
    const keys = ['model', 'n', 'ls_provider', 'input_tokens', 'total_tokens', 'tokens'] as const;
    const reader = new JsonFields(keys);
    const random = new Random(20261207);
    const space = (): string => random.pick(['', '', ' ', '\n  ', '\t', ' \r\n']);
    const pieces = ['model', 'n', 'gpt-4o', 'a"b', 'a\\b', '{', '}', '[', ']', ',', ':', '"model":', 'é', '\u2028', 'tokens', ''];
    const text = (): string => random.pick(pieces) + (random.chance(0.2) ? random.pick(pieces) : '');
    const quoted = (value: string): string => {
      const json = JSON.stringify(value);
      // The same string spelled with an escape where JSON allows one.
      return random.chance(0.2) ? json.replace(/[a-z]/, (letter) => `\\u00${letter.charCodeAt(0).toString(16)}`) : json;
    };
    const value = (depth: number): string => {
      const kind = random.int(10);
      if (kind < 3) return quoted(text());
      if (kind < 5) return random.pick(['0', '12', '-3', '1.5', '1e3', '-0', '123456789012345678', '0.1e-2', '7E+2']);
      if (kind < 6 || depth > 2) return random.pick(['true', 'false', 'null']);
      if (kind < 8) return object(depth + 1);
      return `[${space()}${Array.from({ length: random.int(4) }, () => value(depth + 1)).join(`${space()},${space()}`)}${space()}]`;
    };
    const object = (depth: number): string => {
      const members = Array.from({ length: random.int(6) }, () => `${quoted(random.chance(0.6) ? random.pick(keys) : text())}${space()}:${space()}${value(depth)}`);
      return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
    };
    const disagreements: string[] = [];
    let searched = 0;
    for (let i = 0; i < 20_000; i++) {
      let json = `${space()}${object(0)}${space()}`;
      const inner = json;
      if (random.chance(0.1)) json = JSON.stringify(json);
      const expected = JSON.parse(inner) as Record<string, unknown>;
      // Objects without a nested object or an escape are read by key search, the others scanned.
      if (!inner.includes('\\') && inner.indexOf('{') === inner.lastIndexOf('{')) searched++;
      const read = reader.read(stringValue(json));
      for (const key of keys) {
        const field = expected[key];
        const string = typeof field === 'string' && field.length > 0 ? field : undefined;
        const number = typeof field === 'string' || typeof field === 'number' ? toNumber(field) : undefined;
        if (!read || reader.string(key) !== string || reader.number(key) !== number) disagreements.push(`${key} of ${json}`);
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    // Both ways of reading were exercised.
    expect(searched).toBeGreaterThan(4_000);
    expect(searched).toBeLessThan(16_000);
  });
});

describe('lastString', () => {
  it('reads the string under the last of a key, in any spacing and with its escapes; any other value is none', () => {
    const metadata = JSON.stringify({ openai: { logprobs: [{ token: '"serviceTier":"x"' }], responseId: 'resp_1', serviceTier: 'flex' } });
    expect(lastString(metadata, '"serviceTier"')).toBe('flex');
    expect(lastString('{"a": {"serviceTier" :  "pri\\"ority"}}', '"serviceTier"')).toBe('pri"ority');
    for (const text of ['{"serviceTier":null}', '{"serviceTier":1}', '{"serviceTier":"flex', '{"serviceTiers":"flex"}', '{"note":"serviceTier"}']) {
      expect(lastString(text, '"serviceTier"'), text).toBeUndefined();
    }
  });
});
