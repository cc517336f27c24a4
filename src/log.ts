/**
 * JSON-lines logging (pino). Every line may carry workflow id, activity and environment; secrets
 * are redacted by path so a careless `log.info({ headers })` cannot leak a token.
 */
import { asyncLocalStorage } from '@temporalio/activity';
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

/**
 * Inside an activity, every line names the workflow, run and activity it belongs to, so an
 * operator can go from a log line to the Temporal UI without each activity passing ids around.
 */
function activityFields(): Record<string, unknown> {
  const info = asyncLocalStorage.getStore()?.info;
  if (!info) return {};
  return {
    workflowId: info.workflowExecution?.workflowId,
    runId: info.workflowExecution?.runId,
    activity: info.activityType,
    attempt: info.attempt,
  };
}

/** A JSON logger at `level`, writing to stdout (or `destination`, e.g. a test's capture stream). */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'flagops' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin: activityFields,
  };
  return destination ? pino(options, destination) : pino(options);
}
