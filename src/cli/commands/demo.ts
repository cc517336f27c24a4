/**
 * `flagops demo`: the whole product on this machine. Starts a Temporal dev server (with its Web
 * UI), a sandbox seeded like seed 002, the application and document-store databases, and a
 * worker; prints what to run in a second terminal; stops everything on Ctrl-C.
 */
import type { Command } from 'commander';
import { startDemoStack } from '../../demo/stack.js';
import { action } from '../action.js';
import { runWorker } from './worker.js';

function instructions(stack: Awaited<ReturnType<typeof startDemoStack>>): string {
  const exports = Object.entries(stack.env)
    .map(([name, value]) => `export ${name}='${value}'`)
    .join('\n');
  return `
flagops demo is running.
  Temporal:     ${stack.temporalAddress}   Web UI: ${stack.uiUrl}
  Sandbox:      ${stack.sandbox.url}   (Flagsmith-compatible; admin token ${stack.sandbox.token})
  Config:       ${stack.configPath}

In a second terminal, in this directory:
${exports}
npx flagops rollback auto_invoke_matcher_on_intake_complete --reason "matcher cards without EHR" --incident INC-1 --as ic@example.com
npx flagops approve rollback-auto_invoke_matcher_on_intake_complete --as sd@example.com --yes
npx flagops sync Production

Press Ctrl-C to stop everything.
`;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the whole stack locally (dev server, sandbox, databases, worker) and print what to try')
    .option('--sandbox-port <port>', 'port of the sandbox (default: a free one)')
    .option('--ui-port <port>', 'port of the Temporal Web UI (default: a free one)')
    .addHelpText('after', '\nNeeds the Temporal CLI (TEMPORAL_CLI, PATH or built by scripts/temporal-cli.sh) and PostgreSQL (TEST_DATABASE_URL or scripts/postgres.sh).')
    .action(
      action(async (options: { sandboxPort?: string; uiPort?: string }) => {
        const stack = await startDemoStack({
          ...(options.sandboxPort ? { sandboxPort: Number(options.sandboxPort) } : {}),
          ...(options.uiPort ? { uiPort: Number(options.uiPort) } : {}),
        });
        try {
          process.stdout.write(instructions(stack));
          return await runWorker({ ...process.env, ...stack.env, METRICS_PORT: process.env.METRICS_PORT ?? '0' });
        } finally {
          await stack.stop();
        }
      }),
    );
}
