/**
 * Step 3 (SPEC §3): publish in every environment in parallel, through the overlap-safe publish
 * activity, then follow the approver's `resolve` on a partial failure. The decisions are the
 * state machine's (`rollout.ts`); this module only calls the activities and records their answers.
 */
import { workflowInfo } from '@temporalio/workflow';
import { stateWords, type RollbackActivities } from './activities.js';
import type { AttentionDesk } from './attention.js';
import type { Direction } from './environments.js';
import type { EnvironmentPlan, FlagState, RollbackPlan } from './messages.js';
import { publishEverywhere, type CallResults, type PhaseEnd } from './rollout.js';
import type { RollbackRun } from './run.js';
import { failureMessage } from './state.js';

function beforeState(env: EnvironmentPlan): FlagState {
  return { enabled: env.before.enabled, value: env.before.value, valueType: env.before.valueType };
}

/** "publish OFF to Production", "restore ON in Development (revert-1)". */
function sentence(env: EnvironmentPlan, op: string, direction: Direction): string {
  // The value is worth saying only when the rollback changes it.
  const withValue = env.after.value !== env.before.value;
  const round = op === 'forward' ? '' : ` (${op})`;
  return direction === 'forward'
    ? `publish ${stateWords(env.after, withValue)} to ${env.name}${round}`
    : `restore ${stateWords(beforeState(env), withValue)} in ${env.name}${round}`;
}

/** Step 3: publish everywhere, resolving partial failures with an approver. */
export async function publishStep(run: RollbackRun, plan: RollbackPlan, acts: RollbackActivities, desk: AttentionDesk): Promise<PhaseEnd> {
  const { workflowId, runId } = workflowInfo();
  const envs = plan.environments.map((e) => run.environment(e.name));
  run.setStatus('publishing');
  run.memo();

  const publish = async (names: string[], op: string, direction: Direction): Promise<CallResults> => {
    run.setStatus('publishing');
    const selected = plan.environments.filter((e) => names.includes(e.name));
    const settled = await Promise.allSettled(
      selected.map((env) =>
        acts.publishEnvironment(
          {
            flag: plan.flag,
            featureId: plan.featureId,
            environment: env.name,
            versioning: env.versioning,
            featureStateId: env.featureStateId,
            state: direction === 'forward' ? env.after : beforeState(env),
            marker: `flagops:${workflowId}:${runId}:${env.name}:${op}`,
            // The approver saw the scheduled versions in the plan; the first forward publish deletes them.
            deleteScheduled: direction === 'forward' && !plan.keepScheduled ? env.scheduled.map((v) => v.uuid) : [],
            // Overrides are changed going forward only: a revert restores the environment default alone.
            ...(direction === 'forward' && plan.overridesMode && plan.overridesMode !== 'keep' ? { overrides: plan.overridesMode } : {}),
          },
          sentence(env, op, direction),
        ),
      ),
    );
    const results: CallResults = {};
    settled.forEach((result, index) => {
      const env = selected[index];
      if (!env) return;
      const outcome = run.environment(env.name);
      if (result.status === 'fulfilled') {
        if (direction === 'forward') {
          outcome.version = result.value.version;
          outcome.publishedAt = result.value.publishedAt;
          if (result.value.overridesChanged) outcome.overridesChanged = result.value.overridesChanged;
        } else {
          outcome.revertVersion = result.value.version;
        }
        for (const uuid of result.value.deletedScheduled) if (!outcome.deletedScheduled.includes(uuid)) outcome.deletedScheduled.push(uuid);
        results[env.name] = null;
      } else {
        results[env.name] = failureMessage(result.reason);
        run.publishFailed = true;
      }
    });
    return results;
  };

  // The memo is written again at the next step (or the end); not here, so the commands stay those
  // of the code before the state machine and its in-flight runs replay (README, "Changing workflow code").
  return publishEverywhere(envs, {
    publish,
    awaitResolution: (reason, actions) => desk.awaitResolution('publish', reason, actions),
    cancelled: () => run.cancelled,
  });
}
