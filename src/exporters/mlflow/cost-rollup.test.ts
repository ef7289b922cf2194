import { describe, expect, inject, it } from 'vitest';
import { capturedLogger } from '../../../test/fixtures/captured-logs.js';
import { getFreePort } from '../../../test/harness/ports.js';
import { MlflowClient } from './client.js';
import { costRollupOf, ServerCostRollup } from './cost-rollup.js';

describe('costRollupOf: how an MLflow release adds up a trace’s cost', () => {
  it.each([
    ['2.22.1', 'none'],
    ['3.9.0', 'none'],
    ['3.10.0', 'sum'],
    ['3.14.3', 'sum'],
    ['3.15.0rc1', 'outermost'],
    ['3.17.2\n', 'outermost'],
    ['3.18.0.dev0', 'outermost'],
    ['4.0.0', 'outermost'],
    ['<html>not found</html>', undefined],
  ])('%j → %s', (version, rollup) => {
    expect(costRollupOf(version)).toBe(rollup);
  });
});

describe('ServerCostRollup', () => {
  it('learns the rollup of a real MLflow server from its /version (3.9: no cost), and logs it', async () => {
    const { logger, lines } = capturedLogger();
    const rollup = new ServerCostRollup(new MlflowClient(inject('mlflowUrl'), 5_000), logger);
    await rollup.learn();
    expect(rollup.current()).toBe('none');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'MLflow server version', version: '3.9.0', costRollup: 'none' }));
  });

  it('writes for MLflow >= 3.15 while the server does not answer, asks again 30 s after the last try, and every 10 minutes once known', async () => {
    const { logger, lines } = capturedLogger();
    let now = 0;
    let answer: string | undefined;
    let asked = 0;
    const client = new MlflowClient(`http://127.0.0.1:${await getFreePort()}`, 1_000);
    const text = client.text.bind(client);
    client.text = (method, path, body) => {
      asked++;
      return answer === undefined ? text(method, path, body) : Promise.resolve(answer);
    };
    const rollup = new ServerCostRollup(client, logger, () => now);
    await rollup.learn();
    expect(asked).toBe(1);
    now = 29_999;
    expect(rollup.current()).toBe('outermost');
    expect(asked).toBe(1);
    // MLflow 3.14 comes up.
    answer = '3.14.0';
    now = 30_000;
    expect(rollup.current()).toBe('outermost');
    expect(asked).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(rollup.current()).toBe('sum');
    // Upgraded under the running sidecar: noticed at the next look-up, 10 minutes on.
    answer = '3.17.2';
    now = 30_000 + 599_999;
    expect(rollup.current()).toBe('sum');
    now = 30_000 + 600_000;
    rollup.current();
    await new Promise((resolve) => setImmediate(resolve));
    expect(rollup.current()).toBe('outermost');
    expect(asked).toBe(3);
    expect(lines.filter((line) => line['msg'] === 'MLflow server version').map((line) => line['costRollup'])).toEqual(['sum', 'outermost']);
  });
});
