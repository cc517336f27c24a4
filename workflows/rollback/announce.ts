/**
 * The "approval needed" notification (README, "Approvals from Slack"): each time a plan starts
 * waiting for its approver, an activity tells Slack, beside the wait and never in its way. Its
 * outcome is recorded in the status's notifications (`about: approval_needed`); a failure is one
 * more outcome, never the run's. Before the run ends it waits for what is still in flight.
 */
import { patched } from '@temporalio/workflow';
import type { ApprovalNotice } from '../../src/slack/message.js';
import type { RollbackActivities } from './activities.js';
import type { OverridesPlan, RollbackStatus } from './messages.js';
import type { RollbackRun } from './run.js';
import { failureMessage } from './state.js';

/** Patch id (README, "Changing workflow code"): runs before it sent nothing when the plan was ready. */
export const APPROVAL_NOTICE_PATCH = 'notify-when-the-plan-is-ready';

/** One line on an environment's overrides for approvers: what each does and what still serves the old state. */
function describeOverrides(overrides: OverridesPlan | undefined): string | null {
  if (!overrides || (overrides.segments.length === 0 && overrides.identities.count === 0)) return null;
  const parts = overrides.segments.map((o) => `segment ${o.segment} ${o.enabled ? 'ON' : 'OFF'}: ${o.action}${o.stillServesOld ? ', STILL SERVES THE OLD STATE' : ''}`);
  const ids = overrides.identities;
  if (ids.count > 0) parts.push(`${ids.count} identity override(s): ${ids.action}${ids.stillServingOld > 0 ? `, ${ids.stillServingOld} STILL SERVE THE OLD STATE` : ''}`);
  return parts.join('; ');
}

function describeState(state: { enabled: boolean; value: unknown }): string {
  return `${state.enabled ? 'ON' : 'OFF'} (${JSON.stringify(state.value)})`;
}

/** What approvers are told: built from the status, without secrets. */
export function approvalNoticeOf(status: RollbackStatus): ApprovalNotice | null {
  const plan = status.plan;
  if (!plan) return null;
  return {
    workflowId: status.workflowId,
    flag: status.flag,
    incidentId: status.incidentId,
    reason: status.reason,
    requestedBy: status.requestedBy,
    planHash: plan.planHash,
    revision: plan.revision,
    approvalDeadline: status.timers.approvalDeadline,
    environments: plan.environments.map((e) => ({ name: e.name, before: describeState(e.before), after: describeState(e.after), scheduled: e.scheduled.length, overrides: describeOverrides(e.overrides) })),
    partialReason: plan.partialReason,
    semantics: plan.semantics,
    notes: plan.notes,
    cohort: plan.cohort ? (plan.cohort.skippedReason ? `${plan.cohort.description ?? plan.cohort.idColumn} (check skipped: ${plan.cohort.skippedReason})` : (plan.cohort.description ?? `rows by ${plan.cohort.idColumn}`)) : null,
    approvers: plan.approvers,
    distinctFromRequester: plan.distinctFromRequester,
  };
}

export class PlanAnnouncer {
  private readonly inFlight: Promise<void>[] = [];

  constructor(
    private readonly run: RollbackRun,
    private readonly acts: RollbackActivities,
    private readonly enabled: boolean,
  ) {}

  /** The plan waits for approval now: tell Slack, without waiting for the answer. */
  announce(): void {
    if (!this.enabled || !patched(APPROVAL_NOTICE_PATCH)) return;
    const notice = approvalNoticeOf(this.run.snapshot());
    if (!notice) return;
    const s = this.run.status;
    this.inFlight.push(
      this.acts.notifyApprovalNeeded(notice).then(
        (outcomes) => void s.notifications.push(...outcomes),
        (error: unknown) => void s.notifications.push({ channel: 'all', about: 'approval_needed', status: 'failed', detail: failureMessage(error), at: this.run.now() }),
      ),
    );
  }

  /** Every notification sent so far has its outcome (they never reject). */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}
