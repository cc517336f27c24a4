/**
 * The state of one `flagRollback` run and the only code that changes it: the status every reader
 * sees (`status` query, memo, result), the audit of accepted and refused messages, the step and its
 * search attribute, the Temporal UI's current details, and the end of the run.
 *
 * Held in a class, as Temporal's safe-message-handlers sample does, so that the approval gate, the
 * attention desk and the steps share one status without passing it around.
 */
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { EnvironmentEntry } from './environments.js';
import type {
  AcceptedSignal,
  EnvironmentOutcome,
  EnvironmentState,
  MessageKind,
  PublishState,
  RollbackInput,
  RollbackStatus,
  RollbackStatusName,
  RollbackStepName,
  Verdict,
} from './messages.js';
import { AlertFingerprintKey, FlagNameKey, IncidentIdKey, RequestedByKey, RollbackOutcomeKey, RollbackStepKey } from './search-attributes.js';
import { cut, pushRefusal, senderOf } from './signals.js';
import { currentDetailsOf, emptyOutcome, initialStatus, memoOf, stepOf } from './state.js';

/** The coarse publish state older readers of the status know. */
function publishOf(state: EnvironmentState): PublishState {
  switch (state) {
    case 'pending':
      return 'pending';
    case 'failed':
      return 'failed';
    case 'reverted':
      return 'reverted';
    default:
      return 'published';
  }
}

export class RollbackRun {
  private readonly s: RollbackStatus;
  /** The workflow's root scope: a cancel request from the UI marks it. */
  readonly root = CancellationScope.current();
  private readonly stepStarted: Partial<Record<RollbackStepName, number>> = { plan: Date.now() };
  private readonly stepDurations: Record<string, number> = {};
  /** Some publish or revert call failed: drafts of this run may be left unpublished. */
  publishFailed = false;

  constructor(readonly input: RollbackInput) {
    const info = workflowInfo();
    this.s = initialStatus(input, { workflowId: info.workflowId, runId: info.runId }, this.now());
    upsertSearchAttributes([
      { key: FlagNameKey, value: input.flag },
      // Without an incident the attribute is simply not set (a `list --incident` will not find it).
      ...(this.s.incidentId !== null ? [{ key: IncidentIdKey, value: this.s.incidentId }] : []),
      { key: RequestedByKey, value: this.s.requestedBy },
      { key: RollbackStepKey, value: 'plan' },
      // In the same upsert as the rest (no command of its own): runs started by an alert only.
      ...(input.alert ? [{ key: AlertFingerprintKey, value: cut(input.alert.fingerprint) }] : []),
    ]);
  }

  /** Workflow time as ISO text (deterministic: Temporal's clock for this task). */
  now(ms: number = Date.now()): string {
    return new Date(ms).toISOString();
  }

  /** The live status (mutable by the steps; read it through {@link snapshot} from outside). */
  get status(): RollbackStatus {
    return this.s;
  }

  /** Whether a cancel request has arrived (the UI's "Request Cancellation"). */
  get cancelled(): boolean {
    return this.root.consideredCancelled;
  }

  /** The status as every reader gets it, with the derived per-environment fields filled in. */
  snapshot(): RollbackStatus {
    return {
      ...this.s,
      environments: this.s.environments.map((e) => ({ ...e, publish: publishOf(e.state), verified: e.state === 'verified' })),
    };
  }

  /** The environment's outcome record, created (pending) on first use; it is also its state-machine entry. */
  environment(name: string): EnvironmentOutcome & EnvironmentEntry {
    let outcome = this.s.environments.find((e) => e.name === name);
    if (!outcome) {
      outcome = emptyOutcome(name);
      this.s.environments.push(outcome);
    }
    return outcome;
  }

  /** Record a refused message (never thrown: a throwing handler fails the workflow task). */
  refuse(signal: string, via: MessageKind, raw: unknown, reason: string, sender = senderOf(raw)): Verdict {
    this.s.refusalsDropped += pushRefusal(this.s.refusals, { signal, via, by: sender.by, at: this.now(), reason, requestId: sender.requestId });
    this.touch();
    return { accepted: false, reason: this.s.refusals.at(-1)?.reason ?? reason, status: this.s.status };
  }

  /** Record an accepted message. */
  accept(entry: Omit<AcceptedSignal, 'at'>): Verdict {
    this.s.approvals.push({ ...entry, at: this.now() });
    this.touch();
    return { accepted: true, reason: null, status: this.s.status };
  }

  /** Move to a status (and its step); the `RollbackStep` search attribute follows the step. */
  setStatus(status: RollbackStatusName, step: RollbackStepName = stepOf(status), outcome?: RollbackStatusName): void {
    const now = Date.now();
    if (this.s.step !== step) {
      const started = this.stepStarted[this.s.step];
      if (started !== undefined) this.stepDurations[this.s.step] = (this.stepDurations[this.s.step] ?? 0) + now - started;
      this.stepStarted[step] = now;
      // One upsert per step change: the outcome goes with the move to `summary`.
      upsertSearchAttributes([{ key: RollbackStepKey, value: step }, ...(outcome ? [{ key: RollbackOutcomeKey, value: outcome }] : [])]);
    } else if (outcome) {
      upsertSearchAttributes([{ key: RollbackOutcomeKey, value: outcome }]);
    }
    this.s.status = status;
    this.s.step = step;
    this.touch(now);
  }

  /** Write the memo (plan and outcome) for the Temporal UI; done at each step, not per message. */
  memo(): void {
    upsertMemo({ rollback: memoOf(this.snapshot()) });
  }

  /** After a handler changed the status in place: its time and the UI's current details follow. */
  refresh(): void {
    this.touch();
  }

  private touch(ms: number = Date.now()): void {
    this.s.updatedAt = this.now(ms);
    // What the run waits for and how to answer it, in the Temporal UI's "Current Details".
    setCurrentDetails(currentDetailsOf(this.snapshot()));
  }

  /**
   * End the run: record the outcome and its search attribute, count it, wait for running message
   * handlers, and return the final status. Non-cancellable, since a cancel may be what ended it.
   */
  finish(status: RollbackStatusName, detail: string, by: string | null, recordFinished: (status: string, stepDurations: Record<string, number>) => Promise<void>): Promise<RollbackStatus> {
    return CancellationScope.nonCancellable(async () => {
      this.s.outcome = { status, at: this.now(), by, detail: cut(detail) };
      this.s.attention = null;
      this.s.timers = { approvalDeadline: null, cacheWaitUntil: null, verifyDeadline: null };
      this.setStatus(status, 'summary', status);
      this.memo();
      try {
        await recordFinished(status, this.stepDurations);
      } catch {
        // Metrics are best effort; the rollback's outcome does not depend on them.
      }
      await condition(allHandlersFinished);
      return this.snapshot();
    });
  }
}
