/**
 * Signals from the CLI carry a fresh `requestId`; the workflow records every signal as accepted or
 * refused with that id, so the sender can report the verdict on its own request and not guess
 * from the workflow's state (another approver may have signalled at the same time).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { type RollbackStatus, verdictFor } from '../../workflows/rollback/messages.js';
import { type RollbackHandle, follow } from './watch.js';

/** How long to wait for the workflow to judge a signal (it does on its next workflow task). */
export const VERDICT_TIMEOUT_MS = 60_000;

export interface Verdict {
  verdict: 'accepted' | 'refused' | 'unknown';
  reason: string | null;
  status: RollbackStatus | null;
  requestId: string;
}

/** A fresh id for one signal, so its sender can find the verdict on it. */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * Send `payload` (which must carry `requestId`) to the pinned run and poll `status` until the
 * request shows up among the approvals or the refusals, or `timeoutMs` passes (`unknown`).
 */
export async function signalAndAwaitVerdict<P extends { requestId?: string }>(
  client: Client,
  handle: RollbackHandle,
  signal: SignalDefinition<[P]>,
  payload: P & { requestId: string },
  timeoutMs = VERDICT_TIMEOUT_MS,
): Promise<Verdict> {
  const { requestId } = payload;
  await handle.signal(signal, payload);
  const judged = (status: RollbackStatus) => verdictFor(status, requestId);
  const isFinal = (verdict: string): verdict is 'accepted' | 'refused' => verdict === 'accepted' || verdict === 'refused';
  // `follow` also stops at a closed run (it judges nothing more); `pending` (received before the plan) keeps it waiting.
  const { status, problem } = await follow(client, handle, { intervalMs: 500, timeoutMs, until: (s) => isFinal(judged(s).verdict) });
  const found = status ? judged(status) : null;
  if (found && isFinal(found.verdict)) return { verdict: found.verdict, reason: found.reason, status, requestId };
  return { verdict: 'unknown', reason: problem, status, requestId };
}

/** The one wording for "the workflow accepted / refused your signal"; true when accepted. */
export function reportVerdict(what: string, workflowId: string, result: Verdict): boolean {
  if (result.verdict === 'accepted') {
    const now = result.status?.status;
    process.stdout.write(`${what} accepted (request ${result.requestId})${now && now !== 'awaiting_approval' ? `; ${workflowId} is ${now}` : ''}.\n`);
    return true;
  }
  if (result.verdict === 'refused') {
    process.stdout.write(`${what} REFUSED (request ${result.requestId}): ${result.reason ?? 'no reason given'}\n`);
    return false;
  }
  process.stderr.write(`flagops: sent ${what} (request ${result.requestId}) but got no verdict${result.reason ? `: ${result.reason}` : ''}\n`);
  return false;
}
