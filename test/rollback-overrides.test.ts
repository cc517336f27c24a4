/**
 * Issue 12 §1 on the real dev server and the sandbox: a flag enabled for a segment and for two
 * identities. With `--overrides keep` the plan says which overrides still serve ON (and verify
 * reports them, as planned); with `disable` the same new version turns the segment override OFF and
 * the identity overrides go OFF, and verify sees no identity served ON; `remove` deletes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { renderPlan } from '../src/cli/render.js';
import { FlagsmithClient } from '../src/flagsmith/index.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { startRollback } from '../src/rollback/start.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { approveUpdate, statusQuery, type RollbackInput } from '../workflows/rollback/messages.js';
import type { ActivityDeps } from '../activities/index.js';
import { testDatabase } from './helpers/databases.js';
import { runWithWorker, waitForQuery } from './helpers/temporal.js';

const TOKEN = 'overrides-rollback-token';
const FLAG = 'auto_invoke_matcher_on_intake_complete';
const PROJECT = 36214;
const ENVS = [
  { name: 'Production', id: 85219, apiKey: 'X4CdBvak98wpn6Ljq7eUSs' },
  { name: 'Development', id: 85220, apiKey: 'SCE375zGzViFpGZhWoiK7D' },
];
const PROD = ENVS[0] ?? { name: '', id: 0, apiKey: '' };
const APPROVER = 'sd@example.com';
const BETA = [{ trait_key: 'tenant_tier', trait_value: 'beta' }];

const sandboxDb = await testDatabase('sandbox');
let sandbox: Sandbox;
let flagsmith: FlagsmithClient;
let featureId: number;

beforeAll(async () => {
  sandbox = await startSandbox({ databaseUrl: sandboxDb.url, token: TOKEN, seed: 'examples/sandbox-seed-overrides.yaml' });
  flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${TOKEN}` });
  featureId = (await flagsmith.findFeatureByName(PROJECT, FLAG))?.id ?? -1;
});
afterAll(async () => {
  await flagsmith?.close();
  await sandbox?.close();
});

function deps(flagConfig: Record<string, unknown> = {}): Omit<ActivityDeps, 'temporal'> {
  return {
    config: parseConfig(
      {
        flagsmith: { apiUrl: sandbox.url, projectId: PROJECT, environments: ENVS },
        approval: { approvers: [APPROVER], distinctFromRequester: true, timeout: '30m' },
        flags: { [FLAG]: flagConfig },
      },
      'test',
      {},
    ),
    log: createLogger('silent'),
    metrics: createMetrics(),
    secrets: { serverKeys: {} },
    flagsmith,
  };
}

const input = (extra: Partial<RollbackInput> = {}): RollbackInput => ({
  flag: FLAG,
  requestedBy: 'ic@example.com',
  cacheWaitMs: 0,
  approvalTimeoutMs: 60_000,
  verifyTimeoutMs: 5_000,
  verifyIntervalMs: 200,
  activityTimeouts: { startToCloseMs: 10_000, heartbeatMs: 3_000, scheduleToCloseMs: 30_000 },
  ...extra,
});

/** The environment default back ON in Production (the overrides are left as they are). */
async function defaultOn(): Promise<void> {
  const version = await flagsmith.createVersion(PROD.id, featureId, {
    feature_states_to_update: [{ enabled: true, feature_state_value: { type: 'unicode', string_value: null, integer_value: null, boolean_value: null }, feature_segment: null }],
    description: 'test setup',
  });
  await flagsmith.publishVersion(PROD.id, featureId, version.uuid);
}

/** What the SDK serves: both overridden identities, a segment member, and an identity without overrides. */
async function served(): Promise<(boolean | undefined)[]> {
  const enabled = async (identifier: string, traits?: typeof BETA) =>
    (await flagsmith.getSdkIdentityFlags(PROD.apiKey, identifier, traits ? { traits } : {})).flags.find((f) => f.feature.name === FLAG)?.enabled;
  return Promise.all([enabled('sd-dogfood-1'), enabled('sd-dogfood-2'), enabled('a-beta-tenant', BETA), enabled('nobody-special', [{ trait_key: 'tenant_tier', trait_value: 'ga' }])]);
}

async function approveAndFinish(handle: Awaited<ReturnType<typeof startRollback>>, planHash: string | undefined) {
  await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER, planHash }] });
  return handle.result();
}

describe('a rollback and the overrides it would miss', () => {
  it('keep (the default): the plan says the segment override and both identities still serve ON, and verify reports them as planned', async () => {
    await runWithWorker({ deps: deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: input() });
      const planned = await waitForQuery('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval');
      const prod = planned.plan?.environments.find((e) => e.name === 'Production');
      expect(planned.plan?.overridesMode).toBe('keep');
      expect(prod?.overrides?.segments).toMatchObject([{ segment: 'beta_tenants', enabled: true, action: 'kept', stillServesOld: true }]);
      // Only counts enter history unless the config allows identifiers.
      expect(prod?.overrides?.identities).toEqual({ count: 2, differing: 2, action: 'kept', stillServingOld: 2, identifiers: null, cut: false });
      expect(JSON.stringify(planned)).not.toContain('sd-dogfood');
      const text = renderPlan(planned);
      expect(text).toContain('segment override "beta_tenants" (segment');
      expect(text).toContain('STILL SERVES ON after the rollback (--overrides keep)');
      expect(text).toContain('identity overrides: 2 (2 differ from the target) (identifiers not shown');
      const result = await approveAndFinish(handle, planned.plan?.planHash);
      expect(result.status).toBe('completed');
      const outcome = result.environments.find((e) => e.name === 'Production');
      expect(outcome?.identityView).toMatchObject({ ok: true });
      expect(outcome?.identityView?.detail).toContain('3 of 3 overridden identities not served OFF');
      expect(outcome?.identityView?.detail).toContain('as the plan said (--overrides keep)');
      expect(result.environments.find((e) => e.name === 'Development')?.identityView).toBeUndefined();
      expect(await served()).toEqual([true, true, true, false]);
    });
  });

  it('disable: the segment override goes OFF in the same new version, the identity overrides go OFF, and no identity is served ON', async () => {
    await defaultOn();
    await runWithWorker({ deps: deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: input({ overrides: 'disable' }) });
      const planned = await waitForQuery('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval');
      const prod = planned.plan?.environments.find((e) => e.name === 'Production');
      expect(prod?.overrides?.segments).toMatchObject([{ segment: 'beta_tenants', action: 'disabled', stillServesOld: false }]);
      expect(prod?.overrides?.identities).toMatchObject({ count: 2, action: 'disabled', stillServingOld: 0 });
      expect(renderPlan(planned)).not.toContain('STILL SERVE');
      const result = await approveAndFinish(handle, planned.plan?.planHash);
      expect(result.status).toBe('completed');
      const outcome = result.environments.find((e) => e.name === 'Production');
      expect(outcome?.overridesChanged).toEqual({ segments: 1, identities: 2 });
      expect(outcome?.identityView).toMatchObject({ ok: true, detail: 'SDK identities (environment key): 3 overridden identities checked, each served OFF' });
      const states = await flagsmith.listVersionFeatureStates(PROD.id, featureId, outcome?.version ?? '');
      expect(states.map((s) => [s.feature_segment === null ? 'default' : 'segment', s.enabled])).toEqual([
        ['default', false],
        ['segment', false],
      ]);
      expect((await flagsmith.listIdentityOverrides(PROD.apiKey, featureId)).map((o) => o.enabled)).toEqual([false, false]);
      expect(await served()).toEqual([false, false, false, false]);
    });
  });

  it('disable survives a publish whose identity PATCH was applied but its answer lost: the retry reuses the version and finishes the rest', async () => {
    await defaultOn();
    // Everything ON again: the segment override and both identity overrides.
    const value = { type: 'unicode' as const, string_value: null, integer_value: null, boolean_value: null };
    const [segment] = await flagsmith.listSegments(PROJECT);
    const setup = await flagsmith.createVersion(PROD.id, featureId, {
      feature_states_to_update: [{ enabled: true, feature_state_value: value, feature_segment: { segment: segment?.id ?? -1 } }],
      description: 'test setup',
    });
    await flagsmith.publishVersion(PROD.id, featureId, setup.uuid);
    for (const o of await flagsmith.listIdentityOverrides(PROD.apiKey, featureId)) await flagsmith.updateIdentityOverride(PROD.apiKey, o.identity.id, o.id, { enabled: true });
    expect(await served()).toEqual([true, true, true, true]);
    await runWithWorker({ deps: deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: input({ overrides: 'disable' }) });
      const planned = await waitForQuery('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval');
      sandbox.faults.add({ method: 'PATCH', path: `/api/v1/environments/${PROD.apiKey}/identities/*/featurestates/*/`, dropAnswer: true, count: 1 });
      const result = await approveAndFinish(handle, planned.plan?.planHash);
      sandbox.faults.clear();
      expect(result.status).toBe('completed');
      const outcome = result.environments.find((e) => e.name === 'Production');
      // The retry found its marked version (no second one) and changed only the override still ON.
      expect(outcome?.overridesChanged).toEqual({ segments: 0, identities: 1 });
      const marked = (await flagsmith.listVersions(PROD.id, featureId)).filter((v) => v.description?.startsWith('flagops:'));
      expect(marked.filter((v) => v.uuid === outcome?.version)).toHaveLength(1);
      expect(outcome?.identityView).toMatchObject({ ok: true });
      expect(await served()).toEqual([false, false, false, false]);
    });
  });

  it("remove, as the flag's configured default: the segment override and identity overrides are deleted, identifiers shown when allowed", async () => {
    await defaultOn();
    await runWithWorker({ deps: deps({ overrides: 'remove', overrideIdentifiers: true }) }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: input() });
      const planned = await waitForQuery('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval');
      const prod = planned.plan?.environments.find((e) => e.name === 'Production');
      expect(planned.plan?.overridesMode).toBe('remove');
      expect(prod?.overrides?.identities).toMatchObject({ count: 2, action: 'removed', stillServingOld: 0, identifiers: ['sd-dogfood-1', 'sd-dogfood-2'], cut: false });
      expect(renderPlan(planned)).toMatch(/identity overrides: 2 \(\d differ from the target\): sd-dogfood-1, sd-dogfood-2 — removed \(--overrides remove\)/);
      const result = await approveAndFinish(handle, planned.plan?.planHash);
      expect(result.status).toBe('completed');
      const outcome = result.environments.find((e) => e.name === 'Production');
      expect(outcome?.overridesChanged).toEqual({ segments: 1, identities: 2 });
      const states = await flagsmith.listVersionFeatureStates(PROD.id, featureId, outcome?.version ?? '');
      expect(states.filter((s) => s.feature_segment !== null)).toEqual([]);
      expect(await flagsmith.listIdentityOverrides(PROD.apiKey, featureId)).toEqual([]);
      expect(await served()).toEqual([false, false, false, false]);
    });
  });
});
