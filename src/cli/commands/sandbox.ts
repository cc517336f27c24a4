/**
 * `flagops sandbox`: serve a Flagsmith-compatible API over PostgreSQL (SPEC §5) until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';
import type { SandboxCommandOptions } from '../run/sandbox.js';

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('Serve a Flagsmith-compatible API whose state lives in PostgreSQL, in Flagsmith\'s table layout')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--seed <file>', 'YAML/JSON seed (see examples/sandbox-seed.yaml)')
    .option('--database-url <url>', 'PostgreSQL for the sandbox state (default: FLAGSMITH_DATABASE_URL)')
    .option('--token <token>', 'admin token (default: FLAGOPS_SANDBOX_TOKEN, else generated and printed)')
    .option('--page-size <n>', 'page size of page-only endpoints (Flagsmith: 10, or 999 in its Docker image)', '10')
    .option('--throttle <perMinute>', 'throttle admin requests to this rate per minute (default: off)')
    .addHelpText('after', '\nEnvironment: FLAGSMITH_DATABASE_URL, FLAGOPS_SANDBOX_TOKEN.')
    .action(lazyAction(() => import('../run/sandbox.js'), (m, options: SandboxCommandOptions) => m.runSandboxCommand(options, process.env)));
}
