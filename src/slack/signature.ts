/**
 * Slack's request signature (Slack API docs, "Verifying requests from Slack"): `X-Slack-Signature`
 * is `v0=` + the hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}`, keyed with the
 * app's signing secret. A request whose timestamp is more than five minutes from now is refused,
 * so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers, as Node lower-cases them. */
export const slackSignatureHeader = 'x-slack-signature';
export const slackTimestampHeader = 'x-slack-request-timestamp';

/** How far a request's timestamp may be from the receiver's clock. */
export const MAX_REQUEST_AGE_S = 5 * 60;

/** The signature Slack sends for `body` at `timestamp` (seconds since the epoch). */
export function signSlackRequest(secret: string, timestamp: string | number, body: Buffer | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${String(timestamp)}:`).update(body).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'unsigned' | 'malformed signature' | 'stale timestamp' | 'bad signature' };

/**
 * Whether the request was signed by Slack with `secret`, at most {@link MAX_REQUEST_AGE_S} from
 * `nowMs`. The digests are compared in constant time.
 */
export function checkSlackSignature(secret: string, body: Buffer, timestamp: string | undefined, signature: string | undefined, nowMs: number = Date.now()): SignatureCheck {
  if (!timestamp || !signature) return { ok: false, reason: 'unsigned' };
  if (!/^\d{1,12}$/.test(timestamp.trim())) return { ok: false, reason: 'malformed signature' };
  if (Math.abs(nowMs / 1000 - Number(timestamp.trim())) > MAX_REQUEST_AGE_S) return { ok: false, reason: 'stale timestamp' };
  const presented = /^v0=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!presented?.[1]) return { ok: false, reason: 'malformed signature' };
  const expected = createHmac('sha256', secret).update(`v0:${timestamp.trim()}:`).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(presented[1], 'hex')) ? { ok: true } : { ok: false, reason: 'bad signature' };
}
