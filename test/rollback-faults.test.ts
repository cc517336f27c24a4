/**
 * `flagRollback` under faults, all produced for real by the sandbox's fault injection or a real
 * process kill: partial publish and `resolve`, a missed verify deadline, 5xx/429 bursts, two
 * overlapping publish attempts, and a worker SIGKILLed right after creating a version.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, inject, it } from 'vitest';
import { createRollbackPublishActivities, type PublishEnvironmentInput, type PublishEnvironmentResult } from '../activities/rollback-publish.js';
import { FlagsmithClient } from '../src/flagsmith/index.js';
import { startRollback } from '../src/rollback/start.js';
import { approveSignal, resolveSignal, verdictFor } from '../workflows/rollback/messages.js';
import { APPROVER, ENV_IDS, FLAG, TOKEN, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { runWithWorker, uniqueName } from './helpers/temporal.js';

const fx = await rollbackFixture();
const versionsPath = (envId: number) => `/api/v1/environments/${envId}/features/*/versions/`;

describe('flagRollback: partial failure and resolve', () => {
  it('a 4xx in Development after Production succeeded needs attention; resolve revert restores Production', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput() });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      fx.sandbox.faults.add({ method: 'POST', path: versionsPath(ENV_IDS.Development), status: 400, body: { detail: 'injected refusal' } });
      await handle.signal(approveSignal, { by: APPROVER });
      const attention = await waitForStatus(handle, (s) => s.status === 'needs_attention');
      expect(attention.step).toBe('publish');
      expect(attention.attention?.actions).toEqual(['retry', 'revert', 'accept']);
      expect(attention.environments.map((e) => [e.name, e.publish])).toEqual([
        ['Production', 'published'],
        ['Development', 'failed'],
      ]);
      expect(attention.environments[1]?.error).toContain('injected refusal');

      await handle.signal(resolveSignal, { by: 'stranger@example.com', action: 'revert', requestId: 'x' });
      await handle.signal(resolveSignal, { by: APPROVER, action: 'revert', requestId: 'revert' });
      const result = await handle.result();
      expect(verdictFor(result, 'x').verdict).toBe('refused');
      expect(verdictFor(result, 'revert').verdict).toBe('accepted');
      expect(result.status).toBe('failed');
      expect(result.environments[0]?.publish).toBe('reverted');
      const prod = await fx.flagsmith.getEnvironmentDefaultFeatureState('X4CdBvak98wpn6Ljq7eUSs', FLAG);
      expect(prod?.enabled).toBe(true);
    });
  });

  it('resolve retry after the fault is gone publishes the failed environment and completes', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput() });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      fx.sandbox.faults.add({ method: 'POST', path: versionsPath(ENV_IDS.Development), status: 403, body: { detail: 'no permission' } });
      await handle.signal(approveSignal, { by: APPROVER });
      await waitForStatus(handle, (s) => s.status === 'needs_attention');
      // The rule affected one request: the fault is cleared.
      await handle.signal(resolveSignal, { by: APPROVER, action: 'retry' });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.environments.every((e) => e.publish === 'published' && e.verified)).toBe(true);
    });
  });

  it('a missed verify deadline needs attention; resolve retry verifies again', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0, verifyTimeoutMs: 1_500 }) });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      fx.sandbox.faults.add({ method: 'GET', path: '/api/v1/flags/', status: 502, count: 1_000 });
      await handle.signal(approveSignal, { by: APPROVER });
      const attention = await waitForStatus(handle, (s) => s.status === 'needs_attention');
      expect(attention.step).toBe('verify');
      expect(attention.attention?.actions).toEqual(['retry', 'accept']);
      expect(attention.environments[0]?.adminView?.ok).toBe(true);
      expect(attention.environments[0]?.sdkView?.ok).toBe(false);
      fx.sandbox.faults.clear();
      await handle.signal(resolveSignal, { by: APPROVER, action: 'retry' });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.environments.every((e) => e.sdkView?.ok)).toBe(true);
    });
  });
});

describe('flagRollback: a call that stalls', () => {
  it('past every retry, ends naming the activity, the timeout and the last attempt: the Flagsmith call and why it failed', async () => {
    await fx.setFlag(FLAG, true);
    // A client that gives up after 1 s, against a Development that never answers its version POST in time.
    const impatient = new FlagsmithClient({ apiUrl: fx.sandbox.url, adminToken: `Token ${TOKEN}`, timeoutMs: 1_000 });
    try {
      await runWithWorker({ deps: fx.deps({ flagsmith: impatient }) }, async ({ client, taskQueue, idPrefix }) => {
        const input = testInput({ cacheWaitMs: 0, activityTimeouts: { startToCloseMs: 5_000, heartbeatMs: 3_000, scheduleToCloseMs: 6_000 } });
        const handle = await startRollback(client, { taskQueue, idPrefix, input });
        await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
        fx.sandbox.faults.add({ method: 'POST', path: versionsPath(ENV_IDS.Development), latencyMs: 3_000, count: 100 });
        await handle.signal(approveSignal, { by: APPROVER });
        const attention = await waitForStatus(handle, (s) => s.status === 'needs_attention', 60_000);
        const dev = attention.environments.find((e) => e.name === 'Development');
        expect(dev?.error).toMatch(
          /^publishEnvironment gave up \(schedule-to-close timeout\); last attempt: Flagsmith POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/environments\/85220\/features\/\d+\/versions\/: timed out after 1000 ms/,
        );
        expect(attention.attention?.reason).toContain('failed in Development (publishEnvironment gave up');
        fx.sandbox.faults.clear();
        await handle.signal(resolveSignal, { by: APPROVER, action: 'revert' });
        expect((await handle.result()).status).toBe('failed');
      });
    } finally {
      await impatient.close();
    }
  });
});

describe('flagRollback: drafts a failed publish leaves', () => {
  it('are deleted when the run ends, and the summary names them', async () => {
    await fx.setFlag(FLAG, true);
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const input = testInput({ cacheWaitMs: 0, activityTimeouts: { startToCloseMs: 5_000, heartbeatMs: 3_000, scheduleToCloseMs: 4_000 } });
      const handle = await startRollback(client, { taskQueue, idPrefix, input });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      // Development's draft is created, then every publish of it fails: it would stay unpublished.
      fx.sandbox.faults.add({ method: 'POST', path: `${versionsPath(ENV_IDS.Development)}*/publish/`, status: 502, count: 1_000 });
      await handle.signal(approveSignal, { by: APPROVER });
      await waitForStatus(handle, (s) => s.status === 'needs_attention', 60_000);
      const drafts = (await fx.versionsSince(since)).filter((v) => v.description?.startsWith('flagops:') && !v.published);
      expect(drafts.map((v) => v.environment_id)).toEqual([ENV_IDS.Development]);
      fx.sandbox.faults.clear();
      await handle.signal(resolveSignal, { by: APPROVER, action: 'revert' });
      const result = await handle.result();
      expect(result.status).toBe('failed');
      const dev = result.environments.find((e) => e.name === 'Development');
      expect(dev?.draftsDeleted).toEqual(drafts.map((v) => v.uuid));
      expect(dev?.draftsLeft).toEqual([]);
      expect((await fx.versionsSince(since)).filter((v) => v.description?.startsWith('flagops:') && !v.published)).toEqual([]);
    });
  });
});

describe('flagRollback: cancellation while publishing', () => {
  it('a cancel while the versions are being created lets both publishes finish, then needs attention (SPEC §3)', async () => {
    await fx.setFlag(FLAG, true);
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      const logStart = fx.sandbox.faults.log().length;
      // Hold both environments' version creation so the cancel lands while publishing.
      const hold = fx.sandbox.faults.add({ method: 'POST', pathRegex: '^/api/v1/environments/\\d+/features/\\d+/versions/$', latencyMs: 2_000, count: 2 });
      await handle.signal(approveSignal, { by: APPROVER });
      await waitForStatus(handle, (s) => s.status === 'publishing');
      await handle.cancel();
      const attention = await waitForStatus(handle, (s) => s.status === 'needs_attention');
      expect(attention.step).toBe('publish');
      expect(attention.attention?.reason).toBe('cancelled while publishing; published: Production, Development');
      expect(attention.attention?.actions).toEqual(['revert', 'accept']);
      expect(attention.environments.map((e) => e.publish)).toEqual(['published', 'published']);
      const held = fx.sandbox.faults.log().slice(logStart).filter((r) => r.ruleId === hold.id);
      expect(held).toHaveLength(2);
      const ours = (await fx.versionsSince(since)).filter((v) => v.description?.startsWith('flagops:'));
      expect(ours.filter((v) => v.published).map((v) => v.environment_id).sort()).toEqual([ENV_IDS.Production, ENV_IDS.Development].sort());
      expect(ours.filter((v) => !v.published)).toHaveLength(0);
      // Accepting the published state ends the run as cancelled, nothing reverted.
      await handle.signal(resolveSignal, { by: APPROVER, action: 'accept' });
      const result = await handle.result();
      expect(result.status).toBe('cancelled');
      expect(result.environments.map((e) => e.publish)).toEqual(['published', 'published']);
    });
  });

  it('a cancel while publishing, when every environment then fails, ends as cancelled without waiting for a resolve', async () => {
    await fx.setFlag(FLAG, true);
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      // Both creations are held (so the cancel lands while publishing), then refused for good.
      fx.sandbox.faults.add({
        method: 'POST',
        pathRegex: '^/api/v1/environments/\\d+/features/\\d+/versions/$',
        latencyMs: 2_000,
        status: 400,
        body: { detail: 'injected refusal' },
        count: 2,
      });
      await handle.signal(approveSignal, { by: APPROVER });
      await waitForStatus(handle, (s) => s.status === 'publishing');
      await handle.cancel();
      const result = await handle.result();
      expect(result.status).toBe('cancelled');
      expect(result.outcome?.detail).toMatch(/^cancelled while publishing; nothing was published \(Production: .*injected refusal/);
      expect(result.environments.map((e) => e.publish)).toEqual(['failed', 'failed']);
      expect((await fx.versionsSince(since)).filter((v) => v.description?.startsWith('flagops:'))).toHaveLength(0);
    });
  });
});

describe('flagRollback: retries and idempotency', () => {
  it('5xx and 429 bursts are retried (429 after Retry-After) and still publish exactly one version per environment', async () => {
    await fx.setFlag(FLAG, true);
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      // Only this test's requests count: earlier tests in this file injected statuses too.
      const logStart = fx.sandbox.faults.log().length;
      fx.sandbox.faults.add({ method: 'POST', path: versionsPath(ENV_IDS.Production), status: 503, count: 2 });
      fx.sandbox.faults.add({ method: 'POST', path: `${versionsPath(ENV_IDS.Development)}*/publish/`, status: 429, retryAfter: 1, count: 2 });
      await handle.signal(approveSignal, { by: APPROVER });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      const injected = fx.sandbox.faults.log().slice(logStart).filter((r) => r.injected === 'status');
      expect(injected.map((r) => r.status).sort()).toEqual([429, 429, 503, 503]);
      const ours = (await fx.versionsSince(since)).filter((v) => v.description?.startsWith('flagops:'));
      expect(ours.filter((v) => v.published).map((v) => v.environment_id).sort()).toEqual([ENV_IDS.Production, ENV_IDS.Development].sort());
      expect(ours.filter((v) => !v.published)).toHaveLength(0);
    });
  });

  it('two overlapping attempts of one publish operation publish exactly one version', async () => {
    const featureId = await fx.featureId();
    const activities = createRollbackPublishActivities(fx.deps());
    // The interleavings differ from round to round (who lists first, who sees whose draft): every
    // round must end with one published version that both attempts report.
    for (let round = 0; round < 8; round++) {
      await fx.setFlag(FLAG, true);
      const since = new Date();
      const input: PublishEnvironmentInput = {
        flag: FLAG,
        featureId,
        environment: 'Production',
        versioning: 'v2',
        featureStateId: 0,
        state: { enabled: false, value: null, valueType: 'unicode' },
        marker: `flagops:overlap-${uniqueName()}:run:Production:forward`,
        deleteScheduled: [],
      };
      const attempt = (): Promise<PublishEnvironmentResult> =>
        new MockActivityEnvironment().run<[PublishEnvironmentInput], PublishEnvironmentResult, typeof activities.publishEnvironment>(
          (i) => activities.publishEnvironment(i),
          input,
        );
      const [a, b] = await Promise.all([attempt(), attempt()]);
      expect(a.version, `round ${round}`).toBe(b.version);
      const marked = (await fx.versionsSince(since)).filter((v) => v.description === input.marker);
      expect(marked, `round ${round}`).toHaveLength(1);
      expect(marked[0]).toMatchObject({ uuid: a.version, published: true });
    }
  });

  it('a worker SIGKILLed right after creating a version is replaced; the new worker publishes exactly one version per environment within seconds', async () => {
    await fx.setFlag(FLAG, true);
    const since = new Date();
    const taskQueue = uniqueName('crash');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/rollback-worker.ts'], {
      env: { ...process.env, SANDBOX_URL: fx.sandbox.url, SANDBOX_TOKEN: TOKEN, TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = once(child, 'exit');
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    const { testEnvironment } = await import('./helpers/temporal.js');
    const client = (await testEnvironment()).client;
    const idPrefix = `${uniqueName('crash')}-`;
    const handle = await startRollback(client, {
      taskQueue,
      idPrefix,
      input: testInput({ cacheWaitMs: 0, activityTimeouts: { startToCloseMs: 20_000, heartbeatMs: 2_000, scheduleToCloseMs: 60_000 } }),
    });
    await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
    // Hold Production's publish call so the version exists, unpublished, when the worker dies.
    const held = fx.sandbox.faults.add({ method: 'POST', path: `${versionsPath(ENV_IDS.Production)}*/publish/`, latencyMs: 4_000 });
    await handle.signal(approveSignal, { by: APPROVER });
    // The rule is consumed when the publish request arrives: the worker is then inside that call.
    const deadline = Date.now() + 20_000;
    while (fx.sandbox.faults.rules().find((r) => r.id === held.id)?.remaining !== 0) {
      if (Date.now() > deadline) throw new Error('the publish call was not made');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const created = (await fx.versionsSince(since)).filter((v) => v.environment_id === ENV_IDS.Production && v.description?.startsWith('flagops:'));
    expect(created.map((v) => v.published)).toEqual([false]);
    child.kill('SIGKILL');
    await exited;

    const restartedAt = Date.now();
    await runWithWorker({ deps: fx.deps(), taskQueue, idPrefix }, async () => {
      let publishedAfterMs = -1;
      for (;;) {
        const published = (await fx.versionsSince(since)).filter((v) => v.description?.startsWith('flagops:') && v.published);
        if (published.some((v) => v.environment_id === ENV_IDS.Production)) {
          publishedAfterMs = Date.now() - restartedAt;
          break;
        }
        if (Date.now() - restartedAt > 30_000) throw new Error('Production was not published by the new worker');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Heartbeat timeout 2 s + retry backoff + the held request: well under ten seconds.
      expect(publishedAfterMs).toBeLessThan(10_000);
      const result = await handle.result();
      expect(result.status).toBe('completed');
      const ours = (await fx.versionsSince(since)).filter((v) => v.description?.startsWith('flagops:'));
      expect(ours.filter((v) => v.published).map((v) => v.environment_id).sort()).toEqual([ENV_IDS.Production, ENV_IDS.Development].sort());
      expect(ours.filter((v) => !v.published)).toHaveLength(0);
      console.info(`crash test: Production published ${publishedAfterMs} ms after the new worker started; run completed ${Date.now() - restartedAt} ms after`);
    });
  });
});
