/**
 * The alert routes of `flagops webhooks`: `POST /alerts/alertmanager` and `POST /alerts/grafana`.
 * Each request needs `Authorization: Bearer $FLAGOPS_ALERT_TOKEN` (checked before the body is
 * read); a body over {@link MAX_ALERT_BODY_BYTES} is refused with 413, one that is not a
 * notification with 400 naming the field. A notification is answered 202 with what it did per flag.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FlagopsConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { AlertSource } from '../../workflows/rollback/messages.js';
import { readCappedBody, replyJson } from '../webhooks/body.js';
import { bearerMatches } from './auth.js';
import { dispatchAlerts, type AlertTarget } from './dispatch.js';
import { AlertPayloadError, readAlertWebhook } from './payload.js';

/** A notification of a few hundred alerts fits; anything far larger is not one. */
export const MAX_ALERT_BODY_BYTES = 512 * 1024;

/** The path prefix the receiver hands to {@link handleAlertRequest}. */
export const ALERT_ROUTE_PREFIX = '/alerts/';

/** What the alert routes need; without `token` they answer 404 (not configured). */
export interface AlertRouteOptions {
  token: string | undefined;
  target: AlertTarget;
  config: FlagopsConfig;
  log: Logger;
}

const routes: Record<string, AlertSource> = { '/alerts/alertmanager': 'alertmanager', '/alerts/grafana': 'grafana' };

/** Serve one request under {@link ALERT_ROUTE_PREFIX}. */
export async function handleAlertRequest(options: AlertRouteOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const source = routes[(req.url ?? '').split('?')[0] ?? ''];
  if (!source) return replyJson(res, 404, { detail: 'alert routes: POST /alerts/alertmanager or /alerts/grafana' });
  if (!options.token) return replyJson(res, 404, { detail: 'alert webhooks are not configured: set FLAGOPS_ALERT_TOKEN on the receiver' });
  if (req.method !== 'POST') return replyJson(res, 405, { detail: `POST an ${source} webhook here` });
  if (!bearerMatches(options.token, req.headers.authorization)) {
    options.log.warn({ event: 'alert.rejected', source, reason: req.headers.authorization ? 'wrong token' : 'no token' }, 'alert webhook rejected');
    req.resume();
    return replyJson(res, 401, { detail: 'missing or invalid Authorization: Bearer token (FLAGOPS_ALERT_TOKEN)' }, { 'www-authenticate': 'Bearer' });
  }
  const declared = Number(req.headers['content-length']);
  const raw = Number.isFinite(declared) && declared > MAX_ALERT_BODY_BYTES ? null : await readCappedBody(req, MAX_ALERT_BODY_BYTES);
  if (raw === null) {
    options.log.warn({ event: 'alert.rejected', source, reason: 'body too large' }, 'alert webhook rejected');
    res.setHeader('connection', 'close');
    return replyJson(res, 413, { detail: `body over ${MAX_ALERT_BODY_BYTES} bytes` });
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return replyJson(res, 400, { detail: 'body is not JSON' });
  }
  try {
    const notification = readAlertWebhook(source, body);
    const { actions, unmatched } = await dispatchAlerts(options.target, options.config, notification, options.log);
    return replyJson(res, 202, { actions, unmatched });
  } catch (error) {
    if (error instanceof AlertPayloadError) return replyJson(res, 400, { detail: `not an ${source} notification: ${error.message}` });
    throw error;
  }
}
