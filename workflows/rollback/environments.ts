/**
 * The rollback's per-environment state machine (SPEC §3), as pure functions over plain JSON.
 *
 * Each selected environment is in exactly one state:
 *
 * | state           | what Flagsmith serves there | reached by                              |
 * |-----------------|-----------------------------|-----------------------------------------|
 * | `pending`       | the before-state            | the start                               |
 * | `published`     | the target                  | a forward publish (or retry) succeeded  |
 * | `failed`        | the before-state            | a forward publish failed for good       |
 * | `verified`      | the target, seen by every view | verification of a `published` one    |
 * | `reverting`     | unknown (in flight)         | `resolve revert` began restoring it     |
 * | `reverted`      | the before-state            | the restore succeeded                   |
 * | `revert_failed` | the target                  | the restore failed                      |
 *
 * A rollback moves *forward* (towards the target) until an approver chooses `revert`; from then on
 * it moves *backward* only: `retry` is never offered again, since retrying forward after a partial
 * revert is how an environment used to be left behind. The run ends `completed` only when every
 * environment is `verified`, `failed` when none serves the target any more, and `needs_attention`
 * for any mix; {@link endOf} decides, and the summary names each environment's state.
 */
import type { EnvironmentState, ResolveAction } from './messages.js';

export type { EnvironmentState } from './messages.js';

/** One environment as the state machine sees it. */
export interface EnvironmentEntry {
  name: string;
  state: EnvironmentState;
  /** Flagsmith's last word when a publish or revert failed (kept for the summary). */
  error: string | null;
}

/** Forward: publishing the target. Backward: restoring the before-state after `resolve revert`. */
export type Direction = 'forward' | 'backward';

/** What the environment serves in each state (`unknown` only while a revert is in flight). */
export function servesOf(state: EnvironmentState): 'before' | 'target' | 'unknown' {
  switch (state) {
    case 'pending':
    case 'failed':
    case 'reverted':
      return 'before';
    case 'published':
    case 'verified':
    case 'revert_failed':
      return 'target';
    case 'reverting':
      return 'unknown';
  }
}

/** The names of the environments in one of `states`, in plan order. */
export function namesIn(envs: readonly EnvironmentEntry[], ...states: EnvironmentState[]): string[] {
  return envs.filter((e) => states.includes(e.state)).map((e) => e.name);
}

/** The state after a forward publish (first attempt or `retry`) of a `pending`/`failed` environment. */
export function afterPublish(ok: boolean): EnvironmentState {
  return ok ? 'published' : 'failed';
}

/** The state after restoring the before-state of an environment that served the target. */
export function afterRevert(ok: boolean): EnvironmentState {
  return ok ? 'reverted' : 'revert_failed';
}

/** The state after one verification round of a `published` environment. */
export function afterVerify(ok: boolean): EnvironmentState {
  return ok ? 'verified' : 'published';
}

/** Which environments an action touches: `retry` the failed ones, `revert` every one serving the target. */
export function targetsOf(action: 'retry' | 'revert', envs: readonly EnvironmentEntry[]): string[] {
  return action === 'retry' ? namesIn(envs, 'pending', 'failed') : envs.filter((e) => servesOf(e.state) === 'target').map((e) => e.name);
}

/** What to do after a publishing round (forward or backward). */
export type PublishDecision =
  /** Every environment serves the target: wait for caches and verify. */
  | { kind: 'proceed' }
  /** A mix: an approver decides, with only the actions that make sense now. */
  | { kind: 'attention'; actions: ResolveAction[]; reason: string }
  /** Nothing left to decide: nothing was published, or everything was restored. */
  | { kind: 'end'; status: 'failed' | 'cancelled'; detail: string };

/** `Production (Flagsmith's message)` for the environments in `states`. */
function withErrors(envs: readonly EnvironmentEntry[], ...states: EnvironmentState[]): string {
  return envs
    .filter((e) => states.includes(e.state))
    .map((e) => (e.error ? `${e.name} (${e.error})` : e.name))
    .join(', ');
}

/**
 * Decide after a publishing round. `cancelled`: a cancel request arrived; publishes were allowed to
 * finish, but nothing moves forward any more (no `retry`).
 */
export function decideAfterPublishing(envs: readonly EnvironmentEntry[], direction: Direction, cancelled: boolean): PublishDecision {
  const target = envs.filter((e) => servesOf(e.state) === 'target').map((e) => e.name);
  const inFlight = namesIn(envs, 'reverting');
  if (inFlight.length > 0) throw new TypeError(`decided while ${inFlight.join(', ')} is still reverting`);
  if (direction === 'backward') {
    if (target.length === 0) {
      return { kind: 'end', status: cancelled ? 'cancelled' : 'failed', detail: `every environment serves the before-state again (${describeStates(envs)})` };
    }
    return {
      kind: 'attention',
      actions: ['revert', 'accept'],
      reason: `the revert failed in ${withErrors(envs, 'revert_failed')}; ${describeStates(envs)}`,
    };
  }
  const failed = namesIn(envs, 'pending', 'failed');
  if (target.length === 0) {
    const errors = envs.map((e) => `${e.name}: ${e.error ?? 'failed'}`).join('; ');
    // Nothing changed in Flagsmith, so there is nothing for a human to revert or accept.
    return cancelled
      ? { kind: 'end', status: 'cancelled', detail: `cancelled while publishing; nothing was published (${errors})` }
      : { kind: 'end', status: 'failed', detail: `nothing was published: ${errors}` };
  }
  if (cancelled) {
    return { kind: 'attention', actions: ['revert', 'accept'], reason: `cancelled while publishing; published: ${target.join(', ')}` };
  }
  if (failed.length === 0) return { kind: 'proceed' };
  return {
    kind: 'attention',
    actions: ['retry', 'revert', 'accept'],
    reason: `published in ${target.join(', ')} but failed in ${withErrors(envs, 'pending', 'failed')}`,
  };
}

/** The environments verification still has to look at: published, not yet seen by every view. */
export function toVerify(envs: readonly EnvironmentEntry[]): string[] {
  return namesIn(envs, 'published');
}

/** How the run ends once nothing more will be done (SPEC §3: completed only when all are verified). */
export function endOf(envs: readonly EnvironmentEntry[]): { status: 'completed' | 'failed' | 'needs_attention'; detail: string } {
  if (envs.length > 0 && envs.every((e) => e.state === 'verified')) return { status: 'completed', detail: 'rolled back and verified' };
  if (envs.every((e) => servesOf(e.state) === 'before')) return { status: 'failed', detail: `nothing serves the target: ${describeStates(envs)}` };
  return { status: 'needs_attention', detail: `environments differ: ${describeStates(envs)}` };
}

/** `Production verified, Development failed` — every environment's state, for summaries. */
export function describeStates(envs: readonly EnvironmentEntry[]): string {
  return envs.map((e) => `${e.name} ${e.state.replace('_', ' ')}`).join(', ');
}
