/**
 * FlagsmithClient against a scripted local server: request shapes, pagination, schema checks and
 * secrets. The behaviour of Flagsmith itself is checked by the contract tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FlagsmithClient } from '../../src/flagsmith/client.js';
import { toFeatureStateValue } from '../../src/flagsmith/values.js';
import { environmentDefaultUpdate } from '../../src/flagsmith/versions.js';
import { HttpError } from '../../src/http.js';

const TOKEN = 'Token fake-admin-t0ken-123456';
const SDK_KEY = 'ser.fake-server-key-987654';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  environmentKey: string | undefined;
  body: unknown;
}

let server: Server;
let base: string;
let seen: Seen[] = [];
let reply: (req: Seen) => { status: number; body: unknown; headers?: Record<string, string> } = () => ({ status: 200, body: {} });
let client: FlagsmithClient;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      const entry: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        environmentKey: req.headers['x-environment-key'] as string | undefined,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      seen.push(entry);
      const r = reply(entry);
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(r.status === 204 ? undefined : JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new FlagsmithClient({ apiUrl: `${base}/admin`, sdkUrl: `${base}/edge/`, adminToken: TOKEN, timeoutMs: 2_000 });
});

beforeEach(() => {
  seen = [];
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const fs = (over: Record<string, unknown> = {}) => ({
  id: 1,
  uuid: 'u',
  feature: 10,
  environment: 85219,
  identity: null,
  feature_segment: null,
  enabled: true,
  feature_state_value: null,
  environment_feature_version: '0b7c3b52-3f5e-4f4e-9a55-2b3d7d1c0a11',
  ...over,
});

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}

describe('FlagsmithClient requests', () => {
  it('finds a feature by exact name across pages, reusing only the query of next', async () => {
    reply = (req) =>
      req.url.includes('page=2')
        ? { status: 200, body: { next: null, results: [{ id: 2, name: 'flag' }] } }
        : // `next` names another host, as Flagsmith behind a proxy does.
          { status: 200, body: { next: 'https://elsewhere.invalid/api/v1/projects/36214/features/?page=2&search=flag', results: [{ id: 1, name: 'flag_two' }] } };
    const feature = await client.findFeatureByName(36214, 'flag');
    expect(feature).toEqual({ id: 2, name: 'flag' });
    expect(seen.map((s) => s.url)).toEqual(['/admin/api/v1/projects/36214/features/?search=flag', '/admin/api/v1/projects/36214/features/?search=flag&page=2']);
    expect(seen[0]?.authorization).toBe(TOKEN);
  });

  it('answers null for a feature only matched as a substring', async () => {
    reply = () => ({ status: 200, body: { next: null, results: [{ id: 1, name: 'flag_two' }] } });
    expect(await client.findFeatureByName(1, 'flag')).toBeNull();
  });

  it('picks the environment default among feature states', async () => {
    reply = () => ({ status: 200, body: { count: 2, next: null, previous: null, results: [fs({ id: 5, feature_segment: 3 }), fs({ id: 6 })] } });
    const state = await client.getEnvironmentDefaultFeatureState('X4CdBvak98wpn6Ljq7eUSs', 'auto_invoke');
    expect(state?.id).toBe(6);
    expect(seen[0]?.url).toBe('/admin/api/v1/environments/X4CdBvak98wpn6Ljq7eUSs/featurestates/?feature_name=auto_invoke');
  });

  it('sends a create-version body with every list, all three value fields and no live_from', async () => {
    reply = () => ({
      status: 201,
      body: { uuid: 'v1', published: true, is_live: true, live_from: '2026-05-22T10:00:00Z', created_at: '2026-05-22T10:00:00Z', published_by: 1, created_by: 1, description: null },
    });
    const version = await client.createVersion(85219, 10, {
      feature_states_to_update: [environmentDefaultUpdate(false, toFeatureStateValue(null), 6)],
      publish_immediately: true,
    });
    expect(version.uuid).toBe('v1');
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe('/admin/api/v1/environments/85219/features/10/versions/');
    expect(seen[0]?.body).toEqual({
      feature_states_to_update: [
        { id: 6, enabled: false, feature_segment: null, feature_state_value: { type: 'unicode', string_value: null, integer_value: null, boolean_value: null } },
      ],
      feature_states_to_create: [],
      segment_ids_to_delete_overrides: [],
      publish_immediately: true,
    });
  });

  it('publishes with an optional live_from', async () => {
    reply = () => ({ status: 200, body: { live_from: '2026-06-01T00:00:00Z' } });
    await client.publishVersion(1, 2, 'abc', { liveFrom: '2026-06-01T00:00:00Z' });
    await client.publishVersion(1, 2, 'abc');
    expect(seen.map((s) => [s.url, s.body])).toEqual([
      ['/admin/api/v1/environments/1/features/2/versions/abc/publish/', { live_from: '2026-06-01T00:00:00Z' }],
      ['/admin/api/v1/environments/1/features/2/versions/abc/publish/', {}],
    ]);
  });

  it('deletes a version and accepts the empty 204', async () => {
    reply = () => ({ status: 204, body: null });
    await client.deleteVersion(1, 2, 'abc');
    expect(seen[0]).toMatchObject({ method: 'DELETE', url: '/admin/api/v1/environments/1/features/2/versions/abc/' });
  });

  it('asks the SDK URL with the environment key and without the admin token', async () => {
    reply = () => ({ status: 200, body: { id: 1, feature: { id: 10, name: 'f', type: 'STANDARD' }, feature_state_value: null, enabled: false, environment: 1, identity: null, feature_segment: null } });
    const flag = await client.getSdkFlag(SDK_KEY, 'f');
    expect(flag.enabled).toBe(false);
    expect(seen[0]).toMatchObject({ url: '/edge/api/v1/flags/?feature=f', environmentKey: SDK_KEY, authorization: undefined });
  });

  it('returns the environment document whole with its byte size', async () => {
    const doc = { id: 1, api_key: 'k', name: 'Production', project: { id: 2, name: 'p' }, feature_states: [{ feature: { id: 3, name: 'f', type: 'STANDARD' }, enabled: true, feature_state_value: 'x', featurestate_uuid: 'u' }] };
    reply = () => ({ status: 200, body: doc });
    const { document, bytes } = await client.getEnvironmentDocument('k');
    expect(document).toEqual(doc);
    expect(bytes).toBe(Buffer.byteLength(JSON.stringify(doc)));
  });
  it("accepts the legacy PATCH's partial answer {feature, enabled}, sending the flat value", async () => {
    reply = () => ({ status: 200, body: { feature: 10, enabled: false } });
    const patched = await client.patchFeatureStateLegacy('k', 6, { enabled: false, feature_state_value: 'x' });
    expect(patched).toEqual({ feature: 10, enabled: false });
    expect(seen[0]).toMatchObject({ method: 'PATCH', url: '/admin/api/v1/environments/k/featurestates/6/', body: { enabled: false, feature_state_value: 'x' } });
  });

  it('reads an identity override nested as {id, identifier} and skips it', async () => {
    reply = () => ({ status: 200, body: { next: null, results: [fs({ id: 5, identity: { id: 9, identifier: 'u' } }), fs({ id: 6 })] } });
    expect((await client.getEnvironmentDefaultFeatureState('k', 'f'))?.id).toBe(6);
  });
});

describe('FlagsmithClient answer checks', () => {
  it('rejects a response with a missing field, naming the endpoint and the field path', async () => {
    const { environment_feature_version: _dropped, enabled: _alsoDropped, ...partial } = fs();
    reply = () => ({ status: 200, body: { next: null, results: [partial] } });
    const err = await rejection(client.getEnvironmentDefaultFeatureState('key', 'f'));
    expect(err.type).toBe('BadResponse');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('environments/{api_key}/featurestates/');
    expect(err.message).toContain('results[0].enabled');
  });

  it('rejects a value dict with a type Flagsmith does not store', async () => {
    reply = () => ({ status: 200, body: [{ ...fs(), feature_state_value: { type: 'string', string_value: 'x', integer_value: null, boolean_value: null } }] });
    const err = await rejection(client.listVersionFeatureStates(1, 2, 'u'));
    expect(err.message).toContain('[0].feature_state_value.type');
  });

  it('keeps the admin token out of every error', async () => {
    reply = (req) => ({ status: 401, body: { detail: `Invalid token. ${req.authorization ?? ''}` } });
    const errors = [await rejection(client.getEnvironment('k')), await rejection(client.getSdkFlag(SDK_KEY, 'f'))];
    reply = () => ({ status: 200, body: { nope: true } });
    errors.push(await rejection(client.getEnvironment('k')));
    for (const err of errors) {
      for (const text of [JSON.stringify(err), inspect(err, { depth: 20, showHidden: true }), String(err.stack)]) {
        expect(text).not.toContain('fake-admin-t0ken');
        expect(text).not.toContain('fake-server-key');
      }
    }
    expect(inspect(client, { depth: 5, showHidden: true })).not.toContain('fake-admin-t0ken');
  });
});
