/**
 * `flagops reject <workflowId>`: reject a rollback's plan (an approver), or withdraw it (its
 * requester), and report the workflow's verdict on that very request.
 *
 * Its definition (options, help) is `../commands/reject.ts`; this body is loaded only when it runs.
 */
import { rejectUpdate } from '../../../workflows/rollback/messages.js';
import { ExitCode } from '../action.js';
import { cliIdentity, pinCurrentRun, withTemporal } from '../temporal.js';
import { newRequestId, reportVerdict, sendVerdict } from '../verdict.js';

export interface RejectOptions {
  as: string;
  reason: string;
}

export async function reject(given: string, options: RejectOptions, env: NodeJS.ProcessEnv): Promise<number> {
  return withTemporal(env, cliIdentity(options.as), async ({ client, runtime }) => {
    const { workflowId, handle } = await pinCurrentRun(client, runtime.idPrefix, given);
    const result = await sendVerdict(client, handle, rejectUpdate, { by: options.as, reason: options.reason, requestId: newRequestId() });
    return reportVerdict('reject', workflowId, result) ? ExitCode.Ok : ExitCode.Unsuccessful;
  });
}
