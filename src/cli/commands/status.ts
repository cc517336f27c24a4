/**
 * `flagops status <workflowId>`: the current state of a rollback (plan, approvals and refusals,
 * per-environment results, what it waits for), or `--json` for the one status shape.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';
import type { StatusOptions } from '../run/status.js';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("Show a rollback's status: plan, approvals, refusals, per-environment results")
    .argument('<workflowId>', 'the rollback workflow id (or the flag name)')
    .option('--json', 'print one JSON document (the shape of `flagops rollback --json`)')
    .addHelpText(
      'after',
      `
Shows the latest run of the id. A running rollback is asked through the \`status\` query (a worker
must be polling); a completed one is read from its result.
Exit codes: 0 shown (whatever the rollback's own status); 1 no status could be read; 2 a usage
error. Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, FLAGOPS_ID_PREFIX.`,
    )
    .action(lazyAction(() => import('../run/status.js'), (m, id: string, options: StatusOptions) => m.status(id, options, process.env)));
}
