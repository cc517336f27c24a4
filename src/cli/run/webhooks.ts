/**
 * `flagops webhooks [--port P]`: receive Flagsmith's signed webhooks and wake the environment-
 * document sync of the environments they concern. Runs until SIGINT/SIGTERM.
 *
 * Its definition (options, help) is `../commands/webhooks.ts`; this body is loaded only when it runs.
 */
import { once } from 'node:events';
import { requireVar, runtimeSettings, temporalSettings } from '../../config/env.js';
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
  const secret = requireVar(env, 'FLAGSMITH_WEBHOOK_SECRET', 'flagops webhooks');
  const databaseUrl = requireVar(env, 'FLAGSMITH_DATABASE_URL', 'flagops webhooks');
  const runtime = runtimeSettings(env);
  const log = createLogger(runtime.logLevel);
  const client = await connectClient(temporalSettings(env));
  const flagsmithDb = new Database(databaseUrl, "Flagsmith's database (FLAGSMITH_DATABASE_URL)");
  try {
    const receiver = await startWebhookReceiver({
      secret,
      flagsmithDb,
      config,
      log,
      port,
      target: { client, taskQueue: runtime.taskQueue, idPrefix: runtime.idPrefix },
    });
    log.info({ event: 'webhooks.started', port: receiver.port }, `listening for Flagsmith webhooks on port ${receiver.port}`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    await receiver.close();
    log.info({ event: 'webhooks.stopped' }, 'webhook receiver stopped');
  } finally {
    await flagsmithDb.close();
    await client.connection.close();
  }
  return 0;
}
