/**
 * Flagsmith #8127: admin views have shown the newest *created* version where SDKs serve the newest
 * *live* one. Verification of a v2 environment uses the live rule (published, live_from ≤ now, the
 * latest live_from): a newer draft or a newer scheduled version does not change what it sees.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createActivities } from '../activities/index.js';
import type { VerifyEnvironmentInput, VerifyEnvironmentResult } from '../activities/rollback-verify.js';
import { seed002 } from '../src/devtools/seed-002.js';
import { type FlagsmithClient, environmentDefaultUpdate } from '../src/flagsmith/index.js';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { testDatabase } from './helpers/databases.js';
import { sandboxActivities } from './helpers/sandbox-activities.js';

const TOKEN = 'live-rule-token';
const NULL_VALUE = { type: 'unicode', string_value: null, integer_value: null, boolean_value: null } as const;

describe('verification reads the version SDKs serve', async () => {
  const db = await testDatabase('sandbox');
  let sandbox: Sandbox;
  let flagsmith: FlagsmithClient;
  let acts: ReturnType<typeof createActivities>;
  const prod = seed002.environments[0];

  beforeAll(async () => {
    sandbox = await startSandbox({
      databaseUrl: db.url,
      token: TOKEN,
      seed: {
        project: { id: seed002.projectId, name: 'Curaway' },
        environments: seed002.environments.map((e) => ({ id: e.id, name: e.name, api_key: e.apiKey })),
        features: [{ name: seed002.flag, environments: { Production: { enabled: true } } }],
      },
    });
    ({ flagsmith, acts } = sandboxActivities(sandbox, `Token ${TOKEN}`));
  });
  afterAll(async () => {
    await flagsmith?.close();
    await sandbox?.close();
  });

  const verify = async (featureId: number, version: string) => {
    const input: VerifyEnvironmentInput = {
      flag: seed002.flag,
      featureId,
      environment: 'Production',
      expected: { enabled: false, value: null, valueType: 'unicode' },
      version,
      probe: false,
    };
    return new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run<[VerifyEnvironmentInput], VerifyEnvironmentResult, typeof acts.verifyEnvironment>(
      (i) => acts.verifyEnvironment(i),
      input,
    );
  };

  it('sees ours live past a newer draft and a newer scheduled version, and not past a newer live one', async () => {
    const featureId = (await flagsmith.findFeatureByName(seed002.projectId, seed002.flag))?.id ?? -1;
    const version = async (enabled: boolean, publish: 'no' | 'now' | 'later') => {
      const draft = await flagsmith.createVersion(prod.id, featureId, { feature_states_to_update: [environmentDefaultUpdate(enabled, NULL_VALUE)] });
      if (publish === 'now') await flagsmith.publishVersion(prod.id, featureId, draft.uuid);
      if (publish === 'later') await flagsmith.publishVersion(prod.id, featureId, draft.uuid, { liveFrom: new Date(Date.now() + 86_400_000).toISOString() });
      return draft.uuid;
    };
    const ours = await version(false, 'now');
    const draft = await version(true, 'no');
    const scheduled = await version(true, 'later');
    // Both were created after ours; neither is live.
    const listed = await flagsmith.listVersions(prod.id, featureId);
    expect(listed.filter((v) => [draft, scheduled].includes(v.uuid)).map((v) => v.is_live)).toEqual([false, false]);
    expect((await verify(featureId, ours)).adminView).toMatchObject({ ok: true, version: ours, enabled: false, detail: `our version ${ours} is live` });

    const newer = await version(true, 'now');
    expect((await verify(featureId, ours)).adminView).toMatchObject({ ok: false, version: newer, enabled: true });
  });
});
