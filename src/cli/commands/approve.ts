/**
 * `flagops approve <workflowId>`: show the plan of the current run, confirm, send `approve` with a
 * fresh requestId and the plan hash that was shown, and report the workflow's verdict (SPEC §6).
 */
import { Option, type Command } from 'commander';
import { lazyAction } from '../action.js';
import type { ApproveOptions } from '../run/approve.js';

export function registerApproveCommand(program: Command): void {
  program
    .command('approve')
    .description('Approve the plan of a rollback (as a configured approver) and report whether the workflow accepted it')
    .argument('<workflowId>', 'the rollback workflow id (or the flag name)')
    .requiredOption('--as <user>', 'who approves (must be in approval.approvers of the worker’s config)')
    .option('--comment <text>', 'recorded with the approval')
    .addOption(new Option('--plan-hash <hash>', 'approve only this plan (as printed by `flagops rollback`)').conflicts('yes'))
    .addOption(new Option('--yes', 'approve the plan shown without asking (needed without a terminal)').conflicts('planHash'))
    .option('--wait-for-plan <duration>', 'how long to wait for the plan to exist', '2m')
    .addHelpText(
      'after',
      `
The approval is pinned to the run and plan hash shown: if the plan changed meanwhile, the workflow
refuses it and you approve the new plan. Exit codes: 0 accepted; 1 refused (the reason is printed),
not confirmed, or nothing to approve; 2 a usage error (e.g. no terminal and neither --yes nor
--plan-hash). Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, FLAGOPS_ID_PREFIX.`,
    )
    .action(lazyAction(() => import('../run/approve.js'), (m, id: string, options: ApproveOptions) => m.approve(id, options, process.env)));
}
