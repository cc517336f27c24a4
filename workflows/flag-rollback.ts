/**
 * `flagRollback`: seed 002's runbook as a durable workflow (SPEC §3) — plan, await approval,
 * publish, wait for caches, verify, cohort check, notify, summary. Each step is an activity or a
 * timer; the `status` query, the result and the memo share one shape (`RollbackStatus`).
 *
 * Signal handlers never throw (a throwing handler fails the workflow task): every refused signal is
 * recorded instead. Approvers and flag semantics come from the worker's config through activities.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  proxyActivities,
  setDefaultSignalHandler,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { RollbackContext } from '../activities/rollback-plan.js';
import {
  RECORD_LIMITS,
  approveSignal,
  rejectSignal,
  resolveSignal,
  statusQuery,
  type AcceptedSignal,
  type EnvironmentOutcome,
  type FlagState,
  type ResolveAction,
  type ResolvePayload,
  type RollbackInput,
  type RollbackPlan,
  type RollbackStatus,
  type RollbackStatusName,
  type RollbackStepName,
} from './rollback/messages.js';
import { activityOptions, effectiveTimeouts } from './rollback/policies.js';
import { ApprovedByKey, FlagEnvironmentsKey, FlagNameKey, IncidentIdKey, RequestedByKey, RollbackStepKey } from './rollback/search-attributes.js';
import { approvalRefusal, cut, isApprover, parseApprove, parseReject, parseResolve, pushRefusal, rejectionRefusal, senderOf } from './rollback/signals.js';
import { emptyOutcome, failureMessage, initialStatus, memoOf, noticeOf, stepOf } from './rollback/state.js';

export type { RollbackInput, RollbackStatus } from './rollback/messages.js';

const DEFAULT_VERIFY_INTERVAL_MS = 2_000;
const DEFAULT_ATTENTION_TIMEOUT_MS = 7 * 24 * 3_600_000;

type Decision = { kind: 'approved' | 'rejected'; by: string } | null;
type PendingSignal = { signal: 'approve' | 'reject'; raw: unknown; at: string };

/** Ended early with a final status (rejected, expired, cancelled, reverted…): not an error. */
class Finished extends Error {
  constructor(
    readonly status: RollbackStatusName,
    readonly detail: string,
    readonly by: string | null = null,
  ) {
    super(detail);
  }
}

/**
 * Run one rollback of `input.flag` (SPEC §3). Resolves with the final {@link RollbackStatus} for
 * every planned ending (completed, rejected, expired, cancelled, needs_attention, or failed after a
 * revert).
 * @throws ApplicationFailure `RollbackFailed` (non-retryable) for an unexpected error, with the
 *   final status as its details.
 */
export async function flagRollback(input: RollbackInput): Promise<RollbackStatus> {
  const info = workflowInfo();
  const iso = (ms: number = Date.now()) => new Date(ms).toISOString();
  const s = initialStatus(input, { workflowId: info.workflowId, runId: info.runId }, iso());
  const root = CancellationScope.current();
  const timeouts = effectiveTimeouts(input.activityTimeouts);
  const config = proxyActivities<Activities>(activityOptions('config', input.activityTimeouts));
  const read = proxyActivities<Activities>(activityOptions('read', input.activityTimeouts));
  const publisher = proxyActivities<Activities>(activityOptions('publish', input.activityTimeouts));
  const verifier = proxyActivities<Activities>(activityOptions('verify', input.activityTimeouts));
  const cohortDb = proxyActivities<Activities>(activityOptions('cohort', input.activityTimeouts));
  const notifier = proxyActivities<Activities>(activityOptions('notify', input.activityTimeouts));

  let ctx: RollbackContext | null = null;
  let decision: Decision = null;
  const currentDecision = (): Decision => decision;
  let resolution: ResolvePayload | null = null;
  const pending: PendingSignal[] = [];
  const stepStarted: Partial<Record<RollbackStepName, number>> = {};
  const stepDurations: Record<string, number> = {};
  /** What an approver accepted short of the full rollback; the completed outcome must not hide it. */
  const acceptedShortfalls: string[] = [];

  // ---- recording ------------------------------------------------------------------------------
  const refuse = (signal: string, raw: unknown, reason: string, sender = senderOf(raw)) => {
    s.refusalsDropped += pushRefusal(s.refusals, { signal, by: sender.by, at: iso(), reason, requestId: sender.requestId });
    s.updatedAt = iso();
  };
  const accept = (entry: Omit<AcceptedSignal, 'at'>) => {
    s.approvals.push({ ...entry, at: iso() });
    s.updatedAt = iso();
  };
  const memo = () => upsertMemo({ rollback: memoOf(s) });
  const setStatus = (status: RollbackStatusName, step: RollbackStepName = stepOf(status)) => {
    const now = Date.now();
    if (s.step !== step) {
      const started = stepStarted[s.step];
      if (started !== undefined) stepDurations[s.step] = (stepDurations[s.step] ?? 0) + now - started;
      stepStarted[step] = now;
      upsertSearchAttributes([{ key: RollbackStepKey, value: step }]);
    }
    s.status = status;
    s.step = step;
    s.updatedAt = iso(now);
  };
  stepStarted.plan = Date.now();

  // ---- signals --------------------------------------------------------------------------------
  const judgeApprove = (raw: unknown) => {
    const parsed = parseApprove(raw);
    if (!parsed.ok) return refuse('approve', raw, parsed.reason, parsed);
    const plan = s.plan;
    if (!plan) return refuse('approve', raw, 'no plan to approve');
    const refusal = approvalRefusal(plan, s.requestedBy, parsed.value);
    if (refusal) return refuse('approve', raw, refusal);
    decision = { kind: 'approved', by: parsed.value.by };
    accept({
      signal: 'approve',
      by: parsed.value.by,
      comment: parsed.value.comment ?? null,
      reason: null,
      action: null,
      planHash: plan.planHash,
      requestId: parsed.value.requestId ?? null,
    });
    upsertSearchAttributes([{ key: ApprovedByKey, value: parsed.value.by }]);
  };
  const judgeReject = (raw: unknown) => {
    const parsed = parseReject(raw);
    if (!parsed.ok) return refuse('reject', raw, parsed.reason, parsed);
    const plan = s.plan;
    if (!plan) return refuse('reject', raw, 'no plan to reject');
    const refusal = rejectionRefusal(plan, s.requestedBy, parsed.value);
    if (refusal) return refuse('reject', raw, refusal);
    decision = { kind: 'rejected', by: parsed.value.by };
    accept({
      signal: 'reject',
      by: parsed.value.by,
      comment: null,
      reason: parsed.value.reason,
      action: null,
      planHash: plan.planHash,
      requestId: parsed.value.requestId ?? null,
    });
  };
  const afterDecision = () =>
    decision ? `arrived after the decision (${decision.kind} by ${decision.by})` : `arrived after the decision (${s.outcome?.status ?? s.status})`;
  const onVerdictSignal = (signal: 'approve' | 'reject', raw: unknown) => {
    // Shape first, so a malformed payload is refused at once and nothing large is kept.
    const parsed = signal === 'approve' ? parseApprove(raw) : parseReject(raw);
    if (!parsed.ok) return refuse(signal, raw, parsed.reason, parsed);
    // Approved (publishing or later) or ended: nothing is left to decide.
    if (decision !== null || s.outcome !== null) return refuse(signal, raw, afterDecision());
    if (s.plan === null || s.status === 'planning') {
      if (pending.length >= RECORD_LIMITS.maxPending) return refuse(signal, raw, 'too many signals before the plan exists');
      pending.push({ signal, raw: parsed.value, at: iso() });
      s.pending.push({ signal, by: parsed.value.by, at: iso(), requestId: parsed.value.requestId ?? null });
      return;
    }
    if (signal === 'approve') judgeApprove(parsed.value);
    else judgeReject(parsed.value);
  };
  const onResolve = (raw: unknown) => {
    const parsed = parseResolve(raw);
    if (!parsed.ok) return refuse('resolve', raw, parsed.reason, parsed);
    const { value } = parsed;
    if (s.status !== 'needs_attention' || !s.attention) return refuse('resolve', raw, `nothing to resolve: the rollback is ${s.status}`);
    if (!s.plan || !isApprover(s.plan, value.by)) return refuse('resolve', raw, `${value.by} is not a configured approver`);
    if (!s.attention.actions.includes(value.action)) {
      return refuse('resolve', raw, `"${value.action}" is not possible now (possible: ${s.attention.actions.join(', ')})`);
    }
    if (resolution !== null) return refuse('resolve', raw, 'already resolved');
    resolution = value;
    accept({ signal: 'resolve', by: value.by, comment: null, reason: null, action: value.action, planHash: s.plan.planHash, requestId: value.requestId ?? null });
  };
  /** A handler must never throw: anything unexpected becomes a recorded refusal. */
  const guarded = (signal: string, fn: (raw: unknown) => void) => (raw: unknown) => {
    try {
      fn(raw);
    } catch (error) {
      refuse(signal, raw, `could not be processed: ${failureMessage(error)}`);
    }
  };
  setHandler(approveSignal, guarded('approve', (raw) => onVerdictSignal('approve', raw)));
  setHandler(rejectSignal, guarded('reject', (raw) => onVerdictSignal('reject', raw)));
  setHandler(resolveSignal, guarded('resolve', onResolve));
  setDefaultSignalHandler((name: string, ...args: unknown[]) => {
    guarded(name, (raw) => refuse(name, raw, `unknown signal "${cut(name)}"`))(args[0]);
  });
  setHandler(statusQuery, () => s);

  // ---- steps ----------------------------------------------------------------------------------
  /** Plan every environment; `previous` (re-validation) keeps its `flagOnAt` instead of re-reading the history. */
  const buildPlan = async (context: RollbackContext, revision: number, previous?: RollbackPlan): Promise<RollbackPlan> => {
    const target = input.target ?? { enabled: false };
    const planned = await Promise.all(
      context.environments.map((env, index) =>
        read.planEnvironment({ flag: input.flag, environment: env.name, target, readHistory: index === 0 && !input.flagOnAt && !previous }),
      ),
    );
    const first = planned[0];
    if (!first) throw ApplicationFailure.nonRetryable('no environment selected', 'PlanInvalid');
    const flagOnAt = input.flagOnAt ?? (previous ? previous.flagOnAt : first.flagOnAt);
    const hashable = {
      flag: input.flag,
      featureId: first.featureId,
      projectId: context.projectId,
      environments: planned.map(({ featureId: _f, flagOnAt: _o, ...env }) => env),
      partialReason: context.partialReason,
      semantics: context.semantics,
      notes: context.notes,
      flagOnAt,
      flagOnAtSource: input.flagOnAt ? ('input' as const) : flagOnAt ? ('history' as const) : ('none' as const),
      cohort: context.cohort && {
        description: context.cohort.description,
        idColumn: context.cohort.idColumn,
        skippedReason:
          context.cohort.needsFlagOnAt && !flagOnAt
            ? `flagOnAt is unknown: no off → on transition in ${first.name}'s version history and none given`
            : null,
      },
      probe: context.probe,
      approvers: context.approvers,
      distinctFromRequester: context.distinctFromRequester,
      keepScheduled: input.keepScheduled ?? false,
    };
    const planHash = await config.hashPlan(hashable);
    return { ...hashable, planHash, revision, plannedAt: iso() };
  };

  const awaitResolution = async (phase: 'publish' | 'verify', reason: string, actions: ResolveAction[]): Promise<ResolvePayload | null> => {
    resolution = null;
    s.attention = { reason: cut(reason), since: iso(), actions, phase };
    setStatus('needs_attention', phase);
    memo();
    const resolved = await condition(() => resolution !== null, input.attentionTimeoutMs ?? DEFAULT_ATTENTION_TIMEOUT_MS);
    s.attention = null;
    return resolved ? resolution : null;
  };

  const envOutcome = (name: string): EnvironmentOutcome => {
    let outcome = s.environments.find((e) => e.name === name);
    if (!outcome) {
      outcome = emptyOutcome(name);
      s.environments.push(outcome);
    }
    return outcome;
  };

  const publishAll = async (plan: RollbackPlan, names: string[], op: string, stateOf: 'after' | 'before') => {
    const envs = plan.environments.filter((e) => names.includes(e.name));
    const settled = await Promise.allSettled(
      envs.map((env) =>
        publisher.publishEnvironment({
          flag: plan.flag,
          featureId: plan.featureId,
          environment: env.name,
          versioning: env.versioning,
          featureStateId: env.featureStateId,
          state: stateOf === 'after' ? env.after : ({ enabled: env.before.enabled, value: env.before.value, valueType: env.before.valueType } satisfies FlagState),
          marker: `flagops:${info.workflowId}:${info.runId}:${env.name}:${op}`,
          deleteScheduled: stateOf === 'after' && !plan.keepScheduled ? env.scheduled.map((v) => v.uuid) : [],
        }),
      ),
    );
    settled.forEach((result, index) => {
      const env = envs[index];
      if (!env) return;
      const outcome = envOutcome(env.name);
      if (result.status === 'fulfilled') {
        outcome.publish = stateOf === 'after' ? 'published' : 'reverted';
        outcome.version = result.value.version;
        outcome.publishedAt = result.value.publishedAt;
        outcome.deletedScheduled.push(...result.value.deletedScheduled);
        outcome.error = null;
      } else {
        if (stateOf === 'after') outcome.publish = 'failed';
        outcome.error = failureMessage(result.reason);
      }
    });
    return settled.every((r) => r.status === 'fulfilled');
  };

  /** Publish every environment; on a partial failure, wait for an approver's `resolve`. */
  const publishPhase = async (plan: RollbackPlan) => {
    setStatus('publishing');
    for (const env of plan.environments) envOutcome(env.name);
    memo();
    await publishAll(plan, plan.environments.map((e) => e.name), 'forward', 'after');
    let round = 0;
    for (;;) {
      const published = s.environments.filter((e) => e.publish === 'published').map((e) => e.name);
      const failed = s.environments.filter((e) => e.publish === 'failed').map((e) => e.name);
      const cancelled = root.consideredCancelled;
      if (failed.length === 0 && !cancelled) return;
      if (published.length === 0) {
        const errors = s.environments.map((e) => `${e.name}: ${e.error ?? 'failed'}`).join('; ');
        // Nothing changed in Flagsmith, so there is nothing for a human to revert or accept.
        if (cancelled) throw new Finished('cancelled', `cancelled while publishing; nothing was published (${errors})`);
        throw ApplicationFailure.nonRetryable(`nothing was published: ${errors}`, 'PublishFailed');
      }
      const reason = cancelled
        ? `cancelled while publishing; published: ${published.join(', ') || 'none'}`
        : `published in ${published.join(', ')} but failed in ${failed.map((name) => `${name} (${envOutcome(name).error ?? 'failed'})`).join(', ')}`;
      const actions: ResolveAction[] = cancelled || failed.length === 0 ? ['revert', 'accept'] : ['retry', 'revert', 'accept'];
      const choice = await awaitResolution('publish', reason, actions);
      if (!choice) throw new Finished('needs_attention', `nobody resolved: ${reason}`);
      round += 1;
      setStatus('publishing');
      if (choice.action === 'accept') {
        if (cancelled) throw new Finished('cancelled', `cancelled while publishing; accepted as is by ${choice.by}`, choice.by);
        acceptedShortfalls.push(`${failed.join(', ')} left unpublished, accepted by ${choice.by}`);
        return;
      }
      if (choice.action === 'retry') {
        await publishAll(plan, failed, `retry-${round}`, 'after');
        continue;
      }
      const reverted = await publishAll(plan, published, `revert-${round}`, 'before');
      if (reverted) {
        throw new Finished(cancelled ? 'cancelled' : 'failed', `reverted by ${choice.by}: ${published.join(', ')} restored to the before-state`, choice.by);
      }
    }
  };

  /** Wait a durable timer that a cancellation request cuts short. */
  const wait = async (ms: number) => {
    if (ms > 0) await condition(() => root.consideredCancelled, ms);
  };

  const verifyPhase = async (plan: RollbackPlan, verifyTimeoutMs: number) => {
    const interval = Math.max(100, input.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS);
    let deadline = Date.now() + verifyTimeoutMs;
    setStatus('verifying');
    for (;;) {
      s.timers.verifyDeadline = iso(deadline);
      const todo = plan.environments.filter((env) => {
        const outcome = envOutcome(env.name);
        return outcome.publish === 'published' && !outcome.verified;
      });
      const results = await Promise.all(
        todo.map((env, index) =>
          verifier.verifyEnvironment({
            flag: plan.flag,
            featureId: plan.featureId,
            environment: env.name,
            expected: env.after,
            version: envOutcome(env.name).version,
            probe: index === 0 && plan.probe !== null,
          }),
        ),
      );
      results.forEach((result, index) => {
        const env = todo[index];
        if (!env) return;
        const outcome = envOutcome(env.name);
        outcome.adminView = result.adminView;
        outcome.sdkView = result.sdkView;
        if (result.probe) outcome.probe = result.probe;
        outcome.verified = result.adminView.ok && result.sdkView.ok && (outcome.probe === null || outcome.probe.ok);
      });
      const unverified = s.environments.filter((e) => e.publish === 'published' && !e.verified);
      if (unverified.length === 0) break;
      if (root.consideredCancelled) throw new Finished('needs_attention', 'cancelled while verifying; the flag was published');
      if (Date.now() + interval <= deadline) {
        await wait(interval);
        continue;
      }
      const reason = `not verified by the deadline: ${unverified
        .map((e) => `${e.name} (admin: ${e.adminView?.detail ?? '-'}; sdk: ${e.sdkView?.detail ?? '-'}${e.probe ? `; probe: ${e.probe.detail}` : ''})`)
        .join(', ')}`;
      s.timers.verifyDeadline = null;
      const choice = await awaitResolution('verify', reason, ['retry', 'accept']);
      if (!choice) throw new Finished('needs_attention', `nobody resolved: ${reason}`);
      if (choice.action === 'accept') {
        acceptedShortfalls.push(`${unverified.map((e) => e.name).join(', ')} not verified, accepted by ${choice.by}`);
        break;
      }
      setStatus('verifying');
      deadline = Date.now() + verifyTimeoutMs;
    }
    s.timers.verifyDeadline = null;
  };

  const cohortPhase = async (plan: RollbackPlan) => {
    if (!plan.cohort) return;
    setStatus('checking_cohort');
    const base = { count: null, ids: [], idColumn: plan.cohort.idColumn, checkedAt: iso() };
    if (plan.cohort.skippedReason) {
      s.cohort = { ...base, status: 'skipped', reason: plan.cohort.skippedReason };
      return;
    }
    s.cohort = { ...base, status: 'pending', reason: null, checkedAt: null };
    try {
      s.cohort = await cohortDb.checkCohort({ flag: plan.flag, flagOnAt: plan.flagOnAt, statementTimeoutMs: timeouts.cohortStatementMs });
    } catch (error) {
      // Reported, not fatal: the flag is already rolled back; remediation is manual anyway.
      s.cohort = { ...base, status: 'failed', reason: failureMessage(error) };
    }
  };

  const notifyPhase = async () => {
    setStatus('notifying');
    try {
      s.notifications = await notifier.notifyRollback(noticeOf({ ...s, status: 'completed' }));
    } catch (error) {
      // Which channels the worker has configured is the activity's knowledge, not the workflow's.
      s.notifications = [{ channel: 'all', status: 'failed', detail: failureMessage(error), at: iso() }];
    }
  };

  /** Record the end and its summary; non-cancellable, since a cancel may be what ended the run. */
  const finish = (status: RollbackStatusName, detail: string, by: string | null): Promise<RollbackStatus> =>
    CancellationScope.nonCancellable(async () => {
      s.outcome = { status, at: iso(), by, detail: cut(detail) };
      s.attention = null;
      s.timers = { approvalDeadline: null, cacheWaitUntil: null, verifyDeadline: null };
      setStatus(status, 'summary');
      memo();
      try {
        await config.recordRollbackFinished({ status, stepDurations });
      } catch {
        // Metrics are best effort; the rollback's outcome does not depend on them.
      }
      await condition(allHandlersFinished);
      return s;
    });

  // ---- the run --------------------------------------------------------------------------------
  upsertSearchAttributes([
    { key: FlagNameKey, value: input.flag },
    // Without an incident the attribute is simply not set (a `list --incident` will not find it).
    ...(s.incidentId !== null ? [{ key: IncidentIdKey, value: s.incidentId }] : []),
    { key: RequestedByKey, value: s.requestedBy },
    { key: RollbackStepKey, value: 'plan' },
  ]);
  let publishing = false;
  try {
    // 1. plan
    ctx = await config.resolveRollbackContext(input);
    const context = ctx;
    upsertSearchAttributes([{ key: FlagEnvironmentsKey, value: context.environments.map((e) => e.name) }]);
    s.plan = await buildPlan(context, 1);

    // 2. await approval (signals received before the plan are judged now, in arrival order)
    setStatus('awaiting_approval');
    memo();
    for (const signal of pending.splice(0)) {
      s.pending = s.pending.slice(1);
      if (decision !== null) refuse(signal.signal, signal.raw, afterDecision());
      else if (signal.signal === 'approve') judgeApprove(signal.raw);
      else judgeReject(signal.raw);
    }
    let deadline = Date.now() + context.approvalTimeoutMs;
    for (;;) {
      s.timers.approvalDeadline = iso(deadline);
      const answered = await condition(() => decision !== null, Math.max(1, deadline - Date.now()));
      // Read through a function: TypeScript cannot see that signal handlers assign `decision`.
      const current = currentDecision();
      if (!answered || current === null) throw new Finished('expired', `no decision within ${context.approvalTimeoutMs} ms`);
      if (current.kind === 'rejected') {
        const withdrawn = current.by.toLowerCase() === s.requestedBy.toLowerCase();
        throw new Finished('rejected', withdrawn ? `withdrawn by the requester ${current.by}` : `rejected by ${current.by}`, current.by);
      }
      // Re-read the before-state and the scheduled versions just before publishing.
      const fresh = await buildPlan(context, (s.plan?.revision ?? 1) + 1, s.plan ?? undefined);
      if (fresh.planHash === s.plan?.planHash) break;
      s.plan = fresh;
      decision = null;
      deadline = Date.now() + context.approvalTimeoutMs;
      memo();
    }
    s.timers.approvalDeadline = null;
    const plan = s.plan;

    // 3. publish — the whole post-approval path finishes what it started even when cancelled.
    publishing = true;
    return await CancellationScope.nonCancellable(async () => {
      await publishPhase(plan);
      if (root.consideredCancelled) throw new Finished('needs_attention', 'cancelled after publishing');

      // 4. wait for caches
      setStatus('waiting_for_caches');
      s.timers.cacheWaitUntil = iso(Date.now() + context.cacheWaitMs);
      memo();
      await wait(context.cacheWaitMs);
      s.timers.cacheWaitUntil = null;
      if (root.consideredCancelled) throw new Finished('needs_attention', 'cancelled while waiting for caches; the flag was published');

      // 5. verify, 6. cohort, 7. notify, 8. summary
      await verifyPhase(plan, context.verifyTimeoutMs);
      await cohortPhase(plan);
      await notifyPhase();
      const detail = acceptedShortfalls.length > 0 ? `rolled back; ${acceptedShortfalls.join('; ')}` : 'rolled back and verified';
      return await finish('completed', detail, null);
    });
  } catch (error) {
    if (error instanceof Finished) return await finish(error.status, error.detail, error.by);
    if (isCancellation(error) && !publishing) return await finish('cancelled', 'cancelled before anything was published', null);
    const message = failureMessage(error);
    const failedStep = s.step;
    const status = await finish('failed', message, null);
    throw ApplicationFailure.create({
      type: 'RollbackFailed',
      message: `${failedStep}: ${message}`,
      nonRetryable: true,
      details: [status],
      cause: error instanceof Error ? error : undefined,
    });
  }
}
