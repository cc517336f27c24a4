/**
 * Human-readable output of the rollback commands: the plan (what an approver approves), live
 * progress lines while a rollback runs, and the summary. Pure functions of {@link RollbackStatus}
 * so they can be tested and reused by `rollback`, `approve` and `status`.
 */
import { formatDuration } from '../config/duration.js';
import { shown, shownLines } from './display.js';
import { overrideLines } from './render-overrides.js';
import { alertLine } from '../../workflows/rollback/alert-log.js';
import type {
  EnvironmentOutcome,
  FlagState,
  RollbackPlan,
  RollbackStatus,
  RollbackStatusName,
  ViewCheck,
} from '../../workflows/rollback/messages.js';

/** Where the approval instructions point (the namespace matters for `temporal workflow signal`). */
export interface RenderContext {
  namespace: string;
  /** Shown as the `--as` of the suggested commands. */
  approverHint?: string;
}

const describe: Record<RollbackStatusName, string> = {
  planning: 'planning',
  awaiting_approval: 'awaiting approval',
  publishing: 'publishing',
  waiting_for_caches: 'waiting for SDK caches',
  verifying: 'verifying',
  checking_cohort: 'checking the cohort',
  notifying: 'notifying',
  completed: 'completed',
  rejected: 'rejected',
  expired: 'expired (nobody approved in time)',
  cancelled: 'cancelled',
  failed: 'failed',
  needs_attention: 'NEEDS ATTENTION',
};

function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `ON "x" (unicode)`; a JSON config value stays readable as its text. */
export function formatState(state: FlagState): string {
  const value = state.value === null ? 'no value' : typeof state.value === 'string' ? JSON.stringify(clip(state.value)) : String(state.value);
  return `${state.enabled ? 'ON ' : 'OFF'} ${value} (${state.valueType})`;
}

/** `12:03:04Z` from an ISO time: progress lines need the time of day, not the date. */
function clock(iso: string): string {
  return iso.slice(11, 19) + 'Z';
}

function shell(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The ways to approve (SPEC §1): the CLI, the Temporal UI, the temporal CLI — Update first, Signal kept. */
export function approvalInstructions(status: RollbackStatus, context: RenderContext): string[] {
  const who = context.approverHint ?? '<approver>';
  const hash = status.plan?.planHash ?? '<plan hash>';
  const payload = JSON.stringify({ by: who, planHash: hash });
  const ns = context.namespace === 'default' ? '' : ` --namespace ${context.namespace}`;
  return [
    'To approve (as a configured approver):',
    `  flagops approve ${status.workflowId} --as ${who} --plan-hash ${hash}`,
    `  Temporal UI: workflow ${status.workflowId} → "Send an Update" → name approve, input ${payload} (answers with the verdict; "Send a Signal" works too, without an answer)`,
    `  temporal workflow update execute${ns} --workflow-id ${status.workflowId} --name approve --input ${shell(payload)}`,
    `  temporal workflow signal${ns} --workflow-id ${status.workflowId} --name approve --input ${shell(payload)}`,
    'To reject:',
    `  flagops reject ${status.workflowId} --as ${who} --reason "…"`,
  ];
}

function planEnvironmentLines(plan: RollbackPlan): string[] {
  const width = Math.max(...plan.environments.map((e) => e.name.length), 4);
  const lines: string[] = [];
  for (const env of plan.environments) {
    const live = env.before.version ? `  live version ${env.before.version}` : '';
    lines.push(`  ${env.name.padEnd(width)}  ${formatState(env.before)}  →  ${formatState(env.after)}   [${env.versioning}]${live}`);
    for (const scheduled of env.scheduled) {
      const fate = plan.keepScheduled ? 'kept (--keep-scheduled): it will undo this rollback when it goes live' : 'deleted after approval';
      lines.push(`  ${' '.repeat(width)}  scheduled version ${scheduled.uuid} goes live ${scheduled.liveFrom}: ${fate}`);
    }
    lines.push(...overrideLines(env, plan.overridesMode ?? 'keep', `  ${' '.repeat(width)}  `));
  }
  return lines;
}

/** The plan as an approver should read it, with the hash to approve and how to approve. */
export function renderPlan(status: RollbackStatus): string {
  const plan = status.plan;
  if (!plan) return shown(`Rollback ${status.workflowId}: no plan yet (${describe[status.status]}).`);
  const lines = [
    `Plan for rolling back ${plan.flag} (revision ${plan.revision}, planned ${plan.plannedAt})`,
    `  workflow ${status.workflowId}  run ${status.runId}`,
    `  requested by ${status.requestedBy}${status.incidentId ? ` · incident ${status.incidentId}` : ''}${status.pr ? ` · PR ${status.pr}` : ''}`,
  ];
  if (status.reason) lines.push(`  reason: ${status.reason}`);
  if (plan.partialReason !== null) {
    lines.push(`  PARTIAL: only ${plan.environments.map((e) => e.name).join(', ')} — ${plan.partialReason}`);
  }
  lines.push('', ...planEnvironmentLines(plan), '');
  lines.push(`  semantics: ${plan.semantics}${plan.notes ? ` — ${plan.notes}` : ''}`);
  lines.push(`  flag on since: ${plan.flagOnAt ?? 'unknown'}${plan.flagOnAtSource !== 'none' ? ` (from ${plan.flagOnAtSource})` : ''}`);
  if (!plan.flagOnAt && plan.flagOnAtUnknown) lines.push(`    unknown because ${plan.flagOnAtUnknown}`);
  for (const cr of plan.changeRequests ?? []) {
    lines.push(`  CHANGE REQUESTS: ${cr.environment} requires ${cr.minimumApprovals} approval(s) — ${cr.note}`);
  }
  if (plan.cohort) {
    lines.push(
      `  cohort: ${plan.cohort.description ?? 'configured'}${plan.cohort.skippedReason ? ` — will be skipped: ${plan.cohort.skippedReason}` : ''}`,
    );
  }
  if (plan.probe) lines.push(`  probe: ${plan.probe.url}`);
  lines.push(
    `  approvers: ${plan.approvers.join(', ')}${plan.distinctFromRequester ? ` (four-eyes: not ${status.requestedBy})` : ''}`,
    `  plan hash: ${plan.planHash}`,
  );
  if (plan.ruleApprovers?.length) lines.push(`  approved without a person by: ${plan.ruleApprovers.join(', ')} (autoApprove of a declared kill switch: four-eyes waived)`);
  if (status.timers.approvalDeadline) lines.push(`  approval deadline: ${status.timers.approvalDeadline}`);
  return shownLines(lines);
}

function viewText(label: string, view: ViewCheck | null): string | null {
  if (!view) return null;
  return `${label} ${view.ok ? 'ok' : 'not yet'}${view.detail ? ` (${clip(view.detail, 100)})` : ''}`;
}

/** `published, version …, admin view ok (…), SDK view ok (…), verified`. */
function environmentDetails(env: EnvironmentOutcome): string {
  // `state` names where the environment stands; statuses recorded before it existed have only `publish`.
  const state = (env as Partial<EnvironmentOutcome>).state;
  const parts: string[] = [state ? state.replace('_', ' ') : env.publish];
  if (env.version) parts.push(`version ${env.version}`);
  if (env.revertVersion) parts.push(`restored by version ${env.revertVersion}`);
  if (env.error) parts.push(`error: ${clip(env.error, 200)}`);
  if (env.draftsDeleted?.length) parts.push(`unpublished drafts deleted: ${env.draftsDeleted.join(' ')}`);
  if (env.draftsLeft?.length) parts.push(`unpublished drafts LEFT in Flagsmith: ${env.draftsLeft.join('; ')}`);
  for (const text of [viewText('admin view', env.adminView), viewText('SDK view', env.sdkView), viewText('probe', env.probe), viewText('identity view', env.identityView ?? null)]) {
    if (text) parts.push(text);
  }
  if (!state && env.verified) parts.push('verified');
  return parts.join(', ');
}

/** The lines `rollback` prints at the end, and `status` prints for a finished run. */
export function renderSummary(status: RollbackStatus): string {
  const lines = [`Rollback ${status.workflowId} ${describe[status.status]}${status.outcome?.detail ? `: ${status.outcome.detail}` : ''}`];
  const plan = status.plan;
  for (const env of status.environments) {
    const planned = plan?.environments.find((p) => p.name === env.name);
    lines.push(`  ${env.name}${planned ? `: ${formatState(planned.before)} → ${formatState(planned.after)}` : ''}`);
    lines.push(`    ${environmentDetails(env)}`);
  }
  for (const a of status.approvals) {
    const note = a.comment ?? a.reason ?? a.action ?? '';
    lines.push(`  ${a.signal} by ${a.by} at ${a.at}${note ? `: ${note}` : ''}`);
  }
  for (const r of status.refusals) lines.push(`  refused ${r.signal} from ${r.by ?? '?'} at ${r.at}: ${r.reason}`);
  if (status.refusalsDropped > 0) lines.push(`  (${status.refusalsDropped} older refusals not kept)`);
  if (status.cohort) {
    const c = status.cohort;
    lines.push(
      `  cohort: ${c.status}${c.count !== null ? `, ${c.count} rows` : ''}${c.ids.length ? ` (${c.idColumn}: ${c.ids.join(', ')}${c.count !== null && c.count > c.ids.length ? ', …' : ''})` : ''}${c.reason ? ` — ${c.reason}` : ''}`,
    );
  }
  for (const n of status.notifications) lines.push(`  ${n.channel}: ${n.status}${n.detail ? ` (${clip(n.detail, 120)})` : ''}`);
  const alerts = alertLine(status);
  if (alerts) lines.push(`  ${alerts}`);
  return shownLines(lines);
}

/** What a `needs_attention` run is waiting for, and the commands that answer it. */
export function renderAttention(status: RollbackStatus): string {
  const a = status.attention;
  if (!a) return '';
  return shownLines([
    `Rollback ${status.workflowId} needs attention (${a.phase}, since ${a.since}): ${a.reason}`,
    ...a.actions.map((action) => `  flagops resolve ${status.workflowId} --as <approver> --action ${action}`),
  ]);
}

/** Whether a progress line is a timer's countdown (a terminal shows it in place, as the live line). */
export function isCountdownLine(line: string): boolean {
  return /^\s+(cache wait|verify deadline in):/.test(line);
}

/**
 * Turns successive statuses into progress lines: step changes, a countdown for the durable timers,
 * per-environment results, signal verdicts. Keeps what it printed so each fact appears once.
 */
export class ProgressPrinter {
  private last: RollbackStatus | undefined;
  private printedPlanRevision = 0;
  private lastCountdown = '';
  private readonly seen = new Set<string>();

  constructor(
    private readonly context: RenderContext,
    /** A terminal shows the countdown in place, so it may change every second; a log gets one line per 10 s. */
    private readonly countdownEverySecond = false,
  ) {}

  /** Lines to print for `status` observed at `now` (ms). */
  update(status: RollbackStatus, now: number = Date.now()): string[] {
    const out: string[] = [];
    const previous = this.last;
    this.last = status;
    if (status.plan && status.plan.revision > this.printedPlanRevision) {
      if (this.printedPlanRevision > 0) out.push(`[${clock(new Date(now).toISOString())}] the flag changed since the plan: a new plan needs a new approval`);
      this.printedPlanRevision = status.plan.revision;
      out.push(renderPlan(status), '', ...approvalInstructions(status, this.context).map(shown), '');
    }
    for (const a of status.approvals) this.once(out, `ok:${a.signal}:${a.by}:${a.at}`, `  ${a.signal} accepted from ${a.by}${a.comment ? `: ${a.comment}` : ''}`);
    for (const r of status.refusals) this.once(out, `refused:${r.signal}:${r.by}:${r.at}`, `  refused ${r.signal} from ${r.by ?? '?'}: ${r.reason}`);
    for (const env of status.environments) {
      if (env.publish !== 'pending') this.once(out, `pub:${env.name}:${env.publish}:${env.version}`, `  ${env.name}: ${env.publish}${env.version ? ` version ${env.version}` : ''}${env.error ? ` — ${env.error}` : ''}`);
      for (const [label, view] of [['admin view', env.adminView], ['SDK view', env.sdkView], ['probe', env.probe]] as const) {
        if (view) this.once(out, `view:${env.name}:${label}:${view.ok}`, `  ${env.name}: ${viewText(label, view)}`);
      }
    }
    if (status.cohort && status.cohort.status !== 'pending') {
      const c = status.cohort;
      this.once(out, `cohort:${c.status}`, `  cohort: ${c.status}${c.count !== null ? `, ${c.count} rows` : ''}${c.reason ? ` — ${c.reason}` : ''}`);
    }
    for (const n of status.notifications) this.once(out, `notify:${n.channel}:${n.status}`, `  ${n.channel}: ${n.status}`);
    if (!previous || previous.status !== status.status) {
      out.push(`[${clock(status.updatedAt)}] ${describe[status.status]}`);
      this.lastCountdown = '';
    }
    const countdown = this.countdown(status, now);
    if (countdown) out.push(countdown);
    if (status.status === 'needs_attention') this.once(out, `attention:${status.attention?.since}`, renderAttention(status));
    return out;
  }

  private once(out: string[], key: string, line: string): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    // Names and reasons in these lines are typed by people: shown, never printed raw.
    out.push(key.startsWith('attention:') ? line : shown(line));
  }

  /** Whole seconds left on the running timer, printed every 10 s and each of the last 5. */
  private countdown(status: RollbackStatus, now: number): string | undefined {
    const until =
      status.status === 'waiting_for_caches' ? status.timers.cacheWaitUntil : status.status === 'verifying' ? status.timers.verifyDeadline : null;
    if (!until) return undefined;
    const left = Math.max(0, Math.ceil((Date.parse(until) - now) / 1000));
    const label = status.status === 'waiting_for_caches' ? 'cache wait' : 'verify deadline in';
    // formatDuration would print 0 as `0ms`; the countdown speaks in whole seconds.
    const text = `  ${label}: ${left === 0 ? '0s' : formatDuration(left * 1000)} left (until ${clock(until)})`;
    if (text === this.lastCountdown) return undefined;
    const first = this.lastCountdown === '';
    if (!first && !this.countdownEverySecond && left > 5 && left % 10 !== 0) return undefined;
    this.lastCountdown = text;
    return text;
  }
}
