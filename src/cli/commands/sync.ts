/**
 * `flagops sync <environment>`: run a document-sync pass now (through the environment's sync
 * workflow, so it is ordered with every other pass) and print what was written, or why nothing was.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description("Run an environment-document sync pass now and print what was written (or why nothing was)")
    .argument('<environment>', 'environment name, numeric id or api key')
    .option('--timeout <duration>', 'how long to wait for the pass', '2m')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `
Needs a running worker (flagops worker) with the sync on. Environment: FLAGSMITH_DATABASE_URL,
FLAGOPS_DATABASE_URL, FLAGOPS_CONFIG, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, FLAGOPS_TASK_QUEUE,
FLAGOPS_ID_PREFIX. Exit 0 when the store holds the current document, 1 when the pass wrote nothing.`,
    )
    .action(lazyAction(() => import('../run/sync.js'), (m, needle: string, options: { timeout: string; json?: boolean }) => m.runSync(process.env, needle, options)));
}
