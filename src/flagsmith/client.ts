/**
 * The typed Flagsmith Admin/SDK API client: one small method per operation the workflows need,
 * every answer checked with a zod schema.
 *
 * Errors are {@link HttpError}s (convert them with `httpFailure` at the activity boundary): the
 * HTTP ones from `src/http.ts`, and `BadResponse` for an answer that does not match its schema,
 * naming the endpoint and the field path. The admin token never appears in them.
 */
import { type z } from 'zod';
import { FailureType } from '../failures.js';
import { HttpClient, HttpError, type HttpMethod } from '../http.js';
import {
  environmentDocumentSchema,
  environmentFeatureStateSchema,
  environmentSchema,
  featureSchema,
  identityOverrideSchema,
  sdkIdentitySchema,
  segmentSchema,
  legacyPatchResponseSchema,
  pageSchema,
  publishResponseSchema,
  sdkFlagSchema,
  versionDetailSchema,
  versionFeatureStateSchema,
  versionSchema,
  type Environment,
  type EnvironmentDocument,
  type EnvironmentFeatureState,
  type Feature,
  type IdentityOverride,
  type SdkIdentity,
  type Segment,
  type LegacyPatchResponse,
  type PublishResponse,
  type SdkFlag,
  type Version,
  type VersionDetail,
  type VersionFeatureState,
} from './schemas.js';
import type { RequestPacer } from './pacer.js';
import { classifyVersions, normaliseCreateVersionBody, type CreateVersionBody } from './versions.js';
import { type FlatValue } from './values.js';

/** Where Flagsmith is and how to authenticate; see {@link FlagsmithClient}. */
export interface FlagsmithClientOptions {
  /** Admin API base, e.g. `https://api.flagsmith.com` (a path prefix is kept). */
  apiUrl: string;
  /** Where SDKs read flags (SaaS: the Edge API). Default `apiUrl`. */
  sdkUrl?: string;
  /** Already normalised: `Token <key>` or `Api-Key <key>` (see `normaliseAdminToken`). */
  adminToken: string;
  /** Per-request timeout in ms. Default 10 000. */
  timeoutMs?: number;
  /** A shared HTTP client; the Flagsmith client then does not close it. */
  http?: HttpClient;
  /** Paces the Admin API requests (not the SDK's) to a budget; none by default (self-hosted). */
  pacer?: RequestPacer;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the request (Temporal's activity cancellation signal). */
  signal?: AbortSignal;
}

/** Stops a `next` chain that never ends (a misbehaving proxy rewriting links). */
const MAX_PAGES = 1000;

/**
 * One Flagsmith installation's Admin and SDK APIs. The worker builds one and hands it to the
 * activities; `close()` it at shutdown. Every method throws {@link HttpError} (see the module
 * comment) and honours `options.signal`.
 */
export class FlagsmithClient {
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;
  private readonly apiBase: URL;
  private readonly sdkBase: URL;
  // An ES private field: not enumerable, not shown by util.inspect, so logging the client cannot leak it.
  readonly #adminToken: string;
  private readonly timeoutMs: number | undefined;
  private readonly pacer: RequestPacer | undefined;

  constructor(options: FlagsmithClientOptions) {
    this.pacer = options.pacer;
    this.apiBase = baseUrl(options.apiUrl);
    this.sdkBase = baseUrl(options.sdkUrl ?? options.apiUrl);
    this.#adminToken = options.adminToken;
    this.timeoutMs = options.timeoutMs;
    this.ownsHttp = options.http === undefined;
    this.http = options.http ?? new HttpClient({ name: 'Flagsmith', timeoutMs: options.timeoutMs });
  }

  /** Close the connection pool (unless it was passed in). */
  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }

  /**
   * `GET /api/v1/environments/{api_key}/` — the lookup is by api key; a numeric id is a 404.
   * @throws HttpError `NotFound` for an unknown key.
   */
  async getEnvironment(apiKey: string, options: CallOptions = {}): Promise<Environment> {
    return this.admin('GET', `api/v1/environments/${seg(apiKey)}/`, 'environments/{api_key}/', environmentSchema, options);
  }

  /**
   * The feature of a project with exactly this name, or `null`. Flagsmith's `search=` is a
   * case-insensitive substring filter, so the exact match is made here, over every page.
   */
  async findFeatureByName(projectId: number, name: string, options: CallOptions = {}): Promise<Feature | null> {
    const features = await this.allPages(
      `api/v1/projects/${projectId}/features/`,
      { search: name },
      'projects/{id}/features/',
      featureSchema,
      options,
    );
    return features.find((f) => f.name === name) ?? null;
  }

  /**
   * The environment-default feature state (no identity, no segment) of a feature, value flat,
   * with `environment_feature_version` = the live version's uuid on a v2 environment; `null` when
   * the environment has none. `feature_name` is matched case-insensitively by Flagsmith; pass
   * `featureId` to pin the feature.
   */
  async getEnvironmentDefaultFeatureState(
    envApiKey: string,
    featureName: string,
    options: CallOptions & { featureId?: number } = {},
  ): Promise<EnvironmentFeatureState | null> {
    const states = await this.allPages(
      `api/v1/environments/${seg(envApiKey)}/featurestates/`,
      { feature_name: featureName },
      'environments/{api_key}/featurestates/',
      environmentFeatureStateSchema,
      options,
    ).catch((error: unknown) => {
      throw unknownEnvironmentKey(error, envApiKey);
    });
    return (
      states.find(
        (s) => s.identity === null && s.feature_segment === null && (options.featureId === undefined || s.feature === options.featureId),
      ) ?? null
    );
  }

  /**
   * `GET /api/v1/environments/{env_id}/features/{feature_id}/versions/` — every page. The
   * environment is its numeric id here (an api key is a 404).
   */
  async listVersions(envId: number, featureId: number, options: CallOptions & { isLive?: boolean } = {}): Promise<Version[]> {
    return this.allPages(
      versionsPath(envId, featureId),
      { is_live: options.isLive },
      'environments/{env_id}/features/{feature_id}/versions/',
      versionSchema,
      options,
    );
  }

  /** {@link listVersions}, split into the current live version and the scheduled ones at `now`. */
  async currentAndScheduledVersions(
    envId: number,
    featureId: number,
    options: CallOptions & { now?: Date } = {},
  ): Promise<{ current: Version | null; scheduled: Version[] }> {
    return classifyVersions(await this.listVersions(envId, featureId, options), options.now ?? new Date());
  }

  /**
   * `POST …/versions/` — create a version; missing lists are sent empty, `publish_immediately`
   * false. Flagsmith clones the previous live version's feature states (new ids), then applies
   * the body.
   * @throws HttpError `Validation` with Flagsmith's message (e.g. a v1 environment, a bad value type).
   */
  async createVersion(envId: number, featureId: number, body: CreateVersionBody, options: CallOptions = {}): Promise<Version> {
    return this.admin('POST', versionsPath(envId, featureId), 'environments/{env_id}/features/{feature_id}/versions/', versionSchema, {
      ...options,
      json: normaliseCreateVersionBody(body),
    });
  }

  /** `POST …/versions/{uuid}/publish/`, now or at `liveFrom` (ISO date-time). */
  async publishVersion(
    envId: number,
    featureId: number,
    uuid: string,
    options: CallOptions & { liveFrom?: string } = {},
  ): Promise<PublishResponse> {
    return this.admin(
      'POST',
      `${versionsPath(envId, featureId)}${seg(uuid)}/publish/`,
      'environments/{env_id}/features/{feature_id}/versions/{uuid}/publish/',
      publishResponseSchema,
      { ...options, json: options.liveFrom === undefined ? {} : { live_from: options.liveFrom } },
    );
  }

  /**
   * `DELETE …/versions/{uuid}/` — drafts and scheduled versions only.
   * @throws HttpError `Validation` "Cannot delete a live version." for a live one.
   */
  async deleteVersion(envId: number, featureId: number, uuid: string, options: CallOptions = {}): Promise<void> {
    await this.send('DELETE', `${versionsPath(envId, featureId)}${seg(uuid)}/`, { signal: options.signal });
  }

  /** `GET …/versions/{uuid}/featurestates/` — a plain array, values as dicts. */
  async listVersionFeatureStates(envId: number, featureId: number, uuid: string, options: CallOptions = {}): Promise<VersionFeatureState[]> {
    return this.admin(
      'GET',
      `${versionsPath(envId, featureId)}${seg(uuid)}/featurestates/`,
      'environments/{env_id}/features/{feature_id}/versions/{uuid}/featurestates/',
      versionFeatureStateSchema.array(),
      options,
    );
  }

  /** `GET /api/v1/environment-feature-versions/{uuid}/` — Flagsmith has no retrieve under `…/versions/`. */
  async getVersion(uuid: string, options: CallOptions = {}): Promise<VersionDetail> {
    return this.admin('GET', `api/v1/environment-feature-versions/${seg(uuid)}/`, 'environment-feature-versions/{uuid}/', versionDetailSchema, options);
  }

  /**
   * `PATCH /api/v1/environments/{api_key}/featurestates/{id}/` with a flat value: changes the
   * state in place, for v1 environments only. Flagsmith answers only `{feature, enabled}`: read
   * the state again to see its value.
   * @throws HttpError `Validation` "This environment uses v2 feature versioning. …" on a v2 environment.
   */
  async patchFeatureStateLegacy(
    envApiKey: string,
    featureStateId: number,
    patch: { enabled?: boolean; feature_state_value?: FlatValue },
    options: CallOptions = {},
  ): Promise<LegacyPatchResponse> {
    return this.admin(
      'PATCH',
      `api/v1/environments/${seg(envApiKey)}/featurestates/${featureStateId}/`,
      'environments/{api_key}/featurestates/{id}/',
      legacyPatchResponseSchema,
      { ...options, json: patch },
    );
  }

  /**
   * What an SDK sees: `GET {sdkUrl}/api/v1/flags/?feature=<name>` with `X-Environment-Key` (a
   * client key cannot see server-key-only features; use the server key for those).
   * @throws HttpError `NotFound` ("Given feature not found") when the environment has no such flag.
   */
  async getSdkFlag(environmentKey: string, featureName: string, options: CallOptions = {}): Promise<SdkFlag> {
    const res = await this.http.request({
      method: 'GET',
      url: new URL('api/v1/flags/', this.sdkBase),
      query: { feature: featureName },
      headers: { 'X-Environment-Key': environmentKey },
      signal: options.signal,
      timeoutMs: this.timeoutMs,
    });
    return check(sdkFlagSchema, res.body, 'GET', 'flags/?feature=');
  }

  /** `GET /api/v1/projects/{id}/segments/` — every page, rules nested. */
  async listSegments(projectId: number, options: CallOptions = {}): Promise<Segment[]> {
    return this.allPages(`api/v1/projects/${projectId}/segments/`, {}, 'projects/{id}/segments/', segmentSchema, options);
  }

  /**
   * The identity overrides of a feature in an environment (core API, not edge):
   * `GET environments/{api_key}/featurestates/?anyIdentity=1&feature=<id>`, every page, each with
   * its identity as `{id, identifier}`. Identifiers may be personal data: keep them out of logs.
   */
  async listIdentityOverrides(envApiKey: string, featureId: number, options: CallOptions = {}): Promise<IdentityOverride[]> {
    return this.allPages(
      `api/v1/environments/${seg(envApiKey)}/featurestates/`,
      { anyIdentity: 1, feature: featureId },
      'environments/{api_key}/featurestates/?anyIdentity',
      identityOverrideSchema,
      options,
    );
  }

  /**
   * `PATCH environments/{api_key}/identities/{id}/featurestates/{fs}/` — identity overrides are
   * outside feature versioning, so this is allowed on v2 environments too. Answers `{feature, enabled}`.
   */
  async updateIdentityOverride(
    envApiKey: string,
    identityId: number,
    featureStateId: number,
    patch: { enabled?: boolean; feature_state_value?: FlatValue },
    options: CallOptions = {},
  ): Promise<LegacyPatchResponse> {
    return this.admin(
      'PATCH',
      `api/v1/environments/${seg(envApiKey)}/identities/${identityId}/featurestates/${featureStateId}/`,
      'environments/{api_key}/identities/{id}/featurestates/{id}/',
      legacyPatchResponseSchema,
      { ...options, json: patch },
    );
  }

  /** `DELETE environments/{api_key}/identities/{id}/featurestates/{fs}/`. @throws HttpError `NotFound` when it is gone. */
  async deleteIdentityOverride(envApiKey: string, identityId: number, featureStateId: number, options: CallOptions = {}): Promise<void> {
    await this.send('DELETE', `api/v1/environments/${seg(envApiKey)}/identities/${identityId}/featurestates/${featureStateId}/`, {
      signal: options.signal,
    });
  }

  /**
   * What an SDK serves one identity. Without traits: `GET {sdkUrl}/api/v1/identities/?identifier=`
   * (the stored identity, its overrides and traits). With traits: `POST {sdkUrl}/api/v1/identities/`
   * `{identifier, traits, transient: true}`, which stores nothing.
   */
  async getSdkIdentityFlags(
    environmentKey: string,
    identifier: string,
    options: CallOptions & { traits?: { trait_key: string; trait_value: string | number | boolean }[] } = {},
  ): Promise<SdkIdentity> {
    const url = new URL('api/v1/identities/', this.sdkBase);
    const res = await this.http.request({
      method: options.traits ? 'POST' : 'GET',
      url,
      ...(options.traits ? { json: { identifier, traits: options.traits, transient: true } } : { query: { identifier } }),
      headers: { 'X-Environment-Key': environmentKey },
      signal: options.signal,
      timeoutMs: this.timeoutMs,
    });
    return check(sdkIdentitySchema, res.body, options.traits ? 'POST' : 'GET', 'identities/');
  }

  /** `GET environments/{api_key}/document/` (admin auth): the SDK document, whole, and its size in bytes. */
  async getEnvironmentDocument(envApiKey: string, options: CallOptions = {}): Promise<{ document: EnvironmentDocument; bytes: number }> {
    const res = await this.send('GET', `api/v1/environments/${seg(envApiKey)}/document/`, { signal: options.signal });
    return { document: check(environmentDocumentSchema, res.body, 'GET', 'environments/{api_key}/document/'), bytes: res.bytes };
  }

  private async admin<S extends z.ZodType>(
    method: HttpMethod,
    path: string,
    endpoint: string,
    schema: S,
    options: CallOptions & { json?: unknown; query?: Record<string, string | number | boolean | undefined> },
  ): Promise<z.output<S>> {
    const res = await this.send(method, path, options);
    return check(schema, res.body, method, endpoint);
  }

  private async send(
    method: HttpMethod,
    path: string,
    options: CallOptions & { json?: unknown; query?: Record<string, string | number | boolean | undefined> },
  ) {
    await this.pacer?.acquire(options.signal);
    return this.http.request({
      method,
      url: new URL(path, this.apiBase),
      query: options.query,
      json: options.json,
      headers: { Authorization: this.#adminToken },
      signal: options.signal,
      timeoutMs: this.timeoutMs,
    });
  }

  /**
   * Every item of a DRF-paginated list. `next` is an absolute URL built from the request Flagsmith
   * saw, which behind a proxy can name another host or scheme, so only its query (`page`,
   * `page_size`) is reused against our own base URL.
   */
  private async allPages<S extends z.ZodType>(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    endpoint: string,
    item: S,
    options: CallOptions,
  ): Promise<z.output<S>[]> {
    const schema = pageSchema(item);
    const items: z.output<S>[] = [];
    let pageQuery = query;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.admin('GET', path, endpoint, schema, { ...options, query: pageQuery });
      items.push(...body.results);
      if (body.next === null) return items;
      pageQuery = { ...query, ...Object.fromEntries(new URL(body.next, this.apiBase).searchParams) };
    }
    throw new HttpError({
      type: FailureType.BadResponse,
      method: 'GET',
      target: endpoint,
      message: `Flagsmith GET ${endpoint}: more than ${MAX_PAGES} pages`,
    });
  }
}

/**
 * Flagsmith answers the feature states of an environment key it does not know (or that the token
 * may not see) with a bare 403 "You do not have permission to perform this action.": say which
 * key, and both things it can mean. An environment api key is a client-side key, not a secret.
 */
function unknownEnvironmentKey(error: unknown, envApiKey: string): unknown {
  if (!(error instanceof HttpError) || error.status !== 403) return error;
  return new HttpError({
    type: error.type,
    method: error.method,
    target: error.target,
    status: 403,
    serverMessage: error.serverMessage,
    message:
      `Flagsmith GET environments/{api_key}/featurestates/: 403 for environment key ${JSON.stringify(envApiKey)}: ` +
      'Flagsmith knows no environment with this key, or this admin token may not read it (check the api key configured for the environment)',
    cause: error,
  });
}

/**
 * Parse an answer with its schema.
 * @throws HttpError `BadResponse` naming the endpoint and the first mismatching field path.
 */
export function check<S extends z.ZodType>(schema: S, body: unknown, method: string, endpoint: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 3).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  return throwBadResponse(method, endpoint, issues.join('; '), result.error);
}

function throwBadResponse(method: string, endpoint: string, detail: string, cause: Error): never {
  throw new HttpError({
    type: FailureType.BadResponse,
    method,
    target: endpoint,
    message: `Flagsmith ${method} ${endpoint}: unexpected response at ${detail}`,
    cause,
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function versionsPath(envId: number, featureId: number): string {
  return `api/v1/environments/${envId}/features/${featureId}/versions/`;
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function baseUrl(url: string): URL {
  return new URL(url.endsWith('/') ? url : `${url}/`);
}
