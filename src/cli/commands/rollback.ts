/**
 * `flagops rollback <flag>`: validate, start the `flagRollback` workflow, then print the plan and
 * live progress until the run ends or needs attention (SPEC §6).
 */
import { Option, type Command } from 'commander';
import { lazyAction } from '../action.js';
import type { RollbackCliOptions } from '../rollback-options.js';

export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description('Roll a flag back in every configured environment, after an approver approves the plan')
    .argument('<flag>', "the flag's exact Flagsmith name")
    .option('--reason <text>', 'why (shown to the approver, in the history and in notifications)')
    .option('--incident <id>', 'incident id (search attribute IncidentId; not set when absent)')
    .option('--as <user>', 'who requests it (default: your OS user name)')
    .option('--env <names...>', 'only these environments (space- or comma-separated); a subset needs --partial-reason')
    .option('--partial-reason <text>', 'why only the --env environments (shown to the approver)')
    .addOption(new Option('--enable', 'turn the flag on instead of off').conflicts('disable'))
    .addOption(new Option('--disable', 'turn the flag off (the default)').conflicts('enable'))
    .option('--value <value>', "set this value (default: keep the current value); typed as the flag's current value")
    .addOption(new Option('--value-type <type>', 'store --value as this type').choices(['unicode', 'int', 'bool']))
    .option('--pr <owner/repo#N>', 'GitHub PR to comment on when done')
    .option('--cache-wait <duration>', 'wait for SDK caches after publishing (default: rollback.cacheWait, 60s)')
    .option('--approval-timeout <duration>', 'expire when nobody approves in time (default: approval.timeout)')
    .option('--verify-timeout <duration>', 'give up verifying after this (default: rollback.verifyTimeout)')
    .option('--flag-on-at <iso>', 'when the flag went on (default: found in its version history); used by the cohort query')
    .option('--keep-scheduled', 'keep scheduled versions instead of deleting them after approval')
    .addOption(
      new Option('--overrides <mode>', 'segment and identity overrides: keep them, disable them (OFF) or remove them (default: the flag\'s config, else keep)').choices([
        'keep',
        'disable',
        'remove',
      ]),
    )
    .option('--no-wait', 'start and print the workflow id, without following it')
    .option('--json', 'print one JSON document (the status shape of `flagops status --json`) at the end')
    .addHelpText(
      'after',
      `
Durations: 30s, 5m, 1h30m, 250ms. Approvers approve with \`flagops approve <workflowId>\`, from the
Temporal UI ("Send a Signal", name approve) or with \`temporal workflow signal --name approve\`.
Exit codes: 0 completed (with --no-wait: started); 1 rejected, expired, cancelled, failed, needs
attention, or a rollback of this flag is already running (its id is printed: approve, reject or
wait for it, then start again); 2 a usage or configuration error naming what to fix.
Environment: FLAGOPS_CONFIG, FLAGSMITH_ADMIN_TOKEN, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
FLAGOPS_TASK_QUEUE, FLAGOPS_ID_PREFIX.`,
    )
    .action(lazyAction(() => import('../run/rollback.js'), (m, flag: string, options: RollbackCliOptions) => m.rollback(flag, options, process.env)));
}
