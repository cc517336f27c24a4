/**
 * `flagops reject <workflowId>`: reject a rollback's plan (an approver), or withdraw it (its
 * requester), and report the workflow's verdict on that very request.
 */
import type { Command } from 'commander';
import { rejectUpdate } from '../../../workflows/rollback/messages.js';
import { ExitCode, action } from '../action.js';
import { cliIdentity, pinCurrentRun, withTemporal } from '../temporal.js';
import { newRequestId, reportVerdict, sendVerdict } from '../verdict.js';

interface RejectOptions {
  as: string;
  reason: string;
}

/** Register `flagops reject`. */
export function registerRejectCommand(program: Command): void {
  program
    .command('reject')
    .description('Reject a rollback (an approver), or withdraw your own request')
    .argument('<workflowId>', 'the rollback workflow id (or the flag name)')
    .requiredOption('--as <user>', 'who rejects (an approver, or the requester to withdraw)')
    .requiredOption('--reason <text>', 'why (recorded in the history and the result)')
    .addHelpText(
      'after',
      `
Exit codes: 0 accepted (the rollback ends as rejected); 1 refused (the reason is printed) or no
verdict; 2 a usage error. Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, FLAGOPS_ID_PREFIX.`,
    )
    .action(action((id: string, options: RejectOptions) => reject(id, options, process.env)));
}

async function reject(given: string, options: RejectOptions, env: NodeJS.ProcessEnv): Promise<number> {
  return withTemporal(env, cliIdentity(options.as), async ({ client, runtime }) => {
    const { workflowId, handle } = await pinCurrentRun(client, runtime.idPrefix, given);
    const result = await sendVerdict(client, handle, rejectUpdate, { by: options.as, reason: options.reason, requestId: newRequestId() });
    return reportVerdict('reject', workflowId, result) ? ExitCode.Ok : ExitCode.Unsuccessful;
  });
}
