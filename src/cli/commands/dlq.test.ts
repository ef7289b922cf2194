import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTokenmeterCommand } from '../../../test/e2e/tokenmeter-process.js';
import { SendingQueueTable } from '../../storage/sending-queue.js';
import { Store } from '../../storage/store.js';

/** A storage file with two dead letters of the `mlflow` exporter, as a stopped tokenmeter leaves it. */
function storageWithDeadLetters(): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tokenmeter-dlq-'));
  const file = path.join(dir, 'state.db');
  const store = Store.open({ mode: 'disk', path: file, synchronous: 'normal' });
  const queue = new SendingQueueTable(store.db, 'mlflow');
  for (const [spans, reason] of [[6, 'MLflow answered 400 to POST /v1/traces: bad experiment'], [3, 'retried past max_elapsed_time']] as const) {
    const batch = queue.add({ body: new Uint8Array(10), spans, extra: '[]' }, 1_767_225_600_000);
    queue.moveToDeadLetters(batch.id, reason, 1_767_225_660_000);
  }
  store.close();
  return { dir, file };
}

function queued(file: string): Array<{ spans: number; outcome_unknown: number }> {
  const store = Store.openShared(file);
  try {
    return store.db.prepare<[], { spans: number; outcome_unknown: number }>('SELECT spans, outcome_unknown FROM sending_queue ORDER BY id').all();
  } finally {
    store.close();
  }
}

describe('tokenmeter dlq', () => {
  it('lists each dead letter with its exporter, spans, time and reason', async () => {
    const { dir, file } = storageWithDeadLetters();
    const { code, stdout } = await runTokenmeterCommand(['dlq', 'list', '--storage', file], dir);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      '1\tmlflow\t6 spans\t2026-01-01T00:01:00.000Z\tMLflow answered 400 to POST /v1/traces: bad experiment',
      '2\tmlflow\t3 spans\t2026-01-01T00:01:00.000Z\tretried past max_elapsed_time',
    ]);
  });

  it('replays the ids given, back to the queue to be checked against the destination first; says which ids do not exist', async () => {
    const { dir, file } = storageWithDeadLetters();
    const replay = await runTokenmeterCommand(['dlq', 'replay', '--id', '2', '9', '--storage', file], dir);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('replayed 1 dead letter(s): 2');
    expect(replay.stderr).toContain('no dead letter with id 9');
    expect(queued(file)).toEqual([{ spans: 3, outcome_unknown: 1 }]);
    const list = await runTokenmeterCommand(['dlq', 'list', '--storage', file], dir);
    expect(list.stdout.trim().split('\n')).toHaveLength(1);
    expect(list.stdout).toMatch(/^1\tmlflow\t6 spans/);
  });

  it('refuses an id that is not a positive integer, replaying nothing', async () => {
    const { dir, file } = storageWithDeadLetters();
    for (const id of ['abc', '0', '1.5']) {
      const replay = await runTokenmeterCommand(['dlq', 'replay', '--id', '2', id, '--storage', file], dir);
      expect(replay.code, id).not.toBe(0);
      expect(replay.stderr).toContain(`option '--id <ids...>' argument '${id}' is invalid. expected a dead letter id, a positive integer`);
      expect(replay.stdout).toBe('');
    }
    expect(queued(file)).toEqual([]);
  });

  it('refuses a replay that names neither ids nor --all, and a storage that does not exist', async () => {
    const { dir, file } = storageWithDeadLetters();
    const neither = await runTokenmeterCommand(['dlq', 'replay', '--storage', file], dir);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give either --id N [N…] or --all');
    const missing = await runTokenmeterCommand(['dlq', 'list', '--storage', path.join(dir, 'none.db')], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no storage at');
  });
});
