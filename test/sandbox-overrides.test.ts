/**
 * The sandbox's segments, identities and identity overrides, seeded from
 * `examples/sandbox-seed-overrides.yaml`: what the SDK serves each kind of identity, and the seed's
 * refusals. The shapes shared with real Flagsmith are pinned in the contract suite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagsmithClient } from '../src/flagsmith/client.js';
import { SeedError, parseSeed, startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { segmentMatches } from '../src/sandbox/store/evaluate.js';
import { testDatabase } from './helpers/databases.js';

const FLAG = 'auto_invoke_matcher_on_intake_complete';
const PROD = { id: 85219, key: 'X4CdBvak98wpn6Ljq7eUSs' };

describe('sandbox overrides', () => {
  let sandbox: Sandbox;
  let client: FlagsmithClient;

  beforeAll(async () => {
    const { url } = await testDatabase('sandbox');
    sandbox = await startSandbox({ databaseUrl: url, port: 0, token: 'overrides-token', seed: 'examples/sandbox-seed-overrides.yaml' });
    client = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: 'Token overrides-token' });
  });
  afterAll(async () => {
    await client?.close();
    await sandbox?.close();
  });

  const served = async (identifier: string, traits?: { trait_key: string; trait_value: string }[]) =>
    (await client.getSdkIdentityFlags(PROD.key, identifier, traits ? { traits } : {})).flags.find((f) => f.feature.name === FLAG);

  it('seeds a segment override in the live version and two identity overrides', async () => {
    const feature = await client.findFeatureByName(36214, FLAG);
    const { current } = await client.currentAndScheduledVersions(PROD.id, feature?.id ?? -1);
    const states = await client.listVersionFeatureStates(PROD.id, feature?.id ?? -1, current?.uuid ?? '');
    const [segment] = await client.listSegments(36214);
    const overridden = states.filter((s) => s.feature_segment !== null);
    expect(overridden.map((s) => [s.enabled, s.feature_segment?.segment])).toEqual([[true, segment?.id]]);
    const overrides = await client.listIdentityOverrides(PROD.key, feature?.id ?? -1);
    expect(overrides.map((o) => o.identity.identifier).sort()).toEqual(['sd-dogfood-1', 'sd-dogfood-2']);
  });

  it('serves an identity its own override before a segment override before the default', async () => {
    const feature = await client.findFeatureByName(36214, FLAG);
    const { current } = await client.currentAndScheduledVersions(PROD.id, feature?.id ?? -1);
    const [defaultState] = (await client.listVersionFeatureStates(PROD.id, feature?.id ?? -1, current?.uuid ?? '')).filter((s) => s.feature_segment === null);
    // Turn the default off so each source is told apart by what it serves.
    await client.createVersion(PROD.id, feature?.id ?? -1, {
      feature_states_to_update: [{ enabled: false, feature_state_value: defaultState?.feature_state_value ?? { type: 'unicode', string_value: null, integer_value: null, boolean_value: null }, feature_segment: null }],
      publish_immediately: true,
    });
    const own = await served('sd-dogfood-1');
    expect([own?.enabled, typeof own?.identity]).toEqual([true, 'number']);
    const member = await served('beta-member', [{ trait_key: 'tenant_tier', trait_value: 'beta' }]);
    expect([member?.enabled, typeof member?.feature_segment]).toEqual([true, 'number']);
    expect(await served('someone-else', [{ trait_key: 'tenant_tier', trait_value: 'ga' }])).toMatchObject({ enabled: false, identity: null, feature_segment: null });
    expect((await client.getSdkFlag(PROD.key, FLAG)).enabled).toBe(false);
  });

  it('stores nothing for a transient identify', async () => {
    await served('passer-by', [{ trait_key: 'tenant_tier', trait_value: 'beta' }]);
    const listed = await fetch(`${sandbox.url}/api/v1/environments/${PROD.key}/identities/?q=passer-by`, { headers: { Authorization: 'Token overrides-token' } });
    expect(((await listed.json()) as { count: number }).count).toBe(0);
  });

  it('evaluates rule types and operators as the engine does', () => {
    const rule = (type: 'ALL' | 'ANY' | 'NONE', conditions: { operator: string; property: string; value: string }[]) => ({ id: 1, type, rules: [], conditions: conditions.map((c, i) => ({ id: i, description: null, ...c })) });
    const beta = { operator: 'EQUAL', property: 'tier', value: 'beta' };
    expect(segmentMatches([rule('ALL', [beta])], { tier: 'beta' })).toBe(true);
    expect(segmentMatches([rule('ALL', [beta])], { tier: 'ga' })).toBe(false);
    expect(segmentMatches([rule('NONE', [beta])], { tier: 'ga' })).toBe(true);
    expect(segmentMatches([rule('ANY', [beta, { operator: 'IN', property: 'tier', value: 'alpha,ga' }])], { tier: 'ga' })).toBe(true);
    expect(segmentMatches([rule('ALL', [{ operator: 'REGEX', property: 'tier', value: '.*' }])], { tier: 'ga' })).toBe(false);
  });

  it('refuses a segment override naming no segment, and one on a v1 environment', async () => {
    const { url } = await testDatabase('sandbox');
    const bad = {
      project: { id: 1, name: 'P' },
      environments: [{ id: 2, name: 'Old', api_key: 'oldKey', use_v2_feature_versioning: false }],
      segments: [{ name: 's', rules: [{ type: 'ALL' as const, conditions: [{ operator: 'EQUAL', property: 'a', value: 'b' }] }] }],
      features: [{ name: 'f', environments: { Old: { enabled: true, segment_overrides: [{ segment: 'nope', enabled: true }] } } }],
    };
    expect(() => parseSeed(bad)).not.toThrow();
    await expect(startSandbox({ databaseUrl: url, port: 0, token: 't', seed: bad })).rejects.toThrow(/segment_overrides\.0\.segment: no segment has this name/);
    const v1 = { ...bad, features: [{ name: 'f', environments: { Old: { enabled: true, segment_overrides: [{ segment: 's', enabled: true }] } } }] };
    const other = await testDatabase('sandbox');
    await expect(startSandbox({ databaseUrl: other.url, port: 0, token: 't', seed: v1 })).rejects.toThrow(SeedError);
  });
});
