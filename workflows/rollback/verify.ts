/**
 * Steps 4 and 5 (SPEC §3): the durable cache wait, then verification rounds until every published
 * environment shows the target in each view (admin, SDK, probe) or the deadline passes. The loop's
 * decisions are the state machine's (`rollout.ts`).
 */
import { condition } from '@temporalio/workflow';
import type { RollbackActivities } from './activities.js';
import type { AttentionDesk } from './attention.js';
import type { EnvironmentPlan, RollbackPlan } from './messages.js';
import { verifyEverywhere, type PhaseEnd } from './rollout.js';
import type { RollbackRun } from './run.js';
import { spokenDuration } from './state.js';

/** Pause between verification rounds when the input sets none. */
export const DEFAULT_VERIFY_INTERVAL_MS = 2_000;

/** Whether the plan found segment or identity overrides in this environment. */
function hasOverrides(env: EnvironmentPlan): boolean {
  return env.overrides !== undefined && (env.overrides.segments.length > 0 || env.overrides.identities.count > 0);
}

/** A durable timer that a cancel request cuts short. */
async function wait(run: RollbackRun, ms: number, summary: string): Promise<void> {
  if (ms > 0) await condition(() => run.cancelled, ms, { summary });
}

/** Step 4: wait out the SDK caches (`cacheWaitMs`) on a durable timer. */
export async function waitForCaches(run: RollbackRun, cacheWaitMs: number): Promise<PhaseEnd> {
  if (run.cancelled) return { kind: 'end', status: 'needs_attention', detail: 'cancelled after publishing', by: null };
  run.setStatus('waiting_for_caches');
  run.status.timers.cacheWaitUntil = run.now(Date.now() + cacheWaitMs);
  run.memo();
  await wait(run, cacheWaitMs, `wait ${spokenDuration(cacheWaitMs)} for SDK caches`);
  run.status.timers.cacheWaitUntil = null;
  if (run.cancelled) return { kind: 'end', status: 'needs_attention', detail: 'cancelled while waiting for caches; the flag was published', by: null };
  return { kind: 'proceed', acceptedBy: null };
}

/** Step 5: verify every published environment until the deadline; then an approver decides. */
export async function verifyStep(run: RollbackRun, plan: RollbackPlan, verifyTimeoutMs: number, acts: RollbackActivities, desk: AttentionDesk): Promise<PhaseEnd> {
  const s = run.status;
  const interval = Math.max(100, run.input.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS);
  const envs = plan.environments.map((e) => run.environment(e.name));
  let deadline = Date.now() + verifyTimeoutMs;

  const verify = async (names: string[]): Promise<Record<string, boolean>> => {
    run.setStatus('verifying');
    s.timers.verifyDeadline = run.now(deadline);
    const todo = plan.environments.filter((e) => names.includes(e.name));
    const results = await Promise.all(
      todo.map((env, index) =>
        acts.verifyEnvironment({
          flag: plan.flag,
          featureId: plan.featureId,
          environment: env.name,
          expected: env.after,
          version: run.environment(env.name).version,
          // The probe is not per environment: once per round is enough.
          probe: index === 0 && plan.probe !== null,
          // Plans recorded before issue 12 read no overrides: nothing more to check.
          ...(hasOverrides(env) ? { identities: { mode: plan.overridesMode ?? 'keep' } } : {}),
        }),
      ),
    );
    const verified: Record<string, boolean> = {};
    results.forEach((result, index) => {
      const env = todo[index];
      if (!env) return;
      const outcome = run.environment(env.name);
      outcome.adminView = result.adminView;
      outcome.sdkView = result.sdkView;
      if (result.probe) outcome.probe = result.probe;
      if (result.identityView) outcome.identityView = result.identityView;
      verified[env.name] = result.adminView.ok && result.sdkView.ok && (outcome.probe === null || outcome.probe.ok) && (result.identityView?.ok ?? true);
    });
    return verified;
  };

  const end = await verifyEverywhere(envs, {
    verify,
    roundFits: () => Date.now() + interval <= deadline,
    pause: () => wait(run, interval, `wait ${spokenDuration(interval)} before verifying again`),
    restartDeadline: () => {
      deadline = Date.now() + verifyTimeoutMs;
    },
    cancelled: () => run.cancelled,
    explain: (names) =>
      names
        .map((name) => {
          const e = run.environment(name);
          return `${name} (admin: ${e.adminView?.detail ?? '-'}; sdk: ${e.sdkView?.detail ?? '-'}${e.probe ? `; probe: ${e.probe.detail}` : ''}${e.identityView ? `; identities: ${e.identityView.detail}` : ''})`;
        })
        .join(', '),
    awaitResolution: (reason, actions) => {
      s.timers.verifyDeadline = null;
      return desk.awaitResolution('verify', reason, actions);
    },
  });
  s.timers.verifyDeadline = null;
  return end;
}
