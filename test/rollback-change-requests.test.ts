/**
 * Flagsmith #8367, once fixed: publishing a version where `minimum_change_request_approvals` is
 * set answers 409 `change_requests_enabled`. The sandbox models it; the plan says which
 * environments require change requests, and the publish fails for good (a non-retryable
 * `Conflict` that says what to do), leaving the draft for the end-of-run clean-up.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createActivities } from '../activities/index.js';
import type { PublishEnvironmentInput } from '../activities/rollback-publish.js';
import { seed002 } from '../src/devtools/seed-002.js';
import { type FlagsmithClient } from '../src/flagsmith/index.js';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { testDatabase } from './helpers/databases.js';
import { sandboxActivities } from './helpers/sandbox-activities.js';

const TOKEN = 'change-requests-token';

describe('an environment that requires change requests', async () => {
  const db = await testDatabase('sandbox');
  let sandbox: Sandbox;
  let flagsmith: FlagsmithClient;
  let acts: ReturnType<typeof createActivities>;

  beforeAll(async () => {
    sandbox = await startSandbox({
      databaseUrl: db.url,
      token: TOKEN,
      seed: {
        project: { id: seed002.projectId, name: 'Curaway' },
        environments: seed002.environments.map((e) => ({
          id: e.id,
          name: e.name,
          api_key: e.apiKey,
          ...(e.name === 'Production' ? { minimum_change_request_approvals: 2 } : {}),
        })),
        features: [{ name: seed002.flag, environments: { Production: { enabled: true }, Development: { enabled: true } } }],
      },
    });
    ({ flagsmith, acts } = sandboxActivities(sandbox, `Api-Key ${TOKEN}`));
  });
  afterAll(async () => {
    await flagsmith?.close();
    await sandbox?.close();
  });

  it('is named in the plan, with its required approvals', async () => {
    const plan = (environment: string) => acts.planEnvironment({ flag: seed002.flag, environment, target: { enabled: false }, readHistory: false });
    expect(await plan('Production')).toMatchObject({ changeRequestApprovals: 2 });
    expect(await plan('Development')).not.toHaveProperty('changeRequestApprovals');
  });

  it('refuses the publish with 409 change_requests_enabled, which flagops treats as final and explains', async () => {
    const planned = await acts.planEnvironment({ flag: seed002.flag, environment: 'Production', target: { enabled: false }, readHistory: false });
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
    const error = await env
      .run((input: PublishEnvironmentInput) => acts.publishEnvironment(input), {
        flag: seed002.flag,
        featureId: planned.featureId,
        environment: 'Production',
        versioning: 'v2' as const,
        featureStateId: planned.featureStateId,
        state: planned.after,
        marker: 'flagops:test:run:Production:forward',
        deleteScheduled: [],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'Conflict', nonRetryable: true });
    expect((error as Error).message).toMatch(/environment Production requires a change request.*409 change_requests_enabled.*retrying cannot help/);
    // One publish attempt, no retry inside the activity; the flag stays on.
    const publishes = sandbox.faults.log().filter((r) => r.method === 'POST' && r.path.endsWith('/publish/'));
    expect(publishes.map((r) => r.status)).toEqual([409]);
    expect((await flagsmith.getEnvironmentDefaultFeatureState(seed002.environments[0].apiKey, seed002.flag))?.enabled).toBe(true);
    // A one-step publish is refused alike.
    const oneStep = await fetch(`${sandbox.url}/api/v1/environments/${planned.id}/features/${planned.featureId}/versions/`, {
      method: 'POST',
      headers: { Authorization: `Token ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ publish_immediately: true, feature_states_to_update: [] }),
    });
    expect(oneStep.status).toBe(409);
    expect(await oneStep.json()).toMatchObject({ code: 'change_requests_enabled' });
  });
});
