/**
 * `flagops worker`: polls the task queue with every workflow and activity, serves Prometheus
 * metrics, logs JSON lines, and drains gracefully on SIGTERM/SIGINT.
 */
import { Runtime } from '@temporalio/worker';
import type { Command } from 'commander';
import { adminToken, deploymentSettings, optionalUrlVar, optionalVar, runtimeSettings, temporalSettings } from '../../config/env.js';
import { loadConfig } from '../../config/load.js';
import { migrate } from '../../db/sql.js';
import { ensureAuditLogTailer } from '../../document-sync/tailer.js';
import { createLogger } from '../../log.js';
import { createMetrics, serveMetrics } from '../../metrics.js';
import { connectClient, connectWorker } from '../../temporal/connection.js';
import { temporalLogger } from '../../temporal/logger.js';
import { buildActivityDeps, createFlagopsWorker } from '../../worker.js';
import { action } from '../action.js';

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
FLAGOPS_DATABASE_URL, FLAGSMITH_SERVER_KEY_<ENV>, SLACK_WEBHOOK_URL, GITHUB_TOKEN, GITHUB_API_URL
(GitHub Enterprise: its API root, e.g. https://github.example.com/api/v3).`,
    )
    .action(action(() => runWorker(process.env)));
}

export async function runWorker(env: NodeJS.ProcessEnv): Promise<number> {
  // Check everything this command needs before connecting anywhere.
  const config = loadConfig(env);
  adminToken(env, 'flagops worker');
  for (const name of ['SLACK_WEBHOOK_URL', 'GITHUB_API_URL']) optionalUrlVar(env, name);
  const runtime = runtimeSettings(env);
  const temporal = temporalSettings(env);
  const deployment = deploymentSettings(env);
  const log = createLogger(runtime.logLevel);
  const metrics = createMetrics({ defaultMetrics: true });

  Runtime.install({
    logger: temporalLogger(log.child({ component: 'temporal' })),
    ...(runtime.metricsPort > 0
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${runtime.metricsPort + 1}` } } } }
      : {}),
  });

  const metricsServer = runtime.metricsPort > 0 ? await serveMetrics(metrics, runtime.metricsPort) : undefined;
  const connection = await connectWorker(temporal);
  const client = await connectClient(temporal);
  const built = buildActivityDeps({
    config,
    env,
    log,
    metrics,
    temporal: { client, taskQueue: runtime.taskQueue, idPrefix: runtime.idPrefix },
  });
  const syncOn = Boolean(optionalVar(env, 'FLAGSMITH_DATABASE_URL') && optionalVar(env, 'FLAGOPS_DATABASE_URL'));
  try {
    const worker = await createFlagopsWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: runtime.taskQueue,
      deps: built.deps,
      ...(deployment ? { deployment } : {}),
    });
    let tailer: string | null = null;
    if (syncOn && built.deps.flagopsDb && built.deps.temporal) {
      // The store's schema first: the tailer's first poll writes its cursor there.
      await migrate(built.deps.flagopsDb, 'flagops');
      tailer = await ensureAuditLogTailer(built.deps.temporal);
    }
    log.info(
      {
        event: 'worker.started',
        taskQueue: runtime.taskQueue,
        namespace: temporal.namespace,
        address: temporal.address,
        metricsPort: metricsServer?.port ?? null,
        documentSync: syncOn ? 'on' : 'off (needs FLAGSMITH_DATABASE_URL and FLAGOPS_DATABASE_URL)',
        auditLogTailer: tailer,
        deployment: deployment ? `${deployment.deploymentName} build ${deployment.buildId} (set it current: temporal worker deployment set-current-version)` : 'unversioned',
      },
      'worker started',
    );
    // Runtime's default shutdown signals (SIGINT, SIGTERM, …) make run() resolve after draining.
    await worker.run();
    log.info({ event: 'worker.stopped' }, 'worker stopped');
  } finally {
    await built.close();
    await client.connection.close();
    await connection.close();
    await metricsServer?.close();
  }
  return 0;
}
