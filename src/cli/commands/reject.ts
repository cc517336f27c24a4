/**
 * `flagops reject <workflowId>`: reject a rollback's plan (an approver), or withdraw it (its
 * requester), and report the workflow's verdict on that very request.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';
import type { RejectOptions } from '../run/reject.js';

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
    .action(lazyAction(() => import('../run/reject.js'), (m, id: string, options: RejectOptions) => m.reject(id, options, process.env)));
}
