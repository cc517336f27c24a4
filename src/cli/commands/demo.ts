/**
 * `flagops demo`: the whole product on this machine. Starts a Temporal dev server (with its Web
 * UI), a sandbox seeded like seed 002, the application and document-store databases, and a
 * worker; prints what to run in a second terminal; stops everything on Ctrl-C.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';
import type { DemoOptions } from '../run/demo.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the whole stack locally (dev server, sandbox, databases, worker) and print what to try')
    .option('--sandbox-port <port>', 'port of the sandbox (default: a free one)')
    .option('--ui-port <port>', 'port of the Temporal Web UI (default: a free one)')
    .addHelpText('after', '\nNeeds the Temporal CLI (TEMPORAL_CLI, PATH or built by scripts/temporal-cli.sh) and PostgreSQL (TEST_DATABASE_URL or scripts/postgres.sh).')
    .action(lazyAction(() => import('../run/demo.js'), (m, options: DemoOptions) => m.demo(options)));
}
