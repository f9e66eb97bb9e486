import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** Structured JSON logs on stderr with stable keys (`component`, `event`, `reason`, `err`). */
export function createLogger(level: LevelWithSilent = 'info', component = 'openelb-manager'): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

/** A logger that drops everything: the default in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
