/**
 * Reading and judging the rollback's messages (signals and Updates alike). Pure functions over
 * plain JSON: a handler that throws fails the workflow task, so every check here returns a reason
 * instead of throwing.
 */
import {
  RECORD_LIMITS,
  type ApprovePayload,
  type RefusedSignal,
  type RejectPayload,
  type ResolveAction,
  type ResolvePayload,
  type RollbackPlan,
} from './messages.js';

/** Cut a recorded string to the record limit (a 200 kB name must not bloat history or memo). */
export function cut(text: string): string {
  return text.length > RECORD_LIMITS.maxString ? `${text.slice(0, RECORD_LIMITS.maxString - 1)}…` : text;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; by: string | null; requestId: string | null };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `by` and `requestId` of any payload, cut, for recording who sent a refused signal. */
export function senderOf(raw: unknown): { by: string | null; requestId: string | null } {
  if (!isRecord(raw)) return { by: null, requestId: null };
  return {
    by: typeof raw.by === 'string' ? cut(raw.by) : null,
    requestId: typeof raw.requestId === 'string' ? cut(raw.requestId) : null,
  };
}

function field(raw: Record<string, unknown>, key: string, required: boolean): { ok: true; value: string | undefined } | { ok: false; reason: string } {
  const value = raw[key];
  if (value === undefined || value === null) {
    return required ? { ok: false, reason: `malformed payload: "${key}" is required` } : { ok: true, value: undefined };
  }
  if (typeof value !== 'string') return { ok: false, reason: `malformed payload: "${key}" must be a string` };
  if (required && identityKey(value) === '') return { ok: false, reason: `malformed payload: "${key}" must not be empty` };
  // A name is compared with others; a control character in it could only hide what it says.
  if (key === 'by' && /\p{Cc}/u.test(value)) return { ok: false, reason: 'malformed payload: "by" must not contain control characters' };
  return { ok: true, value: cut(value.trim()) };
}

function readFields<K extends string>(
  raw: unknown,
  spec: Record<K, boolean>,
): { ok: true; value: Partial<Record<K, string>> } | { ok: false; reason: string; by: string | null; requestId: string | null } {
  const sender = senderOf(raw);
  if (!isRecord(raw)) return { ok: false, reason: 'malformed payload: expected an object', ...sender };
  const out: Partial<Record<K, string>> = {};
  for (const key of Object.keys(spec) as K[]) {
    const read = field(raw, key, spec[key]);
    if (!read.ok) return { ok: false, reason: read.reason, ...sender };
    if (read.value !== undefined) out[key] = read.value;
  }
  return { ok: true, value: out };
}

/** Read an `approve` payload; a malformed one gives the reason to record. */
export function parseApprove(raw: unknown): Parsed<ApprovePayload> {
  const read = readFields(raw, { by: true, comment: false, planHash: false, requestId: false });
  if (!read.ok) return read;
  return { ok: true, value: { by: read.value.by ?? '', ...read.value } };
}

/** Read a `reject` payload (`by` and `reason` required). */
export function parseReject(raw: unknown): Parsed<RejectPayload> {
  const read = readFields(raw, { by: true, reason: true, requestId: false });
  if (!read.ok) return read;
  return { ok: true, value: { by: read.value.by ?? '', reason: read.value.reason ?? '', ...read.value } };
}

const resolveActions: readonly ResolveAction[] = ['retry', 'revert', 'accept'];

/** Read a `resolve` payload (`action` one of retry, revert, accept). */
export function parseResolve(raw: unknown): Parsed<ResolvePayload> {
  const read = readFields(raw, { by: true, action: true, requestId: false });
  if (!read.ok) return read;
  const action = read.value.action as ResolveAction;
  if (!resolveActions.includes(action)) {
    return { ok: false, reason: `malformed payload: "action" must be retry, revert or accept`, by: read.value.by ?? null, requestId: read.value.requestId ?? null };
  }
  return { ok: true, value: { by: read.value.by ?? '', action, ...(read.value.requestId ? { requestId: read.value.requestId } : {}) } };
}

/**
 * The form of a person's name every comparison uses: Unicode NFKC, format characters (zero-width
 * spaces and joiners, direction marks) removed, surrounding whitespace trimmed, case folded. So
 * `IC@example.com`, ` ic@example.com ` and `ic@example.com` with a zero-width space are one person,
 * and four-eyes cannot be bypassed by writing the requester's name differently.
 */
export function identityKey(name: string): string {
  return name.normalize('NFKC').replace(/\p{Cf}/gu, '').trim().toLowerCase();
}

/** Whether two names are the same person (see {@link identityKey}). */
export function sameIdentity(a: string, b: string): boolean {
  return identityKey(a) === identityKey(b);
}

const same = sameIdentity;

/** Whether `who` is among the plan's approvers (case and surrounding spaces ignored). */
export function isApprover(plan: RollbackPlan, who: string): boolean {
  return plan.approvers.some((a) => same(a, who));
}

/**
 * Why an approval is refused, or null when it counts: only configured approvers, not the
 * requester under four-eyes, and a `planHash` (when given) equal to the current plan's.
 */
export function approvalRefusal(plan: RollbackPlan, requestedBy: string, payload: ApprovePayload): string | null {
  // An `autoApprove` rule of a declared kill switch (the worker's config put it in the plan): four-eyes waived.
  if (plan.ruleApprovers?.some((r) => same(r, payload.by))) return planHashRefusal(plan, payload);
  if (!isApprover(plan, payload.by)) return `${payload.by} is not a configured approver`;
  if (plan.distinctFromRequester && same(payload.by, requestedBy)) return 'four-eyes: the requester cannot approve their own rollback';
  return planHashRefusal(plan, payload);
}

function planHashRefusal(plan: RollbackPlan, payload: ApprovePayload): string | null {
  if (payload.planHash !== undefined && payload.planHash !== plan.planHash) {
    return `plan hash ${payload.planHash} does not match the current plan ${plan.planHash} (revision ${plan.revision})`;
  }
  return null;
}

/** Why a rejection is refused, or null: approvers reject, the requester withdraws. */
export function rejectionRefusal(plan: RollbackPlan, requestedBy: string, payload: RejectPayload): string | null {
  if (isApprover(plan, payload.by) || same(payload.by, requestedBy)) return null;
  return `${payload.by} is neither a configured approver nor the requester`;
}

/** Append a refusal keeping only the latest `maxRefusals`; returns how many were dropped now. */
export function pushRefusal(list: RefusedSignal[], refusal: RefusedSignal): number {
  list.push({ ...refusal, signal: cut(refusal.signal), reason: cut(refusal.reason) });
  const excess = list.length - RECORD_LIMITS.maxRefusals;
  if (excess > 0) list.splice(0, excess);
  return Math.max(0, excess);
}
