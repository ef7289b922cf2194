import { describe, expect, it } from 'vitest';
import { intValue, stringValue } from '../otlp/index.js';
import type { AnyValue, KeyValue } from '../otlp/index.js';
import { keyGroup, KEYS, SLOTS, SpanView } from './spanView.js';

/** What `load` must give: per recognised key, the value of the last attribute with that key. */
function expected(attributes: readonly KeyValue[]): Map<string, AnyValue> {
  const values = new Map<string, AnyValue>();
  for (const { key, value } of attributes) if ((KEYS as readonly string[]).includes(key)) values.set(key, value);
  return values;
}

function expectView(view: SpanView, attributes: readonly KeyValue[]): void {
  const values = expected(attributes);
  for (const key of KEYS) expect(view.at(SLOTS[key]), key).toBe(values.get(key));
}

/** A fresh string with the same characters: what a decoder that does not intern keys hands out. */
const copyOf = (text: string): string => text.split('').join('');

describe('SpanView', () => {
  it('reads each span of a layout seen before with its own values, and forgets the previous span', () => {
    const view = new SpanView();
    const call = (model: string, tokens: number): KeyValue[] => [
      { key: 'gen_ai.operation.name', value: stringValue('chat') },
      { key: 'server.address', value: stringValue('api.openai.com') },
      { key: 'gen_ai.request.model', value: stringValue(model) },
      { key: 'gen_ai.usage.input_tokens', value: intValue(tokens) },
    ];
    for (const attributes of [call('gpt-4o', 10), call('gpt-4o-mini', 20), call('o3', 30)]) {
      view.load(attributes);
      expectView(view, attributes);
    }
    // Same length, other keys: nothing of the layout before is taken for it.
    const other: KeyValue[] = [
      { key: 'mlflow.spanType', value: stringValue('"CHAIN"') },
      { key: 'metadata', value: stringValue('{}') },
      { key: 'gen_ai.usage.output_tokens', value: intValue(5) },
      { key: 'http.method', value: stringValue('POST') },
    ];
    view.load(other);
    expectView(view, other);
  });

  it('reads any sequence of spans as a slot-by-key reading does, keys interned or not, duplicates included', () => {
    const usage = keyGroup([SLOTS['gen_ai.usage.input_tokens'], SLOTS['mlflow.chat.tokenUsage']]);
    const pool = ['gen_ai.usage.input_tokens', 'mlflow.chat.tokenUsage', 'metadata', 'gen_ai.system', 'http.route', 'service.peer', 'mlflow.spanType', 'db.system'];
    let seed = 7;
    const random = (below: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % below;
    };
    const view = new SpanView();
    // Few lengths and keys, so that layouts repeat, collide and are replaced.
    for (let span = 0; span < 3000; span++) {
      const length = random(6);
      const attributes: KeyValue[] = Array.from({ length }, (_, at) => {
        const key = pool[random(pool.length)]!;
        return { key: random(2) === 0 ? key : copyOf(key), value: intValue(span * 10 + at) };
      });
      view.load(attributes);
      expectView(view, attributes);
      expect(view.hasAny(usage)).toBe(attributes.some(({ key }) => key === 'gen_ai.usage.input_tokens' || key === 'mlflow.chat.tokenUsage'));
    }
  });
});
