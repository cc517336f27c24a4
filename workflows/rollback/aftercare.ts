/**
 * Steps 6 and 7 (SPEC §3): the flag's read-only cohort query and the notifications. Both are
 * reported, never fatal: the flag is already rolled back, and remediation is manual anyway.
 */
import { patched, workflowInfo } from '@temporalio/workflow';
import type { RollbackActivities } from './activities.js';
import type { RollbackPlan, RollbackStatus } from './messages.js';
import type { RollbackRun } from './run.js';
import { failureMessage, noticeOf } from './state.js';

/** The cohort statement's timeout when the input sets none. */
export const DEFAULT_COHORT_STATEMENT_MS = 30_000;

/** Step 6: count the rows an asymmetric flag left behind (only ids are reported). */
export async function checkCohort(run: RollbackRun, plan: RollbackPlan, acts: RollbackActivities, statementTimeoutMs: number): Promise<void> {
  if (!plan.cohort) return;
  const s = run.status;
  run.setStatus('checking_cohort');
  const base = { count: null, ids: [], idColumn: plan.cohort.idColumn, checkedAt: run.now() };
  if (plan.cohort.skippedReason) {
    s.cohort = { ...base, status: 'skipped', reason: plan.cohort.skippedReason };
    return;
  }
  s.cohort = { ...base, status: 'pending', reason: null, checkedAt: null };
  try {
    s.cohort = await acts.checkCohort({ flag: plan.flag, flagOnAt: plan.flagOnAt, statementTimeoutMs });
  } catch (error) {
    s.cohort = { ...base, status: 'failed', reason: failureMessage(error) };
  }
}

/** Step 7: Slack and/or GitHub, with `ending` as the status they announce. */
export async function notify(run: RollbackRun, acts: RollbackActivities, ending: RollbackStatus['status']): Promise<void> {
  const s = run.status;
  run.setStatus('notifying');
  // The "approval needed" outcomes stay; the end's are added after them.
  const earlier = s.notifications.filter((n) => n.about === 'approval_needed');
  try {
    s.notifications = [...earlier, ...(await acts.notifyRollback(noticeOf({ ...run.snapshot(), status: ending })))];
  } catch (error) {
    // Which channels the worker has configured is the activity's knowledge, not the workflow's.
    s.notifications = [...earlier, { channel: 'all', status: 'failed', detail: failureMessage(error), at: run.now() }];
  }
}

/**
 * The patch of the draft clean-up (README, "Changing workflow code"): runs that failed a publish
 * before it existed end as they always did; new ones clean up.
 */
export const DRAFT_CLEANUP_PATCH = 'delete-unpublished-drafts-at-the-end';

/**
 * At the end of a run in which a publish failed: delete the versions it created and never
 * published (seen in each v2 environment's version list by this run's marker), and record what
 * was deleted and what was left.
 */
export async function deleteLeftoverDrafts(run: RollbackRun, acts: RollbackActivities): Promise<void> {
  const plan = run.status.plan;
  if (!plan || !run.publishFailed || !patched(DRAFT_CLEANUP_PATCH)) return;
  const environments = plan.environments.filter((e) => e.versioning === 'v2').map((e) => e.name);
  if (environments.length === 0) return;
  const { workflowId, runId } = workflowInfo();
  try {
    const results = await acts.deleteUnpublishedDrafts({ featureId: plan.featureId, environments, markerPrefix: `flagops:${workflowId}:${runId}:` });
    for (const result of results) {
      const env = run.environment(result.environment);
      env.draftsDeleted = result.deleted;
      env.draftsLeft = result.left.map((l) => `${l.uuid ?? 'drafts'}: ${l.reason}`);
    }
  } catch (error) {
    for (const name of environments) run.environment(name).draftsLeft = [`not cleaned up: ${failureMessage(error)}`];
  }
}
