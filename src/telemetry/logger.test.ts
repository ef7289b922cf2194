import { afterEach, describe, expect, it } from 'vitest';
import { capturedLogger, WARN } from '../../test/fixtures/captured-logs.js';
import { logNodeWarnings } from './logger.js';

const printers = process.listeners('warning');
afterEach(() => {
  process.removeAllListeners('warning');
  for (const printer of printers) process.on('warning', printer);
});

const nextTick = () => new Promise((resolve) => setImmediate(resolve));

describe("Node's warnings", () => {
  it('are logged as JSON lines instead of printed as text, but for the DEP0123 grpc-js causes', async () => {
    const { logger, lines } = capturedLogger();
    logNodeWarnings(logger);
    process.emitWarning('something is going away', 'DeprecationWarning', 'DEP0999');
    process.emitWarning('Setting the TLS ServerName to an IP address is not permitted by RFC 6066.', 'DeprecationWarning', 'DEP0123');
    await nextTick();
    expect(lines.map(({ level, msg, warning }) => ({ level, msg, warning }))).toEqual([
      { level: WARN, msg: 'Node.js warning', warning: { name: 'DeprecationWarning', code: 'DEP0999', message: 'something is going away' } },
    ]);
    expect(process.listenerCount('warning')).toBe(1);
  });

  it('stay off when Node was told not to print them', async () => {
    process.removeAllListeners('warning');
    const { logger, lines } = capturedLogger();
    logNodeWarnings(logger);
    process.emitWarning('quiet', 'DeprecationWarning', 'DEP0998');
    await nextTick();
    expect(lines).toEqual([]);
    expect(process.listenerCount('warning')).toBe(0);
  });
});
