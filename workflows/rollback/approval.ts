/**
 * Step 2, the approval gate (SPEC §3): `approve` and `reject`, each as a Signal and as an Update
 * with the same wire name and payload, judged by one judge and recorded either way.
 *
 * - A payload of the wrong shape: an Update's validator rejects it before it reaches history; a
 *   Signal's is recorded as refused.
 * - Business refusals (not an approver, the requester under four-eyes, a stale plan hash, after the
 *   decision) are recorded among the refusals and, for an Update, returned as its verdict.
 * - A message that arrives before the plan exists waits for it (at most {@link PLAN_WAIT_MS}), and
 *   is judged then, in arrival order.
 * - Just before publishing the plan is re-read; when it changed, the approval lapses and the new
 *   plan needs a new one.
 */
import { condition, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { ApprovedByKey } from './search-attributes.js';
import {
  RECORD_LIMITS,
  approveSignal,
  approveUpdate,
  rejectSignal,
  rejectUpdate,
  type ApprovePayload,
  type MessageKind,
  type RejectPayload,
  type RollbackPlan,
  type RollbackStatusName,
  type Verdict,
} from './messages.js';
import type { RollbackRun } from './run.js';
import { approvalRefusal, parseApprove, parseReject, rejectionRefusal, sameIdentity } from './signals.js';
import { spokenDuration } from './state.js';

/** Patch id: a verdict judged after another one decided in the same activation is refused. */
export const ONE_DECISION_PATCH = 'one-decision-per-run';

/** How long a message sent before the plan exists waits for it (the plan's activities give up sooner). */
export const PLAN_WAIT_MS = 10 * 60_000;

type Decision = { kind: 'approved' | 'rejected'; by: string };

/** How the gate ended: approved (with the plan approved, re-validated) or the run ends. */
export type GateResult = { kind: 'approved'; plan: RollbackPlan } | { kind: 'end'; status: RollbackStatusName; detail: string; by: string | null };

/** The validator of an Update: throws (rejecting it, nothing in history) only for a malformed payload. */
function validator(parse: (raw: unknown) => { ok: boolean; reason?: string }) {
  return (raw: unknown): void => {
    const parsed = parse(raw);
    if (!parsed.ok) throw new Error(parsed.reason ?? 'malformed payload');
  };
}

export class ApprovalGate {
  private decision: Decision | null = null;
  private waiting = 0;

  constructor(private readonly run: RollbackRun) {
    setHandler(approveSignal, async (raw) => void (await this.receive('approve', 'signal', raw)));
    setHandler(rejectSignal, async (raw) => void (await this.receive('reject', 'signal', raw)));
    setHandler(approveUpdate, (raw) => this.receive('approve', 'update', raw), { validator: validator(parseApprove) });
    setHandler(rejectUpdate, (raw) => this.receive('reject', 'update', raw), { validator: validator(parseReject) });
  }

  /** Plan shown and nothing decided: a verdict can be judged now. */
  private open(): boolean {
    const s = this.run.status;
    return this.decision === null && s.plan !== null && s.status === 'awaiting_approval';
  }

  /** Decided, or past the gate (publishing or ended): nothing is left to decide. */
  private closed(): boolean {
    const s = this.run.status;
    return this.decision !== null || s.outcome !== null || !['planning', 'awaiting_approval'].includes(s.status);
  }

  /**
   * Two verdicts delivered in one activation both pass `waitForPlan` before either decides (each
   * awaits it), so the second must be refused when it is judged. Patched (README, "Changing
   * workflow code"): before it, the second was accepted too, and a second approval upserted
   * `ApprovedBy` again. `patched()` is reached only on that race, so no other history changes.
   */
  private decidedMeanwhile(name: 'approve' | 'reject', via: MessageKind, value: ApprovePayload | RejectPayload): Verdict | null {
    if (this.decision === null || !patched(ONE_DECISION_PATCH)) return null;
    return this.run.refuse(name, via, value, this.afterDecision());
  }

  private afterDecision(): string {
    const s = this.run.status;
    return this.decision ? `arrived after the decision (${this.decision.kind} by ${this.decision.by})` : `arrived after the decision (${s.outcome?.status ?? s.status})`;
  }

  /** One message, from parse to verdict. Never throws: anything unexpected is a recorded refusal. */
  private async receive(name: 'approve' | 'reject', via: MessageKind, raw: unknown): Promise<Verdict> {
    try {
      if (name === 'approve') {
        const parsed = parseApprove(raw);
        if (!parsed.ok) return this.run.refuse(name, via, raw, parsed.reason, parsed);
        return (await this.waitForPlan(name, via, parsed.value)) ?? this.approve(via, parsed.value);
      }
      const parsed = parseReject(raw);
      if (!parsed.ok) return this.run.refuse(name, via, raw, parsed.reason, parsed);
      return (await this.waitForPlan(name, via, parsed.value)) ?? this.reject(via, parsed.value);
    } catch (error) {
      return this.run.refuse(name, via, raw, `could not be processed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Null when the message can be judged now (waiting for the plan first if need be), else its refusal. */
  private async waitForPlan(name: 'approve' | 'reject', via: MessageKind, value: ApprovePayload | RejectPayload): Promise<Verdict | null> {
    const run = this.run;
    if (this.closed()) return run.refuse(name, via, value, this.afterDecision());
    if (this.open()) return null;
    if (this.waiting >= RECORD_LIMITS.maxPending) return run.refuse(name, via, value, 'too many messages before the plan exists');
    const entry = { signal: name, via, by: value.by, at: run.now(), requestId: value.requestId ?? null };
    run.status.pending.push(entry);
    this.waiting += 1;
    const ready = await condition(() => this.open() || this.closed(), PLAN_WAIT_MS);
    this.waiting -= 1;
    run.status.pending = run.status.pending.filter((p) => p !== entry);
    if (!ready) return run.refuse(name, via, value, `no plan within ${spokenDuration(PLAN_WAIT_MS)}`);
    if (this.closed()) return run.refuse(name, via, value, this.afterDecision());
    return null;
  }

  private approve(via: MessageKind, value: ApprovePayload): Verdict {
    const s = this.run.status;
    const plan = s.plan;
    if (!plan) return this.run.refuse('approve', via, value, 'no plan to approve');
    const meanwhile = this.decidedMeanwhile('approve', via, value);
    if (meanwhile) return meanwhile;
    const refusal = approvalRefusal(plan, s.requestedBy, value);
    if (refusal) return this.run.refuse('approve', via, value, refusal);
    this.decision = { kind: 'approved', by: value.by };
    upsertSearchAttributes([{ key: ApprovedByKey, value: value.by }]);
    return this.run.accept({
      signal: 'approve',
      via,
      by: value.by,
      comment: value.comment ?? null,
      reason: null,
      action: null,
      planHash: plan.planHash,
      requestId: value.requestId ?? null,
    });
  }

  private reject(via: MessageKind, value: RejectPayload): Verdict {
    const s = this.run.status;
    const plan = s.plan;
    if (!plan) return this.run.refuse('reject', via, value, 'no plan to reject');
    const meanwhile = this.decidedMeanwhile('reject', via, value);
    if (meanwhile) return meanwhile;
    const refusal = rejectionRefusal(plan, s.requestedBy, value);
    if (refusal) return this.run.refuse('reject', via, value, refusal);
    this.decision = { kind: 'rejected', by: value.by };
    return this.run.accept({
      signal: 'reject',
      via,
      by: value.by,
      comment: null,
      reason: value.reason,
      action: null,
      planHash: plan.planHash,
      requestId: value.requestId ?? null,
    });
  }

  /**
   * Wait for a verdict on the current plan until `timeoutMs`; after an approval, re-read the plan
   * (`revalidate`) and, when it changed, show the new one and wait again with a fresh deadline.
   * `onWaiting` is called each time a plan starts waiting, with its deadline set.
   */
  async awaitApproval(timeoutMs: number, revalidate: (plan: RollbackPlan) => Promise<RollbackPlan>, onWaiting: () => void = () => undefined): Promise<GateResult> {
    const run = this.run;
    const s = run.status;
    run.setStatus('awaiting_approval');
    run.memo();
    let deadline = Date.now() + timeoutMs;
    for (;;) {
      s.timers.approvalDeadline = run.now(deadline);
      // Each plan that starts waiting is announced (the "approval needed" notification).
      onWaiting();
      const waitMs = Math.max(1, deadline - Date.now());
      const answered = await condition(() => this.decision !== null, waitMs, { summary: `wait up to ${spokenDuration(waitMs)} for an approver` });
      const decision = this.current();
      s.timers.approvalDeadline = null;
      if (!answered || decision === null) return { kind: 'end', status: 'expired', detail: `no decision within ${spokenDuration(timeoutMs)}`, by: null };
      if (decision.kind === 'rejected') {
        const withdrawn = sameIdentity(decision.by, s.requestedBy);
        return { kind: 'end', status: 'rejected', detail: withdrawn ? `withdrawn by the requester ${decision.by}` : `rejected by ${decision.by}`, by: decision.by };
      }
      const plan = s.plan;
      if (!plan) throw new TypeError('approved without a plan');
      const fresh = await revalidate(plan);
      if (fresh.planHash === plan.planHash) return { kind: 'approved', plan };
      s.plan = fresh;
      this.decision = null;
      deadline = Date.now() + timeoutMs;
      run.setStatus('awaiting_approval');
      run.memo();
    }
  }

  /** Read through a method: TypeScript cannot see that message handlers assign `decision`. */
  private current(): Decision | null {
    return this.decision;
  }
}
