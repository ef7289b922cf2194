import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/**
 * Logs go to stderr so that stdout stays clean for command output (`tokenmeter price --format json | jq`). The level
 * is the validated config's, `TOKENMETER_LOG_LEVEL` applied.
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'tokenmeter' } }, pino.destination(2));
}

/** A logger that drops everything, for library use and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Node's process warnings as log lines: its own printer writes plain text to stderr, among the JSON lines a log
 * pipeline parses. DEP0123 is left out: grpc-js asks a TLS server reached by IP for that IP as its server name, which
 * Node warns about once; nothing tokenmeter's config changes (but `server_name_override`), and it is harmless. With
 * warnings turned off (`--no-warnings`, `NODE_NO_WARNINGS=1`) Node has no printer, and none is added.
 */
export function logNodeWarnings(logger: Logger): void {
  if (process.listenerCount('warning') === 0) return;
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    if (warning.code === 'DEP0123') return;
    logger.warn({ warning: { name: warning.name, code: warning.code, message: warning.message } }, 'Node.js warning');
  });
}
