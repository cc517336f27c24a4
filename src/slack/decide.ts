/**
 * What a verified button press does: the Slack user is mapped to an approver through
 * `approval.slackUsers` (never through the name the payload shows), and the same Update the CLI
 * sends (`approve` with the plan hash, or `reject`) goes to the rollback, under the client identity
 * `slack:<approver>`. The workflow judges it as it judges any approval.
 */
import { Client } from '@temporalio/client';
import { rejectUpdate, approveUpdate } from '../../workflows/rollback/messages.js';
import { newRequestId, sendVerdict, type VerdictReport } from '../cli/verdict.js';
import { queryStatus, type RollbackWorkflow } from '../cli/watch.js';
import { workflowIds } from '../ids.js';
import type { ButtonPress } from './payload.js';

export interface SlackDecider {
  client: Client;
  /** `FLAGOPS_ID_PREFIX`: only rollbacks of this installation are answered. */
  idPrefix: string;
  /** `approval.slackUsers`: Slack user id → approver identity. */
  slackUsers: Record<string, string>;
}

/** The verdict, and who it was sent as (null when the press was refused before anything was sent). */
export type Decision = VerdictReport & { approver: string | null };

const refused = (reason: string, approver: string | null = null): Decision => ({ verdict: 'refused', reason, status: null, requestId: '', approver });

/** Send the press's verdict; a press that cannot be sent is `refused` with why, and nothing changes. */
export async function decide(options: SlackDecider, press: ButtonPress): Promise<Decision> {
  const approver = Object.hasOwn(options.slackUsers, press.slackUserId) ? options.slackUsers[press.slackUserId] : undefined;
  if (!approver) return refused(`Slack user ${press.slackUserId} is not mapped to an approver (approval.slackUsers in flagops.yaml)`);
  const { workflowId, planHash } = press.target;
  if (!workflowId.startsWith(workflowIds.rollback(options.idPrefix, ''))) return refused(`${workflowId} is not a rollback of this installation`, approver);
  const base = options.client;
  // The same connection; the identity names who sent it in the workflow's history.
  const client = new Client({ connection: base.connection, namespace: base.options.namespace, identity: `slack:${approver}` });
  const handle = client.workflow.getHandle<RollbackWorkflow>(workflowId);
  const requestId = newRequestId();
  const via = `in Slack (user ${press.slackUserId})`;
  if (press.verdict === 'approve') {
    return { ...(await sendVerdict(client, handle, approveUpdate, { by: approver, planHash, requestId, comment: `approved ${via}` })), approver };
  }
  // `reject` carries no plan hash: check that the message's plan is still the one waiting.
  let current: string | null;
  try {
    current = (await queryStatus(client, handle)).plan?.planHash ?? null;
  } catch (error) {
    return { verdict: 'unknown', reason: `could not read the rollback: ${error instanceof Error ? error.message : String(error)}`, status: null, requestId, approver };
  }
  if (current !== planHash) return refused(`this message shows plan ${planHash.slice(0, 12)}…, the rollback now has ${current ? `plan ${current.slice(0, 12)}…` : 'no plan'}: see the newer message`, approver);
  return { ...(await sendVerdict(client, handle, rejectUpdate, { by: approver, reason: `rejected ${via}`, requestId })), approver };
}
