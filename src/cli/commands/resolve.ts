/**
 * `flagops resolve <workflowId> --action retry|revert|accept`: an approver's decision for a
 * rollback that needs attention (one environment failed, or verification missed its deadline).
 */
import { Option, type Command } from 'commander';
import { type ResolveAction, resolveUpdate } from '../../../workflows/rollback/messages.js';
import { ExitCode, action } from '../action.js';
import { renderAttention } from '../render.js';
import { cliIdentity, pinCurrentRun, withTemporal } from '../temporal.js';
import { newRequestId, reportVerdict, sendVerdict } from '../verdict.js';
import { queryStatus } from '../watch.js';

interface ResolveOptions {
  as: string;
  action: ResolveAction;
}

/** Register `flagops resolve`. */
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
    .action(action((id: string, options: ResolveOptions) => resolve(id, options, process.env)));
}

async function resolve(given: string, options: ResolveOptions, env: NodeJS.ProcessEnv): Promise<number> {
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
