/**
 * `flagops worker`: polls the task queue with every workflow and activity, serves Prometheus
 * metrics, logs JSON lines, and drains gracefully on SIGTERM/SIGINT.
 *
 * Its definition (options, help) is `../commands/worker.ts`; this body is loaded only when it runs.
 */
import { Runtime } from '@temporalio/worker';
import { adminToken, deploymentSettings, optionalDatabaseUrlVar, optionalUrlVar, runtimeSettings, temporalSettings } from '../../config/env.js';
import { ConfigError } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import { migrate } from '../../db/sql.js';
import { ensureAuditLogTailer } from '../../document-sync/tailer.js';
import { createLogger } from '../../log.js';
import { createMetrics, serveMetrics } from '../../metrics.js';
import { registerApprovalGauges } from '../../temporal/approval-gauges.js';
import { connectClient } from '../../temporal/connection.js';
import { connectWorker } from '../../temporal/worker-connection.js';
import { temporalLogger } from '../../temporal/logger.js';
import { buildActivityDeps, createFlagopsWorker, workflowCodeSource } from '../../worker.js';
import { checkCohorts, checkDatabases, checkNamespace } from '../../worker-checks.js';
import { watchLaunchers } from '../../launchers.js';

export async function runWorker(env: NodeJS.ProcessEnv): Promise<number> {
  // Check everything this command needs before connecting anywhere.
  const config = loadConfig(env);
  adminToken(env, 'flagops worker');
  for (const name of ['SLACK_WEBHOOK_URL', 'GITHUB_API_URL']) optionalUrlVar(env, name);
  for (const name of ['DATABASE_URL', 'FLAGSMITH_DATABASE_URL', 'FLAGOPS_DATABASE_URL']) optionalDatabaseUrlVar(env, name);
  const runtime = runtimeSettings(env);
  const temporal = temporalSettings(env);
  const deployment = deploymentSettings(env);
  const log = createLogger(runtime.logLevel);
  const metrics = createMetrics({ defaultMetrics: true });

  Runtime.install({
    logger: temporalLogger(log.child({ component: 'temporal' })),
    ...(runtime.metricsPort > 0
      ? {
          // Prometheus conventions for Temporal's own metrics: durations in seconds, `_total` counters, units in names.
          telemetryOptions: {
            metrics: { prometheus: { bindAddress: `0.0.0.0:${runtime.metricsPort + 1}`, useSecondsForDurations: true, countersTotalSuffix: true, unitSuffix: true } },
          },
        }
      : {}),
  });

  // Then prove every dependency answers, before a worker exists (one that could not drain).
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const client = await connectClient(temporal).catch((error: unknown) => {
      throw new ConfigError(`TEMPORAL_ADDRESS: cannot reach Temporal at ${temporal.address}: ${error instanceof Error ? error.message : String(error)}`);
    });
    closers.push(() => client.connection.close());
    await checkNamespace(client, temporal);
    registerApprovalGauges(metrics.registry, client, runtime.idPrefix, log);
    const built = buildActivityDeps({ config, env, log, metrics, temporal: { client, taskQueue: runtime.taskQueue, idPrefix: runtime.idPrefix } });
    closers.push(() => built.close());
    await checkDatabases([
      ['DATABASE_URL', built.deps.appDb],
      ['FLAGSMITH_DATABASE_URL', built.deps.flagsmithDb],
      ['FLAGOPS_DATABASE_URL', built.deps.flagopsDb],
    ]);
    await checkCohorts(config, built.deps.appDb, log);
    const syncOn = Boolean(built.deps.flagsmithDb && built.deps.flagopsDb);
    let tailer: string | null = null;
    if (syncOn && built.deps.flagopsDb && built.deps.temporal) {
      // The store's schema first: the tailer's first poll writes its cursor there.
      await migrate(built.deps.flagopsDb, 'flagops');
      tailer = await ensureAuditLogTailer(built.deps.temporal);
    }
    const connection = await connectWorker(temporal);
    closers.push(() => connection.close());
    const metricsServer = runtime.metricsPort > 0 ? await serveMetrics(metrics, runtime.metricsPort) : undefined;
    if (metricsServer) closers.push(() => metricsServer.close());
    const worker = await createFlagopsWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: runtime.taskQueue,
      deps: built.deps,
      maxCachedWorkflows: runtime.maxCachedWorkflows,
      ...(deployment ? { deployment } : {}),
    });
    log.info(
      {
        event: 'worker.started',
        taskQueue: runtime.taskQueue,
        namespace: temporal.namespace,
        address: temporal.address,
        metricsPort: metricsServer?.port ?? null,
        documentSync: syncOn ? 'on' : 'off (needs FLAGSMITH_DATABASE_URL and FLAGOPS_DATABASE_URL)',
        auditLogTailer: tailer,
        workflowCode: workflowCodeSource(),
        deployment: deployment ? `${deployment.deploymentName} build ${deployment.buildId} (set it current: temporal worker deployment set-current-version)` : 'unversioned',
      },
      'worker started',
    );
    // Runtime's default shutdown signals (SIGINT, SIGTERM, …) make run() resolve after draining;
    // so does the exit of the `sh`/`npm` that launched us, which never pass SIGTERM on.
    const stopWatching = watchLaunchers((launcher) => {
      log.info({ event: 'worker.launcher_exited', launcher }, `${launcher.name} (pid ${launcher.pid}) that started this worker exited: draining`);
      worker.shutdown();
    });
    await worker.run();
    stopWatching();
    log.info({ event: 'worker.stopped' }, 'worker stopped');
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
  return 0;
}
