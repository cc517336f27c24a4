/**
 * `flagops worker`: polls the task queue with every workflow and activity, serves Prometheus
 * metrics, logs JSON lines, and drains gracefully on SIGTERM/SIGINT.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a worker: rollback and document-sync workflows and their activities')
    .addHelpText(
      'after',
      `
Environment: FLAGOPS_CONFIG, FLAGSMITH_ADMIN_TOKEN, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
FLAGOPS_TASK_QUEUE, FLAGOPS_ID_PREFIX, FLAGOPS_BUILD_ID and FLAGOPS_DEPLOYMENT_NAME (Worker
Versioning: rollbacks stay pinned to the build they started on), METRICS_PORT (0 = off; Temporal's own runtime metrics are
served on METRICS_PORT + 1), LOG_LEVEL, and optionally DATABASE_URL, FLAGSMITH_DATABASE_URL,
FLAGOPS_DATABASE_URL, FLAGSMITH_SERVER_KEY_<ENV>, SLACK_WEBHOOK_URL, SLACK_BOT_TOKEN, GITHUB_TOKEN, GITHUB_API_URL
(GitHub Enterprise: its API root, e.g. https://github.example.com/api/v3).`,
    )
    .action(lazyAction(() => import('../run/worker.js'), (m) => m.runWorker(process.env)));
}
