/**
 * JSON-lines logging (pino). Every line may carry workflow id, activity and environment; secrets
 * are redacted by path so a careless `log.info({ headers })` cannot leak a token.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACT = [
  'token',
  'adminToken',
  'authorization',
  'headers.authorization',
  'headers["x-environment-key"]',
  '*.token',
  '*.adminToken',
  '*.authorization',
  'databaseUrl',
  '*.databaseUrl',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
];

/** A JSON logger at `level`, writing to stdout (or `destination`, e.g. a test's capture stream). */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'flagops' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
