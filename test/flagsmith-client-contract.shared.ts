/**
 * The FlagsmithClient contract: one set of checks run against the sandbox
 * (`flagsmith-client-contract.test.ts`) and, when configured, against a real Flagsmith
 * (`flagsmith-contract-real.test.ts`), so both can be compared with the same client.
 *
 * The checks change state; each flips its own flag or environment so their order does not matter.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FlagsmithClient } from '../src/flagsmith/client.js';
import { configValueText, fromFeatureStateValue, toFeatureStateValue } from '../src/flagsmith/values.js';
import { environmentDefaultUpdate, type CreateVersionBody } from '../src/flagsmith/versions.js';
import { HttpError } from '../src/http.js';

export interface ContractEnvironment {
  id: number;
  apiKey: string;
  /** What `/api/v1/flags/` is asked with (a client or a server key). */
  sdkKey: string;
}

export interface ContractFixture {
  apiUrl: string;
  sdkUrl?: string;
  /** Normalised admin token (`Token …` / `Api-Key …`). */
  token: string;
  projectId: number;
  /** Two v2 environments, as in seed 002. */
  production: ContractEnvironment;
  development: ContractEnvironment;
  /** A v1 environment (legacy in-place writes). */
  legacy: ContractEnvironment;
  /** ON in every environment, value null. */
  booleanFlag: string;
  /** A feature whose name contains `booleanFlag` (the `search=` substring trap). */
  decoyFlag: string;
  /** Enabled in both v2 environments with a JSON list as its `unicode` value. */
  configFlag: string;
  close(): Promise<void>;
}

/** Define the contract tests; `setup` runs once before them, `close` after. */
export function defineFlagsmithContract(setup: () => Promise<ContractFixture>): void {
  let fx: ContractFixture;
  let client: FlagsmithClient;
  /** The admin token and the server keys, searched for in every error the suite provokes. */
  function expectNoSecrets(err: unknown): void {
    const secrets = [fx.token.replace(/^\S+\s+/, ''), ...[fx.production, fx.development, fx.legacy].map((e) => e.sdkKey).filter((k) => k.startsWith('ser.'))];
    const texts = [JSON.stringify(err), inspect(err, { depth: 20, showHidden: true }), String((err as Error).stack)];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  }

  /** Every failure the suite provokes goes through here and is searched for secrets. */
  async function failureOf(promise: Promise<unknown>): Promise<HttpError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HttpError);
    expectNoSecrets(err);
    return err as HttpError;
  }

  /** An unknown id of any model: far above what a test server has created. */
  const UNKNOWN_ID = 2_147_480_000;
  const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
  const V2_REFUSAL = 'This environment uses v2 feature versioning. Use the environment feature version endpoint instead.';

  /**
   * A plain request to the Admin API, for what the client does not expose (exact error texts,
   * redirects, fields it drops). Redirects are not followed.
   */
  async function raw(method: string, path: string, options: { body?: unknown; authorization?: string } = {}) {
    const base = fx.apiUrl.endsWith('/') ? fx.apiUrl : `${fx.apiUrl}/`;
    const response = await fetch(new URL(path, base), {
      method,
      redirect: 'manual',
      headers: { Authorization: options.authorization ?? fx.token, 'Content-Type': 'application/json' },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as unknown) : undefined;
    return { status: response.status, headers: response.headers, json };
  }

  /** The ids a raw request needs: the boolean flag's feature id and its live version in Production. */
  async function liveVersionOfBooleanFlag(): Promise<{ featureId: number; uuid: string }> {
    const feature = await client.findFeatureByName(fx.projectId, fx.booleanFlag);
    const { current } = await client.currentAndScheduledVersions(fx.production.id, feature?.id ?? -1);
    if (!feature || !current) throw new Error('the boolean flag has no live version in Production');
    return { featureId: feature.id, uuid: current.uuid };
  }

  beforeAll(async () => {
    fx = await setup();
    client = new FlagsmithClient({ apiUrl: fx.apiUrl, sdkUrl: fx.sdkUrl, adminToken: fx.token, timeoutMs: 15_000 });
  });

  afterAll(async () => {
    await client?.close();
    await fx?.close();
  });

  it('reads environments by api key, with their v2 setting', async () => {
    const production = await client.getEnvironment(fx.production.apiKey);
    expect(production).toMatchObject({ id: fx.production.id, api_key: fx.production.apiKey, project: fx.projectId, use_v2_feature_versioning: true });
    expect((await client.getEnvironment(fx.legacy.apiKey)).use_v2_feature_versioning).toBe(false);
  });

  it('answers NotFound for an unknown environment api key', async () => {
    const err = await failureOf(client.getEnvironment('noSuchEnvironmentKey000'));
    expect(err.type).toBe('NotFound');
    expect(err.retryable).toBe(false);
    expect(err.serverMessage).toBe('No Environment matches the given query.');
  });

  it("names the Django model in every unknown-object 404 (DRF keeps Http404's message)", async () => {
    const { featureId } = await liveVersionOfBooleanFlag();
    const versions = (envId: number, feature: number) => `api/v1/environments/${envId}/features/${feature}/versions/`;
    const cases: [string, string][] = [
      [`api/v1/projects/${UNKNOWN_ID}/features/`, 'Project'],
      [`api/v1/projects/${fx.projectId}/features/${UNKNOWN_ID}/`, 'Feature'],
      [`api/v1/environments/${fx.production.apiKey}/featurestates/${UNKNOWN_ID}/`, 'FeatureState'],
      [versions(fx.production.id, UNKNOWN_ID), 'Feature'],
      [versions(UNKNOWN_ID, featureId), 'Environment'],
      [`api/v1/environment-feature-versions/${UNKNOWN_UUID}/`, 'EnvironmentFeatureVersion'],
    ];
    for (const [path, model] of cases) {
      expect({ path, ...(await raw('GET', path)) }).toMatchObject({ path, status: 404, json: { detail: `No ${model} matches the given query.` } });
    }
  });

  it('refuses the feature states of an unknown environment key with 403, as its permission class does', async () => {
    const err = await failureOf(client.getEnvironmentDefaultFeatureState('noSuchEnvironmentKey000', fx.booleanFlag));
    expect(err).toMatchObject({ status: 403, serverMessage: 'You do not have permission to perform this action.' });
    // The client's message names the key and what the refusal can mean.
    expect(err.message).toContain('environment key "noSuchEnvironmentKey000"');
    expect(err.message).toMatch(/knows no environment with this key, or this admin token may not read it/);
  });

  it('refuses the environments list of an unknown project, and the audit log of one', async () => {
    expect(await raw('GET', `api/v1/environments/?project=${UNKNOWN_ID}`)).toMatchObject({
      status: 400,
      json: ['Invalid or missing value for project parameter.'],
    });
    expect(await raw('GET', `api/v1/projects/${UNKNOWN_ID}/audit/`)).toMatchObject({
      status: 403,
      json: { detail: 'You do not have permission to perform this action.' },
    });
  });

  it('redirects a path without its trailing slash (301, before authentication)', async () => {
    const r = await raw('GET', `api/v1/environments/${fx.production.apiKey}?x=1`, { authorization: '' });
    expect(r.status).toBe(301);
    expect(r.headers.get('location')).toMatch(new RegExp(`/api/v1/environments/${fx.production.apiKey}/\\?x=1$`));
  });

  it("answers a Token header without a credential with DRF's own text", async () => {
    expect(await raw('GET', `api/v1/environments/${fx.production.apiKey}/`, { authorization: 'Token' })).toMatchObject({
      status: 401,
      json: { detail: 'Invalid token header. No credentials provided.' },
    });
  });

  it('names Python types in DRF type errors', async () => {
    const { featureId } = await liveVersionOfBooleanFlag();
    const r = await raw('POST', `api/v1/environments/${fx.production.id}/features/${featureId}/versions/`, { body: { feature_states_to_update: {} } });
    expect(r).toMatchObject({ status: 400, json: { feature_states_to_update: { non_field_errors: ['Expected a list of items but got type "dict".'] } } });
  });

  it('refuses to change a published version or delete a v2 environment state in place', async () => {
    const { featureId, uuid } = await liveVersionOfBooleanFlag();
    const [state] = await client.listVersionFeatureStates(fx.production.id, featureId, uuid);
    const versionState = `api/v1/environments/${fx.production.id}/features/${featureId}/versions/${uuid}/featurestates/${state?.id ?? -1}/`;
    expect(await raw('PATCH', versionState, { body: { enabled: true } })).toMatchObject({ status: 400, json: { detail: 'Cannot modify published version.' } });
    const live = await client.getEnvironmentDefaultFeatureState(fx.production.apiKey, fx.booleanFlag);
    expect(await raw('DELETE', `api/v1/environments/${fx.production.apiKey}/featurestates/${live?.id ?? -1}/`)).toMatchObject({
      status: 400,
      json: { detail: V2_REFUSAL },
    });
    expect((await client.getEnvironmentDefaultFeatureState(fx.production.apiKey, fx.booleanFlag))?.id).toBe(live?.id);
  });

  it("lists an environment's live states under features/featurestates/?environment=, values as dicts", async () => {
    const live = await client.getEnvironmentDefaultFeatureState(fx.production.apiKey, fx.booleanFlag);
    const r = await raw('GET', `api/v1/features/featurestates/?environment=${fx.production.id}&feature=${live?.feature ?? -1}`);
    expect(r.status).toBe(200);
    const page = r.json as { count: number; results: Record<string, unknown>[] };
    const envDefault = page.results.find((s) => s.feature_segment === null && s.identity === null);
    expect(envDefault).toMatchObject({ id: live?.id, environment: fx.production.id, enabled: live?.enabled, feature_state_value: { type: 'unicode' } });
    expect((await raw('GET', 'api/v1/features/featurestates/')).status).toBe(403);
  });

  it("answers with Flagsmith's fields: environment metadata, project-feature extras, version states without version fields", async () => {
    const retrieved = await raw('GET', `api/v1/environments/${fx.production.apiKey}/`);
    const environment = retrieved.json as Record<string, unknown>;
    expect(Array.isArray(environment.metadata)).toBe(true);
    expect(typeof environment.total_segment_overrides).toBe('number');
    const listed = (await raw('GET', `api/v1/environments/?project=${fx.projectId}`)).json as { results: Record<string, unknown>[] };
    expect(listed.results.length).toBeGreaterThan(0);
    for (const item of listed.results) {
      expect(item).toHaveProperty('metadata');
      expect(item).not.toHaveProperty('total_segment_overrides');
    }

    const features = (await raw('GET', `api/v1/projects/${fx.projectId}/features/?environment=${fx.production.id}`)).json as {
      results: Record<string, unknown>[];
    };
    const feature = features.results.find((f) => f.name === fx.booleanFlag);
    for (const field of [
      'code_references_counts',
      'environment_feature_state',
      'is_num_identity_overrides_complete',
      'last_modified_in_any_environment',
      'last_modified_in_current_environment',
      'metadata',
      'num_identity_overrides',
      'num_segment_overrides',
      'segment_feature_state',
    ]) {
      expect(feature).toHaveProperty(field);
    }
    expect(Object.keys(feature?.environment_feature_state ?? {}).sort()).toEqual(['enabled', 'environment', 'feature_segment', 'feature_state_value', 'id', 'identity']);
    expect(typeof feature?.last_modified_in_current_environment).toBe('string');

    const { featureId, uuid } = await liveVersionOfBooleanFlag();
    const states = (await raw('GET', `api/v1/environments/${fx.production.id}/features/${featureId}/versions/${uuid}/featurestates/`)).json as Record<
      string,
      unknown
    >[];
    expect(states.length).toBeGreaterThan(0);
    for (const state of states) {
      expect(state).toMatchObject({ feature: featureId, environment: fx.production.id, feature_segment: null });
      expect(state).not.toHaveProperty('version');
      expect(state).not.toHaveProperty('environment_feature_version');
    }
  });

  it('finds a feature by its exact name despite the substring search', async () => {
    const feature = await client.findFeatureByName(fx.projectId, fx.booleanFlag);
    expect(feature?.name).toBe(fx.booleanFlag);
    const decoy = await client.findFeatureByName(fx.projectId, fx.decoyFlag);
    expect(decoy?.name).toBe(fx.decoyFlag);
    expect(decoy?.id).not.toBe(feature?.id);
    expect(await client.findFeatureByName(fx.projectId, fx.booleanFlag.slice(0, -2))).toBeNull();
  });

  it("replays seed 002's rollback: state ids per environment, feature id, version published immediately, verified off", async () => {
    const envs = [fx.production, fx.development];
    // Step 2: the feature-state id differs per environment; the live version uuid shows v2.
    const before = await Promise.all(envs.map((e) => client.getEnvironmentDefaultFeatureState(e.apiKey, fx.booleanFlag)));
    for (const state of before) {
      expect(state).not.toBeNull();
      expect(state?.enabled).toBe(true);
      expect(state?.environment_feature_version).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(before[0]?.id).not.toBe(before[1]?.id);
    // Step 3: the feature id is per project.
    const feature = await client.findFeatureByName(fx.projectId, fx.booleanFlag);
    expect(feature).not.toBeNull();
    // Step 4: the runbook's body, value `{"type": "unicode", "string_value": null}`.
    const created = await Promise.all(
      envs.map((e, i) =>
        client.createVersion(e.id, feature?.id ?? -1, {
          feature_states_to_update: [environmentDefaultUpdate(false, toFeatureStateValue(null, 'unicode'), before[i]?.id)],
          feature_states_to_create: [],
          segment_ids_to_delete_overrides: [],
          publish_immediately: true,
        }),
      ),
    );
    for (const version of created) expect(version).toMatchObject({ published: true, is_live: true });
    // Step 5: both off, each on a new version — ours.
    for (const [i, env] of envs.entries()) {
      const after = await client.getEnvironmentDefaultFeatureState(env.apiKey, fx.booleanFlag);
      expect(after?.enabled).toBe(false);
      expect(after?.environment_feature_version).toBe(created[i]?.uuid);
      expect(after?.environment_feature_version).not.toBe(before[i]?.environment_feature_version);
      expect((await client.getSdkFlag(env.sdkKey, fx.booleanFlag)).enabled).toBe(false);
    }
  });

  it('serves segment and identity overrides as Flagsmith does, and disables and removes them the ways a rollback does', async () => {
    // The decoy flag in Development: a segment (an EQUAL trait condition) and one identity override it.
    const env = fx.development;
    const feature = await client.findFeatureByName(fx.projectId, fx.decoyFlag);
    const featureId = feature?.id ?? -1;
    const on = !((await client.getEnvironmentDefaultFeatureState(env.apiKey, fx.decoyFlag))?.enabled ?? false);
    const tag = `contract-${Date.now()}`;
    const segment = await raw('POST', `api/v1/projects/${fx.projectId}/segments/`, {
      body: { name: `cohort ${tag}`, rules: [{ type: 'ALL', rules: [{ type: 'ANY', conditions: [{ operator: 'EQUAL', property: 'plan', value: tag }] }], conditions: [] }] },
    });
    expect(segment.status).toBe(201);
    const segmentId = (segment.json as { id: number }).id;
    const listed = (await client.listSegments(fx.projectId)).find((s) => s.id === segmentId);
    expect(listed?.rules[0]?.rules[0]?.conditions[0]).toMatchObject({ operator: 'EQUAL', property: 'plan', value: tag });
    const value = toFeatureStateValue(null, 'unicode');
    const withOverride = await client.createVersion(env.id, featureId, {
      feature_states_to_create: [{ enabled: on, feature_state_value: value, feature_segment: { segment: segmentId } }],
      publish_immediately: true,
    });
    const states = await client.listVersionFeatureStates(env.id, featureId, withOverride.uuid);
    expect(states.find((s) => s.feature_segment !== null)).toMatchObject({ enabled: on, feature_segment: { segment: segmentId } });

    const identity = await raw('POST', `api/v1/environments/${env.apiKey}/identities/`, { body: { identifier: `person-${tag}` } });
    expect(identity.status).toBe(201);
    const identityId = (identity.json as { id: number }).id;
    const override = await raw('POST', `api/v1/environments/${env.apiKey}/identities/${identityId}/featurestates/`, {
      body: { feature: featureId, enabled: on, feature_state_value: null },
    });
    expect(override.status).toBe(201);
    const overrides = await client.listIdentityOverrides(env.apiKey, featureId);
    const mine = overrides.find((o) => o.identity.id === identityId);
    expect(mine).toMatchObject({ feature: featureId, enabled: on, identity: { identifier: `person-${tag}` } });

    const served = async (identifier: string, traits?: { trait_key: string; trait_value: string }[]) =>
      (await client.getSdkIdentityFlags(env.sdkKey, identifier, traits ? { traits } : {})).flags.find((f) => f.feature.name === fx.decoyFlag)?.enabled;
    expect(await served(`person-${tag}`)).toBe(on);
    expect(await served(`member-${tag}`, [{ trait_key: 'plan', trait_value: tag }])).toBe(on);
    expect(await served(`outsider-${tag}`, [{ trait_key: 'plan', trait_value: 'other' }])).toBe(!on);

    // Disable: the identity override in place (allowed on v2), the segment override in a new version matched by its segment.
    expect(await client.updateIdentityOverride(env.apiKey, identityId, mine?.id ?? -1, { enabled: !on })).toEqual({ feature: featureId, enabled: !on });
    await client.createVersion(env.id, featureId, {
      feature_states_to_update: [{ enabled: !on, feature_state_value: value, feature_segment: { segment: segmentId } }],
      publish_immediately: true,
    });
    expect(await served(`person-${tag}`)).toBe(!on);
    expect(await served(`member-${tag}`, [{ trait_key: 'plan', trait_value: tag }])).toBe(!on);

    // Remove: the identity feature state, and the segment override through segment_ids_to_delete_overrides.
    await client.deleteIdentityOverride(env.apiKey, identityId, mine?.id ?? -1);
    expect((await client.listIdentityOverrides(env.apiKey, featureId)).some((o) => o.identity.id === identityId)).toBe(false);
    expect((await failureOf(client.deleteIdentityOverride(env.apiKey, identityId, mine?.id ?? -1))).type).toBe('NotFound');
    const removed = await client.createVersion(env.id, featureId, { segment_ids_to_delete_overrides: [segmentId], publish_immediately: true });
    expect((await client.listVersionFeatureStates(env.id, featureId, removed.uuid)).some((s) => s.feature_segment !== null)).toBe(false);
  });

  it('flips a CONFIG value: JSON text stored as unicode, read back flat', async () => {
    const env = fx.production;
    const before = await client.getEnvironmentDefaultFeatureState(env.apiKey, fx.configFlag);
    expect(typeof before?.feature_state_value).toBe('string');
    const feature = await client.findFeatureByName(fx.projectId, fx.configFlag);
    const text = configValueText(['decided_on_destination']);
    const version = await client.createVersion(env.id, feature?.id ?? -1, {
      feature_states_to_update: [environmentDefaultUpdate(true, toFeatureStateValue(text, 'unicode'))],
      publish_immediately: true,
    });
    const after = await client.getEnvironmentDefaultFeatureState(env.apiKey, fx.configFlag);
    expect(after).toMatchObject({ enabled: true, feature_state_value: '["decided_on_destination"]', environment_feature_version: version.uuid });
    const states = await client.listVersionFeatureStates(env.id, feature?.id ?? -1, version.uuid);
    const envDefault = states.find((s) => s.feature_segment === null && s.identity === null);
    expect(envDefault?.feature_state_value).toEqual(toFeatureStateValue(text, 'unicode'));
    expect(fromFeatureStateValue(envDefault?.feature_state_value ?? toFeatureStateValue(null))).toBe(text);
    expect((await client.getSdkFlag(env.sdkKey, fx.configFlag)).feature_state_value).toBe(text);
  });

  it('creates a draft, retrieves it by uuid, publishes it, and refuses to delete it once live', async () => {
    const env = fx.development;
    const feature = await client.findFeatureByName(fx.projectId, fx.configFlag);
    const featureId = feature?.id ?? -1;
    const { current } = await client.currentAndScheduledVersions(env.id, featureId);
    const state = await client.getEnvironmentDefaultFeatureState(env.apiKey, fx.configFlag);
    const description = `flagops-contract draft ${Date.now()}`;
    const body: CreateVersionBody = {
      feature_states_to_update: [environmentDefaultUpdate(true, toFeatureStateValue(state?.feature_state_value ?? null, 'unicode'))],
      description,
    };
    const draft = await client.createVersion(env.id, featureId, body);
    expect(draft).toMatchObject({ published: false, is_live: false, description });

    const listed = await client.listVersions(env.id, featureId);
    expect(listed.find((v) => v.uuid === draft.uuid)?.description).toBe(description);
    const detail = await client.getVersion(draft.uuid);
    expect(detail).toMatchObject({ uuid: draft.uuid, feature: featureId, environment: env.id, previous_version_uuid: current?.uuid ?? null });

    const throwaway = await client.createVersion(env.id, featureId, body);
    await client.deleteVersion(env.id, featureId, throwaway.uuid);
    expect((await client.listVersions(env.id, featureId)).some((v) => v.uuid === throwaway.uuid)).toBe(false);

    const published = await client.publishVersion(env.id, featureId, draft.uuid);
    expect(published.live_from).not.toBeNull();
    const err = await failureOf(client.deleteVersion(env.id, featureId, draft.uuid));
    expect(err).toMatchObject({ type: 'Validation', status: 400, serverMessage: 'Cannot delete a live version.' });
    const live = await client.listVersions(env.id, featureId, { isLive: true });
    expect(live.some((v) => v.uuid === draft.uuid)).toBe(true);
  });

  it('records a Token user as the creator and publisher of a version, and an Api-Key as neither', async () => {
    const env = fx.development;
    const featureId = (await client.findFeatureByName(fx.projectId, fx.configFlag))?.id ?? -1;
    const state = await client.getEnvironmentDefaultFeatureState(env.apiKey, fx.configFlag);
    const body: CreateVersionBody = {
      feature_states_to_update: [environmentDefaultUpdate(state?.enabled ?? true, toFeatureStateValue(state?.feature_state_value ?? null, 'unicode'))],
      description: `flagops-contract attribution ${Date.now()}`,
    };
    const byUser = fx.token.startsWith('Token ');
    const draft = await client.createVersion(env.id, featureId, body);
    await client.publishVersion(env.id, featureId, draft.uuid);
    const published = await client.getVersion(draft.uuid);
    const oneStep = await client.createVersion(env.id, featureId, { ...body, publish_immediately: true });
    if (byUser) {
      // The user id, the same on every version this token makes.
      expect(draft.created_by).toEqual(expect.any(Number));
      expect(published).toMatchObject({ created_by: draft.created_by, published_by: draft.created_by });
      expect(oneStep).toMatchObject({ published: true, created_by: draft.created_by, published_by: draft.created_by });
    } else {
      // A master API key is no user: the version's user fields stay null (the publish records the key
      // in published_by_api_key, which no serializer shows), and a one-step publish records nobody.
      expect(published).toMatchObject({ published: true, created_by: null, published_by: null });
      expect(oneStep).toMatchObject({ published: true, created_by: null, published_by: null });
    }
  });

  it('creates and lists server-side keys (ser.) of an environment, and the new key reads flags', async () => {
    const env = fx.development;
    const name = `flagops-contract ${Date.now()}`;
    const created = await raw('POST', `api/v1/environments/${env.apiKey}/api-keys/`, { body: { name } });
    expect(created.status).toBe(201);
    const key = created.json as Record<string, unknown>;
    expect(Object.keys(key).sort()).toEqual(['active', 'created_at', 'expires_at', 'id', 'key', 'name']);
    expect(key).toMatchObject({ name, active: true, expires_at: null });
    expect(typeof key.id).toBe('number');
    expect(String(key.key)).toMatch(/^ser\./);
    const listed = await raw('GET', `api/v1/environments/${env.apiKey}/api-keys/`);
    expect(listed.status).toBe(200);
    // A plain list: this viewset has no pagination.
    expect(Array.isArray(listed.json)).toBe(true);
    expect((listed.json as { id: number }[]).some((k) => k.id === key.id)).toBe(true);
    const flag = await client.getSdkFlag(String(key.key), fx.booleanFlag);
    expect(flag.feature.name).toBe(fx.booleanFlag);
    expect((await raw('POST', `api/v1/environments/${env.apiKey}/api-keys/`, { body: {} })).json).toEqual({ name: ['This field is required.'] });
  });

  it('sees a scheduled version without it changing the live state, and cancels it', async () => {
    const env = fx.development;
    const feature = await client.findFeatureByName(fx.projectId, fx.booleanFlag);
    const featureId = feature?.id ?? -1;
    const before = await client.getEnvironmentDefaultFeatureState(env.apiKey, fx.booleanFlag);
    const liveFrom = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
    const draft = await client.createVersion(env.id, featureId, {
      feature_states_to_update: [environmentDefaultUpdate(!(before?.enabled ?? false), toFeatureStateValue(null, 'unicode'))],
    });
    await client.publishVersion(env.id, featureId, draft.uuid, { liveFrom });
    const { current, scheduled } = await client.currentAndScheduledVersions(env.id, featureId);
    expect(scheduled.map((v) => v.uuid)).toContain(draft.uuid);
    expect(current?.uuid).toBe(before?.environment_feature_version);
    expect((await client.getEnvironmentDefaultFeatureState(env.apiKey, fx.booleanFlag))?.enabled).toBe(before?.enabled);
    await client.deleteVersion(env.id, featureId, draft.uuid);
    expect((await client.currentAndScheduledVersions(env.id, featureId)).scheduled.map((v) => v.uuid)).not.toContain(draft.uuid);
  });

  it('refuses the legacy featurestate PATCH on a v2 environment with Flagsmith\'s message', async () => {
    const state = await client.getEnvironmentDefaultFeatureState(fx.production.apiKey, fx.configFlag);
    const err = await failureOf(client.patchFeatureStateLegacy(fx.production.apiKey, state?.id ?? -1, { enabled: false }));
    expect(err).toMatchObject({
      type: 'Validation',
      status: 400,
      retryable: false,
      serverMessage: 'This environment uses v2 feature versioning. Use the environment feature version endpoint instead.',
    });
  });

  it('changes a v1 environment in place with the legacy PATCH', async () => {
    const before = await client.getEnvironmentDefaultFeatureState(fx.legacy.apiKey, fx.booleanFlag);
    expect(before?.environment_feature_version).toBeNull();
    const patched = await client.patchFeatureStateLegacy(fx.legacy.apiKey, before?.id ?? -1, { enabled: !before?.enabled, feature_state_value: 'legacy' });
    expect(patched).toMatchObject({ feature: before?.feature, enabled: !before?.enabled });
    const after = await client.getEnvironmentDefaultFeatureState(fx.legacy.apiKey, fx.booleanFlag);
    expect(after).toMatchObject({ id: before?.id, enabled: !before?.enabled, feature_state_value: 'legacy' });
  });

  it('refuses a version on a v1 environment', async () => {
    const feature = await client.findFeatureByName(fx.projectId, fx.booleanFlag);
    const err = await failureOf(
      client.createVersion(fx.legacy.id, feature?.id ?? -1, { feature_states_to_update: [environmentDefaultUpdate(false, toFeatureStateValue(null))] }),
    );
    expect(err.type).toBe('Validation');
    expect(err.serverMessage).toContain('Environment must use v2 feature versioning.');
  });

  it('refuses a value type Flagsmith does not store', async () => {
    const feature = await client.findFeatureByName(fx.projectId, fx.configFlag);
    const bad = { ...toFeatureStateValue('x'), type: 'string' } as unknown as ReturnType<typeof toFeatureStateValue>;
    const err = await failureOf(
      client.createVersion(fx.production.id, feature?.id ?? -1, { feature_states_to_update: [environmentDefaultUpdate(true, bad)] }),
    );
    expect(err.type).toBe('Validation');
    expect(err.serverMessage).toContain('type');
  });

  it('answers NotFound from the SDK for an unknown feature', async () => {
    const err = await failureOf(client.getSdkFlag(fx.production.sdkKey, 'no_such_feature_anywhere'));
    expect(err).toMatchObject({ type: 'NotFound', serverMessage: 'Given feature not found' });
  });

  it('serves the environment document with the live state', async () => {
    const { document, bytes } = await client.getEnvironmentDocument(fx.production.apiKey);
    expect(document.api_key).toBe(fx.production.apiKey);
    expect(bytes).toBeGreaterThan(2);
    const state = await client.getEnvironmentDefaultFeatureState(fx.production.apiKey, fx.booleanFlag);
    const inDocument = document.feature_states.find((s) => s.feature.name === fx.booleanFlag && (s.feature_segment ?? null) === null);
    expect(inDocument?.enabled).toBe(state?.enabled);
  });

  it('answers Unauthorized for a wrong token', async () => {
    const wrong = new FlagsmithClient({ apiUrl: fx.apiUrl, adminToken: 'Token wrong-contract-token-123' });
    const err = await failureOf(wrong.getEnvironment(fx.production.apiKey));
    await wrong.close();
    expect(err).toMatchObject({ type: 'Unauthorized', status: 401, retryable: false });
    expect(inspect(err, { depth: 20 })).not.toContain('wrong-contract-token-123');
  });
}
