/**
 * The HTTP receiver behind `flagops webhooks`: checks Flagsmith's signature over the raw body,
 * then wakes the sync workflows of the environments the event concerns. Slack's interactions
 * (`/slack/…`) are answered by `../slack/interactions.ts`, alert webhooks (`/alerts/…`) by
 * `../alerts/route.ts`. Each route needs only its own secret.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALERT_ROUTE_PREFIX, handleAlertRequest } from '../alerts/route.js';
import type { FlagopsConfig } from '../config/schema.js';
import type { Database } from '../db/sql.js';
import { type SyncTarget, syncInputFromConfig, wakeEnvironmentSync } from '../document-sync/wake.js';
import type { Logger } from '../log.js';
import { handleSlackInteraction, type SlackInteractionsOptions } from '../slack/interactions.js';
import { readCappedBody, replyJson } from './body.js';
import { signatureHeader, verifySignature } from './signature.js';
import { resolveEnvironmentIds, webhookTargets } from './targets.js';

/** Flagsmith's bodies are small; anything far larger is not one of them. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * What the receiver needs; `port` defaults to 0 (a free one), `host` to all interfaces. Without
 * `secret` and `flagsmithDb` Flagsmith's route answers 404; without `alertToken` the alert routes do.
 */
export interface WebhookReceiverOptions {
  /** Flagsmith's webhooks, when both are given (`FLAGSMITH_WEBHOOK_SECRET`, `FLAGSMITH_DATABASE_URL`). */
  secret?: string;
  flagsmithDb?: Database;
  /** Slack's interactions on `/slack/interactions`, when given (`SLACK_SIGNING_SECRET`). */
  slack?: SlackInteractionsOptions;
  /** `FLAGOPS_ALERT_TOKEN`: the bearer token of the alert routes. */
  alertToken?: string;
  target: SyncTarget;
  config: FlagopsConfig;
  log: Logger;
  port?: number;
  host?: string;
}

/** A listening receiver: the port it got, and `close` (drops open connections). */
export interface WebhookReceiver {
  port: number;
  close(): Promise<void>;
}

async function handle(options: WebhookReceiverOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/healthz') return replyJson(res, 200, { ok: true });
  if (req.url?.startsWith('/slack/')) return options.slack ? handleSlackInteraction(options.slack, req, res) : replyJson(res, 404, { detail: 'Slack interactions are off (set SLACK_SIGNING_SECRET)' });
  if (req.url?.startsWith(ALERT_ROUTE_PREFIX)) return handleAlertRequest({ token: options.alertToken, target: options.target, config: options.config, log: options.log }, req, res);
  if (req.method !== 'POST') return replyJson(res, 405, { detail: 'POST a Flagsmith webhook here' });
  const { secret, flagsmithDb } = options;
  if (!secret || !flagsmithDb) return replyJson(res, 404, { detail: 'Flagsmith webhooks are not configured: set FLAGSMITH_WEBHOOK_SECRET and FLAGSMITH_DATABASE_URL' });
  const raw = await readCappedBody(req, MAX_BODY_BYTES);
  if (raw === null) return replyJson(res, 413, { detail: 'body too large' });
  const presented = req.headers[signatureHeader];
  if (!verifySignature(secret, raw, Array.isArray(presented) ? presented[0] : presented)) {
    options.log.warn({ event: 'webhook.rejected', reason: presented ? 'bad signature' : 'unsigned' }, 'webhook rejected');
    return replyJson(res, 401, { detail: 'missing or invalid X-Flagsmith-Signature' });
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return replyJson(res, 400, { detail: 'body is not JSON' });
  }
  const environmentIds = await resolveEnvironmentIds(flagsmithDb, webhookTargets(body));
  const woken: string[] = [];
  for (const id of environmentIds) {
    woken.push(await wakeEnvironmentSync(options.target, syncInputFromConfig(options.config, id), { source: 'webhook' }));
  }
  const eventType = (body as { event_type?: unknown } | null)?.event_type;
  options.log.info({ event: 'webhook.accepted', eventType: typeof eventType === 'string' ? eventType : null, environments: environmentIds }, 'webhook accepted');
  return replyJson(res, 202, { woken });
}

/** Listen for webhooks (port 0 picks a free one). */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      options.log.error({ event: 'webhook.error', err: error }, 'webhook handling failed');
      if (!res.headersSent) replyJson(res, 500, { detail: 'could not process the webhook' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
