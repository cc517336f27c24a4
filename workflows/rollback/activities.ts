/**
 * The rollback's activities as the workflow calls them: one proxy per kind of activity (timeouts
 * and retries from `policies.ts`), and each call carrying a summary that reads as a sentence in
 * the Temporal UI ("publish OFF to Production"), so the history reads as the runbook.
 */
import { proxyActivities, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { HashablePlan, PlanEnvironmentInput, RollbackContext } from '../../activities/rollback-plan.js';
import type { DeleteDraftsInput, PublishEnvironmentInput } from '../../activities/rollback-publish.js';
import type { VerifyEnvironmentInput } from '../../activities/rollback-verify.js';
import type { CheckCohortInput } from '../../activities/postgres.js';
import type { RollbackNotice } from '../../activities/notify.js';
import type { ApprovalNotice } from '../../src/slack/message.js';
import type { ActivityTimeoutsInput, FlagState, RollbackInput } from './messages.js';
import { activityOptions, type ActivityKind } from './policies.js';

/** `ON`/`OFF`, with the value when the target sets one. */
export function stateWords(state: FlagState, withValue: boolean): string {
  const word = state.enabled ? 'ON' : 'OFF';
  if (!withValue || state.value === null) return word;
  const value = typeof state.value === 'string' ? JSON.stringify(state.value.length > 40 ? `${state.value.slice(0, 39)}…` : state.value) : String(state.value);
  return `${word} ${value}`;
}

/** The rollback's activities, bound to the run's timeouts. */
export function rollbackActivities(timeouts: ActivityTimeoutsInput | undefined) {
  const proxies: Partial<Record<ActivityKind, ActivityInterfaceFor<Activities>>> = {};
  const of = (kind: ActivityKind): ActivityInterfaceFor<Activities> => (proxies[kind] ??= proxyActivities<Activities>(activityOptions(kind, timeouts)));
  const summarised = (kind: ActivityKind, summary: string) => ({ ...activityOptions(kind, timeouts), summary });
  return {
    resolveContext: (input: RollbackInput): Promise<RollbackContext> =>
      of('config').resolveRollbackContext.executeWithOptions(summarised('config', `read the worker's configuration for ${input.flag}`), [input]),
    planEnvironment: (input: PlanEnvironmentInput) =>
      of('read').planEnvironment.executeWithOptions(
        summarised('read', `plan ${input.environment}: read ${input.flag}'s state${input.readHistory ? ' and version history' : ''}`),
        [input],
      ),
    hashPlan: (plan: HashablePlan): Promise<string> => of('config').hashPlan.executeWithOptions(summarised('config', 'hash the plan'), [plan]),
    publishEnvironment: (input: PublishEnvironmentInput, sentence: string) =>
      of('publish').publishEnvironment.executeWithOptions(summarised('publish', sentence), [input]),
    deleteUnpublishedDrafts: (input: DeleteDraftsInput) =>
      of('notify').deleteUnpublishedDrafts.executeWithOptions(summarised('notify', `delete the drafts this run left unpublished in ${input.environments.join(', ')}`), [input]),
    verifyEnvironment: (input: VerifyEnvironmentInput) =>
      of('verify').verifyEnvironment.executeWithOptions(
        summarised('verify', `verify ${input.environment}: admin + SDK views${input.probe ? ' + probe' : ''}`),
        [input],
      ),
    checkCohort: (input: CheckCohortInput) => of('cohort').checkCohort.executeWithOptions(summarised('cohort', `count ${input.flag}'s cohort (read-only query)`), [input]),
    notifyRollback: (notice: RollbackNotice) => of('notify').notifyRollback.executeWithOptions(summarised('notify', 'notify Slack and GitHub'), [notice]),
    notifyApprovalNeeded: (notice: ApprovalNotice) =>
      of('announce').notifyApprovalNeeded.executeWithOptions(summarised('announce', `tell Slack plan ${notice.revision} waits for approval`), [notice]),
    recordRollbackFinished: (status: string, stepDurations: Record<string, number>) =>
      of('config').recordRollbackFinished.executeWithOptions(summarised('config', `count the rollback as ${status}`), [{ status, stepDurations }]),
  };
}

export type RollbackActivities = ReturnType<typeof rollbackActivities>;
