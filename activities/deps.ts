/**
 * What activities are built from. Only the worker (and tests) construct real clients and pass them
 * in; activities never read the environment or open connections themselves.
 */
import type { Client } from '@temporalio/client';
import type { FlagopsConfig } from '../src/config/schema.js';
import type { Database } from '../src/db/sql.js';
import { HttpClient, redact } from '../src/http.js';
import type { FlagsmithClient } from '../src/flagsmith/client.js';
import type { Logger } from '../src/log.js';
import type { Metrics } from '../src/metrics.js';
import type { DocumentStore } from '../src/store/document-store.js';

/** Secrets and endpoints activities need, read from the environment once by the worker. */
export interface ActivitySecrets {
  /** Server-side SDK keys by environment name (`FLAGSMITH_SERVER_KEY_<ENV>`). */
  serverKeys: Record<string, string>;
  slackWebhookUrl?: string;
  /** Slack bot token (`SLACK_BOT_TOKEN`, `xoxb-…`) for the interactive approval message (`chat.postMessage`). */
  slackBotToken?: string;
  githubToken?: string;
}

export interface ActivityDeps {
  config: FlagopsConfig;
  log: Logger;
  metrics: Metrics;
  secrets: ActivitySecrets;
  /** The application's PostgreSQL (`DATABASE_URL`): cohort queries only. */
  appDb?: Database;
  /** Flagsmith's own PostgreSQL (`FLAGSMITH_DATABASE_URL`): read by the document sync. */
  flagsmithDb?: Database;
  /** flagops' own PostgreSQL (`FLAGOPS_DATABASE_URL`): the document store. */
  flagopsDb?: Database;
  /** Flagsmith's Admin/SDK API (absent when FLAGSMITH_ADMIN_TOKEN is unset). */
  flagsmith?: FlagsmithClient;
  /** Where the document sync writes; defaults to the PostgreSQL store over `flagopsDb`. */
  documentStore?: DocumentStore;
  /** HTTP for notifications and probes (one pool, built by the worker); see {@link outboundHttp}. */
  http?: HttpClient;
  /** Overridable third-party endpoints (tests point them at local servers). */
  endpoints?: { githubApiUrl?: string };
  /** For activities that signal-with-start other workflows (workflow code cannot). */
  temporal?: { client: Client; taskQueue: string; idPrefix: string };
}

let fallbackHttp: HttpClient | undefined;

/**
 * The HTTP client for non-Flagsmith calls (Slack, GitHub, probes): the worker's shared
 * `deps.http`, else one process-wide client for deps built without it (tests, scripts), so
 * activities never each open their own pool.
 */
export function outboundHttp(deps: ActivityDeps): HttpClient {
  return deps.http ?? (fallbackHttp ??= new HttpClient({ name: 'HTTP' }));
}

/**
 * `text` with every secret the worker holds redacted: not only the credential a request carried
 * (the HTTP module redacts that already) but every server key, webhook URL and token, in every form
 * a server may echo it. For what activities put in their results (views, notification details).
 */
export function withoutSecrets(deps: ActivityDeps, text: string): string {
  const { serverKeys, slackWebhookUrl, slackBotToken, githubToken } = deps.secrets;
  const secrets = [
    ...Object.values(serverKeys),
    ...(slackWebhookUrl ? [slackWebhookUrl, new URL(slackWebhookUrl).pathname] : []),
    ...(slackBotToken ? [slackBotToken] : []),
    ...(githubToken ? [githubToken] : []),
  ];
  return redact(text, secrets.filter((s) => s.length >= 4));
}
