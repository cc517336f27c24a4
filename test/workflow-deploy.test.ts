/**
 * Deploying workflow code while rollbacks are in flight (README, "Changing workflow code"), on the
 * real dev server: a rollback started on the old build finishes correctly after the new build is
 * deployed — pinned to its build under Worker Versioning even when the change would not replay,
 * and on the new build itself when the change is guarded by `patched()`.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { startRollback } from '../src/rollback/start.js';
import { setCurrentBuild } from '../src/temporal/deployment.js';
import { createFlagopsWorker, type WorkerDeployment } from '../src/worker.js';
import { approveUpdate } from '../workflows/rollback/messages.js';
import { NEXT_BUILD_PATCH } from './fixtures/next-build/plan-patched.js';
import { nextBuildBundle } from './helpers/next-build.js';
import { APPROVER, CONFIG_FLAG, FLAG, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { testEnvironment, uniqueName, workflowBundle } from './helpers/temporal.js';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';

const fx = await rollbackFixture();
const PAUSE = 'next build: a pause before planning';

/**
 * The next build's pause timers and patch markers in a run's history (today's own patches are not
 * counted), and whether any workflow task failed.
 */
async function traces(handle: WorkflowHandle): Promise<{ pauses: number; patches: string[]; taskFailures: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const summaries = events.filter((e) => e.timerStartedEventAttributes).map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8'));
  return {
    pauses: summaries.filter((s) => s.includes(PAUSE)).length,
    patches: events
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? new Uint8Array()).toString('utf8'))
      .filter((patch) => patch.includes(NEXT_BUILD_PATCH)),
    taskFailures: events.filter((e) => e.workflowTaskFailedEventAttributes).length,
  };
}

async function startWorker(options: { client: Client; taskQueue: string; idPrefix: string; bundle: WorkflowBundleWithSourceMap; deployment?: WorkerDeployment }) {
  const env = await testEnvironment();
  const worker: Worker = await createFlagopsWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: options.taskQueue,
    deps: { ...fx.deps(), temporal: { client: options.client, taskQueue: options.taskQueue, idPrefix: options.idPrefix } },
    workflowBundle: options.bundle,
    shutdownGraceTimeMs: 1_000,
    ...(options.deployment ? { deployment: options.deployment } : {}),
  });
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running;
    },
  };
}

describe('deploying workflow code under running rollbacks', () => {
  it('Worker Versioning: a rollback pinned to build A completes on A while build B, with a change that would not replay, takes new rollbacks', async () => {
    await fx.setFlag(FLAG, true);
    await fx.setFlag(CONFIG_FLAG, true, '["decided_on_destination"]');
    const { client } = await testEnvironment();
    const taskQueue = uniqueName('deploy');
    const idPrefix = `${uniqueName('deploy')}-`;
    const deploymentName = uniqueName('flagops');
    const buildA = { deploymentName, buildId: 'build-a' };
    const buildB = { deploymentName, buildId: 'build-b' };
    const a = await startWorker({ client, taskQueue, idPrefix, bundle: await workflowBundle(), deployment: buildA });
    let b: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      await setCurrentBuild(client, buildA);
      const old = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      const oldPlan = await waitForStatus(old, (s) => s.status === 'awaiting_approval');

      b = await startWorker({ client, taskQueue, idPrefix, bundle: await nextBuildBundle('breaking'), deployment: buildB });
      await setCurrentBuild(client, buildB);
      const next = await startRollback(client, { taskQueue, idPrefix, input: testInput({ flag: CONFIG_FLAG, cacheWaitMs: 0 }) });
      const nextPlan = await waitForStatus(next, (s) => s.status === 'awaiting_approval');

      expect(await old.executeUpdate(approveUpdate, { args: [{ by: APPROVER, planHash: oldPlan.plan?.planHash }] })).toMatchObject({ accepted: true });
      expect(await next.executeUpdate(approveUpdate, { args: [{ by: APPROVER, planHash: nextPlan.plan?.planHash }] })).toMatchObject({ accepted: true });
      expect((await old.result()).status).toBe('completed');
      expect((await next.result()).status).toBe('completed');

      // The old run never saw build B's code; the new one ran it; neither failed a task.
      expect(await traces(old)).toEqual({ pauses: 0, patches: [], taskFailures: 0 });
      expect(await traces(next)).toMatchObject({ pauses: 1, taskFailures: 0 });
      const versionOf = async (handle: WorkflowHandle) => (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
      expect((await versionOf(old))?.deploymentVersion?.buildId).toBe('build-a');
      expect((await versionOf(next))?.deploymentVersion?.buildId).toBe('build-b');
    } finally {
      await b?.stop();
      await a.stop();
    }
  });

  it('unversioned: a change behind patched() is deployed under a waiting rollback; the old run completes on the new code without it, a new run takes it', async () => {
    await fx.setFlag(FLAG, true);
    await fx.setFlag(CONFIG_FLAG, true, '["decided_on_destination"]');
    const { client } = await testEnvironment();
    const taskQueue = uniqueName('patch');
    const idPrefix = `${uniqueName('patch')}-`;
    const a = await startWorker({ client, taskQueue, idPrefix, bundle: await workflowBundle() });
    const old = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
    const oldPlan = await waitForStatus(old, (s) => s.status === 'awaiting_approval');
    // The deploy: the old build stops, the new one starts on the same task queue.
    await a.stop();
    const b = await startWorker({ client, taskQueue, idPrefix, bundle: await nextBuildBundle('patched') });
    try {
      expect(await old.executeUpdate(approveUpdate, { args: [{ by: APPROVER, planHash: oldPlan.plan?.planHash }] })).toMatchObject({ accepted: true });
      expect((await old.result()).status).toBe('completed');
      const next = await startRollback(client, { taskQueue, idPrefix, input: testInput({ flag: CONFIG_FLAG, cacheWaitMs: 0 }) });
      await waitForStatus(next, (s) => s.status === 'awaiting_approval');
      await next.executeUpdate(approveUpdate, { args: [{ by: APPROVER }] });
      expect((await next.result()).status).toBe('completed');

      expect(await traces(old)).toEqual({ pauses: 0, patches: [], taskFailures: 0 });
      const nextTraces = await traces(next);
      expect(nextTraces).toMatchObject({ pauses: 1, taskFailures: 0 });
      expect(nextTraces.patches.join()).toContain(NEXT_BUILD_PATCH);
    } finally {
      await b.stop();
    }
  });
});
