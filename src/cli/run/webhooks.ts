/**
 * `flagops webhooks [--port P]`: receive Flagsmith's signed webhooks and wake the environment-
 * document sync of the environments they concern, and alert webhooks (Alertmanager, Grafana)
 * that start rollbacks. Each route needs only its own secret. Runs until SIGINT/SIGTERM.
 *
 * Its definition (options, help) is `../commands/webhooks.ts`; this body is loaded only when it runs.
 */
import { once } from 'node:events';
import { optionalVar, requireVar, runtimeSettings, temporalSettings } from '../../config/env.js';
import { ConfigError } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import { Database } from '../../db/sql.js';
import { createLogger } from '../../log.js';
import { connectClient } from '../../temporal/connection.js';
import { startWebhookReceiver } from '../../webhooks/receiver.js';

/**
 * Serve until SIGINT or SIGTERM. Throws `ConfigError` for a bad `--port` or a missing variable.
 * @returns 0 after a clean stop.
 */
export async function runWebhooks(env: NodeJS.ProcessEnv, options: { port: string }): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port: expected a port number, got ${JSON.stringify(options.port)}`);
  const config = loadConfig(env);
  const secret = optionalVar(env, 'FLAGSMITH_WEBHOOK_SECRET');
  const alertToken = optionalVar(env, 'FLAGOPS_ALERT_TOKEN');
  if (secret === undefined && alertToken === undefined) {
    throw new ConfigError('flagops webhooks: set FLAGSMITH_WEBHOOK_SECRET (Flagsmith webhooks) and/or FLAGOPS_ALERT_TOKEN (alert webhooks)');
  }
  const databaseUrl = secret === undefined ? undefined : requireVar(env, 'FLAGSMITH_DATABASE_URL', 'the Flagsmith webhooks of flagops webhooks');
  const runtime = runtimeSettings(env);
  const log = createLogger(runtime.logLevel);
  if (alertToken !== undefined && !config.alerts?.rules.length) log.warn({ event: 'webhooks.no_alert_rules' }, 'FLAGOPS_ALERT_TOKEN is set but alerts.rules is empty: no alert will start a rollback');
  const client = await connectClient(temporalSettings(env));
  const flagsmithDb = databaseUrl === undefined ? undefined : new Database(databaseUrl, "Flagsmith's database (FLAGSMITH_DATABASE_URL)");
  try {
    const receiver = await startWebhookReceiver({
      ...(secret !== undefined && flagsmithDb ? { secret, flagsmithDb } : {}),
      ...(alertToken !== undefined ? { alertToken } : {}),
      config,
      log,
      port,
      target: { client, taskQueue: runtime.taskQueue, idPrefix: runtime.idPrefix },
    });
    const routes = [...(flagsmithDb ? ['Flagsmith (POST /)'] : []), ...(alertToken !== undefined ? ['alerts (POST /alerts/alertmanager, /alerts/grafana)'] : [])];
    log.info({ event: 'webhooks.started', port: receiver.port, routes }, `listening for webhooks on port ${receiver.port}: ${routes.join('; ')}`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    await receiver.close();
    log.info({ event: 'webhooks.stopped' }, 'webhook receiver stopped');
  } finally {
    await flagsmithDb?.close();
    await client.connection.close();
  }
  return 0;
}
