/**
 * The publish and verify phases of a rollback as two small drivers over the state machine of
 * `environments.ts`. They decide; the workflow supplies the effects (activities, timers, waiting
 * for `resolve`). Nothing here imports Temporal, so the unit tests run the very same loops with
 * scripted effects over 1–5 environments and every order of failure.
 */
import {
  afterPublish,
  afterRevert,
  afterVerify,
  decideAfterPublishing,
  describeStates,
  endOf,
  targetsOf,
  toVerify,
  type Direction,
  type EnvironmentEntry,
} from './environments.js';
import type { ResolveAction, RollbackStatusName } from './messages.js';

/** An approver's answer to `needs_attention`. */
export interface Choice {
  action: ResolveAction;
  by: string;
}

/** How a run ends when it ends normally (a planned ending, not an error). */
export interface Ending {
  status: RollbackStatusName;
  detail: string;
  /** Who decided it (rejected by, reverted by, accepted by), when someone did. */
  by: string | null;
}

/** How a phase ended: on to the next step (an approver may have accepted a shortfall), or the run ends. */
export type PhaseEnd = { kind: 'proceed'; acceptedBy: string | null } | ({ kind: 'end' } & Ending);

/** Per environment: null when the call succeeded, else Flagsmith's message. */
export type CallResults = Record<string, string | null>;

export interface PublishEffects {
  /**
   * Publish in each named environment: the target (`forward`) or the before-state (`backward`),
   * as operation `op` (`forward`, `retry-N`, `revert-N`: part of the idempotency marker).
   */
  publish(names: string[], op: string, direction: Direction): Promise<CallResults>;
  /** Wait for an approver's `resolve` offering `actions`; null when nobody answered in time. */
  awaitResolution(reason: string, actions: ResolveAction[]): Promise<Choice | null>;
  /** Whether a cancel request has arrived. */
  cancelled(): boolean;
}

function apply(envs: EnvironmentEntry[], results: CallResults, next: (ok: boolean) => EnvironmentEntry['state']): void {
  for (const env of envs) {
    if (!(env.name in results)) continue;
    const error = results[env.name] ?? null;
    env.state = next(error === null);
    env.error = error;
  }
}

async function run(envs: EnvironmentEntry[], effects: PublishEffects, names: string[], op: string, direction: Direction): Promise<void> {
  if (names.length === 0) return;
  if (direction === 'backward') for (const env of envs) if (names.includes(env.name)) env.state = 'reverting';
  const results = await effects.publish(names, op, direction);
  // An environment the effect did not answer for is treated as failed: never as done.
  const complete: CallResults = Object.fromEntries(names.map((n) => [n, n in results ? (results[n] ?? null) : 'no result']));
  apply(envs, complete, direction === 'forward' ? afterPublish : afterRevert);
}

/**
 * Step 3: publish every environment, then follow the approver's `resolve` until every one serves
 * the target (proceed), everything is restored or nothing was published (end), or the approver
 * accepts the mix. Mutates `envs`.
 */
export async function publishEverywhere(envs: EnvironmentEntry[], effects: PublishEffects): Promise<PhaseEnd> {
  await run(envs, effects, envs.map((e) => e.name), 'forward', 'forward');
  let direction: Direction = 'forward';
  let lastBy: string | null = null;
  for (let round = 1; ; round++) {
    const decision = decideAfterPublishing(envs, direction, effects.cancelled());
    if (decision.kind === 'proceed') return { kind: 'proceed', acceptedBy: null };
    if (decision.kind === 'end') {
      const detail = lastBy && direction === 'backward' ? `reverted by ${lastBy}: ${decision.detail}` : decision.detail;
      return { kind: 'end', status: decision.status, detail, by: lastBy };
    }
    const choice = await effects.awaitResolution(decision.reason, decision.actions);
    if (!choice) return { kind: 'end', status: 'needs_attention', detail: `nobody resolved: ${decision.reason}`, by: null };
    lastBy = choice.by;
    if (choice.action === 'accept') {
      if (effects.cancelled()) return { kind: 'end', status: 'cancelled', detail: `cancelled while publishing; accepted as is by ${choice.by}`, by: choice.by };
      // Backward: the approver gave up restoring; nothing more will be done.
      if (direction === 'backward') return { kind: 'end', status: 'needs_attention', detail: `accepted as is by ${choice.by}: ${describeStates(envs)}`, by: choice.by };
      return { kind: 'proceed', acceptedBy: choice.by };
    }
    if (choice.action === 'revert') direction = 'backward';
    await run(envs, effects, targetsOf(choice.action, envs), `${choice.action}-${round}`, direction);
  }
}

export interface VerifyEffects {
  /** One round of checks of the named environments: per name, whether every view shows the target. */
  verify(names: string[]): Promise<Record<string, boolean>>;
  /** Whether another round still fits before the verify deadline. */
  roundFits(): boolean;
  /** Wait between rounds. */
  pause(): Promise<void>;
  /** A `resolve retry` gives verification a fresh deadline. */
  restartDeadline(): void;
  cancelled(): boolean;
  /** Why the named environments are not verified, in words (their views). */
  explain(names: string[]): string;
  awaitResolution(reason: string, actions: ResolveAction[]): Promise<Choice | null>;
}

/**
 * Step 5: verify every `published` environment until all are `verified` or the deadline passes;
 * then an approver may `retry` (a fresh deadline) or `accept`. Mutates `envs`.
 */
export async function verifyEverywhere(envs: EnvironmentEntry[], effects: VerifyEffects): Promise<PhaseEnd> {
  for (;;) {
    const todo = toVerify(envs);
    if (todo.length === 0) return { kind: 'proceed', acceptedBy: null };
    const results = await effects.verify(todo);
    for (const env of envs) if (todo.includes(env.name)) env.state = afterVerify(results[env.name] === true);
    const unverified = toVerify(envs);
    if (unverified.length === 0) return { kind: 'proceed', acceptedBy: null };
    if (effects.cancelled()) return { kind: 'end', status: 'needs_attention', detail: 'cancelled while verifying; the flag was published', by: null };
    if (effects.roundFits()) {
      await effects.pause();
      continue;
    }
    const reason = `not verified by the deadline: ${effects.explain(unverified)}`;
    const choice = await effects.awaitResolution(reason, ['retry', 'accept']);
    if (!choice) return { kind: 'end', status: 'needs_attention', detail: `nobody resolved: ${reason}`, by: null };
    if (choice.action === 'accept') return { kind: 'proceed', acceptedBy: choice.by };
    effects.restartDeadline();
  }
}

/**
 * Step 8: how a run that went through every step ends — the state machine's {@link endOf}, naming
 * who accepted a shortfall when someone did.
 */
export function endingOf(envs: readonly EnvironmentEntry[], acceptedBy: string | null): Ending {
  const end = endOf(envs);
  if (end.status === 'completed' || !acceptedBy) return { ...end, by: null };
  return { status: end.status, detail: `accepted as is by ${acceptedBy}: ${describeStates(envs)}`, by: acceptedBy };
}
