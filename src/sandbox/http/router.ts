/** A small path router with Flagsmith's auth kinds attached to each route. */
import type { IncomingMessage } from 'node:http';
import type { Database } from '../../db/sql.js';
import type { AdminCaller } from '../store/callers.js';
import type { EnvironmentRow } from '../store/read.js';

/** Who may call a route: admin token, any SDK key, a server SDK key only, or nobody (public). */
export type AuthKind = 'admin' | 'sdk' | 'server';

export interface SdkCaller {
  environment: EnvironmentRow;
  server: boolean;
}

export interface Ctx {
  req: IncomingMessage;
  url: URL;
  method: string;
  params: Record<string, string>;
  db: Database;
  /** Parsed JSON body (`{}` when empty). */
  body: unknown;
  sdk?: SdkCaller;
  /** Who called an admin route (a user or a master API key). */
  caller?: AdminCaller;
  /** DRF's default PageNumberPagination size (10 under Flagsmith's common settings, 999 under production). */
  pageSize: number;
  /** Base URL used in pagination links. */
  baseUrl: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A non-JSON body, sent as is (give its `Content-Type` in `headers`). */
  text?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Promise<Reply>;

export interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  auth: AuthKind;
  handler: Handler;
}

/**
 * Declare a route. `:name` matches one path segment, `:name(\\d+)` a number. Every path ends in
 * a slash, as Flagsmith's do; the same path without it is redirected (see `slashRedirect`).
 */
export function route(method: string, path: string, auth: AuthKind, handler: Handler): Route {
  const keys: string[] = [];
  const source = path
    .replace(/\/$/, '')
    .split('/')
    .map((segment) => {
      const match = /^:(\w+)(?:\((.+)\))?$/.exec(segment);
      if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(match[1] ?? '');
      return `(${match[2] ?? '[^/]+'})`;
    })
    .join('/');
  return { method, pattern: new RegExp(`^${source}/$`), keys, auth, handler };
}

export type Match = { route: Route; params: Record<string, string> } | { methodNotAllowed: true; auth: AuthKind } | undefined;

/**
 * The route for a method and path; `methodNotAllowed` when only the path matches (DRF answers
 * 405 after authenticating with that route's kind), `undefined` when nothing does.
 */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): Match {
  let pathMatched: Route | undefined;
  for (const candidate of routes) {
    const m = candidate.pattern.exec(pathname);
    if (!m) continue;
    if (candidate.method !== method) {
      pathMatched ??= candidate;
      continue;
    }
    const params: Record<string, string> = {};
    candidate.keys.forEach((key, i) => {
      params[key] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { route: candidate, params };
  }
  return pathMatched ? { methodNotAllowed: true, auth: pathMatched.auth } : undefined;
}

/**
 * Django's APPEND_SLASH (CommonMiddleware): a path that matches no route but would match one with
 * a slash appended, whatever the method, is answered 301 to that path (query kept), before any
 * authentication. `undefined` when no such redirect applies.
 */
export function slashRedirect(routes: readonly Route[], url: URL): Reply | undefined {
  if (url.pathname.endsWith('/')) return undefined;
  const withSlash = `${url.pathname}/`;
  if (!routes.some((candidate) => candidate.pattern.test(withSlash))) return undefined;
  return { status: 301, text: '', headers: { Location: `${withSlash}${url.search}`, 'Content-Type': 'text/html; charset=utf-8' } };
}

/** An integer path or query parameter; `undefined` when absent or not an integer. */
export function intParam(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n <= 2_147_483_647 ? n : undefined;
}
