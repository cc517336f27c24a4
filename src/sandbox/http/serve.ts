/** The request pipeline: fault injection, routing, Flagsmith's auth and throttling, JSON answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../../db/sql.js';
import { ApiError } from '../errors.js';
import { authenticateAdmin, authenticateSdk, presentsAdminToken } from './auth.js';
import type { AdminCaller, AdminCallers } from '../store/callers.js';
import type { Faults } from './faults.js';
import { type Ctx, type Reply, type Route, matchRoute, slashRedirect } from './router.js';
import { auditRoutes } from './routes/audit.js';
import { environmentRoutes } from './routes/environments.js';
import { featureStateRoutes } from './routes/featurestates.js';
import { featureRoutes } from './routes/features.js';
import { handleSandboxControl } from './routes/faults.js';
import { identityRoutes } from './routes/identities.js';
import { sdkIdentityRoutes } from './routes/sdk-identities.js';
import { projectRoutes } from './routes/projects.js';
import { sdkRoutes } from './routes/sdk.js';
import { segmentRoutes } from './routes/segments.js';
import { versionRoutes } from './routes/versions.js';
import type { Throttle } from './throttle.js';

/** Every Flagsmith route the sandbox serves, most specific first. */
export const routes: readonly Route[] = [
  ...versionRoutes,
  ...featureStateRoutes,
  ...environmentRoutes,
  ...featureRoutes,
  ...auditRoutes,
  ...projectRoutes,
  ...sdkRoutes,
  // Segments and identities (issue 12 §1: the overrides a rollback would miss).
  ...segmentRoutes,
  ...identityRoutes,
  ...sdkIdentityRoutes,
];

export interface ServeDeps {
  db: Database;
  token: string;
  /** The user and master API key the admin token stands for. */
  callers: AdminCallers;
  faults: Faults;
  throttle: Throttle | undefined;
  pageSize: number;
  baseUrl: () => string;
  onError: (error: unknown) => void;
}

/**
 * A path no URL pattern matches (including an api key where Flagsmith's `<int:…>` converter wants
 * a number) never reaches DRF: Django answers with its default 404 page, HTML, before any auth.
 * This is the API-only image; the unified image's catch-all route serves the dashboard instead.
 */
const djangoNotFound = (): Reply => ({
  status: 404,
  text:
    '\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n' +
    '  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n',
  headers: { 'Content-Type': 'text/html' },
});

const commonHeaders = (): Record<string, string> => ({
  // Flagsmith adds never-cache headers to every response, and its version.
  'Cache-Control': 'max-age=0, no-cache, no-store, must-revalidate, private',
  Expires: new Date().toUTCString(),
  'Flagsmith-Version': 'flagops-sandbox',
});

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(400, { detail: `JSON parse error - ${(error as Error).message}` });
  }
}

const isLoopback = (address: string | undefined): boolean =>
  address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';

async function dispatch(deps: ServeDeps, req: IncomingMessage, url: URL, method: string): Promise<Reply> {
  if (url.pathname.startsWith('/__sandbox')) {
    if (!isLoopback(req.socket.remoteAddress) && !presentsAdminToken(req, deps.token)) {
      throw new ApiError(403, { detail: 'The sandbox controls need the admin token from outside loopback.' });
    }
    return handleSandboxControl(deps.faults, method, url.pathname, await readBody(req));
  }
  const match = matchRoute(routes, method, url.pathname);
  if (!match) return slashRedirect(routes, url) ?? djangoNotFound();
  const auth = 'route' in match ? match.route.auth : match.auth;
  let sdk: Ctx['sdk'];
  let caller: AdminCaller | undefined;
  if (auth === 'admin') {
    const admin = authenticateAdmin(req, deps.token, deps.callers);
    deps.throttle?.check(admin.identity);
    caller = admin.caller;
  } else {
    sdk = await authenticateSdk(deps.db.pool, req, auth === 'server');
  }
  if (!('route' in match)) throw new ApiError(405, { detail: `Method "${method}" not allowed.` });
  const ctx: Ctx = {
    req,
    url,
    method,
    params: match.params,
    db: deps.db,
    body: ['POST', 'PUT', 'PATCH'].includes(method) ? await readBody(req) : {},
    pageSize: deps.pageSize,
    baseUrl: deps.baseUrl(),
    ...(sdk ? { sdk } : {}),
    ...(caller ? { caller } : {}),
  };
  return match.route.handler(ctx);
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...commonHeaders(), ...reply.headers };
  if (reply.text !== undefined) {
    res.writeHead(reply.status, { ...headers, 'Content-Length': String(Buffer.byteLength(reply.text)) }).end(reply.text);
    return;
  }
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Handle one request; never throws. */
export async function serve(deps: ServeDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const entry = { at: new Date().toISOString(), method, path: url.pathname, query: url.search, injected: null, ruleId: null } as const;
  const control = url.pathname.startsWith('/__sandbox');
  const rule = control ? undefined : deps.faults.take(method, url.pathname);
  if (rule?.latencyMs !== undefined) await sleep(rule.latencyMs);
  if (rule?.reset) {
    deps.faults.record({ ...entry, status: 0, injected: 'reset', ruleId: rule.id });
    req.socket.resetAndDestroy();
    return;
  }
  if (rule?.status !== undefined) {
    const headers: Record<string, string> = rule.retryAfter !== undefined ? { 'Retry-After': String(rule.retryAfter) } : {};
    send(res, { status: rule.status, body: rule.body ?? { detail: 'Injected by the flagops sandbox.' }, headers });
    deps.faults.record({ ...entry, status: rule.status, injected: 'status', ruleId: rule.id });
    return;
  }
  let reply: Reply;
  try {
    reply = await dispatch(deps, req, url, method);
  } catch (error) {
    if (error instanceof ApiError) reply = { status: error.status, body: error.body, headers: error.headers };
    else if (req.destroyed || (error instanceof Error && error.message === 'aborted')) {
      // The client hung up while its request was being read (it gave up waiting): nobody to answer.
      if (!control) deps.faults.record({ ...entry, status: 0, injected: rule ? 'latency' : null, ruleId: rule?.id ?? null });
      return;
    } else {
      deps.onError(error);
      reply = { status: 500, body: { detail: 'A server error occurred.' } };
    }
  }
  if (rule?.dropAnswer) {
    // The change is made; the answer never reaches the client.
    deps.faults.record({ ...entry, status: reply.status, injected: 'dropped', ruleId: rule.id });
    req.socket.resetAndDestroy();
    return;
  }
  send(res, reply);
  if (!control) deps.faults.record({ ...entry, status: reply.status, injected: rule ? 'latency' : null, ruleId: rule?.id ?? null });
}
