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

/** The message of an error-like value (an Error, or an object with a string `message`). */
function messageOf(value: unknown): string | undefined {
  if (value instanceof Error) return value.message;
  const message = value !== null && typeof value === 'object' ? (value as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : undefined;
}

/**
 * An error's message belongs in the line's `msg`, where an operator reading `msg` (or a log
 * viewer showing only it) sees why: `environment document write failed: connection refused`.
 * Temporal's own lines carry the error under `error`, ours under `err`.
 */
function withErrorMessage(args: unknown[]): unknown[] {
  const [fields, msg] = args;
  if (fields === null || typeof fields !== 'object' || typeof msg !== 'string') return args;
  const record = fields as { err?: unknown; error?: unknown; failure?: unknown };
  const message = messageOf(record.err) ?? messageOf(record.error) ?? messageOf(record.failure);
  if (!message || msg.includes(message)) return args;
  return [fields, `${msg}: ${message}`, ...args.slice(2)];
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
    // `error` (Temporal's key) is serialised like `err`: an Error has no enumerable fields of its own.
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    hooks: {
      logMethod(args, method) {
        method.apply(this, withErrorMessage(args) as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
