/**
 * The one failure vocabulary of flagops.
 *
 * Every error that crosses an activity boundary is an `ApplicationFailure` whose `type` is one of
 * these names; whether Temporal retries it is decided here, once, and nowhere else. This module is
 * imported by workflow code too, so it depends on `@temporalio/common` only.
 */
import { ApplicationFailure } from '@temporalio/common';

export const FailureType = {
  /** Flagsmith (or another API) answered 404. */
  NotFound: 'NotFound',
  /** 401/403: the token is wrong or lacks permission. */
  Unauthorized: 'Unauthorized',
  /** 400/422: the request was refused; the message is the server's own. */
  Validation: 'Validation',
  /** 409 or a state conflict (e.g. a live version cannot be deleted). */
  Conflict: 'Conflict',
  /** 429: retry after the server's `Retry-After`. */
  Throttled: 'Throttled',
  /** 5xx and 408. */
  ServerError: 'ServerError',
  /** Connection refused/reset, DNS, timeouts. */
  Network: 'Network',
  /** A response that does not have the shape we rely on. */
  BadResponse: 'BadResponse',
  /** Configuration or input that names something that does not exist or disagrees. */
  Config: 'Config',
  /** A plan precondition failed (missing flag, mismatched environment). */
  PlanInvalid: 'PlanInvalid',
  /** A database statement failed for a reason retrying will not fix. */
  Database: 'Database',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failure types Temporal must not retry: retrying cannot change the answer. */
export const nonRetryableFailureTypes: readonly FailureType[] = [
  FailureType.NotFound,
  FailureType.Unauthorized,
  FailureType.Validation,
  FailureType.Conflict,
  FailureType.BadResponse,
  FailureType.Config,
  FailureType.PlanInvalid,
  FailureType.Database,
];

export function isRetryable(type: FailureType): boolean {
  return !nonRetryableFailureTypes.includes(type);
}

export interface FailureOptions {
  cause?: Error;
  /** Structured, secret-free details that travel with the failure (shown in the Temporal UI). */
  details?: unknown[];
  /** For `Throttled`: how long the server asked us to wait. */
  retryAfterMs?: number;
}

/** Build the `ApplicationFailure` for a failure type; retryability follows the vocabulary. */
export function failure(type: FailureType, message: string, options: FailureOptions = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: !isRetryable(type),
    cause: options.cause,
    details: options.details,
    // Temporal honours this delay instead of its own backoff for this attempt (429 Retry-After).
    nextRetryDelay: options.retryAfterMs !== undefined ? options.retryAfterMs : undefined,
  });
}
