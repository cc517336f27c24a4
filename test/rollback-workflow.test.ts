/**
 * `flagRollback` end to end with the real worker, the real sandbox (seed 002) and a real
 * application database: the runbook, the approval rules, the end states and the plan checks.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { RollbackAlreadyRunningError, startRollback } from '../src/rollback/start.js';
import {
  approveSignal,
  rejectSignal,
  resolveSignal,
  statusQuery,
  verdictFor,
  type RollbackInput,
  type RollbackStatus,
} from '../workflows/rollback/messages.js';
import { ApprovedByKey, RollbackStepKey } from '../workflows/rollback/search-attributes.js';
import { APPROVER, CONFIG_FLAG, ENV_IDS, FLAG, REQUESTER, SECRET_COLUMNS, TOKEN, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { runWithWorker, workflowBundle } from './helpers/temporal.js';
import { Worker } from '@temporalio/worker';
import { ONE_DECISION_PATCH } from '../workflows/rollback/approval.js';
import { historyText } from './helpers/history.js';

const fx = await rollbackFixture();

async function start(client: Client, taskQueue: string, idPrefix: string, input: RollbackInput) {
  return startRollback(client, { taskQueue, idPrefix, input });
}

describe('flagRollback: the runbook', () => {
  it('plans, waits for another approver, flips both environments exactly once, verifies both views, counts the cohort and summarises', async () => {
    await fx.setFlag(FLAG, true);
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput({ pr: 'curaway/backend#1088' }));
      expect(handle.workflowId).toBe(`${idPrefix}rollback-${FLAG}`);
      // A second start for the same flag is refused, naming the running one.
      await expect(start(client, taskQueue, idPrefix, testInput())).rejects.toBeInstanceOf(RollbackAlreadyRunningError);

      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      const plan = planned.plan;
      expect(plan?.environments.map((e) => [e.name, e.before.enabled, e.after.enabled])).toEqual([
        ['Production', true, false],
        ['Development', true, false],
      ]);
      expect(plan?.flagOnAt).toBeTruthy();
      expect(plan?.semantics).toBe('asymmetric');
      expect(plan?.planHash).toMatch(/^[0-9a-f]{64}$/);
      expect(planned.timers.approvalDeadline).not.toBeNull();
      expect(await fx.versionsSince(since)).toHaveLength(0);

      const approvedAt = Date.now();
      await handle.signal(approveSignal, { by: APPROVER, planHash: plan?.planHash, comment: 'go', requestId: 'req-1' });
      const result = await handle.result();
      const elapsed = Date.now() - approvedAt;

      expect(result.status).toBe('completed');
      expect(verdictFor(result, 'req-1').verdict).toBe('accepted');
      const versions = (await fx.versionsSince(since)).filter((v) => v.published);
      expect(versions.map((v) => v.environment_id).sort()).toEqual([ENV_IDS.Production, ENV_IDS.Development].sort());
      for (const env of result.environments) {
        expect(env.publish).toBe('published');
        expect(versions.map((v) => v.uuid)).toContain(env.version);
        expect(env.adminView?.ok).toBe(true);
        expect(env.adminView?.version).toBe(env.version);
        expect(env.sdkView?.ok).toBe(true);
        expect(env.verified).toBe(true);
      }
      expect(result.cohort).toMatchObject({ status: 'done', count: 2, idColumn: 'id' });
      expect(result.cohort?.ids.sort()).toEqual(['case-1', 'case-2']);
      expect(result.notifications.find((n) => n.channel === 'github')).toMatchObject({ status: 'skipped' });
      // The cache wait (1 s) is part of the post-approval path.
      expect(elapsed).toBeGreaterThanOrEqual(1_000);

      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(RollbackStepKey)).toBe('summary');
      expect(description.typedSearchAttributes.get(ApprovedByKey)).toBe(APPROVER);
      const memo = description.memo?.rollback as { outcome: { status: string } } | undefined;
      expect(memo?.outcome.status).toBe('completed');

      // Secrets and cohort columns other than the id never enter the history.
      const history = await historyText(handle);
      expect(history).not.toContain(TOKEN);
      for (const secret of SECRET_COLUMNS) expect(history).not.toContain(secret);
      expect(history).toContain('case-1');
    });
  });

  it('rolls back a CONFIG flag to a new JSON value, stored as unicode text', async () => {
    await fx.setFlag(CONFIG_FLAG, true, '["decided_on_destination"]');
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(
        client,
        taskQueue,
        idPrefix,
        testInput({ flag: CONFIG_FLAG, target: { enabled: true, value: '["comparing_options"]' } }),
      );
      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      expect(planned.plan?.environments[0]?.after).toEqual({ enabled: true, value: '["comparing_options"]', valueType: 'unicode' });
      expect(planned.cohort).toBeNull();
      await handle.signal(approveSignal, { by: APPROVER });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.cohort).toBeNull();
      const state = await fx.flagsmith.getEnvironmentDefaultFeatureState('X4CdBvak98wpn6Ljq7eUSs', CONFIG_FLAG);
      expect(state).toMatchObject({ enabled: true, feature_state_value: '["comparing_options"]' });
    });
  });

  it('a disable-only rollback keeps the current value and type', async () => {
    await fx.setFlag(CONFIG_FLAG, true, '["decided_on_destination"]');
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput({ flag: CONFIG_FLAG }));
      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      expect(planned.plan?.environments[0]?.after).toEqual({ enabled: false, value: '["decided_on_destination"]', valueType: 'unicode' });
      await handle.signal(approveSignal, { by: APPROVER });
      expect((await handle.result()).status).toBe('completed');
      const state = await fx.flagsmith.getEnvironmentDefaultFeatureState('SCE375zGzViFpGZhWoiK7D', CONFIG_FLAG);
      expect(state).toMatchObject({ enabled: false, feature_state_value: '["decided_on_destination"]' });
    });
  });
});

describe('flagRollback: Flagsmith calls after approval', () => {
  it('makes no redundant calls: re-validation, publish and verify only, split by environment', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput({ cacheWaitMs: 0 }));
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      const before = fx.sandbox.faults.log().length;
      await handle.signal(approveSignal, { by: APPROVER });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      const requests = fx.sandbox.faults.log().slice(before);
      const perEnvironment = (id: number, key: string) => requests.filter((r) => r.path.includes(`/${id}/`) || r.path.includes(key)).length;
      const shared = requests.filter((r) => r.path.startsWith('/api/v1/projects/') || r.path === '/api/v1/flags/').length;
      const prod = perEnvironment(ENV_IDS.Production, 'X4CdBvak98wpn6Ljq7eUSs');
      const dev = perEnvironment(ENV_IDS.Development, 'SCE375zGzViFpGZhWoiK7D');
      expect(prod + dev + shared).toBe(requests.length);
      // Re-validation (4) + publish (list, create, list, publish) + verify (admin, SDK) per environment.
      // Durations are measured by `npm run bench:rollback`, not here.
      expect((prod + dev + shared) / 2).toBeLessThanOrEqual(12);
    });
  });
});

describe('flagRollback: approval rules', () => {
  it('records every refused signal (cut to 256 characters, capped at 50) and never fails a workflow task', async () => {
    await fx.setFlag(FLAG, true);
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      // Latency on the plan's first call keeps the plan from existing while the first signal arrives.
      fx.sandbox.faults.add({ method: 'GET', path: '/api/v1/environments/X4CdBvak98wpn6Ljq7eUSs/', latencyMs: 3_000, count: 1 });
      const handle = await start(client, taskQueue, idPrefix, testInput());
      await handle.signal(approveSignal, { by: 'stranger@example.com', requestId: 'early' });
      const early = await waitForStatus(handle, (s) => s.pending.length === 1);
      expect(early.status).toBe('planning');
      expect(verdictFor(early, 'early').verdict).toBe('pending');

      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      expect(verdictFor(planned, 'early')).toEqual({ verdict: 'refused', reason: 'stranger@example.com is not a configured approver' });

      const huge = 'x'.repeat(200_000);
      await handle.signal(approveSignal, { by: huge, requestId: 'huge' });
      await handle.signal(approveSignal, { by: REQUESTER, requestId: 'own' });
      await handle.signal(approveSignal, { by: APPROVER, planHash: 'f'.repeat(64), requestId: 'hash' });
      await handle.signal(approveSignal, { who: APPROVER, requestId: 'shape' } as never);
      await handle.signal(approveSignal, 'approve!' as never);
      await handle.signal(rejectSignal, { by: 'stranger@example.com', reason: 'no', requestId: 'rej' });
      await handle.signal(resolveSignal, { by: APPROVER, action: 'retry', requestId: 'res' });
      await handle.signal('aprove', { by: APPROVER, requestId: 'typo' });
      let status = await handle.query(statusQuery);
      expect(verdictFor(status, 'huge').reason?.length).toBeLessThanOrEqual(256);
      expect(status.refusals.find((r) => r.requestId === 'huge')?.by?.length).toBeLessThanOrEqual(256);
      expect(verdictFor(status, 'own').reason).toMatch(/four-eyes/);
      expect(verdictFor(status, 'hash').reason).toMatch(/does not match/);
      expect(verdictFor(status, 'shape').reason).toMatch(/malformed payload: "by"/);
      expect(status.refusals.some((r) => r.reason === 'malformed payload: expected an object')).toBe(true);
      expect(verdictFor(status, 'rej').reason).toMatch(/neither a configured approver nor the requester/);
      expect(verdictFor(status, 'res').reason).toMatch(/nothing to resolve/);
      expect(status.refusals.find((r) => r.requestId === 'typo')).toMatchObject({ signal: 'aprove', reason: 'unknown signal "aprove"' });
      expect(status.status).toBe('awaiting_approval');

      for (let i = 0; i < 50; i++) await handle.signal(approveSignal, { by: `nobody-${i}@example.com` });
      status = await handle.query(statusQuery);
      expect(status.refusals).toHaveLength(50);
      // 9 refused before the loop (the early one and eight more) + 50 = 59: the oldest 9 are dropped.
      expect(status.refusalsDropped).toBe(9);
      expect(status.refusals.at(-1)?.by).toBe('nobody-49@example.com');

      await handle.signal(approveSignal, { by: APPROVER, planHash: planned.plan?.planHash, requestId: 'ok' });
      await handle.signal(approveSignal, { by: 'ops@example.com', requestId: 'late' });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(verdictFor(result, 'ok').verdict).toBe('accepted');
      expect(verdictFor(result, 'late').reason).toMatch(/after the decision \(approved by sd@example.com\)/);
      expect((await fx.versionsSince(since)).filter((v) => v.published)).toHaveLength(2);
    });
  });

  it('refuses a second verdict that reaches the run in the same activation as the approval (patch one-decision-per-run), and that history replays', async () => {
    const since = new Date();
    const queue = { taskQueue: `tq-race-${since.getTime()}`, idPrefix: `race-${since.getTime()}-` };
    const { handle, planHash } = await runWithWorker({ deps: fx.deps(), ...queue }, async ({ client, taskQueue, idPrefix }) => {
      const started = await start(client, taskQueue, idPrefix, testInput());
      const planned = await waitForStatus(started, (s) => s.status === 'awaiting_approval');
      return { handle: started, planHash: planned.plan?.planHash };
    });
    // No worker polls now: the three signals wait in history and reach the next worker in one activation.
    await handle.signal(approveSignal, { by: APPROVER, planHash, requestId: 'ok' });
    await handle.signal(approveSignal, { by: 'ops@example.com', requestId: 'second' });
    await handle.signal(rejectSignal, { by: APPROVER, reason: 'changed my mind', requestId: 'rej' });
    const result = await runWithWorker({ deps: fx.deps(), ...queue }, () => handle.result());
    expect(result.status).toBe('completed');
    expect(verdictFor(result, 'ok').verdict).toBe('accepted');
    expect(verdictFor(result, 'second')).toEqual({ verdict: 'refused', reason: `arrived after the decision (approved by ${APPROVER})` });
    expect(verdictFor(result, 'rej')).toEqual({ verdict: 'refused', reason: `arrived after the decision (approved by ${APPROVER})` });
    expect(result.approvals.map((a) => a.by)).toEqual([APPROVER]);
    expect((await fx.versionsSince(since)).filter((v) => v.published)).toHaveLength(2);
    expect(await historyText(handle)).toContain(ONE_DECISION_PATCH);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await handle.fetchHistory(), 'replay-one-decision');
  });

  it('reject by an approver ends the run as rejected, nothing published', async () => {
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput());
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      await handle.signal(rejectSignal, { by: APPROVER, reason: 'not the cause', requestId: 'r' });
      const result = await handle.result();
      expect(result.status).toBe('rejected');
      expect(result.outcome).toMatchObject({ by: APPROVER, detail: `rejected by ${APPROVER}` });
      expect(await fx.versionsSince(since)).toHaveLength(0);
    });
  });

  it('the requester may withdraw with reject', async () => {
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput());
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      await handle.signal(rejectSignal, { by: REQUESTER, reason: 'wrong flag' });
      const result = await handle.result();
      expect(result.status).toBe('rejected');
      expect(result.outcome?.detail).toMatch(/withdrawn by the requester/);
    });
  });

  it('expires when nobody decides in time', async () => {
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput({ approvalTimeoutMs: 1_500 }));
      const result = await handle.result();
      expect(result.status).toBe('expired');
      expect(await fx.versionsSince(since)).toHaveLength(0);
    });
  });

  it('cancel before publishing ends as cancelled with nothing published', async () => {
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput());
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      await handle.cancel();
      const result = await handle.result();
      expect(result.status).toBe('cancelled');
      expect(await fx.versionsSince(since)).toHaveLength(0);
    });
  });
});

/** A version of Production that turns the flag back on tomorrow: the plan must show it. */
async function scheduleReEnable() {
  const featureId = await fx.featureId();
  const scheduled = await fx.flagsmith.createVersion(ENV_IDS.Production, featureId, {
    feature_states_to_update: [{ enabled: true, feature_state_value: { type: 'unicode', string_value: null, integer_value: null, boolean_value: null }, feature_segment: null }],
    description: 'scheduled re-enable',
  });
  await fx.flagsmith.publishVersion(ENV_IDS.Production, featureId, scheduled.uuid, { liveFrom: new Date(Date.now() + 86_400_000).toISOString() });
  return { featureId, scheduled };
}

describe('flagRollback: plan checks and re-validation', () => {
  async function expectPlanFailure(input: RollbackInput, pattern: RegExp, configPatch?: (c: Record<string, unknown>) => void) {
    const since = new Date();
    await runWithWorker({ deps: fx.deps({}, configPatch) }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, input);
      const error = await handle.result().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const failure = (error as WorkflowFailedError).cause;
      expect(failure?.message).toMatch(pattern);
      const status = (failure as { details?: RollbackStatus[] } | undefined)?.details?.[0];
      expect(status?.status).toBe('failed');
      expect(await fx.versionsSince(since)).toHaveLength(0);
    });
  }

  it('a subset of environments without partialReason is refused', async () => {
    await expectPlanFailure(testInput({ environments: ['Production'] }), /needs a partialReason/);
  });

  it('a duration the workflow could not represent, sent by a client that skips the CLI, fails at plan with nothing published', async () => {
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      // startRollback refuses this itself; a raw client does not, so the plan activity must.
      const handle = await client.workflow.start('flagRollback', {
        taskQueue,
        workflowId: `${idPrefix}rollback-${FLAG}`,
        args: [{ ...testInput(), cacheWaitMs: 999_999_999_999 * 86_400_000, approvalTimeoutMs: 999_999_999_999 * 86_400_000 }],
      });
      const error = await handle.result().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause?.message).toMatch(/^plan: invalid input: cacheWaitMs: at most 1h; approvalTimeoutMs: at most 7d/);
      expect(await fx.versionsSince(since)).toHaveLength(0);
    });
  });

  it('a flag missing in one environment fails at plan, nothing published', async () => {
    await expectPlanFailure(testInput({ flag: 'no_such_flag' }), /does not exist in project 36214/);
  });

  it('a configured id that disagrees with the api key fails at plan', async () => {
    await expectPlanFailure(testInput(), /configured id 85299/, (c) => {
      const flagsmith = c.flagsmith as { environments: { id: number }[] };
      const dev = flagsmith.environments[1];
      if (dev) dev.id = 85299;
    });
  });

  it('lists a scheduled version in the plan and deletes it after approval', async () => {
    await fx.setFlag(FLAG, true);
    const { featureId, scheduled } = await scheduleReEnable();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput());
      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      expect(planned.plan?.environments[0]?.scheduled.map((v) => v.uuid)).toEqual([scheduled.uuid]);
      await handle.signal(approveSignal, { by: APPROVER });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.environments[0]?.deletedScheduled).toEqual([scheduled.uuid]);
      const left = await fx.flagsmith.listVersions(ENV_IDS.Production, featureId);
      expect(left.map((v) => v.uuid)).not.toContain(scheduled.uuid);
    });
  });

  it('a scheduled version whose DELETE answers 200 without deleting is caught by reading the versions again: needs attention, never "rolled back"', async () => {
    await fx.setFlag(FLAG, true);
    const { featureId, scheduled } = await scheduleReEnable();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput({ cacheWaitMs: 0 }));
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      // A proxy (or a bug) that answers the delete without doing it.
      fx.sandbox.faults.add({ method: 'DELETE', path: `/api/v1/environments/${ENV_IDS.Production}/features/${featureId}/versions/${scheduled.uuid}/`, status: 200, body: {}, count: 1 });
      await handle.signal(approveSignal, { by: APPROVER });
      const attention = await waitForStatus(handle, (s) => s.status === 'needs_attention');
      const prod = attention.environments.find((e) => e.name === 'Production');
      expect(prod).toMatchObject({ state: 'failed' });
      expect(prod?.error).toContain(`scheduled version ${scheduled.uuid} is still listed after Flagsmith answered its deletion`);
      expect(attention.environments.find((e) => e.name === 'Development')?.state).toBe('published');
      await handle.signal(resolveSignal, { by: APPROVER, action: 'revert' });
      expect((await handle.result()).status).toBe('failed');
      expect((await fx.flagsmith.listVersions(ENV_IDS.Production, featureId)).map((v) => v.uuid)).toContain(scheduled.uuid);
      await fx.flagsmith.deleteVersion(ENV_IDS.Production, featureId, scheduled.uuid);
    });
  });

  it('a flag changed between plan and approval gets a new plan that needs a new approval', async () => {
    await fx.setFlag(FLAG, true);
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await start(client, taskQueue, idPrefix, testInput());
      const first = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      await fx.setFlag(FLAG, true, 'changed meanwhile');
      await handle.signal(approveSignal, { by: APPROVER, planHash: first.plan?.planHash });
      const second = await waitForStatus(handle, (s) => s.plan?.revision === 2 && s.status === 'awaiting_approval');
      expect(second.plan?.planHash).not.toBe(first.plan?.planHash);
      expect(second.plan?.environments[0]?.before.value).toBe('changed meanwhile');
      expect((await fx.versionsSince(since)).filter((v) => v.description?.startsWith('flagops:'))).toHaveLength(0);
      // The old hash no longer approves.
      await handle.signal(approveSignal, { by: APPROVER, planHash: first.plan?.planHash, requestId: 'old' });
      await waitForStatus(handle, (s) => verdictFor(s, 'old').verdict === 'refused');
      await handle.signal(approveSignal, { by: APPROVER, planHash: second.plan?.planHash });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.approvals.filter((a) => a.signal === 'approve')).toHaveLength(2);
    });
  });
});
