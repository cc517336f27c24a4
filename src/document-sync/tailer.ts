/** Starting the singleton audit-log tailer (the worker does it when the document sync is on). */
import type { Client } from '@temporalio/client';
import { workflowIds } from '../ids.js';
import type { auditLogTailer } from '../../workflows/audit-log-tailer.js';
import type { AuditLogTailerInput } from '../../workflows/audit-log/messages.js';

/**
 * Start the tailer unless it already runs (every worker calls this; only one tailer may exist per
 * id prefix). @returns its workflow id.
 */
export async function ensureAuditLogTailer(
  target: { client: Client; taskQueue: string; idPrefix: string },
  input: AuditLogTailerInput = {},
): Promise<string> {
  const workflowId = workflowIds.auditLogTailer(target.idPrefix);
  await target.client.workflow.start<typeof auditLogTailer>('auditLogTailer', {
    workflowId,
    taskQueue: target.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return workflowId;
}
