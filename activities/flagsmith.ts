/**
 * What every Flagsmith activity shares: the client from the worker's deps, and the conversion of
 * the client's `HttpError`s into the failure vocabulary at the activity boundary, so Temporal
 * retries 5xx/network failures, honours 429's `Retry-After`, and fails fast on other 4xx with
 * Flagsmith's own message.
 */
import { FailureType, failure } from '../src/failures.js';
import { HttpError, httpFailure } from '../src/http.js';
import type { FlagsmithClient } from '../src/flagsmith/index.js';
import type { ActivityDeps } from './deps.js';
import { recordFailedCall } from './attempt.js';

/** @throws Config when the worker has no Flagsmith client (FLAGSMITH_ADMIN_TOKEN unset). */
export function requireFlagsmith(deps: ActivityDeps): FlagsmithClient {
  if (!deps.flagsmith) throw failure(FailureType.Config, 'this worker has no Flagsmith client: FLAGSMITH_ADMIN_TOKEN is not set');
  return deps.flagsmith;
}

/**
 * Run one Flagsmith call, converting its `HttpError` into an `ApplicationFailure`. The failure is
 * also recorded as the attempt's last error (`attempt.ts`), so a timeout can still name it.
 * @param messages.notFound turns a 404 into a non-retryable `PlanInvalid` with this message.
 */
export async function flagsmithCall<T>(fn: () => Promise<T>, messages: { notFound?: string } = {}): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    recordFailedCall(describeError(error));
    if (error instanceof HttpError) {
      if (error.status === 404 && messages.notFound) throw failure(FailureType.PlanInvalid, messages.notFound, { cause: error });
      throw httpFailure(error);
    }
    throw error;
  }
}

/** The message to show for a failed call: an `HttpError`'s message carries Flagsmith's own words. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
