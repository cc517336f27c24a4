/**
 * Authenticating alert webhooks: `Authorization: Bearer <token>`, what Alertmanager sends with
 * `http_config.authorization: {type: Bearer, credentials: …}` and Grafana's webhook contact point
 * with "Authorization Header - Scheme: Bearer". The token is `FLAGOPS_ALERT_TOKEN` of the
 * receiver's environment.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether the `Authorization` header carries `token`. Both sides are hashed first so the
 * comparison is constant-time whatever the lengths, and reveals nothing about the token.
 */
export function bearerMatches(token: string, header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(value ?? '');
  const presented = match?.[1];
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(token));
}
