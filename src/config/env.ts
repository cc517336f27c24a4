/**
 * Secrets and connections come only from the environment (SPEC §2). Each command asks, at start,
 * for just the variables it needs; a missing one is a ConfigError naming it and who needs it.
 */
import { ConfigError } from './errors.js';
import { checkDuration, durationLimits, type DurationLimit } from './duration.js';

export interface TemporalSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: {
    clientCertPath?: string;
    clientKeyPath?: string;
    serverCaCertPath?: string;
    serverName?: string;
  };
}

/** `Token x` and `Api-Key x` pass through; a bare value is a user token (`Token`). */
export function normaliseAdminToken(raw: string): string {
  const trimmed = raw.trim();
  if (/^(Token|Api-Key|Bearer) \S+$/.test(trimmed)) return trimmed;
  if (/\s/.test(trimmed)) throw new ConfigError('FLAGSMITH_ADMIN_TOKEN: expected "Token <key>", "Api-Key <key>" or a bare key');
  return `Token ${trimmed}`;
}

/** `Production` → `PRODUCTION`, `eu-west staging` → `EU_WEST_STAGING`. */
export function serverKeyVariable(environmentName: string): string {
  return `FLAGSMITH_SERVER_KEY_${environmentName.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

export function optionalVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** @throws ConfigError `NAME is not set (needed by <neededBy>)`. */
export function requireVar(env: NodeJS.ProcessEnv, name: string, neededBy: string): string {
  const value = optionalVar(env, name);
  if (value === undefined) throw new ConfigError(`${name} is not set (needed by ${neededBy})`);
  return value;
}

/**
 * An optional URL variable of one of `protocols`. The message never repeats the value: URLs here
 * are secrets (a webhook's path, a database password).
 * @throws ConfigError naming the variable and what it should look like.
 */
function optionalUrlOf(env: NodeJS.ProcessEnv, name: string, protocols: readonly string[], kind: string, example = ''): string | undefined {
  const value = optionalVar(env, name);
  if (value === undefined) return undefined;
  const like = example ? ` (${example})` : '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name}: not a URL (expected ${kind}${example ? `: ${example}` : ''})`);
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(`${name}: expected ${kind}, not ${url.protocol}${like}`);
  return value;
}

/** An optional http(s) URL variable (a webhook URL is a secret: never repeated). */
export function optionalUrlVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return optionalUrlOf(env, name, ['http:', 'https:'], 'an http(s) URL');
}

/** An optional PostgreSQL connection string (it carries a password: never repeated). */
export function optionalDatabaseUrlVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return optionalUrlOf(env, name, ['postgres:', 'postgresql:'], 'a postgres:// URL', 'postgres://user:password@host:5432/database');
}

export function adminToken(env: NodeJS.ProcessEnv, neededBy: string): string {
  return normaliseAdminToken(requireVar(env, 'FLAGSMITH_ADMIN_TOKEN', neededBy));
}

function booleanVar(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = optionalVar(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(`${name}: expected true or false, got ${JSON.stringify(env[name])}`);
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const address = optionalVar(env, 'TEMPORAL_ADDRESS') ?? 'localhost:7233';
  // host:port, with an IPv6 host in brackets; anything else is a typo the transport would only
  // report as an opaque connection error.
  const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?):(\d{1,5})$/.exec(address);
  if (!hostPort || Number(hostPort[3]) < 1 || Number(hostPort[3]) > 65535) {
    throw new ConfigError(`TEMPORAL_ADDRESS: expected host:port (e.g. localhost:7233 or temporal.example.com:7233), got ${JSON.stringify(address.slice(0, 100))}`);
  }
  const namespace = optionalVar(env, 'TEMPORAL_NAMESPACE') ?? 'default';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,999}$/.test(namespace)) {
    throw new ConfigError(`TEMPORAL_NAMESPACE: not a namespace name (letters, digits, ., _ and -), got ${JSON.stringify(namespace.slice(0, 100))}`);
  }
  const settings: TemporalSettings = { address, namespace };
  const apiKey = optionalVar(env, 'TEMPORAL_API_KEY');
  if (apiKey) settings.apiKey = apiKey;
  const tlsFlag = booleanVar(env, 'TEMPORAL_TLS');
  const tls = {
    clientCertPath: optionalVar(env, 'TEMPORAL_TLS_CLIENT_CERT_PATH'),
    clientKeyPath: optionalVar(env, 'TEMPORAL_TLS_CLIENT_KEY_PATH'),
    serverCaCertPath: optionalVar(env, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
    serverName: optionalVar(env, 'TEMPORAL_TLS_SERVER_NAME'),
  };
  if (Boolean(tls.clientCertPath) !== Boolean(tls.clientKeyPath)) {
    throw new ConfigError('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together');
  }
  const anyTls = Object.values(tls).some(Boolean);
  if (tlsFlag === true || (tlsFlag !== false && (anyTls || apiKey))) {
    settings.tls = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
  }
  return settings;
}

export interface RuntimeSettings {
  taskQueue: string;
  idPrefix: string;
  metricsPort: number;
  logLevel: string;
  /** Workflows the worker keeps in memory between their tasks (`FLAGOPS_MAX_CACHED_WORKFLOWS`). */
  maxCachedWorkflows: number;
}

/** Default of `FLAGOPS_MAX_CACHED_WORKFLOWS`; see README, "The worker's memory". */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 400;

export function runtimeSettings(env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  const portText = optionalVar(env, 'METRICS_PORT') ?? '9464';
  const metricsPort = Number(portText);
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) {
    throw new ConfigError(`METRICS_PORT: expected a port number (0 turns metrics off), got ${JSON.stringify(portText)}`);
  }
  const logLevel = optionalVar(env, 'LOG_LEVEL') ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL: expected trace, debug, info, warn, error, fatal or silent, got ${JSON.stringify(logLevel)}`);
  }
  const cacheText = optionalVar(env, 'FLAGOPS_MAX_CACHED_WORKFLOWS') ?? String(DEFAULT_MAX_CACHED_WORKFLOWS);
  const maxCachedWorkflows = Number(cacheText);
  if (!/^\d+$/.test(cacheText) || maxCachedWorkflows < 2 || maxCachedWorkflows > 100_000) {
    throw new ConfigError(`FLAGOPS_MAX_CACHED_WORKFLOWS: expected a whole number from 2 to 100000, got ${JSON.stringify(cacheText)}`);
  }
  return {
    taskQueue: optionalVar(env, 'FLAGOPS_TASK_QUEUE') ?? 'flagops',
    idPrefix: env.FLAGOPS_ID_PREFIX ?? '',
    metricsPort,
    logLevel,
    maxCachedWorkflows,
  };
}

/**
 * The worker's Worker Deployment (Temporal Worker Versioning): on when `FLAGOPS_BUILD_ID` is set,
 * in deployment `FLAGOPS_DEPLOYMENT_NAME` (default `flagops`); null for an unversioned worker.
 */
export function deploymentSettings(env: NodeJS.ProcessEnv = process.env): { deploymentName: string; buildId: string } | null {
  const buildId = optionalVar(env, 'FLAGOPS_BUILD_ID');
  const deploymentName = optionalVar(env, 'FLAGOPS_DEPLOYMENT_NAME') ?? 'flagops';
  if (buildId === undefined) {
    if (optionalVar(env, 'FLAGOPS_DEPLOYMENT_NAME') !== undefined) {
      throw new ConfigError('FLAGOPS_DEPLOYMENT_NAME is set without FLAGOPS_BUILD_ID: set both to run a versioned worker, or neither');
    }
    return null;
  }
  // Temporal joins them as `<deployment>.<build>`; keep both to printable names.
  for (const [name, value] of [
    ['FLAGOPS_BUILD_ID', buildId],
    ['FLAGOPS_DEPLOYMENT_NAME', deploymentName],
  ] as const) {
    if (!/^[A-Za-z0-9_\-+]{1,200}$/.test(value)) throw new ConfigError(`${name}: letters, digits, -, _ and + only (at most 200), got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return { deploymentName, buildId };
}

/** Parse a duration given on the command line or in a variable, naming the option on failure. */
export function durationOption(name: string, text: string, limit: DurationLimit = durationLimits.cliWait): number {
  const checked = checkDuration(text, limit);
  if (!checked.ok) throw new ConfigError(`${name}: ${checked.reason}`);
  return checked.ms;
}
