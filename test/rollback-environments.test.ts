/**
 * `flagRollback` over three environments on the real dev server and sandbox: the state machine's
 * promise that a rollback never ends `completed` with an environment left behind, resolved through
 * the Updates (`approve`, `resolve`) and their verdicts.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { FlagsmithClient } from '../src/flagsmith/index.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { startRollback } from '../src/rollback/start.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { approveUpdate, resolveUpdate, statusQuery } from '../workflows/rollback/messages.js';
import { testDatabase } from './helpers/databases.js';
import { waitForQuery, runWithWorker } from './helpers/temporal.js';
import type { ActivityDeps } from '../activities/index.js';

const TOKEN = 'three-environments-token';
const FLAG = 'kill_switch';
const ENVS = [
  { name: 'Alpha', id: 501, apiKey: 'AlphaKey0000000000000a' },
  { name: 'Beta', id: 502, apiKey: 'BetaKey00000000000000b' },
  { name: 'Gamma', id: 503, apiKey: 'GammaKey0000000000000c' },
];
const APPROVER = 'sd@example.com';

const sandboxDb = await testDatabase('sandbox');
let sandbox: Sandbox;
let flagsmith: FlagsmithClient;

beforeAll(async () => {
  sandbox = await startSandbox({
    databaseUrl: sandboxDb.url,
    token: TOKEN,
    seed: {
      project: { id: 700, name: 'Three' },
      environments: ENVS.map((e) => ({ id: e.id, name: e.name, api_key: e.apiKey })),
      features: [
        {
          name: FLAG,
          environments: Object.fromEntries(
            ENVS.map((e) => [e.name, { history: [{ live_from: '2026-05-01T09:00:00Z', enabled: false }, { live_from: '2026-05-22T10:00:00Z', enabled: true }] }]),
          ),
        },
      ],
    },
  });
  flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${TOKEN}` });
});
afterAll(async () => {
  await flagsmith.close();
  await sandbox.close();
});

function deps(): Omit<ActivityDeps, 'temporal'> {
  return {
    config: parseConfig(
      {
        flagsmith: { apiUrl: sandbox.url, projectId: 700, environments: ENVS },
        approval: { approvers: [APPROVER, 'ic@example.com'], distinctFromRequester: true, timeout: '30m' },
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

const input = {
  flag: FLAG,
  requestedBy: 'ic@example.com',
  cacheWaitMs: 0,
  approvalTimeoutMs: 60_000,
  verifyTimeoutMs: 5_000,
  verifyIntervalMs: 200,
  activityTimeouts: { startToCloseMs: 10_000, heartbeatMs: 3_000, scheduleToCloseMs: 30_000 },
};

const versionsPath = (id: number) => `/api/v1/environments/${id}/features/1/versions/`;

async function servedEnabled(): Promise<boolean[]> {
  return Promise.all(ENVS.map(async (e) => (await flagsmith.getEnvironmentDefaultFeatureState(e.apiKey, FLAG))?.enabled ?? false));
}

async function setAllOn(): Promise<void> {
  const feature = await flagsmith.findFeatureByName(700, FLAG);
  if (!feature) throw new Error('no feature');
  for (const env of ENVS) {
    const version = await flagsmith.createVersion(env.id, feature.id, {
      feature_states_to_update: [{ enabled: true, feature_state_value: { type: 'unicode', string_value: null, integer_value: null, boolean_value: null }, feature_segment: null }],
      description: 'test setup',
    });
    await flagsmith.publishVersion(env.id, feature.id, version.uuid);
  }
}

describe('flagRollback over three environments', () => {
  it('approved by an Update: completes only once all three serve the target and were verified', async () => {
    await setAllOn();
    await runWithWorker({ deps: deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input });
      const planned = await waitForQuery('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval');
      // A malformed payload is rejected by the validator: the sender learns why, history keeps nothing.
      await expect(handle.executeUpdate(approveUpdate, { args: [{ who: APPROVER } as never] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      const refused = await handle.executeUpdate(approveUpdate, { args: [{ by: 'ic@example.com' }] });
      expect(refused).toEqual({ accepted: false, reason: 'four-eyes: the requester cannot approve their own rollback', status: 'awaiting_approval' });
      const verdict = await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER, planHash: planned.plan?.planHash }] });
      expect(verdict).toMatchObject({ accepted: true, reason: null });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.environments.map((e) => e.state)).toEqual(['verified', 'verified', 'verified']);
      expect(result.approvals.map((a) => [a.signal, a.via])).toEqual([['approve', 'update']]);
      expect(result.refusals.map((r) => [r.via, r.reason])).toEqual([['update', 'four-eyes: the requester cannot approve their own rollback']]);
      expect(await servedEnabled()).toEqual([false, false, false]);
    });
  });

  it('an Update sent before the plan exists waits for it and is judged then', async () => {
    await setAllOn();
    await runWithWorker({ deps: deps() }, async ({ client, taskQueue, idPrefix }) => {
      // Latency on the plan's first call keeps the plan from existing while the Update arrives.
      sandbox.faults.add({ method: 'GET', path: `/api/v1/environments/${ENVS[0]?.apiKey ?? ''}/`, latencyMs: 2_000, count: 1 });
      const handle = await startRollback(client, { taskQueue, idPrefix, input });
      const early = handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER, requestId: 'early' }] });
      const pending = await waitForQuery('pending', () => handle.query(statusQuery), (s) => s.pending.length === 1);
      expect(pending).toMatchObject({ status: 'planning', pending: [{ signal: 'approve', via: 'update', requestId: 'early' }] });
      expect(await early).toMatchObject({ accepted: true, reason: null });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.pending).toEqual([]);
      expect(result.approvals).toMatchObject([{ signal: 'approve', via: 'update', requestId: 'early' }]);
    });
  });

  it('A and B publish, C fails; revert fails in B: retry is refused, and the run can only end needs_attention or failed (the defect)', async () => {
    await setAllOn();
    await runWithWorker({ deps: deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input });
      await waitForQuery('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval');
      const gamma = ENVS[2]?.id ?? 0;
      const beta = ENVS[1]?.id ?? 0;
      sandbox.faults.add({ method: 'POST', path: versionsPath(gamma), status: 400, body: { detail: 'Gamma refuses' }, count: 1_000 });
      await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER }] });
      const attention = await waitForQuery('attention', () => handle.query(statusQuery), (s) => s.status === 'needs_attention');
      expect(attention.environments.map((e) => e.state)).toEqual(['published', 'published', 'failed']);
      expect(attention.attention?.actions).toEqual(['retry', 'revert', 'accept']);

      // The revert of Beta is refused once; Alpha's goes through.
      sandbox.faults.add({ method: 'POST', path: versionsPath(beta), status: 400, body: { detail: 'Beta refuses the revert' }, count: 1 });
      expect(await handle.executeUpdate(resolveUpdate, { args: [{ by: APPROVER, action: 'revert' }] })).toMatchObject({ accepted: true });
      const partial = await waitForQuery('partial revert', () => handle.query(statusQuery), (s) => s.status === 'needs_attention' && s.attention?.actions.length === 2);
      expect(partial.environments.map((e) => e.state)).toEqual(['reverted', 'revert_failed', 'failed']);
      expect(partial.attention?.actions).toEqual(['revert', 'accept']);

      // Retrying forward would publish Gamma and leave Alpha ON: refused, and the verdict says why.
      const retry = await handle.executeUpdate(resolveUpdate, { args: [{ by: APPROVER, action: 'retry' }] });
      expect(retry).toEqual({ accepted: false, reason: '"retry" is not possible now (possible: revert, accept)', status: 'needs_attention' });

      // Revert again: Beta goes back too; everything serves the before-state, and the run says it failed.
      expect(await handle.executeUpdate(resolveUpdate, { args: [{ by: APPROVER, action: 'revert' }] })).toMatchObject({ accepted: true });
      const result = await handle.result();
      expect(result.status).toBe('failed');
      expect(result.environments.map((e) => e.state)).toEqual(['reverted', 'reverted', 'failed']);
      expect(result.outcome?.detail).toBe('reverted by sd@example.com: every environment serves the before-state again (Alpha reverted, Beta reverted, Gamma failed)');
      expect(await servedEnabled()).toEqual([true, true, true]);
      sandbox.faults.clear();
    });
  });

  it('an environment that requires change requests (Flagsmith #8367): named in the plan, its 409 final and not retried', async () => {
    await setAllOn();
    const gamma = ENVS[2]?.id ?? 0;
    await sandbox.db.query('UPDATE environments_environment SET minimum_change_request_approvals = 2 WHERE id = $1', [gamma]);
    try {
      await runWithWorker({ deps: deps() }, async ({ client, taskQueue, idPrefix }) => {
        const handle = await startRollback(client, { taskQueue, idPrefix, input });
        const planned = await waitForQuery('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval');
        expect(planned.plan?.changeRequests?.map((c) => [c.environment, c.minimumApprovals])).toEqual([['Gamma', 2]]);
        expect(planned.plan?.changeRequests?.[0]?.note).toContain('requires a change request');
        sandbox.faults.clear();
        await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER }] });
        const attention = await waitForQuery('attention', () => handle.query(statusQuery), (s) => s.status === 'needs_attention');
        expect(attention.environments.map((e) => e.state)).toEqual(['published', 'published', 'failed']);
        expect(JSON.stringify(attention.environments[2])).toContain('environment Gamma requires a change request');
        // One publish refused, never retried.
        const publishes = sandbox.faults.log().filter((r) => r.method === 'POST' && r.path.startsWith(versionsPath(gamma)) && r.path.endsWith('/publish/'));
        expect(publishes.map((r) => r.status)).toEqual([409]);
        await handle.executeUpdate(resolveUpdate, { args: [{ by: APPROVER, action: 'accept' }] });
        const result = await handle.result();
        expect(result.status).toBe('needs_attention');
        expect(await servedEnabled()).toEqual([false, false, true]);
      });
    } finally {
      await sandbox.db.query('UPDATE environments_environment SET minimum_change_request_approvals = NULL WHERE id = $1', [gamma]);
      sandbox.faults.clear();
    }
  });

  it('accepting a mix ends needs_attention with every environment named, never completed', async () => {
    await setAllOn();
    await runWithWorker({ deps: deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input });
      await waitForQuery('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval');
      sandbox.faults.add({ method: 'POST', path: versionsPath(ENVS[2]?.id ?? 0), status: 400, body: { detail: 'Gamma refuses' }, count: 1_000 });
      await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER }] });
      await waitForQuery('attention', () => handle.query(statusQuery), (s) => s.status === 'needs_attention');
      await handle.executeUpdate(resolveUpdate, { args: [{ by: APPROVER, action: 'accept' }] });
      const result = await handle.result();
      expect(result.status).toBe('needs_attention');
      expect(result.environments.map((e) => e.state)).toEqual(['verified', 'verified', 'failed']);
      expect(result.outcome).toMatchObject({ by: APPROVER, detail: 'accepted as is by sd@example.com: Alpha verified, Beta verified, Gamma failed' });
      expect(await servedEnabled()).toEqual([false, false, true]);
      sandbox.faults.clear();
    });
  });
});
