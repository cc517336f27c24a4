/**
 * The public contract of the `flagRollback` workflow (SPEC §3, §6): its input, its signals and
 * query, and the one JSON shape ({@link RollbackStatus}) shared by the `status` query, the
 * workflow result, the memo's outcome, `rollback --json` and `status --json`.
 *
 * Glossary:
 * - *environment*: a Flagsmith environment from the worker's configuration (`Production`, …).
 * - *feature state*: a flag's enabled/value in one environment; the *environment default* is the
 *   one without segment or identity, and it is what a rollback changes.
 * - *version*: a v2 environment-feature-version; *live* once published with `live_from` ≤ now,
 *   *scheduled* when published with a future `live_from` (it would undo the rollback).
 * - *plan*: what the rollback will do, per environment, before → after; approvers approve its hash.
 * - *cohort*: the application rows an asymmetric flag left behind (only their ids are reported).
 *
 * Everything here is plain JSON so that it can cross Temporal's payload boundary unchanged.
 * Changes to this file are additive only: the CLI and recorded histories depend on it.
 */
import { queryNamed, signalNamed, updateNamed } from '../definitions.js';
import type { FlatValue, ValueType } from '../../src/flagsmith/values.js';

export type { FlatValue, ValueType } from '../../src/flagsmith/values.js';

// ---------------------------------------------------------------------------------------------
// Input

/** What the flag should become. Default `{ enabled: false }`, which keeps the current value. */
export interface RollbackTarget {
  enabled: boolean;
  /** A new value; absent → the current value and type are re-sent unchanged (never null). */
  value?: FlatValue;
  /** How to store `value`; absent → the current value's type (seed 002's remote-config flags: `unicode`). */
  valueType?: ValueType;
}

/**
 * Timeouts of one activity attempt and of all its retries, in ms. Each is capped by the
 * workflow's defaults: input can shorten them (tests pass seconds), never make them unbounded.
 */
export interface ActivityTimeoutsInput {
  /** One attempt of a Flagsmith/HTTP activity. Default 30 s. */
  startToCloseMs?: number;
  /** A publish attempt that stops heartbeating is retried after this. Default 10 s. */
  heartbeatMs?: number;
  /** One activity including all its retries. Default 10 min. */
  scheduleToCloseMs?: number;
  /** The cohort query's statement timeout. Default 30 s. */
  cohortStatementMs?: number;
}

/**
 * What a rollback does to the overrides that would still serve the old state (issue 12 §1):
 * `keep` leaves them (seed 002's behaviour), `disable` turns them OFF (segment overrides in the
 * same new version, identity overrides in place), `remove` deletes them.
 */
export type OverridesMode = 'keep' | 'disable' | 'remove';

/** Input of `flagRollback`. Approvers and flag semantics are NOT here: the worker's config owns them. */
export interface RollbackInput {
  /** The flag's exact name. */
  flag: string;
  /** Environment names (default: every configured environment). A subset needs `partialReason`. */
  environments?: string[];
  /** Why only a subset is rolled back; shown to the approver in the plan. */
  partialReason?: string;
  /** Default `{ enabled: false }` keeping the current value. */
  target?: RollbackTarget;
  /** Why (optional, SPEC §6 `[--reason T]`); shown to the approver and in notifications. */
  reason?: string;
  /** Incident id (optional); sets the `IncidentId` search attribute when given. */
  incidentId?: string;
  requestedBy: string;
  /** GitHub PR to comment on, `owner/repo#N`. */
  pr?: string;
  /** ISO date-time the flag went on; overrides what the plan finds in the version history. */
  flagOnAt?: string;
  /** Keep scheduled versions instead of deleting them after approval. */
  keepScheduled?: boolean;
  /** Default: the flag's `overrides` in the worker's config, else `keep`. */
  overrides?: OverridesMode;
  /** Durable wait for SDK caches after publishing. Default: the worker's `rollback.cacheWait`. */
  cacheWaitMs?: number;
  /** Default: the worker's `approval.timeout`. */
  approvalTimeoutMs?: number;
  /** Default: the worker's `rollback.verifyTimeout`. */
  verifyTimeoutMs?: number;
  /** Pause between verification rounds. Default 2 s. */
  verifyIntervalMs?: number;
  /** How long `needs_attention` waits for `resolve` before the run ends with that status. Default 7 days. */
  attentionTimeoutMs?: number;
  activityTimeouts?: ActivityTimeoutsInput;
  /** The alert that started this run (absent when a person started it); see {@link AlertOrigin}. */
  alert?: AlertOrigin;
}

// ---------------------------------------------------------------------------------------------
// Alerts (README, "Rollbacks started by alerts")

/** Where an alert webhook came from. */
export type AlertSource = 'alertmanager' | 'grafana';

/**
 * The alert that started a run, for the audit: which rule of `alerts.rules` matched it, the
 * alert's fingerprint (also the `AlertFingerprint` search attribute) and its labels. No URLs:
 * generator and silence links stay out of history.
 */
export interface AlertOrigin {
  source: AlertSource;
  /** The matching rule's `name` in `alerts.rules`. */
  rule: string;
  alertname: string;
  fingerprint: string;
  /** The alert's labels (at most 32, each cut). */
  labels: Record<string, string>;
  /** When the alert began firing, as its sender says; null when it did not say. */
  startsAt: string | null;
}

/**
 * `alertNotification` (Signal): a later notification about the flag of a running rollback — a
 * repeat, a grouped notification, another alert of the same rule, or the alert's resolution. It
 * is recorded in the status and never changes a flag.
 */
export interface AlertNotificationPayload {
  source: AlertSource;
  rule: string;
  alertname: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  /** How many alerts of the rule the notification carried. */
  alerts?: number;
}

/** What the run recorded of alert notifications (the starting one included). */
export interface AlertLog {
  /** The alert that started the run, null when a person did. */
  origin: AlertOrigin | null;
  /** Notifications recorded, the starting one included. */
  count: number;
  lastFingerprint: string;
  lastStatus: 'firing' | 'resolved';
  lastAt: string;
  /** When a `resolved` notification was last recorded; null when none was. */
  resolvedAt: string | null;
  /** The latest notifications received after the start (at most `RECORD_LIMITS.maxAlertNotifications`). */
  recent: (AlertNotificationPayload & { at: string })[];
}

export const alertNotificationSignal = signalNamed<[AlertNotificationPayload]>('alertNotification');

// ---------------------------------------------------------------------------------------------
// Signals and query (wire names fixed by SPEC §3)

/** `approve`: `planHash` pins what the approver saw; `requestId` lets the sender find its verdict. */
export interface ApprovePayload {
  by: string;
  comment?: string;
  planHash?: string;
  requestId?: string;
}

/** `reject`: by an approver, or by the requester (withdrawal). */
export interface RejectPayload {
  by: string;
  reason: string;
  requestId?: string;
}

export type ResolveAction = 'retry' | 'revert' | 'accept';

/** `resolve`: an approver's decision while the rollback `needs_attention`. */
export interface ResolvePayload {
  by: string;
  action: ResolveAction;
  requestId?: string;
}

/**
 * What an Update returns: the verdict on that very message, and the rollback's status right after
 * it was judged. A payload of the wrong shape never gets here: the Update's validator rejects it
 * (a `WorkflowUpdateFailedError` for the sender, nothing in history).
 */
export interface Verdict {
  accepted: boolean;
  /** Why it was refused; null when accepted. */
  reason: string | null;
  status: RollbackStatusName;
}

/** How a message arrived: a Signal (Temporal UI "Send a Signal", `temporal workflow signal`) or an Update. */
export type MessageKind = 'signal' | 'update';

export const approveSignal = signalNamed<[ApprovePayload]>('approve');
export const rejectSignal = signalNamed<[RejectPayload]>('reject');
export const resolveSignal = signalNamed<[ResolvePayload]>('resolve');
/** The same wire names and payloads as the signals (Temporal keeps signal and update handlers apart). */
export const approveUpdate = updateNamed<Verdict, [ApprovePayload]>('approve');
export const rejectUpdate = updateNamed<Verdict, [RejectPayload]>('reject');
export const resolveUpdate = updateNamed<Verdict, [ResolvePayload]>('resolve');
export const statusQuery = queryNamed<RollbackStatus>('status');

// ---------------------------------------------------------------------------------------------
// Status: the one shape

export type RollbackStatusName =
  | 'planning'
  | 'awaiting_approval'
  | 'publishing'
  | 'waiting_for_caches'
  | 'verifying'
  | 'checking_cohort'
  | 'notifying'
  | 'completed'
  | 'rejected'
  | 'expired'
  | 'cancelled'
  | 'failed'
  | 'needs_attention';

/** Final statuses: the run has ended (or, for `needs_attention`, ends if nobody resolves it). */
export const finalStatuses: readonly RollbackStatusName[] = ['completed', 'rejected', 'expired', 'cancelled', 'failed'];

/** The eight steps of SPEC §3, also the `RollbackStep` search attribute. */
export type RollbackStepName = 'plan' | 'await_approval' | 'publish' | 'wait_for_caches' | 'verify' | 'cohort' | 'notify' | 'summary';

/** A flag's environment default at one moment. */
export interface FlagState {
  enabled: boolean;
  value: FlatValue;
  valueType: ValueType;
}

/** A published version with a future `live_from`: it would undo the rollback when it goes live. */
export interface ScheduledVersion {
  uuid: string;
  liveFrom: string;
  description: string | null;
}

/** A segment override in the live version, and what the rollback does to it. */
export interface SegmentOverridePlan {
  segmentId: number;
  /** The segment's name (segment names are not personal data). */
  segment: string;
  priority: number | null;
  enabled: boolean;
  value: FlatValue;
  action: 'kept' | 'disabled' | 'removed';
  /** True when it will still serve its own state, unlike the rollback's target, afterwards. */
  stillServesOld: boolean;
}

/**
 * The identity overrides of the flag in one environment. Identifiers may be personal data: only
 * counts enter history, unless the flag's config sets `overrideIdentifiers: true`.
 */
export interface IdentityOverridesPlan {
  count: number;
  /** How many serve an enabled state other than the target's (ON when rolling back to OFF). */
  differing: number;
  action: 'kept' | 'disabled' | 'removed';
  /** How many will still serve their own state afterwards. */
  stillServingOld: number;
  /** The first identifiers (at most 10), or null when the config does not allow them. */
  identifiers: string[] | null;
  /** True when more identities override the flag than `identifiers` lists. */
  cut: boolean;
}

/** The overrides of one environment (absent in plans recorded before issue 12). */
export interface OverridesPlan {
  segments: SegmentOverridePlan[];
  identities: IdentityOverridesPlan;
}

/** One environment of the plan. */
export interface EnvironmentPlan {
  name: string;
  id: number;
  /** `v2` publishes a version; `v1` patches the feature state in place. */
  versioning: 'v1' | 'v2';
  featureStateId: number;
  before: FlagState & { /** The live version's uuid (v2), else null. */ version: string | null };
  after: FlagState;
  scheduled: ScheduledVersion[];
  /** Segment and identity overrides; absent in plans recorded before issue 12. */
  overrides?: OverridesPlan;
}

export interface RollbackPlan {
  flag: string;
  featureId: number;
  projectId: number;
  environments: EnvironmentPlan[];
  /** Why only some environments are included; null when all are. */
  partialReason: string | null;
  semantics: 'symmetric' | 'asymmetric';
  notes: string | null;
  /** When the flag last went off → on in the first environment; null when unknown. */
  flagOnAt: string | null;
  flagOnAtSource: 'input' | 'history' | 'none';
  /** Why `flagOnAt` is unknown when the history could not tell (a plan limit hides it, or it is longer than the plan reads). */
  flagOnAtUnknown?: string;
  /** Environments whose `minimum_change_request_approvals` is set (absent when none is). */
  changeRequests?: { environment: string; minimumApprovals: number; note: string }[];
  /** The flag's cohort as configured (null when it has none). */
  cohort: { description: string | null; idColumn: string; skippedReason: string | null } | null;
  probe: { url: string } | null;
  /** Who may approve (from the worker's config) and whether the requester is excluded. */
  approvers: string[];
  distinctFromRequester: boolean;
  /**
   * Rules whose approval counts without a person (`rule:<name>`; the four-eyes rule waived): only
   * an `autoApprove` rule of a flag declared a kill switch, in the worker's config, for a run that
   * rule started. Absent when there is none.
   */
  ruleApprovers?: string[];
  keepScheduled: boolean;
  /** What happens to overrides (absent in plans recorded before issue 12: `keep`). */
  overridesMode?: OverridesMode;
  /** Hex SHA-256 of the canonical JSON of everything above (computed in an activity). */
  planHash: string;
  /** 1 for the first plan, +1 each time re-validation found a change and re-planned. */
  revision: number;
  plannedAt: string;
}

/** An accepted message: approve, reject (or withdrawal) or resolve. */
export interface AcceptedSignal {
  signal: 'approve' | 'reject' | 'resolve';
  /** Signal or Update (absent in runs recorded before Updates existed). */
  via?: MessageKind;
  by: string;
  at: string;
  comment: string | null;
  reason: string | null;
  action: ResolveAction | null;
  planHash: string | null;
  requestId: string | null;
}

/** A refused, ignored or unknown signal. Strings are cut to 256 characters. */
export interface RefusedSignal {
  /** The signal's name as received (unknown names too). */
  signal: string;
  /** Signal or Update (absent in runs recorded before Updates existed). */
  via?: MessageKind;
  by: string | null;
  at: string;
  /** Why it was refused. */
  reason: string;
  requestId: string | null;
}

/**
 * Where an environment stands in the rollback's state machine (see `environments.ts` for what each
 * state serves and how it is reached).
 */
export type EnvironmentState = 'pending' | 'published' | 'failed' | 'verified' | 'reverting' | 'reverted' | 'revert_failed';

/** The coarse publish state, derived from {@link EnvironmentState} (kept for readers of older statuses). */
export type PublishState = 'pending' | 'published' | 'failed' | 'reverted' | 'skipped';

/** A single check of one view, reported separately (SPEC §3 step 5). */
export interface ViewCheck {
  ok: boolean;
  checkedAt: string;
  /** What was seen or why it did not match. */
  detail: string;
  enabled: boolean | null;
  value: FlatValue;
  /** Admin view only: the live version's uuid. */
  version: string | null;
}

export interface EnvironmentOutcome {
  name: string;
  /** The environment's state; the run is `completed` only when every one is `verified`. */
  state: EnvironmentState;
  /** Derived from `state`: published (also verified, reverting, revert_failed), failed, reverted, pending. */
  publish: PublishState;
  /** The uuid of the version this rollback published (v2); null on v1 or before publishing. */
  version: string | null;
  publishedAt: string | null;
  /** Scheduled versions deleted after approval. */
  deletedScheduled: string[];
  /** With `--overrides disable|remove`: segment overrides changed in our version, identity overrides changed (counts only). */
  overridesChanged?: { segments: number; identities: number };
  /** Flagsmith's message when publishing (or reverting) failed. */
  error: string | null;
  /** The before-state's version published by `resolve revert` (v2), else null. */
  revertVersion?: string | null;
  /** Versions this run created but never published (a publish failed for good), deleted at the end. */
  draftsDeleted?: string[];
  /** Such drafts that could not be deleted, with why: they stay in Flagsmith's history. */
  draftsLeft?: string[];
  adminView: ViewCheck | null;
  sdkView: ViewCheck | null;
  /** Null when the flag has no probe configured. */
  probe: ViewCheck | null;
  /** What overridden identities are served (SDK identities endpoint); absent when the plan found no overrides. */
  identityView?: ViewCheck | null;
  verified: boolean;
}

export interface CohortOutcome {
  status: 'pending' | 'done' | 'skipped' | 'failed';
  count: number | null;
  /** The first values of the configured `idColumn`, as strings; no other column ever. */
  ids: string[];
  idColumn: string;
  reason: string | null;
  checkedAt: string | null;
}

export interface NotificationOutcome {
  /** `all`: the notify step itself failed, so no channel could be tried. */
  channel: 'slack' | 'github' | 'all';
  /** What it announced: the plan waiting for approval, or (absent) the outcome at the end. */
  about?: 'approval_needed' | 'outcome';
  status: 'sent' | 'failed' | 'skipped';
  detail: string;
  at: string;
}

/** Set while the rollback waits for `resolve`. */
export interface AttentionInfo {
  reason: string;
  since: string;
  /** The actions `resolve` accepts now. */
  actions: ResolveAction[];
  /** The phase that needs attention. */
  phase: 'publish' | 'verify';
}

/** Deadlines of the durable timers (ISO), so a CLI can show a countdown; null when not running. */
export interface RollbackTimers {
  approvalDeadline: string | null;
  cacheWaitUntil: string | null;
  verifyDeadline: string | null;
}

/** The one JSON shape of SPEC §6. */
export interface RollbackStatus {
  workflowId: string;
  runId: string;
  status: RollbackStatusName;
  step: RollbackStepName;
  flag: string;
  requestedBy: string;
  /** Null when the rollback was started without one. */
  incidentId: string | null;
  /** Null when the rollback was started without one. */
  reason: string | null;
  pr: string | null;
  startedAt: string;
  updatedAt: string;
  plan: RollbackPlan | null;
  environments: EnvironmentOutcome[];
  approvals: AcceptedSignal[];
  /** The latest 50 refusals. */
  refusals: RefusedSignal[];
  /** Refusals recorded before the latest 50 and no longer kept. */
  refusalsDropped: number;
  /** Messages received before the plan existed, judged once it does. */
  pending: { signal: string; by: string | null; at: string; requestId: string | null; via?: MessageKind }[];
  cohort: CohortOutcome | null;
  notifications: NotificationOutcome[];
  timers: RollbackTimers;
  attention: AttentionInfo | null;
  /** What ended the run (approver who rejected, timeout, failure message…); null while running. */
  outcome: { status: RollbackStatusName; at: string; by: string | null; detail: string } | null;
  /** Alert notifications: set when an alert started the run or one was recorded on it (absent in older runs). */
  alerts?: AlertLog | null;
}

/** Caps of recorded signals (Temporal caps memos and payloads at 2 MiB). */
export const RECORD_LIMITS = { maxString: 256, maxRefusals: 50, maxPending: 50, maxCohortIds: 20, maxAlertNotifications: 20, maxAlertLabels: 32 } as const;

/**
 * The verdict on the signal sent with `requestId`, as a CLI reads it from a status:
 * `accepted`, `refused` (with the reason), `pending` (received before the plan) or `unknown`
 * (not received yet).
 */
export function verdictFor(
  status: RollbackStatus,
  requestId: string,
): { verdict: 'accepted' | 'refused' | 'pending' | 'unknown'; reason: string | null } {
  if (status.approvals.some((a) => a.requestId === requestId)) return { verdict: 'accepted', reason: null };
  const refused = status.refusals.find((r) => r.requestId === requestId);
  if (refused) return { verdict: 'refused', reason: refused.reason };
  if (status.pending.some((p) => p.requestId === requestId)) return { verdict: 'pending', reason: null };
  return { verdict: 'unknown', reason: null };
}
