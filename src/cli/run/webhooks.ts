/**
 * `flagops webhooks [--port P]`: receive Flagsmith's signed webhooks and wake the environment-
 * document sync of the environments they concern, Slack's signed interactions (the Approve /
 * Reject buttons), and alert webhooks (Alertmanager, Grafana) that start rollbacks. Each route
 * needs only its own secret. Runs until SIGINT/SIGTERM.
 *
 * Its definition (options, help) is `../commands/webhooks.ts`; this body is loaded only when it runs.
 */
import { once } from 'node:events';
import { optionalVar, requireVar, runtimeSettings, temporalSettings } from '../../config/env.js';
import { ConfigError } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import { Database } from '../../db/sql.js';
import { HttpClient } from '../../http.js';
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
  // Each route needs only its own secret: Flagsmith's webhooks, Slack's interactions, alerts.
  const secret = optionalVar(env, 'FLAGSMITH_WEBHOOK_SECRET');
  const databaseUrl = secret ? requireVar(env, 'FLAGSMITH_DATABASE_URL', "flagops webhooks' Flagsmith route (FLAGSMITH_WEBHOOK_SECRET is set)") : undefined;
  const signingSecret = optionalVar(env, 'SLACK_SIGNING_SECRET');
  const alertToken = optionalVar(env, 'FLAGOPS_ALERT_TOKEN');
  if (!secret && !signingSecret && !alertToken) {
    throw new ConfigError(
      'flagops webhooks: set FLAGSMITH_WEBHOOK_SECRET (Flagsmith webhooks), SLACK_SIGNING_SECRET (approvals from Slack) and/or FLAGOPS_ALERT_TOKEN (alert webhooks)',
    );
  }
  if (signingSecret && Object.keys(config.approval?.slackUsers ?? {}).length === 0) {
    throw new ConfigError('approval.slackUsers: map at least one Slack user id to an approver (SLACK_SIGNING_SECRET is set, so Slack approvals are on)');
  }
  const runtime = runtimeSettings(env);
  const log = createLogger(runtime.logLevel);
  if (alertToken !== undefined && !config.alerts?.rules.length) log.warn({ event: 'webhooks.no_alert_rules' }, 'FLAGOPS_ALERT_TOKEN is set but alerts.rules is empty: no alert will start a rollback');
  const client = await connectClient(temporalSettings(env));
  const flagsmithDb = databaseUrl ? new Database(databaseUrl, "Flagsmith's database (FLAGSMITH_DATABASE_URL)") : undefined;
  const http = new HttpClient({ name: 'Slack' });
  try {
    const receiver = await startWebhookReceiver({
      ...(secret && flagsmithDb ? { secret, flagsmithDb } : {}),
      ...(signingSecret
        ? { slack: { signingSecret, http, log, client, idPrefix: runtime.idPrefix, slackUsers: config.approval?.slackUsers ?? {} } }
        : {}),
      ...(alertToken !== undefined ? { alertToken } : {}),
      config,
      log,
      port,
      target: { client, taskQueue: runtime.taskQueue, idPrefix: runtime.idPrefix },
    });
    const routes = [
      ...(secret ? ['Flagsmith webhooks (POST /)'] : []),
      ...(signingSecret ? ['Slack interactions (POST /slack/interactions)'] : []),
      ...(alertToken !== undefined ? ['alerts (POST /alerts/alertmanager, /alerts/grafana)'] : []),
    ];
    log.info({ event: 'webhooks.started', port: receiver.port, routes }, `listening for ${routes.join(', ')} on port ${receiver.port}`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    await receiver.close();
    log.info({ event: 'webhooks.stopped' }, 'webhook receiver stopped');
  } finally {
    await flagsmithDb?.close();
    await http.close();
    await client.connection.close();
  }
  return 0;
}
