/**
 * The rollback's state helpers: the initial status, the step each status belongs to, the memo,
 * and the notice sent to Slack/GitHub. Pure and plain JSON (workflow state must replay).
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import type { RollbackNotice } from '../../activities/notify.js';
import type { EnvironmentOutcome, FlagState, RollbackInput, RollbackStatus, RollbackStatusName, RollbackStepName } from './messages.js';
import { alertLine, initialAlertLog } from './alert-log.js';
import { cut } from './signals.js';

const stepByStatus: Record<RollbackStatusName, RollbackStepName> = {
  planning: 'plan',
  awaiting_approval: 'await_approval',
  publishing: 'publish',
  waiting_for_caches: 'wait_for_caches',
  verifying: 'verify',
  checking_cohort: 'cohort',
  notifying: 'notify',
  completed: 'summary',
  rejected: 'summary',
  expired: 'summary',
  cancelled: 'summary',
  failed: 'summary',
  needs_attention: 'summary',
};

/** The step a status belongs to (`needs_attention` takes the phase that needs it, see the workflow). */
export function stepOf(status: RollbackStatusName): RollbackStepName {
  return stepByStatus[status];
}

/** The status a run starts from (also what `rollback --no-wait --json` prints before a worker answers). */
export function initialStatus(input: RollbackInput, ids: { workflowId: string; runId: string }, now: string): RollbackStatus {
  return {
    workflowId: ids.workflowId,
    runId: ids.runId,
    status: 'planning',
    step: 'plan',
    flag: input.flag,
    requestedBy: cut(input.requestedBy),
    incidentId: input.incidentId?.trim() ? cut(input.incidentId) : null,
    reason: input.reason?.trim() ? cut(input.reason) : null,
    pr: input.pr ?? null,
    startedAt: now,
    updatedAt: now,
    plan: null,
    environments: [],
    approvals: [],
    refusals: [],
    refusalsDropped: 0,
    pending: [],
    cohort: null,
    notifications: [],
    timers: { approvalDeadline: null, cacheWaitUntil: null, verifyDeadline: null },
    attention: null,
    outcome: null,
    ...(input.alert ? { alerts: initialAlertLog(input.alert, now) } : {}),
  };
}

/** An environment's outcome before anything was published. */
export function emptyOutcome(name: string): EnvironmentOutcome {
  return {
    name,
    state: 'pending',
    publish: 'pending',
    version: null,
    publishedAt: null,
    deletedScheduled: [],
    error: null,
    revertVersion: null,
    adminView: null,
    sdkView: null,
    probe: null,
    verified: false,
  };
}

/** The memo: the plan and the outcome, without the (bounded but chatty) refusal list. */
export function memoOf(status: RollbackStatus): Record<string, unknown> {
  return {
    plan: status.plan,
    outcome: {
      status: status.status,
      step: status.step,
      environments: status.environments.map((e) => ({
        name: e.name,
        state: e.state,
        publish: e.publish,
        version: e.version,
        verified: e.verified,
        adminView: e.adminView?.ok ?? null,
        sdkView: e.sdkView?.ok ?? null,
        probe: e.probe?.ok ?? null,
      })),
      approvals: status.approvals,
      refusals: status.refusals.length + status.refusalsDropped,
      cohort: status.cohort && { status: status.cohort.status, count: status.cohort.count, reason: status.cohort.reason },
      notifications: status.notifications,
      result: status.outcome,
      // The audit of an alert-started run: which rule and fingerprint, and what followed.
      ...(status.alerts ? { alerts: { ...status.alerts, recent: status.alerts.recent.length } } : {}),
    },
  };
}

function describeState(state: FlagState | undefined): string {
  if (!state) return '?';
  return `${state.enabled ? 'on' : 'off'} (${JSON.stringify(state.value)})`;
}

/** What Slack and GitHub are told: built from the status, without secrets or cohort rows. */
export function noticeOf(status: RollbackStatus): RollbackNotice {
  const approvedBy = [...status.approvals].reverse().find((a) => a.signal === 'approve')?.by ?? null;
  return {
    workflowId: status.workflowId,
    flag: status.flag,
    status: status.status,
    incidentId: status.incidentId,
    reason: status.reason,
    requestedBy: status.requestedBy,
    approvedBy,
    pr: status.pr,
    environments: status.environments.map((e) => {
      const plan = status.plan?.environments.find((p) => p.name === e.name);
      return {
        name: e.name,
        before: describeState(plan?.before),
        after: describeState(plan?.after),
        version: e.version,
        verified: e.verified,
        publish: e.publish,
      };
    }),
    cohortCount: status.cohort?.status === 'done' ? status.cohort.count : null,
    cohortNote: status.cohort && status.cohort.status !== 'done' ? `${status.cohort.status}: ${status.cohort.reason ?? ''}` : null,
    ...(status.alerts ? { alerts: alertLine(status) } : {}),
  };
}

/**
 * What a failed activity says, in words a person can act on: Flagsmith's own (the call and its
 * answer, as the HTTP client words it) rather than "Activity task failed". A timeout names the
 * activity, which timeout, and the last attempt's failure Temporal carries with it.
 */
export function failureMessage(error: unknown): string {
  let current: unknown = error;
  let activity: string | null = null;
  while (current instanceof ActivityFailure) {
    activity = current.activityType;
    if (!current.cause) break;
    current = current.cause;
  }
  if (current instanceof TimeoutFailure) {
    const which = current.timeoutType ? current.timeoutType.toLowerCase().replace(/_/g, '-') : 'a';
    // The activity's own record of its last failed call (its heartbeat details), else Temporal's.
    const details = current.lastHeartbeatDetails as { lastError?: unknown } | undefined;
    const recorded = typeof details?.lastError === 'string' ? cut(details.lastError) : null;
    const last = recorded ?? (current.cause ? failureMessage(current.cause) : 'no answer before the timeout');
    return cut(`${activity ?? 'activity'} gave up (${which} timeout); last attempt: ${last}`);
  }
  if (current instanceof ApplicationFailure || current instanceof Error) return cut(current.message);
  return cut(String(current));
}

/** A name or text a person typed, quoted so that markdown and line breaks in it show as text. */
function quoted(text: string): string {
  return JSON.stringify(text);
}

/**
 * The Temporal UI's "Current Details" (markdown): what the run waits for and how to answer it,
 * with the exact Update/Signal name and input, and the latest refusal so an approver who used the
 * UI's "Send a Signal" sees why it did not count.
 */
export function currentDetailsOf(status: RollbackStatus): string {
  const lines: string[] = [];
  const approver = status.plan?.approvers[0] ?? 'approver@example.com';
  switch (status.status) {
    case 'planning':
      lines.push(`Planning the rollback of \`${status.flag}\`.`);
      break;
    case 'awaiting_approval': {
      const plan = status.plan;
      lines.push(`**Waiting for approval** until ${status.timers.approvalDeadline ?? '?'}.`);
      if (plan) {
        lines.push(
          `Approvers: ${plan.approvers.map(quoted).join(', ')}${plan.distinctFromRequester ? ` (four-eyes: not the requester ${quoted(status.requestedBy)})` : ''}.`,
          '',
          `Approve: Send an Update (or a Signal) named \`approve\` with input \`${JSON.stringify({ by: approver, planHash: plan.planHash })}\`.`,
          `Reject: \`reject\` with \`${JSON.stringify({ by: approver, reason: 'why' })}\`.`,
        );
      }
      break;
    }
    case 'needs_attention': {
      const attention = status.attention;
      lines.push(`**Needs attention**: ${attention?.reason ?? 'see the status'}.`);
      if (attention) {
        lines.push(
          '',
          `Resolve: Send an Update (or a Signal) named \`resolve\` with input \`${JSON.stringify({ by: approver, action: attention.actions[0] ?? 'accept' })}\` (possible actions: ${attention.actions.join(', ')}).`,
        );
      }
      break;
    }
    case 'waiting_for_caches':
      lines.push(`Waiting for SDK caches until ${status.timers.cacheWaitUntil ?? '?'}.`);
      break;
    default:
      if (status.outcome) lines.push(`Ended **${status.outcome.status}**: ${status.outcome.detail}`);
      else lines.push(`${status.status.replace(/_/g, ' ')}.`);
  }
  const states = status.environments.map((e) => `${e.name}: ${e.state.replace('_', ' ')}`).join(' · ');
  if (states) lines.push('', states);
  const refused = status.refusals.at(-1);
  if (refused) lines.push('', `Latest refusal: ${refused.signal} by ${quoted(refused.by ?? 'unknown')}: ${quoted(refused.reason)}.`);
  return lines.join('\n');
}

/** A duration as a summary says it: `250 ms`, `60 s`, `30 min`, `2 h`, `7 days`. */
export function spokenDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 2 * 86_400_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}
