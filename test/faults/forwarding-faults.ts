/** What the fault tests of the forwarding exporters (otlphttp, otlp) check alike: dead letters, and which spans arrived. */
import path from 'node:path';
import { expect } from 'vitest';
import { waitFor } from '../e2e/ledger-sidecar.js';
import { WARN } from '../fixtures/captured-logs.js';
import type { LogLine } from '../fixtures/captured-logs.js';
import { runTokenmeterCommand } from '../e2e/tokenmeter-process.js';
import type { InProcessSidecar } from './sidecar.js';
import type { buildTraces } from './workload.js';

/** Short backoff, so that a wait longer than it can only be the server's Retry-After or RetryInfo. */
export const FAST_RETRY = { initial_interval: '50ms', max_interval: '200ms' };

/** Every span the app sent, hex ids, sorted. */
export const sentSpanIds = (spans: ReturnType<typeof buildTraces>['spans']): string[] => spans.map((span) => span.spanContext().spanId).sort();

/** Waits until `tokenmeter dlq list` shows `spans` spans dead-lettered; returns its lines, one per batch. */
export async function deadLetterLines(tokenmeter: InProcessSidecar, spans: number): Promise<string[]> {
  const storage = path.join(tokenmeter.dir, 'state.db');
  return waitFor(`${spans} spans dead-lettered`, async () => {
    const { stdout } = await runTokenmeterCommand(['dlq', 'list', '--storage', storage], tokenmeter.dir);
    const lines = stdout.split('\n').filter((line) => /^\d+\t/.test(line));
    const deadSpans = lines.reduce((sum, line) => sum + Number(/\t(\d+) spans\t/.exec(line)?.[1] ?? 0), 0);
    return deadSpans === spans ? lines : undefined;
  });
}

/**
 * A receiver that answered every export with a partial success (1 span rejected: 'span too old'): one warning per
 * export, carrying the count and the message.
 */
export function expectPartialSuccessWarnings(lines: readonly LogLine[], exports: number): void {
  const warnings = lines.filter((line) => line.msg === 'OTLP endpoint accepted a batch partially (partial_success)');
  expect(warnings).toHaveLength(exports);
  for (const warning of warnings) expect(warning).toMatchObject({ level: WARN, rejectedSpans: 1, message: 'span too old' });
}
