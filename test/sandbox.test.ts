/**
 * The sandbox over real HTTP and real PostgreSQL: seed 002's runbook replayed with plain requests,
 * Flagsmith's versioning rules, auth, throttling, SDK views by time, fault injection and the
 * refusal of a foreign database.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return --
   the answers are Flagsmith JSON checked field by field with expect; typing each one would restate the shapes under test. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Sandbox,
  SeedError,
  UnrelatedDatabaseError,
  deleteVersion,
  loadSeedFile,
  parseSeed,
  seedSandbox,
  startSandbox,
  versionByUuid,
} from '../src/sandbox/index.js';
import { testDatabase } from './helpers/databases.js';

const FLAG = 'auto_invoke_matcher_on_intake_complete';
const PROD = { id: 85219, key: 'X4CdBvak98wpn6Ljq7eUSs' };
const DEV = { id: 85220, key: 'SCE375zGzViFpGZhWoiK7D' };
const LEGACY_V2 = 'This environment uses v2 feature versioning. Use the environment feature version endpoint instead.';

describe('flagops sandbox', async () => {
  const { url: databaseUrl } = await testDatabase('sandbox');
  const foreign = await testDatabase('empty');
  const initialValues = await testDatabase('sandbox');
  let sandbox: Sandbox;
  let url: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ databaseUrl, token: 'test-token', seed: 'examples/sandbox-seed.yaml' });
    url = sandbox.url;
    // A v1 project next to the runbook's, written with the programmatic helper.
    await seedSandbox(sandbox.db, {
      project: { id: 500, name: 'Legacy' },
      environments: [{ id: 501, name: 'Legacy', api_key: 'legacyClientKey', use_v2_feature_versioning: false }],
      features: [{ id: 900, name: 'legacy_flag', environments: { Legacy: { enabled: true, value: 'a' } } }],
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: 'Token test-token', 'Content-Type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  async function liveState(envKey: string, name = FLAG) {
    const r = await api('GET', `/api/v1/environments/${envKey}/featurestates/?feature_name=${name}`);
    expect(r.status).toBe(200);
    return r.body.results[0];
  }

  async function featureId(name = FLAG): Promise<number> {
    const r = await api('GET', `/api/v1/projects/36214/features/?search=${name}`);
    return r.body.results.find((f: { name: string }) => f.name === name).id as number;
  }

  const disableBody = (id: number) => ({
    feature_states_to_update: [{ id, enabled: false, feature_state_value: { type: 'unicode', string_value: null } }],
    feature_states_to_create: [],
    segment_ids_to_delete_overrides: [],
    publish_immediately: true,
  });

  describe('seed 002 runbook replayed', () => {
    it('flips the flag off in both environments with new versions, one EF_VERSION audit row each', async () => {
      const before = { prod: await liveState(PROD.key), dev: await liveState(DEV.key) };
      expect(before.prod.enabled).toBe(true);
      expect(before.prod.environment_feature_version).toMatch(/^[0-9a-f-]{36}$/);
      const id = await featureId();
      const created = [];
      for (const [env, fs] of [[PROD, before.prod], [DEV, before.dev]] as const) {
        const r = await api('POST', `/api/v1/environments/${env.id}/features/${id}/versions/`, disableBody(fs.id));
        expect(r.status).toBe(201);
        expect(r.body).toMatchObject({ published: true, is_live: true });
        created.push(r.body.uuid as string);
      }
      const after = { prod: await liveState(PROD.key), dev: await liveState(DEV.key) };
      expect(after.prod).toMatchObject({ enabled: false, environment_feature_version: created[0] });
      expect(after.dev).toMatchObject({ enabled: false, environment_feature_version: created[1] });
      // Clone with new ids: the new live state is a new row.
      expect(after.prod.id).not.toBe(before.prod.id);
      const audit = await sandbox.db.query<{ related_object_uuid: string; log: string }>(
        `SELECT related_object_uuid, log FROM audit_auditlog WHERE related_object_type = 'EF_VERSION' AND related_object_uuid = ANY($1)`,
        [created],
      );
      expect(audit).toHaveLength(2);
      expect(audit[0]?.log).toBe(`New version published for feature: ${FLAG}`);
    });

    it('flips a CONFIG value as a unicode JSON string, keeping the flat GET shape', async () => {
      const name = 'matcher_trigger_decision_stages';
      const fs = await liveState(PROD.key, name);
      expect(fs.feature_state_value).toBe('["decided_on_destination"]');
      const r = await api('POST', `/api/v1/environments/${PROD.id}/features/${await featureId(name)}/versions/`, {
        feature_states_to_update: [{ id: fs.id, enabled: true, feature_state_value: { type: 'unicode', string_value: '["a","b"]' } }],
        publish_immediately: true,
      });
      expect(r.status).toBe(201);
      expect((await liveState(PROD.key, name)).feature_state_value).toBe('["a","b"]');
    });
  });

  describe('versions', () => {
    it('clones the previous published version into a draft with new ids and uuids', async () => {
      const id = await featureId();
      const live = await liveState(DEV.key);
      const draft = await api('POST', `/api/v1/environments/${DEV.id}/features/${id}/versions/`, {});
      expect(draft.status).toBe(201);
      expect(draft.body).toMatchObject({ published: false, is_live: false, live_from: null });
      const states = await api('GET', `/api/v1/environments/${DEV.id}/features/${id}/versions/${draft.body.uuid}/featurestates/`);
      expect(Array.isArray(states.body)).toBe(true);
      expect(states.body[0]).toMatchObject({ enabled: live.enabled, feature_segment: null, feature_state_value: { type: 'unicode' } });
      expect(states.body[0].id).not.toBe(live.id);
      const list = await api('GET', `/api/v1/environments/${DEV.id}/features/${id}/versions/`);
      expect(list.body.results[0].uuid).toBe(draft.body.uuid); // NULL live_from sorts first
      const retrieved = await api('GET', `/api/v1/environment-feature-versions/${draft.body.uuid}/`);
      expect(retrieved.body).toMatchObject({ feature: id, environment: DEV.id, previous_version_uuid: live.environment_feature_version });
      expect((await api('DELETE', `/api/v1/environments/${DEV.id}/features/${id}/versions/${draft.body.uuid}/`)).status).toBe(204);
    });

    it("answers Django's HTML 404 for an api key in the versions path (before auth) and 405 for GET on a version", async () => {
      const id = await featureId();
      for (const path of [`/api/v1/environments/${PROD.key}/features/${id}/versions/`, '/api/v1/no-such-route/']) {
        const r = await fetch(`${url}${path}`);
        expect(r.status).toBe(404);
        expect(r.headers.get('content-type')).toBe('text/html');
        expect(await r.text()).toContain('<h1>Not Found</h1><p>The requested resource was not found on this server.</p>');
      }
      const live = await api('GET', `/api/v1/environments/${PROD.id}/features/${id}/versions/?is_live=true`);
      expect((await api('GET', `/api/v1/environments/${PROD.id}/features/${id}/versions/${live.body.results[0].uuid}/`)).status).toBe(405);
    });

    it('publishes an already published version again (Flagsmith does not refuse it): same live_from, one more EF_VERSION row', async () => {
      const id = await featureId();
      const live = await api('GET', `/api/v1/environments/${PROD.id}/features/${id}/versions/?is_live=true`);
      const { uuid, live_from: liveFrom } = live.body.results[0];
      const rows = () => sandbox.db.query(`SELECT 1 FROM audit_auditlog WHERE related_object_type = 'EF_VERSION' AND related_object_uuid = $1`, [uuid]);
      const before = (await rows()).length;
      const again = await api('POST', `/api/v1/environments/${PROD.id}/features/${id}/versions/${uuid}/publish/`);
      expect(again).toMatchObject({ status: 200, body: { live_from: liveFrom } });
      expect(await rows()).toHaveLength(before + 1);
    });

    it('refuses to delete a live version', async () => {
      const id = await featureId();
      const live = await api('GET', `/api/v1/environments/${PROD.id}/features/${id}/versions/?is_live=true`);
      const r = await api('DELETE', `/api/v1/environments/${PROD.id}/features/${id}/versions/${live.body.results[0].uuid}/`);
      expect(r).toMatchObject({ status: 400, body: { detail: 'Cannot delete a live version.' } });
    });

    it('answers 404 to a publish that waited on the lock while a delete of the same draft committed', async () => {
      const id = await featureId();
      const path = `/api/v1/environments/${PROD.id}/features/${id}/versions/`;
      const draft = await api('POST', path, { ...disableBody(0), feature_states_to_update: [], publish_immediately: false });
      expect(draft.status).toBe(201);
      const version = await versionByUuid(sandbox.db.pool, draft.body.uuid);
      if (!version) throw new Error('the draft is not stored');
      const waiting = () => sandbox.db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
      let publish: Promise<Awaited<ReturnType<typeof api>>> | undefined;
      await sandbox.db.transaction(async (q) => {
        await deleteVersion(q, version); // holds the feature's lock until this transaction commits
        publish = api('POST', `${path}${version.uuid}/publish/`);
        const deadline = Date.now() + 10_000;
        while ((await waiting()).length === 0) {
          if (Date.now() > deadline) throw new Error('the publish request never waited for the lock');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
      expect(await publish).toMatchObject({ status: 404, body: { detail: 'No EnvironmentFeatureVersion matches the given query.' } });
      const stored = await sandbox.db.query(
        'SELECT published_at, deleted_at FROM feature_versioning_environmentfeatureversion WHERE uuid = $1',
        [version.uuid],
      );
      expect(stored).toEqual([{ published_at: null, deleted_at: expect.any(Date) }]);
    });

    it('refuses to delete a version published after the deleting transaction began (liveness is judged at the statement, not the transaction start)', async () => {
      const id = await featureId();
      const path = `/api/v1/environments/${PROD.id}/features/${id}/versions/`;
      const client = await sandbox.db.pool.connect();
      try {
        await client.query('BEGIN');
        await new Promise((resolve) => setTimeout(resolve, 50)); // the publish below comes later than BEGIN
        const draft = await api('POST', path, { ...disableBody(0), feature_states_to_update: [], publish_immediately: false });
        expect((await api('POST', `${path}${draft.body.uuid}/publish/`)).status).toBe(200);
        const version = await versionByUuid(client, draft.body.uuid);
        expect(version?.is_live).toBe(true);
        if (!version) throw new Error('the published version is not stored');
        await expect(deleteVersion(client, version)).rejects.toMatchObject({ status: 400, body: { detail: 'Cannot delete a live version.' } });
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    });

    it('rejects a value type that is not unicode, int or bool, and a missing value', async () => {
      const path = `/api/v1/environments/${PROD.id}/features/${await featureId()}/versions/`;
      const bad = await api('POST', path, { feature_states_to_update: [{ enabled: false, feature_state_value: { type: 'string' } }] });
      expect(bad.status).toBe(400);
      expect(bad.body.feature_states_to_update[0].feature_state_value.type).toEqual(['"string" is not a valid choice.']);
      const missing = await api('POST', path, { feature_states_to_update: [{ enabled: false }] });
      expect(missing.body.feature_states_to_update[0].feature_state_value).toEqual(['This field is required.']);
    });

    it('refuses versions on a v1 environment', async () => {
      const r = await api('POST', '/api/v1/environments/501/features/900/versions/', {});
      expect(r).toMatchObject({ status: 400, body: { environment: 'Environment must use v2 feature versioning.' } });
    });

    it('lets a scheduled version go live by time in /flags/ and the document, without a write', async () => {
      const id = await featureId();
      const fs = await liveState(DEV.key);
      const draft = await api('POST', `/api/v1/environments/${DEV.id}/features/${id}/versions/`, {
        feature_states_to_update: [{ id: fs.id, enabled: !fs.enabled, feature_state_value: { type: 'unicode', string_value: 'later' } }],
      });
      const sdk = { 'X-Environment-Key': DEV.key };
      const flagNow = async () => (await api('GET', `/api/v1/flags/?feature=${FLAG}`, undefined, sdk)).body;
      // Far enough ahead that the check below runs before it even on a loaded machine.
      const liveFrom = new Date(Date.now() + 3000).toISOString();
      const published = await api('POST', `/api/v1/environments/${DEV.id}/features/${id}/versions/${draft.body.uuid}/publish/`, {
        live_from: liveFrom,
      });
      expect(published).toMatchObject({ status: 200, body: { live_from: liveFrom } });
      expect((await flagNow()).enabled).toBe(fs.enabled);
      expect(Date.now()).toBeLessThan(Date.parse(liveFrom));
      // Poll for the switch (no write happens in between); it must not come before live_from.
      let flag = await flagNow();
      for (const deadline = Date.parse(liveFrom) + 15_000; flag.enabled === fs.enabled && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        flag = await flagNow();
      }
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(liveFrom));
      expect(flag).toMatchObject({ enabled: !fs.enabled, feature_state_value: 'later' });
      const doc = await api('GET', '/api/v1/environment-document/', undefined, { 'X-Environment-Key': 'ser.sandboxDevelopmentServerKey' });
      expect(doc.status).toBe(200);
      const state = doc.body.feature_states.find((s: { feature: { name: string } }) => s.feature.name === FLAG);
      expect(state).toMatchObject({ enabled: !fs.enabled, feature_state_value: 'later', feature_segment: null });
    });
  });

  describe('answers measured against Flagsmith v2.265.0', () => {
    const SEGMENTS = { project: 700, environment: 701, key: 'segmentsClientKey', feature: 950 };

    beforeAll(async () => {
      await seedSandbox(sandbox.db, {
        project: { id: SEGMENTS.project, name: 'Segments' },
        environments: [{ id: SEGMENTS.environment, name: 'Seg', api_key: SEGMENTS.key }],
        features: [{ id: SEGMENTS.feature, name: 'segmented_flag', environments: { Seg: { enabled: true, value: 'all' } } }],
      });
    });

    it('nests the author, environment and project of audit rows as objects', async () => {
      const r = await api('GET', `/api/v1/projects/36214/audit/?environment=${PROD.id}`);
      expect(r.status).toBe(200);
      const row = r.body.results[0];
      // The newest row is a publish of the earlier tests, made with the Token: its user is the author.
      expect(row).toMatchObject({
        author: { id: sandbox.callers.userId, email: 'admin@sandbox.flagops.invalid' },
        environment: { id: PROD.id, api_key: PROD.key, project: 36214, use_v2_feature_versioning: true },
        project: { id: 36214, name: 'Curaway', organisation: expect.any(Number), migration_status: 'NOT_APPLICABLE' },
      });
      // The environment is the light serializer: no metadata, no segment-override count.
      expect(row.environment).not.toHaveProperty('metadata');
      expect(row.environment).not.toHaveProperty('total_segment_overrides');
    });

    it('serves the organisation and all-organisations audit lists with the rows the sandbox wrote (no plan limit hides them)', async () => {
      const [organisation] = await sandbox.db.query<{ organisation_id: number }>('SELECT organisation_id FROM projects_project WHERE id = 36214');
      const ofProject = await api('GET', '/api/v1/projects/36214/audit/');
      const ofOrganisation = await api('GET', `/api/v1/organisations/${organisation?.organisation_id}/audit/`);
      expect(ofProject.body.count).toBeGreaterThan(0);
      expect(ofOrganisation.body.results.map((r: { id: number }) => r.id)).toEqual(ofProject.body.results.map((r: { id: number }) => r.id));
      const all = await api('GET', '/api/v1/audit/?project=36214&search=NEW VERSION');
      expect(all.body.count).toBeGreaterThan(0);
      expect(all.body.results.every((r: { log: string; project: { id: number } }) => r.log.startsWith('New version') && r.project.id === 36214)).toBe(true);
      expect(await api('GET', '/api/v1/organisations/2147480000/audit/')).toMatchObject({ status: 403 });
    });

    it('records the author of versions and audit rows: the Token user, or the Api-Key on a separate publish only', async () => {
      const id = await featureId();
      const state = await liveState(DEV.key);
      const update = { feature_states_to_update: [{ enabled: state.enabled, feature_state_value: { type: 'unicode', string_value: state.feature_state_value } }] };
      const asKey = { Authorization: 'Api-Key test-token' };
      const versions = `/api/v1/environments/${DEV.id}/features/${id}/versions/`;
      const auditOf = async (uuid: string) =>
        sandbox.db.query<{ author_id: number | null; master_api_key_id: string | null }>(
          'SELECT author_id, master_api_key_id FROM audit_auditlog WHERE related_object_uuid = $1',
          [uuid],
        );
      const columnsOf = async (uuid: string) =>
        (
          await sandbox.db.query<Record<string, unknown>>(
            `SELECT created_by_id, created_by_api_key_id, published_by_id, published_by_api_key_id
               FROM feature_versioning_environmentfeatureversion WHERE uuid = $1`,
            [uuid],
          )
        )[0];

      // Api-Key, created then published: the key is the publisher (not the creator), and the audit row names it.
      const draft = await api('POST', versions, update, asKey);
      expect(draft.body).toMatchObject({ created_by: null, published_by: null });
      expect((await api('POST', `${versions}${draft.body.uuid}/publish/`, {}, asKey)).status).toBe(200);
      expect(await columnsOf(draft.body.uuid)).toEqual({
        created_by_id: null,
        created_by_api_key_id: null,
        published_by_id: null,
        published_by_api_key_id: sandbox.callers.apiKeyId,
      });
      expect(await auditOf(draft.body.uuid)).toEqual([{ author_id: null, master_api_key_id: sandbox.callers.apiKeyId }]);

      // Api-Key, published in one step: Flagsmith passes only a user to publish(), so nobody is recorded.
      const oneStep = await api('POST', versions, { ...update, publish_immediately: true }, asKey);
      expect(await columnsOf(oneStep.body.uuid)).toEqual({ created_by_id: null, created_by_api_key_id: null, published_by_id: null, published_by_api_key_id: null });
      expect(await auditOf(oneStep.body.uuid)).toEqual([{ author_id: null, master_api_key_id: null }]);

      // Token: the user on both, and the audit list nests it.
      const byUser = await api('POST', versions, { ...update, publish_immediately: true });
      expect(byUser.body).toMatchObject({ created_by: sandbox.callers.userId, published_by: sandbox.callers.userId });
      expect(await auditOf(byUser.body.uuid)).toEqual([{ author_id: sandbox.callers.userId, master_api_key_id: null }]);
      const audit = await api('GET', `/api/v1/projects/36214/audit/?environment=${DEV.id}&search=New version`);
      const row = audit.body.results.find((r: { related_object_uuid: string }) => r.related_object_uuid === byUser.body.uuid);
      expect(row.author).toEqual({
        id: sandbox.callers.userId,
        email: 'admin@sandbox.flagops.invalid',
        first_name: 'Sandbox',
        last_name: 'Admin',
        last_login: null,
        uuid: expect.any(String),
      });
      const keyRow = audit.body.results.find((r: { related_object_uuid: string }) => r.related_object_uuid === draft.body.uuid);
      expect(keyRow.author).toBeNull();
    });

    it("keeps a clear 400 for a project parameter that is not a number (Flagsmith's query fails with a 500)", async () => {
      for (const query of ['?project=abc', '']) {
        expect(await api('GET', `/api/v1/environments/${query}`)).toMatchObject({ status: 400, body: ['Invalid or missing value for project parameter.'] });
      }
    });

    it("answers the other malformed Token header with DRF's text", async () => {
      expect((await api('GET', `/api/v1/environments/${PROD.key}/`, undefined, { Authorization: 'Token a b' })).body).toEqual({
        detail: 'Invalid token header. Token string should not contain spaces.',
      });
    });

    it('redirects any method without the trailing slash, but serves an unknown path its HTML 404', async () => {
      const post = await fetch(`${url}/api/v1/environments/${PROD.id}/features/1/versions`, { method: 'POST', redirect: 'manual' });
      expect(post.status).toBe(301);
      expect(post.headers.get('location')).toBe(`/api/v1/environments/${PROD.id}/features/1/versions/`);
      const unknown = await fetch(`${url}/api/v1/no-such-route`, { redirect: 'manual' });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toBe('text/html');
    });

    it('counts segment overrides of live versions and nests the feature segment in version states', async () => {
      const [segment] = await sandbox.db.query<{ id: number }>(`INSERT INTO segments_segment (name, project_id) VALUES ('beta', $1) RETURNING id`, [
        SEGMENTS.project,
      ]);
      const created = await api('POST', `/api/v1/environments/${SEGMENTS.environment}/features/${SEGMENTS.feature}/versions/`, {
        feature_states_to_create: [
          { enabled: false, feature_state_value: { type: 'unicode', string_value: 'beta' }, feature_segment: { segment: segment?.id, priority: 0 } },
        ],
        publish_immediately: true,
      });
      expect(created.status).toBe(201);
      expect((await api('GET', `/api/v1/environments/${SEGMENTS.key}/`)).body.total_segment_overrides).toBe(1);
      const features = await api('GET', `/api/v1/projects/${SEGMENTS.project}/features/?environment=${SEGMENTS.environment}`);
      expect(features.body.results[0]).toMatchObject({ num_segment_overrides: 1, num_identity_overrides: 0, environment_feature_state: { enabled: true } });
      const states = await api('GET', `/api/v1/environments/${SEGMENTS.environment}/features/${SEGMENTS.feature}/versions/${created.body.uuid}/featurestates/`);
      expect(states.body.map((st: { feature_segment: unknown }) => st.feature_segment)).toEqual([
        null,
        { id: expect.any(Number), segment: segment?.id, priority: 0, uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      ]);
    });

    it("deletes a draft's segment override but refuses its environment default", async () => {
      const versions = `/api/v1/environments/${SEGMENTS.environment}/features/${SEGMENTS.feature}/versions/`;
      const draft = await api('POST', versions, {});
      const states = `${versions}${draft.body.uuid}/featurestates/`;
      const [envDefault, override] = (await api('GET', states)).body;
      expect(override.feature_segment).not.toBeNull();
      expect(await api('DELETE', `${states}${envDefault.id}/`)).toMatchObject({ status: 400, body: { detail: 'Cannot delete environment default feature state.' } });
      expect((await api('DELETE', `${states}${override.id}/`)).status).toBe(204);
      expect((await api('GET', states)).body.map((st: { id: number }) => st.id)).toEqual([envDefault.id]);
      expect((await api('DELETE', `${versions}${draft.body.uuid}/`)).status).toBe(204);
    });

    it("changes a draft's feature state in place, and refuses a bad value with DRF's type name", async () => {
      const versions = `/api/v1/environments/${SEGMENTS.environment}/features/${SEGMENTS.feature}/versions/`;
      const draft = await api('POST', versions, {});
      const [envDefault] = (await api('GET', `${versions}${draft.body.uuid}/featurestates/`)).body;
      const path = `${versions}${draft.body.uuid}/featurestates/${envDefault.id}/`;
      const r = await api('PATCH', path, { enabled: false, feature_state_value: { type: 'int', integer_value: 3 } });
      expect(r).toMatchObject({ status: 200, body: { id: envDefault.id, enabled: false, feature_state_value: { type: 'int', integer_value: 3 } } });
      expect(await api('PATCH', path, { feature_state_value: 'x' })).toMatchObject({
        status: 400,
        body: { feature_state_value: { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] } },
      });
      // Nothing is live until the publish.
      expect((await liveState(SEGMENTS.key, 'segmented_flag')).enabled).toBe(true);
      await api('POST', `${versions}${draft.body.uuid}/publish/`);
      expect(await liveState(SEGMENTS.key, 'segmented_flag')).toMatchObject({ enabled: false, feature_state_value: 3 });
    });
  });

  describe('legacy featurestate writes', () => {
    it('are refused on a v2 environment with Flagsmith\'s message', async () => {
      const fs = await liveState(PROD.key);
      for (const path of [`/api/v1/environments/${PROD.key}/featurestates/${fs.id}/`, `/api/v1/features/featurestates/${fs.id}/`]) {
        expect(await api('PATCH', path, { enabled: true })).toMatchObject({ status: 400, body: { detail: LEGACY_V2 } });
      }
    });

    it('change the state in place on a v1 environment and write a FEATURE_STATE audit row', async () => {
      const fs = await liveState('legacyClientKey', 'legacy_flag');
      const r = await api('PATCH', `/api/v1/environments/legacyClientKey/featurestates/${fs.id}/`, { enabled: false, feature_state_value: 7 });
      // PATCH answers with Flagsmith's create serializer: only these two fields.
      expect(r).toEqual(expect.objectContaining({ status: 200, body: { feature: 900, enabled: false } }));
      expect(await liveState('legacyClientKey', 'legacy_flag')).toMatchObject({ id: fs.id, enabled: false, feature_state_value: 7 });
      const rows = await sandbox.db.query(`SELECT 1 FROM audit_auditlog WHERE related_object_type = 'FEATURE_STATE' AND related_object_id = $1`, [fs.id]);
      expect(rows).toHaveLength(1);
    });
  });

  describe('legacy featurestate deletes', () => {
    beforeAll(async () => {
      await seedSandbox(sandbox.db, {
        project: { id: 800, name: 'Legacy deletes' },
        environments: [{ id: 801, name: 'LegacyDeletes', api_key: 'legacyDeleteKey', use_v2_feature_versioning: false }],
        features: [
          {
            id: 960,
            name: 'deletable_flag',
            environments: { LegacyDeletes: { enabled: true, value: 'new', history: [{ live_from: '2026-05-01T00:00:00Z', enabled: false, value: 'old' }] } },
          },
        ],
      });
    });

    it('soft-delete a v1 state, making its older state live, with the audit row Flagsmith writes', async () => {
      const live = await liveState('legacyDeleteKey', 'deletable_flag');
      expect(await api('DELETE', `/api/v1/environments/legacyDeleteKey/featurestates/${live.id}/`)).toMatchObject({ status: 204 });
      expect(await liveState('legacyDeleteKey', 'deletable_flag')).toMatchObject({ enabled: false, feature_state_value: 'old' });
      const rows = await sandbox.db.query(`SELECT log FROM audit_auditlog WHERE related_object_type = 'FEATURE_STATE' AND related_object_id = $1`, [live.id]);
      expect(rows).toEqual([{ log: 'Flag / Remote Config Deleted: deletable_flag' }]);
    });
  });

  describe('legacy featurestate values', () => {
    it('refuses an integer beyond 32 bits with the value serializer\'s message, changing nothing', async () => {
      const fs = await liveState('legacyClientKey', 'legacy_flag');
      const r = await api('PATCH', `/api/v1/environments/legacyClientKey/featurestates/${fs.id}/`, { enabled: !fs.enabled, feature_state_value: 2 ** 31 });
      expect(r).toMatchObject({ status: 400, body: { integer_value: ['Ensure this value is less than or equal to 2147483647.'] } });
      expect(await liveState('legacyClientKey', 'legacy_flag')).toMatchObject({ enabled: fs.enabled, feature_state_value: fs.feature_state_value });
    });

    it('store only the column of the new type, as Flagsmith saves {type, <column>}', async () => {
      const fs = await liveState('legacyClientKey', 'legacy_flag');
      await api('PUT', `/api/v1/environments/legacyClientKey/featurestates/${fs.id}/`, { feature_state_value: 'text' });
      const r = await api('PATCH', `/api/v1/features/featurestates/${fs.id}/`, { feature_state_value: 12 });
      expect(r.body.feature_state_value).toEqual({ type: 'int', string_value: 'text', integer_value: 12, boolean_value: null });
      expect((await liveState('legacyClientKey', 'legacy_flag')).feature_state_value).toBe(12);
    });
  });

  describe('legacy featurestate answers', () => {
    it('PUT on environments/{key}/featurestates/{id}/ answers the whole state with a flat value', async () => {
      const fs = await liveState('legacyClientKey', 'legacy_flag');
      const r = await api('PUT', `/api/v1/environments/legacyClientKey/featurestates/${fs.id}/`, { enabled: true, feature_state_value: 'b' });
      expect(r).toMatchObject({ status: 200, body: { id: fs.id, feature: 900, environment: 501, enabled: true, feature_state_value: 'b' } });
    });

    it('features/featurestates/{id}/ answers PATCH with the whole state (value as a dict) and GET with 405', async () => {
      const fs = await liveState('legacyClientKey', 'legacy_flag');
      const r = await api('PATCH', `/api/v1/features/featurestates/${fs.id}/`, { enabled: false });
      expect(r).toMatchObject({ status: 200, body: { id: fs.id, feature: 900, enabled: false, feature_state_value: { type: 'unicode', string_value: 'b' } } });
      expect(await api('GET', `/api/v1/features/featurestates/${fs.id}/`)).toMatchObject({ status: 405, body: { detail: 'Method "GET" not allowed.' } });
    });
  });

  describe('SDK flags', () => {
    const sdk = { 'X-Environment-Key': 'hideFlagsClientKey' };
    const names = async () =>
      ((await api('GET', '/api/v1/flags/', undefined, sdk)).body as { feature: { name: string } }[]).map((f) => f.feature.name).sort();

    beforeAll(async () => {
      await seedSandbox(sandbox.db, {
        project: { id: 600, name: 'Hides disabled flags' },
        environments: [{ id: 601, name: 'Hide', api_key: 'hideFlagsClientKey' }],
        features: [
          { name: 'shown', environments: { Hide: { enabled: true } } },
          { name: 'hidden', environments: { Hide: { enabled: false } } },
          { name: 'server_only', is_server_key_only: true, environments: { Hide: { enabled: true } } },
        ],
      });
      await sandbox.db.query('UPDATE projects_project SET hide_disabled_flags = true WHERE id = 600');
    });

    it("take hide_disabled_flags from the project when the environment's is null, replacing the server-key-only filter as Flagsmith does", async () => {
      expect(await names()).toEqual(['server_only', 'shown']);
      await sandbox.db.query('UPDATE environments_environment SET hide_disabled_flags = false WHERE id = 601');
      expect(await names()).toEqual(['hidden', 'shown']);
    });

    it('send X-Flagsmith-Document-Updated-At with the list only, not with ?feature=', async () => {
      expect((await api('GET', '/api/v1/flags/', undefined, sdk)).headers.get('x-flagsmith-document-updated-at')).toMatch(/^\d+(\.\d+)?$/);
      const one = await api('GET', '/api/v1/flags/?feature=shown', undefined, sdk);
      expect(one).toMatchObject({ status: 200, body: { feature: { name: 'shown' } } });
      expect(one.headers.get('x-flagsmith-document-updated-at')).toBeNull();
    });
  });

  describe('SDK environment document', () => {
    const serverKey = { 'X-Environment-Key': 'ser.sandboxDevelopmentServerKey' };

    it("answers If-Modified-Since with 304 while updated_at (in whole seconds) is not newer, as Django's condition does", async () => {
      const first = await api('GET', '/api/v1/environment-document/', undefined, serverKey);
      expect(first.status).toBe(200);
      const lastModified = first.headers.get('last-modified') ?? '';
      expect(new Date(lastModified).toUTCString()).toBe(lastModified);

      const same = await api('GET', '/api/v1/environment-document/', undefined, { ...serverKey, 'If-Modified-Since': lastModified });
      expect(same).toMatchObject({ status: 304, body: undefined });
      expect(same.headers.get('last-modified')).toBe(lastModified);
      expect(same.headers.get('x-flagsmith-document-updated-at')).toBeNull();

      const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
      expect((await api('GET', '/api/v1/environment-document/', undefined, { ...serverKey, 'If-Modified-Since': older })).status).toBe(200);
      expect((await api('GET', '/api/v1/environment-document/', undefined, { ...serverKey, 'If-Modified-Since': 'yesterday' })).status).toBe(200);
      const withEtag = { ...serverKey, 'If-Modified-Since': lastModified, 'If-None-Match': '"x"' };
      expect((await api('GET', '/api/v1/environment-document/', undefined, withEtag)).status).toBe(200);
      // Authentication comes first: a bad key never gets a 304.
      const badKey = { 'X-Environment-Key': 'ser.nope', 'If-Modified-Since': lastModified };
      expect((await api('GET', '/api/v1/environment-document/', undefined, badKey)).status).toBe(403);

      await sandbox.db.query(`UPDATE environments_environment SET updated_at = updated_at + interval '2 seconds' WHERE id = $1`, [DEV.id]);
      const changed = await api('GET', '/api/v1/environment-document/', undefined, { ...serverKey, 'If-Modified-Since': lastModified });
      expect(changed.status).toBe(200);
      expect(Date.parse(changed.headers.get('last-modified') ?? '')).toBe(Date.parse(lastModified) + 2000);
    });
  });

  describe('auth and throttling', () => {
    it('answers 401 with Flagsmith\'s detail strings', async () => {
      expect(await api('GET', `/api/v1/environments/${PROD.key}/`, undefined, { Authorization: 'Token nope' })).toMatchObject({
        status: 401,
        body: { detail: 'Invalid token.' },
      });
      expect((await api('GET', `/api/v1/environments/${PROD.key}/`, undefined, { Authorization: 'Api-Key nope' })).body.detail).toBe(
        'Valid Master API Key not found.',
      );
      expect((await api('GET', `/api/v1/environments/${PROD.key}/`, undefined, { Authorization: '' })).body.detail).toBe(
        'Authentication credentials were not provided.',
      );
    });

    it('answers 403 to a bad environment key and keeps server-only documents from client keys', async () => {
      expect(await api('GET', '/api/v1/flags/', undefined, { 'X-Environment-Key': 'nope' })).toMatchObject({ status: 403 });
      expect(await api('GET', '/api/v1/environment-document/', undefined, { 'X-Environment-Key': PROD.key })).toMatchObject({
        status: 403,
        body: { detail: 'Invalid or missing Environment key' },
      });
    });

    it('throttles admin requests with 429 and Retry-After', async () => {
      const throttled = await startSandbox({ databaseUrl, token: 't2', throttle: { ratePerMinute: 2 } });
      try {
        const get = () => fetch(`${throttled.url}/api/v1/environments/${PROD.key}/`, { headers: { Authorization: 'Token t2' } });
        expect((await get()).status).toBe(200);
        expect((await get()).status).toBe(200);
        const third = await get();
        expect(third.status).toBe(429);
        expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await third.json()) as { detail: string }).detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds?\.$/);
      } finally {
        await throttled.close();
      }
    });
  });

  describe('fault injection', () => {
    it('answers a status N times, then serves normally, and logs what it served', async () => {
      await api('DELETE', '/__sandbox/faults');
      const rule = await api('POST', '/__sandbox/faults', { method: 'GET', path: '/api/v1/environments/*/featurestates/', count: 2, status: 429, retryAfter: 3 });
      expect(rule.status).toBe(201);
      const first = await api('GET', `/api/v1/environments/${PROD.key}/featurestates/`);
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBe('3');
      expect((await api('GET', `/api/v1/environments/${PROD.key}/featurestates/`)).status).toBe(429);
      expect((await api('GET', `/api/v1/environments/${PROD.key}/featurestates/`)).status).toBe(200);
      const log = (await api('GET', '/__sandbox/faults')).body.requests as { status: number; injected: string | null }[];
      expect(log.map((r) => r.injected)).toEqual(['status', 'status', null]);
    });

    it('resets the connection', async () => {
      sandbox.faults.add({ path: '/api/v1/projects/*', reset: true });
      await expect(api('GET', '/api/v1/projects/36214/features/')).rejects.toThrow();
      expect((await api('GET', '/api/v1/projects/36214/features/')).status).toBe(200);
    });
  });

  describe('seed values', () => {
    const seedWith = (state: Record<string, unknown>) => ({
      project: { name: 'p' },
      environments: [{ name: 'E', api_key: 'k' }],
      features: [{ name: 'f', environments: { E: state } }],
    });

    it('refuses a value its value_type cannot hold, naming the key', () => {
      for (const state of [{ enabled: true, value: 'abc', value_type: 'int' }, { enabled: true, value: 'yes', value_type: 'bool' }, { enabled: true, value: 2 ** 31 }]) {
        expect(() => parseSeed(seedWith(state))).toThrow(SeedError);
        expect(() => parseSeed(seedWith(state))).toThrow(/features\.0\.environments\.E\.value: not an? (32-bit integer|integer|boolean) value/);
      }
      expect(() => parseSeed(seedWith({ history: [{ live_from: '2026-05-01T00:00:00Z', enabled: true, value: 'x', value_type: 'int' }] }))).toThrow(
        /features\.0\.environments\.E\.history\.0\.value: not an integer value/,
      );
    });

    it("types a feature's initial_value from its text, as Flagsmith's first feature states do", async () => {
      const s = await startSandbox({
        databaseUrl: initialValues.url,
        seed: {
          project: { name: 'p' },
          environments: [{ name: 'E', api_key: 'k' }],
          features: ['12', 'False', '["a"]'].map((text, i) => ({ name: ['int_text', 'bool_text', 'json_text'][i] ?? '', initial_value: text })),
        },
      });
      try {
        const flags = await fetch(`${s.url}/api/v1/flags/`, { headers: { 'X-Environment-Key': 'k' } });
        const values = Object.fromEntries(((await flags.json()) as { feature: { name: string }; feature_state_value: unknown }[]).map((f) => [f.feature.name, f.feature_state_value]));
        expect(values).toEqual({ int_text: 12, bool_text: false, json_text: '["a"]' });
      } finally {
        await s.close();
      }
    });
  });

  describe('feature types', () => {
    it("refuses CONFIG and FLAG with Flagsmith's choice error, and the example seed uses real types only", async () => {
      for (const type of ['CONFIG', 'FLAG']) {
        const seed = { project: { name: 'p' }, environments: [{ name: 'E', api_key: 'k' }], features: [{ name: 'f', type }] };
        expect(() => parseSeed(seed)).toThrow(new RegExp(`features\\.0\\.type: "${type}" is not a valid choice\\. Use STANDARD`));
      }
      const example = await loadSeedFile('examples/sandbox-seed.yaml');
      expect(new Set(example.features.map((f) => f.type))).toEqual(new Set(['STANDARD']));
    });
  });

  describe('database guard', () => {
    it('refuses a database holding unrelated tables', async () => {
      await foreign.db.query('CREATE TABLE cases (id serial PRIMARY KEY)');
      await expect(startSandbox({ databaseUrl: foreign.url })).rejects.toThrow(UnrelatedDatabaseError);
      await expect(startSandbox({ databaseUrl: foreign.url })).rejects.toThrow(/cases/);
    });
  });
});
