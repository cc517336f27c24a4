/**
 * Flagsmith's webhook signature: `X-Flagsmith-Signature` is the hex HMAC-SHA256 of the exact
 * request body, keyed with the webhook's secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature, as Node lower-cases it. */
export const signatureHeader = 'x-flagsmith-signature';

/** The signature Flagsmith would send for `body`. */
export function signBody(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Whether `presented` is the signature of `body`. Constant-time over the digest, so the time taken
 * does not reveal how many leading characters of a forged signature were right.
 */
export function verifySignature(secret: string, body: Buffer, presented: string | undefined): boolean {
  if (!presented || !/^[0-9a-fA-F]{64}$/.test(presented.trim())) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(presented.trim(), 'hex'));
}
