/**
 * `flagops list`: rollbacks found through Temporal's visibility store by their search attributes
 * (SPEC §3), newest first.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';
import type { ListOptions } from '../run/list.js';

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('List rollbacks, newest first')
    .option('--flag <name>', 'only rollbacks of this flag')
    .option('--incident <id>', 'only rollbacks for this incident')
    .option('--running', 'only running rollbacks')
    .option('--json', 'print one JSON document (an array)')
    .option('--limit <n>', 'at most this many', '50')
    .addHelpText(
      'after',
      `
Queries the visibility store (WorkflowType='flagRollback' and the FlagName / IncidentId search
attributes; run \`flagops setup-temporal\` once per namespace). Visibility lags a second or so behind.
With FLAGOPS_ID_PREFIX set, only that installation's rollbacks are listed.
Exit codes: 0 listed (even none); 1 Temporal refused the query; 2 a usage error.
Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, FLAGOPS_ID_PREFIX.`,
    )
    .action(lazyAction(() => import('../run/list.js'), (m, options: ListOptions) => m.list(options, process.env)));
}
