/**
 * `flagops resolve <workflowId> --action retry|revert|accept`: an approver's decision for a
 * rollback that needs attention (one environment failed, or verification missed its deadline).
 */
import { Option, type Command } from 'commander';
import { lazyAction } from '../action.js';
import type { ResolveOptions } from '../run/resolve.js';

export function registerResolveCommand(program: Command): void {
  program
    .command('resolve')
    .description('Decide what a rollback that needs attention does next')
    .argument('<workflowId>', 'the rollback workflow id (or the flag name)')
    .requiredOption('--as <user>', 'who decides (must be a configured approver)')
    .addOption(
      new Option('--action <action>', 'retry: publish/verify again; revert: restore the before-state where it was published; accept: end as is')
        .choices(['retry', 'revert', 'accept'])
        .makeOptionMandatory(),
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 accepted; 1 refused (the reason is printed), not waiting for a decision, or no
verdict; 2 a usage error. Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, FLAGOPS_ID_PREFIX.`,
    )
    .action(lazyAction(() => import('../run/resolve.js'), (m, id: string, options: ResolveOptions) => m.resolve(id, options, process.env)));
}
