/**
 * `flagops resolve <workflowId> --action retry|revert|accept`: an approver's decision for a
 * rollback that needs attention (one environment failed, or verification missed its deadline).
 *
 * Its definition (options, help) is `../commands/resolve.ts`; this body is loaded only when it runs.
 */
import { type ResolveAction, resolveUpdate } from '../../../workflows/rollback/messages.js';
import { ExitCode } from '../action.js';
import { renderAttention } from '../render.js';
import { cliIdentity, pinCurrentRun, withTemporal } from '../temporal.js';
import { newRequestId, reportVerdict, sendVerdict } from '../verdict.js';
import { queryStatus } from '../watch.js';

export interface ResolveOptions {
  as: string;
  action: ResolveAction;
}

export async function resolve(given: string, options: ResolveOptions, env: NodeJS.ProcessEnv): Promise<number> {
  return withTemporal(env, cliIdentity(options.as), async ({ client, runtime }) => {
    const { workflowId, handle } = await pinCurrentRun(client, runtime.idPrefix, given);
    const before = await queryStatus(client, handle).catch(() => null);
    if (before && before.status !== 'needs_attention') {
      // Still sent: the workflow records it (and refuses it), which is the audit trail an operator expects.
      process.stdout.write(`note: ${workflowId} is ${before.status}, not waiting for a decision\n`);
    } else if (before) {
      process.stdout.write(`${renderAttention(before)}\n`);
    }
    const result = await sendVerdict(client, handle, resolveUpdate, { by: options.as, action: options.action, requestId: newRequestId() });
    return reportVerdict(`resolve ${options.action}`, workflowId, result) ? ExitCode.Ok : ExitCode.Unsuccessful;
  });
}
