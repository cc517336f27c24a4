/**
 * What an activity attempt reports while it runs: heartbeats (so a dead worker's attempt is retried
 * after the heartbeat timeout, not the start-to-close timeout), carrying its last failure.
 *
 * When Temporal cuts an attempt short (schedule-to-close, start-to-close, heartbeat timeouts), the
 * failure the workflow gets is a bare timeout: the Flagsmith call that kept failing, and how, are
 * lost with the attempt. So each failed call is recorded as the attempt's heartbeat details
 * (`{ lastError }`), which Temporal keeps across attempts and hands back on the timeout
 * (`TimeoutFailure.lastHeartbeatDetails`); the workflow then names the call and its last answer.
 */
import { Context, activityInfo, heartbeat } from '@temporalio/activity';

/** What the heartbeat details of flagops' activities hold. */
export interface AttemptDetails {
  lastError: string | null;
}

const recorded = new WeakMap<Context, string>();

function current(): Context | null {
  try {
    return Context.current();
  } catch {
    // Called outside an activity (a script, a test calling a client directly).
    return null;
  }
}

/** The details to heartbeat now: this attempt's last failure, else an earlier attempt's. */
export function attemptDetails(): AttemptDetails {
  const context = current();
  if (!context) return { lastError: null };
  const earlier = (activityInfo().heartbeatDetails as Partial<AttemptDetails> | undefined)?.lastError ?? null;
  return { lastError: recorded.get(context) ?? earlier };
}

/** Record a failed call of this attempt (and heartbeat it, so the server keeps it). */
export function recordFailedCall(message: string): void {
  const context = current();
  if (!context) return;
  recorded.set(context, message);
  heartbeat(attemptDetails());
}

/**
 * Heartbeat in the background while an attempt runs, when its activity has a heartbeat timeout: a
 * slow call must not look like a dead worker, while a killed worker stops heartbeating and its
 * attempt is retried within that timeout. @returns the function that stops it.
 */
export function keepHeartbeating(): () => void {
  const timeoutMs = current() ? activityInfo().heartbeatTimeoutMs : undefined;
  if (!timeoutMs) return () => undefined;
  heartbeat(attemptDetails());
  const timer = setInterval(() => heartbeat(attemptDetails()), Math.max(200, Math.floor(timeoutMs / 3)));
  return () => clearInterval(timer);
}

/** `activities` with each one heartbeating while it runs (see {@link keepHeartbeating}). */
export function withHeartbeats<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      const stop = keepHeartbeating();
      try {
        return await fn(...args);
      } finally {
        stop();
      }
    };
  }
  return wrapped as T;
}
