/**
 * How the plan finds `flagOnAt` (when the flag last went off → on): in a bounded number of
 * requests whatever the history's length, and "unknown, because …" when a plan limit hides the
 * history (a free-plan organisation lists only the last 7 days' versions) or it runs past what
 * the plan reads. The plan activity runs against a real sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAG_ON_AT_MAX_VERSIONS } from '../activities/rollback-plan.js';
import { seed002 } from '../src/devtools/seed-002.js';
import { type Sandbox, type SeedDocument, startSandbox } from '../src/sandbox/index.js';
import { testDatabase } from './helpers/databases.js';
import { sandboxActivities } from './helpers/sandbox-activities.js';

const TOKEN = 'plan-history-token';
const DAY = 86_400_000;
const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();

/** Seed 002's project and environments; the flag's Production history as given. */
function seed(plan: 'free' | undefined, history: { enabled: boolean; live_from: string }[]): SeedDocument {
  return {
    organisation: { name: 'Plan history', ...(plan ? { plan } : {}) },
    project: { id: seed002.projectId, name: 'Curaway' },
    environments: seed002.environments.map((e) => ({ id: e.id, name: e.name, api_key: e.apiKey })),
    features: [{ name: seed002.flag, environments: { Production: { enabled: true, history } } }],
  };
}

describe('the plan finds flagOnAt', async () => {
  const limitedDb = await testDatabase('sandbox');
  const longDb = await testDatabase('sandbox');
  let limited: Sandbox;
  let long: Sandbox;

  beforeAll(async () => {
    // Off 30 days ago, on 20 days ago, on again now: only the newest version is listed on a free plan.
    limited = await startSandbox({
      databaseUrl: limitedDb.url,
      token: TOKEN,
      seed: seed('free', [
        { enabled: false, live_from: at(30) },
        { enabled: true, live_from: at(20) },
      ]),
    });
    // Off once, then on in 25 versions: longer than the plan reads.
    long = await startSandbox({
      databaseUrl: longDb.url,
      token: TOKEN,
      seed: seed(undefined, [{ enabled: false, live_from: at(60) }, ...Array.from({ length: 25 }, (_, i) => ({ enabled: true, live_from: at(50 - i) }))]),
    });
  });
  afterAll(async () => {
    await limited?.close();
    await long?.close();
  });

  function planActivity(sandbox: Sandbox) {
    const { flagsmith, acts } = sandboxActivities(sandbox, `Token ${TOKEN}`);
    return {
      flagsmith,
      plan: () => acts.planEnvironment({ flag: seed002.flag, environment: 'Production', target: { enabled: false }, readHistory: true, overrides: 'keep' }),
      /** As a context recorded before issue 12 asks: no overrides mode. */
      planWithoutOverridesMode: () => acts.planEnvironment({ flag: seed002.flag, environment: 'Production', target: { enabled: false }, readHistory: true }),
    };
  }

  const versionReads = (sandbox: Sandbox) => {
    const log = sandbox.faults.log();
    return {
      states: log.filter((r) => /\/versions\/[0-9a-f-]{36}\/featurestates\/$/.test(r.path)).length,
      retrieves: log.filter((r) => r.path.startsWith('/api/v1/environment-feature-versions/')).length,
      total: log.length,
    };
  };

  it('says it is unknown, and why, when a plan limit hides the history', async () => {
    const listed = await limited.db.query<{ n: number }>('SELECT count(*)::int AS n FROM feature_versioning_environmentfeatureversion WHERE environment_id = $1', [
      seed002.environments[0].id,
    ]);
    expect(listed[0]?.n).toBeGreaterThan(2);
    const { flagsmith, plan } = planActivity(limited);
    // The free plan's list shows the newest version alone (the others are older than 7 days).
    const featureId = (await flagsmith.findFeatureByName(seed002.projectId, seed002.flag))?.id ?? -1;
    expect(await flagsmith.listVersions(seed002.environments[0].id, featureId)).toHaveLength(1);
    // Its audit lists answer no rows either, though the seed wrote them.
    const stored = await limited.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_auditlog');
    expect(stored[0]?.n).toBeGreaterThan(0);
    const audit = await fetch(`${limited.url}/api/v1/projects/${seed002.projectId}/audit/`, { headers: { Authorization: `Token ${TOKEN}` } });
    expect(await audit.json()).toMatchObject({ count: 0, results: [] });
    // And the organisation holds one project: a second is refused as Flagsmith's permission class refuses it.
    const organisation = (await limited.db.query<{ id: number }>('SELECT organisation_id AS id FROM projects_project'))[0]?.id;
    const second = await fetch(`${limited.url}/api/v1/projects/`, {
      method: 'POST',
      headers: { Authorization: `Token ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Second', organisation }),
    });
    expect(second.status).toBe(403);
    expect(await second.json()).toEqual({ detail: 'You do not have permission to perform this action.' });
    const result = await plan();
    expect(result.flagOnAt).toBeNull();
    expect(result.flagOnAtUnknown).toMatch(/lists only part of the version history \(a plan limit hides older versions\).*give flagOnAt/);
    await flagsmith.close();
  });

  it(`reads at most ${FLAG_ON_AT_MAX_VERSIONS} versions' states, whatever the history's length, and says when that was not enough`, async () => {
    // Without a plan limit an organisation takes a second project.
    const organisation = (await long.db.query<{ id: number }>('SELECT organisation_id AS id FROM projects_project'))[0]?.id;
    const second = await fetch(`${long.url}/api/v1/projects/`, {
      method: 'POST',
      headers: { Authorization: `Token ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Second', organisation }),
    });
    expect(second.status).toBe(201);
    expect(await second.json()).toMatchObject({ name: 'Second', organisation });
    const { flagsmith, plan } = planActivity(long);
    long.faults.clear();
    const result = await plan();
    const reads = versionReads(long);
    // The bounded walk, plus one read of the live version's states for its segment overrides (issue 12 §1).
    expect(reads.states).toBe(FLAG_ON_AT_MAX_VERSIONS + 1);
    expect(reads.retrieves).toBe(0);
    // Environment, feature search, feature state, versions list, the bounded states reads, and the
    // overrides' three (live version states, identity overrides, segments).
    expect(reads.total).toBeLessThanOrEqual(4 + FLAG_ON_AT_MAX_VERSIONS + 3);
    expect(result.flagOnAt).toBeNull();
    expect(result.flagOnAtUnknown).toMatch(new RegExp(`newest ${FLAG_ON_AT_MAX_VERSIONS} versions.*no off → on transition.*give flagOnAt`));
    await flagsmith.close();
  });

  it('reads no overrides for a context recorded before issue 12 (no overrides mode), so its re-check hashes as its plan did', async () => {
    const { flagsmith, planWithoutOverridesMode } = planActivity(long);
    long.faults.clear();
    const result = await planWithoutOverridesMode();
    expect(result.overrides).toBeUndefined();
    expect(versionReads(long).states).toBe(FLAG_ON_AT_MAX_VERSIONS);
    expect(long.faults.log().filter((r) => r.path.includes('/segments/') || r.query.includes('anyIdentity'))).toEqual([]);
    await flagsmith.close();
  });

  it('finds the transition within the bound, and on a limited plan when it lies in the visible days', async () => {
    // A fresh off → on inside the last 7 days on the limited sandbox: the plan sees it.
    const featureId = (await limited.db.query<{ id: number }>('SELECT id FROM features_feature WHERE name = $1', [seed002.flag]))[0]?.id ?? -1;
    const { flagsmith, plan } = planActivity(limited);
    const prod = seed002.environments[0].id;
    const flip = async (enabled: boolean) => {
      const draft = await flagsmith.createVersion(prod, featureId, {
        feature_states_to_update: [{ enabled, feature_state_value: { type: 'unicode', string_value: null, integer_value: null, boolean_value: null }, feature_segment: null }],
      });
      await flagsmith.publishVersion(prod, featureId, draft.uuid);
      return (await flagsmith.getVersion(draft.uuid)).live_from;
    };
    await flip(false);
    const onAt = await flip(true);
    limited.faults.clear();
    const result = await plan();
    expect(result.flagOnAt).toBe(onAt);
    expect(result).not.toHaveProperty('flagOnAtUnknown');
    expect(versionReads(limited).states).toBeLessThanOrEqual(FLAG_ON_AT_MAX_VERSIONS);
    await flagsmith.close();
  });
});
