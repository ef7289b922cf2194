import { describe, expect, it } from 'vitest';
import { stringValue } from '../../otlp/index.js';
import { JsonFields } from './jsonFields.js';

const fields = new JsonFields(['model', 'n', 'service_tier']);
const read = (text: string): { ok: boolean; model: string | undefined; n: number | undefined } => {
  const ok = fields.read(stringValue(text));
  return { ok, model: fields.string('model'), n: fields.number('n') };
};

/**
 * The same object made long enough to be searched or scanned rather than parsed natively (small objects are parsed):
 * a 200-character string field first. Both forms must read alike, except where a flat search is documented lenient.
 */
const long = (text: string): string => text.replace('{', `{"_pad": "${'p'.repeat(200)}", `);
const bothForms = (text: string): string[] => [text, long(text)];

describe('JsonFields', () => {
  it('reads top-level strings and numbers, never a nested key of the same name', () => {
    const text = JSON.stringify({ tools: [{ parameters: { properties: { model: { type: 'string' } } } }], model: 'gpt-4o', n: 3, x: [1, { model: 'no' }] });
    for (const form of bothForms(text)) expect(read(form)).toEqual({ ok: true, model: 'gpt-4o', n: 3 });
    for (const form of bothForms(JSON.stringify({ nested: { model: 'no' } }))) expect(read(form)).toEqual({ ok: true, model: undefined, n: undefined });
  });

  it('decodes as JSON.parse does: escapes, escaped keys, quotes inside strings, duplicate keys, whitespace', () => {
    for (const form of bothForms('{"a": "say \\"model\\": 1", "model": "o\\u0033", "n": -1.5e2}')) expect(read(form)).toEqual({ ok: true, model: 'o3', n: -150 });
    for (const form of bothForms('{"mo\\u0064el": "gpt", "n": 1, "n": 2}')) expect(read(form)).toEqual({ ok: true, model: 'gpt', n: 2 });
    for (const form of bothForms(' {\n "model" : "a\\\\" ,\t"n":0 } ')) expect(read(form)).toEqual({ ok: true, model: 'a\\', n: 0 });
  });

  it('unwraps a JSON-encoded JSON object (MLflow), and reads numeric strings as numbers', () => {
    for (const form of bothForms(JSON.stringify({ model: 'm', n: '12' }))) expect(read(JSON.stringify(form))).toEqual({ ok: true, model: 'm', n: 12 });
  });

  it('reads truncated, trailing-garbage or non-object input as nothing', () => {
    for (const text of ['{"model": "x"', '{"model": "x"} trailing', '[1]', 'model', '"text"'].flatMap(bothForms)) {
      expect(read(text), text).toEqual({ ok: false, model: undefined, n: undefined });
    }
  });

  it('reads parsed (small) or scanned (nested or escaped) malformed objects as nothing; a long flat one is only searched for its keys', () => {
    for (const text of ['{"o": {}, "model" "x"}', '{"o": {}, "model": "x",}', '{"e": "\\n", "model": "x",}'].flatMap(bothForms)) {
      expect(read(text), text).toEqual({ ok: false, model: undefined, n: undefined });
    }
    expect(read('{"model" "x", "n": 1}')).toEqual({ ok: false, model: undefined, n: undefined });
    expect(read(long('{"model" "x", "n": 1}'))).toEqual({ ok: true, model: undefined, n: 1 });
  });

  it('finds keys of a flat object only where keys stand, the last duplicate winning', () => {
    for (const form of bothForms('{"a": ["model", "x"], "b": "model", "model": "m1", "n": 1, "model": "m2"}')) expect(read(form)).toEqual({ ok: true, model: 'm2', n: 1 });
    for (const form of bothForms('{"a": "the model", "b": ["n"]}')) expect(read(form)).toEqual({ ok: true, model: undefined, n: undefined });
  });

  it('ignores non-scalar and empty values', () => {
    for (const form of bothForms('{"model": ["a"], "n": true, "service_tier": ""}')) {
      expect(read(form)).toEqual({ ok: true, model: undefined, n: undefined });
      expect(fields.string('service_tier')).toBeUndefined();
    }
  });
});
