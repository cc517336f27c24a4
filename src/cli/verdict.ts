/**
 * Sending a verdict (`approve`, `reject`, `resolve`) as a Workflow Update: the workflow judges it
 * and answers in the same call — accepted, or refused with the reason — so the CLI never polls for
 * its verdict. The request id doubles as the Update id, so a retried call is not judged twice.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { RollbackStatusName, Verdict } from '../../workflows/rollback/messages.js';
import { shown } from './display.js';
import type { RollbackHandle } from './watch.js';

/** How long to wait for a worker to judge an Update before reporting "no verdict". */
export const VERDICT_TIMEOUT_MS = 60_000;

export interface VerdictReport {
  verdict: 'accepted' | 'refused' | 'unknown';
  reason: string | null;
  /** The rollback's status right after the verdict (null when none came). */
  status: RollbackStatusName | null;
  requestId: string;
}

/** A fresh id for one message, so its sender (and the audit) can name it. */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * Send `payload` as `update` to the pinned run and return the workflow's verdict. A payload the
 * validator rejects is `refused` with its reason; a run that closed or no worker answering within
 * `timeoutMs` is `unknown`, with what happened.
 */
export async function sendVerdict<P extends { requestId?: string }>(
  client: Client,
  handle: RollbackHandle,
  update: UpdateDefinition<Verdict, [P]>,
  payload: P & { requestId: string },
  timeoutMs = VERDICT_TIMEOUT_MS,
): Promise<VerdictReport> {
  const { requestId } = payload;
  try {
    const verdict = await client.connection.withDeadline(Date.now() + timeoutMs, () => handle.executeUpdate(update, { args: [payload], updateId: requestId }));
    return { verdict: verdict.accepted ? 'accepted' : 'refused', reason: verdict.reason, status: verdict.status, requestId };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return { verdict: 'refused', reason: error.cause?.message ?? error.message, status: null, requestId };
    const description = await handle.describe().catch(() => null);
    if (description && description.status.name !== 'RUNNING') {
      return { verdict: 'unknown', reason: `the run has ended (${description.status.name.toLowerCase()})`, status: null, requestId };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { verdict: 'unknown', reason: `no verdict within ${Math.round(timeoutMs / 1000)} s (is a worker polling task queue ${description?.taskQueue ?? '?'}?): ${message}`, status: null, requestId };
  }
}

/** The one wording for "the workflow accepted / refused your message"; true when accepted. */
export function reportVerdict(what: string, workflowId: string, result: VerdictReport): boolean {
  if (result.verdict === 'accepted') {
    const now = result.status;
    process.stdout.write(`${what} accepted (request ${result.requestId})${now && now !== 'awaiting_approval' ? `; ${workflowId} is ${now}` : ''}.\n`);
    return true;
  }
  if (result.verdict === 'refused') {
    process.stdout.write(`${what} REFUSED (request ${result.requestId}): ${shown(result.reason ?? 'no reason given')}\n`);
    return false;
  }
  process.stderr.write(`flagops: sent ${what} (request ${result.requestId}) but got no verdict${result.reason ? `: ${shown(result.reason)}` : ''}\n`);
  return false;
}
