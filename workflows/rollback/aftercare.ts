/**
 * Steps 6 and 7 (SPEC §3): the flag's read-only cohort query and the notifications. Both are
 * reported, never fatal: the flag is already rolled back, and remediation is manual anyway.
 */
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
  try {
    s.notifications = await acts.notifyRollback(noticeOf({ ...run.snapshot(), status: ending }));
  } catch (error) {
    // Which channels the worker has configured is the activity's knowledge, not the workflow's.
    s.notifications = [{ channel: 'all', status: 'failed', detail: failureMessage(error), at: run.now() }];
  }
}
