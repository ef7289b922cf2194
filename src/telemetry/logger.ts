import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** Logs go to stderr so that stdout stays clean for command output (`tokenmeter price --format json | jq`). */
export function createLogger(level: string = process.env.TOKENMETER_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'tokenmeter' } }, pino.destination(2));
}

/** A logger that drops everything, for library use and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
