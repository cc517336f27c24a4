/**
 * Step 1 (SPEC §3): the plan. The worker's configuration for this rollback (approvers, durations,
 * flag semantics), one plan activity per environment in parallel, and the hash an approver approves
 * (computed in an activity: no crypto in workflow code). Also used, just before publishing, to
 * re-read the before-state and the scheduled versions.
 */
import { ApplicationFailure, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { canonicalJson } from '../../src/canonical-json.js';
import type { RollbackContext } from '../../activities/rollback-plan.js';
import type { RollbackActivities } from './activities.js';
import type { RollbackPlan } from './messages.js';
import type { RollbackRun } from './run.js';
import { FlagEnvironmentsKey } from './search-attributes.js';

/**
 * Patch id (README, "Changing workflow code"): the re-check before publishing that finds the plan
 * unchanged keeps its hash instead of hashing it again in an activity, one dispatch less between
 * the approval and the publish. Histories recorded before it call `hashPlan` there.
 */
export const UNCHANGED_PLAN_PATCH = 'keep-the-hash-of-an-unchanged-plan';

/**
 * Patch id: a plan waits for every environment's read before it fails on one, so the run never
 * ends with a read still in flight (whose completion, arriving as the run closes, failed that
 * workflow task); the failure is the first environment's in the configured order. Histories from
 * before it fail on the first answer that fails.
 */
export const SETTLED_PLAN_PATCH = 'plan-settles-every-environment';

/** Every value, or the first failure in the given order. */
function firstFailureInOrder<T>(results: PromiseSettledResult<T>[]): T[] {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** The fields of a plan its hash covers (everything but the hash, its revision and its time). */
function hashedPart(plan: RollbackPlan): Omit<RollbackPlan, 'planHash' | 'revision' | 'plannedAt'> {
  const { planHash: _h, revision: _r, plannedAt: _p, ...rest } = plan;
  return rest;
}

/**
 * Plan every environment; `previous` (re-validation) keeps its `flagOnAt` instead of re-reading
 * the history. @throws PlanInvalid (from the activities) when anything is missing or disagrees.
 */
export async function buildPlan(run: RollbackRun, acts: RollbackActivities, context: RollbackContext, previous?: RollbackPlan): Promise<RollbackPlan> {
  const input = run.input;
  const target = input.target ?? { enabled: false };
  const reads = context.environments.map((env, index) => {
      const known = previous?.environments.find((e) => e.name === env.name);
      return acts.planEnvironment({
        flag: input.flag,
        environment: env.name,
        target,
        readHistory: index === 0 && !input.flagOnAt && !previous,
        // Contexts recorded before issue 12 have no overrides mode: the activity's default, keep.
        ...(context.overrides ? { overrides: context.overrides } : {}),
        // The re-check just before publishing reads in one round trip what the plan established.
        ...(previous && known
          ? { known: { featureId: previous.featureId, versioning: known.versioning, ...(known.before.version ? { liveVersion: known.before.version } : {}) } }
          : {}),
      });
    });
  const planned = patched(SETTLED_PLAN_PATCH) ? firstFailureInOrder(await Promise.allSettled(reads)) : await Promise.all(reads);
  const first = planned[0];
  if (!first) throw ApplicationFailure.nonRetryable('no environment selected', 'PlanInvalid');
  const flagOnAt = input.flagOnAt ?? (previous ? previous.flagOnAt : first.flagOnAt);
  // Environments that require change requests (read with the environment, which the re-check of a
  // v2 environment skips: the plan's finding stands). Present only when there is one.
  const changeRequests = previous
    ? previous.changeRequests
    : planned.flatMap((e) =>
        e.changeRequestApprovals === undefined
          ? []
          : [{ environment: e.name, minimumApprovals: e.changeRequestApprovals, note: 'this environment requires a change request: Flagsmith may refuse the publish (409 change_requests_enabled)' }],
      );
  const flagOnAtUnknown = flagOnAt ? undefined : previous ? previous.flagOnAtUnknown : first.flagOnAtUnknown;
  const hashable = {
    flag: input.flag,
    featureId: first.featureId,
    projectId: context.projectId,
    environments: planned.map(({ featureId: _f, flagOnAt: _o, flagOnAtUnknown: _u, changeRequestApprovals: _c, ...env }) => env),
    partialReason: context.partialReason,
    semantics: context.semantics,
    notes: context.notes,
    flagOnAt,
    flagOnAtSource: input.flagOnAt ? ('input' as const) : flagOnAt ? ('history' as const) : ('none' as const),
    // Present only when the history could not tell (hidden by a plan limit, or longer than the plan
    // reads), so plans without it hash as they always did.
    ...(flagOnAtUnknown ? { flagOnAtUnknown } : {}),
    ...(changeRequests && changeRequests.length > 0 ? { changeRequests } : {}),
    cohort: context.cohort && {
      description: context.cohort.description,
      idColumn: context.cohort.idColumn,
      skippedReason:
        context.cohort.needsFlagOnAt && !flagOnAt
          ? `flagOnAt is unknown: ${flagOnAtUnknown ?? `no off → on transition in ${first.name}'s version history`} and none given`
          : null,
    },
    probe: context.probe,
    approvers: context.approvers,
    distinctFromRequester: context.distinctFromRequester,
    // Only when the worker's config allows one: plans without it hash as they always did.
    ...(context.ruleApprovers?.length ? { ruleApprovers: context.ruleApprovers } : {}),
    keepScheduled: input.keepScheduled ?? false,
    ...(context.overrides ? { overridesMode: context.overrides } : {}),
  };
  // Equal canonical JSON means an equal hash: the approved plan stands as it was.
  if (previous && canonicalJson(hashable) === canonicalJson(hashedPart(previous)) && patched(UNCHANGED_PLAN_PATCH)) return previous;
  const planHash = await acts.hashPlan(hashable);
  return { ...hashable, planHash, revision: (previous?.revision ?? 0) + 1, plannedAt: run.now() };
}

/** Step 1: the worker's context for this rollback and the first plan, recorded in the status. */
export async function planRollback(run: RollbackRun, acts: RollbackActivities): Promise<RollbackContext> {
  const context = await acts.resolveContext(run.input);
  upsertSearchAttributes([{ key: FlagEnvironmentsKey, value: context.environments.map((e) => e.name) }]);
  run.status.plan = await buildPlan(run, acts, context);
  return context;
}
