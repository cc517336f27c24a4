/**
 * Timeouts and retry policies of the rollback's activities, written once per kind of activity.
 *
 * Retryability itself is decided by `src/failures.ts` (non-retryable Flagsmith 4xx carry
 * `nonRetryable`, 429 carries `nextRetryDelay` from `Retry-After`); this module only bounds how
 * long and how often. Input may shorten every timeout (tests pass seconds) but not lengthen it.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import { nonRetryableFailureTypes } from '../../src/failures.js';
import type { ActivityTimeoutsInput } from './messages.js';

export type ActivityKind = 'config' | 'read' | 'publish' | 'verify' | 'cohort' | 'notify' | 'announce';

const DEFAULTS = {
  startToCloseMs: 30_000,
  heartbeatMs: 10_000,
  scheduleToCloseMs: 10 * 60_000,
  cohortStatementMs: 30_000,
} as const;

/** The effective timeouts: each the smaller of the default and the input's. */
export function effectiveTimeouts(input: ActivityTimeoutsInput | undefined): Required<ActivityTimeoutsInput> {
  const pick = (key: keyof ActivityTimeoutsInput): number => {
    const given = input?.[key];
    return typeof given === 'number' && given > 0 ? Math.min(given, DEFAULTS[key]) : DEFAULTS[key];
  };
  return {
    startToCloseMs: pick('startToCloseMs'),
    heartbeatMs: pick('heartbeatMs'),
    scheduleToCloseMs: pick('scheduleToCloseMs'),
    cohortStatementMs: pick('cohortStatementMs'),
  };
}

/** `proxyActivities` options for one kind of activity. */
export function activityOptions(kind: ActivityKind, input: ActivityTimeoutsInput | undefined): ActivityOptions {
  const t = effectiveTimeouts(input);
  // 5xx and network failures back off from 1 s to at most 30 s; 429 overrides the delay.
  const backoff = {
    initialInterval: 1_000,
    backoffCoefficient: 2,
    maximumInterval: 30_000,
    nonRetryableErrorTypes: [...nonRetryableFailureTypes],
  };
  switch (kind) {
    case 'config':
      // Reads the worker's configuration and hashes: nothing to wait for.
      return { startToCloseTimeout: Math.min(t.startToCloseMs, 10_000), retry: { ...backoff, maximumAttempts: 3 } };
    case 'read':
      // Every activity heartbeats while it runs (activities/attempt.ts): a dead worker costs the
      // heartbeat timeout, not the start-to-close one.
      return { startToCloseTimeout: t.startToCloseMs, heartbeatTimeout: t.heartbeatMs, scheduleToCloseTimeout: t.scheduleToCloseMs, retry: backoff };
    case 'publish':
      // Heartbeats let a dead worker's attempt be retried after `heartbeatMs`, not `startToCloseMs`.
      return {
        startToCloseTimeout: t.startToCloseMs,
        heartbeatTimeout: t.heartbeatMs,
        scheduleToCloseTimeout: t.scheduleToCloseMs,
        retry: backoff,
      };
    case 'verify':
      // One round of checks; the workflow loops until the verify deadline, so few retries here.
      return { startToCloseTimeout: t.startToCloseMs, heartbeatTimeout: t.heartbeatMs, retry: { ...backoff, maximumAttempts: 2 } };
    case 'cohort':
      // Five attempts: enough to outlast a database restart (a lost connection is retried).
      return { startToCloseTimeout: t.cohortStatementMs + 10_000, heartbeatTimeout: t.heartbeatMs, retry: { ...backoff, maximumAttempts: 5 } };
    case 'announce':
      // The "approval needed" message: short and bounded, it runs beside the approval wait.
      return {
        startToCloseTimeout: Math.min(t.startToCloseMs, 15_000),
        scheduleToCloseTimeout: Math.min(t.scheduleToCloseMs, 60_000),
        retry: { ...backoff, maximumAttempts: 2 },
      };
    case 'notify':
      return { startToCloseTimeout: t.startToCloseMs, heartbeatTimeout: t.heartbeatMs, retry: { ...backoff, maximumAttempts: 3 } };
  }
}
