/** Flagsmith's authentication answers: admin tokens (401) and SDK environment keys (403). */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../errors.js';
import { environmentForSdkKey } from '../store/read.js';
import type { AdminCaller, AdminCallers } from '../store/callers.js';
import type { Queryable } from '../store/db.js';
import type { SdkCaller } from './router.js';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The admin credential presented, if any: `Token <t>` (a user token) or `Api-Key <t>` (a master API key). */
function presentedAdminToken(req: IncomingMessage): { scheme: 'Token' | 'Api-Key'; value: string } | undefined {
  const header = req.headers.authorization;
  const match = header ? /^(Token|Api-Key)\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  return { scheme: match[1]?.toLowerCase() === 'token' ? 'Token' : 'Api-Key', value: match[2] ?? '' };
}

/**
 * DRF's TokenAuthentication splits the header on whitespace and refuses a `Token` keyword that
 * is not followed by exactly one credential (the Api-Key parser has no such check: a bare
 * `Api-Key` is simply no credential).
 * @throws ApiError 401 with DRF's detail for a malformed `Token` header.
 */
function refuseMalformedTokenHeader(req: IncomingMessage): void {
  const words = (req.headers.authorization ?? '').trim().split(/\s+/);
  if (words[0]?.toLowerCase() !== 'token') return;
  if (words.length === 1) throw new ApiError(401, { detail: 'Invalid token header. No credentials provided.' });
  if (words.length > 2) throw new ApiError(401, { detail: 'Invalid token header. Token string should not contain spaces.' });
}

/** Whether the request presents the admin token (under either keyword), compared in constant time. */
export function presentsAdminToken(req: IncomingMessage, token: string): boolean {
  const presented = presentedAdminToken(req);
  return presented !== undefined && same(presented.value, token);
}

/**
 * Check the admin token. The sandbox has one token, accepted under either keyword: as a `Token` it
 * is the sandbox's admin user, as an `Api-Key` its master API key.
 * @returns the identity throttling is keyed by, and who the caller is.
 * @throws ApiError 401 with DRF's or djangorestframework-api-key's detail string.
 */
export function authenticateAdmin(req: IncomingMessage, token: string, callers: AdminCallers): { identity: string; caller: AdminCaller } {
  refuseMalformedTokenHeader(req);
  const presented = presentedAdminToken(req);
  if (!presented) throw new ApiError(401, { detail: 'Authentication credentials were not provided.' });
  if (!same(presented.value, token)) {
    throw new ApiError(401, { detail: presented.scheme === 'Token' ? 'Invalid token.' : 'Valid Master API Key not found.' });
  }
  const caller: AdminCaller = presented.scheme === 'Token' ? { kind: 'user', userId: callers.userId } : { kind: 'apiKey', keyId: callers.apiKeyId };
  return { identity: `${presented.scheme}:${presented.value}`, caller };
}

/**
 * Check `X-Environment-Key`. Flagsmith answers 403 here (its authenticator declares no
 * `WWW-Authenticate`), with two spellings: lower-case "key" for a missing or wrongly prefixed key,
 * capital "Key" for an unknown one.
 */
export async function authenticateSdk(q: Queryable, req: IncomingMessage, serverOnly: boolean): Promise<SdkCaller> {
  const raw = req.headers['x-environment-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key || (serverOnly && !key.startsWith('ser.'))) throw new ApiError(403, { detail: 'Invalid or missing Environment key' });
  const caller = await environmentForSdkKey(q, key);
  if (!caller) throw new ApiError(403, { detail: 'Invalid or missing Environment Key' });
  return caller;
}
