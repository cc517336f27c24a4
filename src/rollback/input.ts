/**
 * The one schema of `flagRollback`'s input (SPEC §3). The CLI builds an input and checks it here,
 * `startRollback` checks it before starting, and the plan activity checks it again on the worker
 * (a run started by hand, from the UI or another client, is held to the same rules before anything
 * changes). Every duration is in milliseconds with a documented upper bound.
 */
import { z } from 'zod';
import { durationLimits, formatDuration, type DurationLimit } from '../config/duration.js';
import { flatValueSchema } from '../flagsmith/schemas.js';
import { valueTypes, type ValueType } from '../flagsmith/values.js';
import { PULL_REQUEST_FORMAT, parsePullRequestRef } from '../github/pull-request.js';
import { RECORD_LIMITS, type RollbackInput } from '../../workflows/rollback/messages.js';
import { identityKey } from '../../workflows/rollback/signals.js';

/** Input that cannot start a rollback; the message names the field. */
export class RollbackInputError extends Error {
  override readonly name = 'RollbackInputError';
}

const text = (max: number) =>
  z
    .string()
    .refine((v) => v.trim() !== '', 'must not be empty')
    .refine((v) => v.length <= max, `at most ${max} characters`);

/** A person's name: compared normalised (see `identityKey`), so it must say something and hide nothing. */
const identity = text(256)
  .refine((v) => identityKey(v) !== '', 'must name someone')
  .refine((v) => !/\p{Cc}/u.test(v), 'must not contain control characters');

const milliseconds = (limit: DurationLimit) =>
  z
    .number({ message: 'milliseconds, a number' })
    .refine((v) => Number.isFinite(v) && Number.isInteger(v), 'whole milliseconds')
    .refine((v) => v >= limit.min, `at least ${formatDuration(limit.min)}`)
    .refine((v) => v <= limit.max, `at most ${formatDuration(limit.max)}`);

/** Upper bounds of the activity timeouts (the workflow caps them at its defaults anyway). */
const activityLimits = {
  startToCloseMs: { min: 100, max: 10 * 60_000 },
  heartbeatMs: { min: 100, max: 5 * 60_000 },
  scheduleToCloseMs: { min: 100, max: 60 * 60_000 },
  cohortStatementMs: { min: 100, max: 10 * 60_000 },
} as const;

export const rollbackInputSchema = z.strictObject({
  // Flagsmith feature names have no whitespace; the name also becomes part of the workflow id.
  flag: z.string().regex(/^[^\s/\\]{1,150}$/, 'a flag name without spaces or slashes, at most 150 characters'),
  environments: z.array(text(200)).min(1, 'name at least one environment').max(100).optional(),
  partialReason: text(1000).optional(),
  target: z
    .strictObject({
      enabled: z.boolean(),
      value: flatValueSchema.optional(),
      valueType: z.enum(valueTypes as [ValueType, ...ValueType[]]).optional(),
    })
    .optional(),
  reason: text(1000).optional(),
  incidentId: text(200).optional(),
  requestedBy: identity,
  pr: z
    .string()
    .refine((v) => parsePullRequestRef(v) !== null, PULL_REQUEST_FORMAT)
    .optional(),
  flagOnAt: z.iso.datetime({ offset: true, message: 'an ISO date-time with offset, e.g. 2026-05-22T09:00:00Z' }).optional(),
  keepScheduled: z.boolean().optional(),
  overrides: z.enum(['keep', 'disable', 'remove'], { message: 'one of keep, disable, remove' }).optional(),
  cacheWaitMs: milliseconds(durationLimits.cacheWait).optional(),
  approvalTimeoutMs: milliseconds(durationLimits.approvalTimeout).optional(),
  verifyTimeoutMs: milliseconds(durationLimits.verifyTimeout).optional(),
  verifyIntervalMs: milliseconds(durationLimits.verifyInterval).optional(),
  attentionTimeoutMs: milliseconds(durationLimits.attentionTimeout).optional(),
  activityTimeouts: z
    .strictObject({
      startToCloseMs: milliseconds(activityLimits.startToCloseMs).optional(),
      heartbeatMs: milliseconds(activityLimits.heartbeatMs).optional(),
      scheduleToCloseMs: milliseconds(activityLimits.scheduleToCloseMs).optional(),
      cohortStatementMs: milliseconds(activityLimits.cohortStatementMs).optional(),
    })
    .optional(),
  alert: z
    .strictObject({
      source: z.enum(['alertmanager', 'grafana']),
      rule: text(64),
      alertname: text(256),
      fingerprint: text(256).refine((v) => !/\p{Cc}/u.test(v), 'must not contain control characters'),
      labels: z
        .record(z.string().max(256), z.string().max(256))
        .refine((v) => Object.keys(v).length <= RECORD_LIMITS.maxAlertLabels, `at most ${RECORD_LIMITS.maxAlertLabels} labels`),
      startsAt: z.string().max(64).nullable(),
    })
    .optional(),
});

/** One problem with an input: the field (dotted path) and what is wrong. */
export interface InputProblem {
  field: string;
  message: string;
}

/** Every problem with `raw` as a rollback input, in field order; empty when it is valid. */
export function rollbackInputProblems(raw: unknown): InputProblem[] {
  const parsed = rollbackInputSchema.safeParse(raw);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    field: issue.path.join('.') || '(input)',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

/**
 * The input, checked.
 * @throws RollbackInputError naming the first field to fix.
 */
export function parseRollbackInput(raw: unknown): RollbackInput {
  const problem = rollbackInputProblems(raw)[0];
  if (problem) throw new RollbackInputError(`${problem.field}: ${problem.message}`);
  return raw as RollbackInput;
}
