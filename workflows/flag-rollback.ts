/**
 * `flagRollback`: seed 002's runbook as a durable workflow (SPEC §3). It reads as the runbook —
 * plan → approval → publish → caches → verify → cohort → notify → summary — and each step lives in
 * its own module under `rollback/`: the approval gate and the attention desk own the messages, the
 * per-environment state machine (`rollback/environments.ts`) decides every outcome.
 *
 * Message handlers never throw (a throwing handler fails the workflow task): every refused message
 * is recorded. Approvers and flag semantics come from the worker's config through activities.
 */
import { ApplicationFailure, CancellationScope, isCancellation, setDefaultSignalHandler, setHandler } from '@temporalio/workflow';
import { signalNameAsSent, unknownSignalReason } from './interceptors.js';
import { rollbackActivities } from './rollback/activities.js';
import { checkCohort, deleteLeftoverDrafts, notify } from './rollback/aftercare.js';
import { PlanAnnouncer } from './rollback/announce.js';
import { receiveAlertNotifications } from './rollback/alerts.js';
import { ApprovalGate } from './rollback/approval.js';
import { AttentionDesk, DEFAULT_ATTENTION_TIMEOUT_MS } from './rollback/attention.js';
import { statusQuery, type RollbackInput, type RollbackStatus } from './rollback/messages.js';
import { buildPlan, planRollback } from './rollback/plan.js';
import { effectiveTimeouts } from './rollback/policies.js';
import { publishStep } from './rollback/publish.js';
import { endingOf, type Ending, type PhaseEnd } from './rollback/rollout.js';
import { RollbackRun } from './rollback/run.js';
import { failureMessage } from './rollback/state.js';
import { verifyStep, waitForCaches } from './rollback/verify.js';
import { versioningBehavior } from './versioning.js';

export type { RollbackInput, RollbackStatus } from './rollback/messages.js';

/** Thrown by {@link orEnd} to leave the runbook early with a planned ending. */
class Ended extends Error {
  constructor(readonly ending: Ending) {
    super(ending.detail);
  }
}

/** Go on after a phase (returning who accepted a shortfall, if anyone), or end the run as it says. */
function orEnd(phase: PhaseEnd): string | null {
  if (phase.kind === 'end') throw new Ended(phase);
  return phase.acceptedBy;
}

// Under Worker Versioning a rollback finishes on the build that planned it (README, "Changing
// workflow code"): a deploy never changes the code under a run waiting for its approver.
versioningBehavior('PINNED', flagRollback);

/**
 * Run one rollback of `input.flag` (SPEC §3). Resolves with the final {@link RollbackStatus} for
 * every planned ending (completed, rejected, expired, cancelled, needs_attention, or failed when
 * nothing serves the target).
 * @throws ApplicationFailure `RollbackFailed` (non-retryable) for an unexpected error, with the
 *   final status as its details.
 */
export async function flagRollback(input: RollbackInput): Promise<RollbackStatus> {
  const run = new RollbackRun(input);
  const acts = rollbackActivities(input.activityTimeouts);
  const gate = new ApprovalGate(run);
  const desk = new AttentionDesk(run, input.attentionTimeoutMs ?? DEFAULT_ATTENTION_TIMEOUT_MS);
  setHandler(statusQuery, () => run.snapshot());
  receiveAlertNotifications(run);
  setDefaultSignalHandler((name: string, ...args: unknown[]) => void run.refuse(signalNameAsSent(name), 'signal', args[0], unknownSignalReason(name)));
  let approved = false;
  let announcer: PlanAnnouncer | null = null;
  const finish = async (ending: Ending) => {
    // The "approval needed" notification's outcome, before the status is final.
    await announcer?.settled();
    // A publish that failed for good leaves its draft: remove what this run created and never published.
    if (approved) await CancellationScope.nonCancellable(() => deleteLeftoverDrafts(run, acts));
    return run.finish(ending.status, ending.detail, ending.by, acts.recordRollbackFinished);
  };

  try {
    const context = await planRollback(run, acts); // 1. plan
    const plans = (announcer = new PlanAnnouncer(run, acts, context.approvalNotice === true));
    const approval = await gate.awaitApproval(context.approvalTimeoutMs, (plan) => buildPlan(run, acts, context, plan), () => plans.announce()); // 2. approval
    if (approval.kind === 'end') throw new Ended(approval);
    const plan = approval.plan;
    approved = true;
    // Once approved, the run finishes what it started, even when cancelled.
    return await CancellationScope.nonCancellable(async () => {
      const acceptedAtPublish = orEnd(await publishStep(run, plan, acts, desk)); // 3. publish
      orEnd(await waitForCaches(run, context.cacheWaitMs)); // 4. wait for caches
      const acceptedAtVerify = orEnd(await verifyStep(run, plan, context.verifyTimeoutMs, acts, desk)); // 5. verify
      await checkCohort(run, plan, acts, effectiveTimeouts(input.activityTimeouts).cohortStatementMs); // 6. cohort
      const ending = endingOf(run.status.environments, acceptedAtPublish ?? acceptedAtVerify);
      await notify(run, acts, ending.status); // 7. notify
      return await finish(ending); // 8. summary
    });
  } catch (error) {
    if (error instanceof Ended) return await finish(error.ending);
    if (isCancellation(error) && !approved) return await finish({ status: 'cancelled', detail: 'cancelled before anything was published', by: null });
    const message = failureMessage(error);
    const failedStep = run.status.step;
    const status = await finish({ status: 'failed', detail: message, by: null });
    throw ApplicationFailure.create({
      type: 'RollbackFailed',
      message: `${failedStep}: ${message}`,
      nonRetryable: true,
      details: [status],
      cause: error instanceof Error ? error : undefined,
    });
  }
}

