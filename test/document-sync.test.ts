/**
 * environmentDocumentSync against a real dev server, real PostgreSQL, the sandbox's Flagsmith
 * tables and its document endpoint.
 */
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { insertEnvironmentDefaultState } from '../src/devtools/flagsmith-fixtures.js';
import { FlagsmithClient } from '../src/flagsmith/client.js';
import { serveMetrics } from '../src/metrics.js';
import { runWithWorker } from './helpers/temporal.js';
import { createEnvironment, syncFixture, syncInput, timersStarted, waitForStatus, wake } from './helpers/document-sync.js';
import type { environmentDocumentSync } from '../workflows/environment-document-sync.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('environmentDocumentSync', async () => {
  const fx = await syncFixture();
  const flagsmith = fx.flagsmithDb.db;

  it('waits while the environment is being created and writes once it is not', async () => {
    const env = await createEnvironment(flagsmith, { features: 3, isCreating: true });
    const { deps } = fx.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id, { maxAttempts: 10, backoffBaseMs: 200 }));
      // Two backoffs started: the guard has refused twice, and nothing may have been written.
      await expect.poll(async () => (await timersStarted(ctx.client, id)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      expect(await fx.store.info(env.apiKey)).toBeUndefined();
      await flagsmith.query('UPDATE environments_environment SET is_creating = false WHERE id = $1', [env.id]);
      const status = await waitForStatus(ctx.client, id, (s) => s.state.passes === 1);
      expect(status.state.recentPasses[0]).toMatchObject({ outcome: 'written', featureStatesCount: 3 });
      expect(status.state.recentPasses[0]?.attempts).toBeGreaterThan(1);
      expect((await fx.store.info(env.apiKey))?.featureStatesCount).toBe(3);
    });
  });

  it('backs off base·2^n between attempts, then gives up with a warning, a failure count and no write', async () => {
    const env = await createEnvironment(flagsmith, { features: 2, isCreating: true });
    const { deps, logs, metrics } = fx.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id, { maxAttempts: 4, backoffBaseMs: 100 }));
      const status = await waitForStatus(ctx.client, id, (s) => s.state.passes === 1);
      expect(status.state.recentPasses[0]).toMatchObject({ outcome: 'gave_up', attempts: 4 });
      // The first three are the backoff; the last is the idle wait for the next change or reconcile.
      expect((await timersStarted(ctx.client, id)).slice(0, 3)).toEqual([100, 200, 400]);
    });
    expect(await fx.store.info(env.apiKey)).toBeUndefined();
    expect((await metrics.environmentDocumentWrites.get()).values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { result: 'failure' }, value: 1 }),
        expect.objectContaining({ labels: { result: 'success' }, value: 0 }),
      ]),
    );
    expect(logs.events('environment_document.not_written')).toEqual([
      expect.objectContaining({ level: 'warn', environment__id: env.id, reason: 'creating', attempts: 4 }),
    ]);
  });

  it('records a pass whose build fails for good as failed, with the attempt it failed on, counted and logged', async () => {
    const env = await createEnvironment(flagsmith, { features: 2, isCreating: true });
    const { deps, logs, metrics } = fx.deps();
    // A token Flagsmith refuses: 401 is not retried, so the build fails for good at once.
    const refused = new FlagsmithClient({ apiUrl: fx.sandbox.url, adminToken: 'Token not-the-admin-token' });
    let attempts: number | undefined;
    try {
      await runWithWorker({ deps: { ...deps, flagsmith: refused } }, async (ctx) => {
        const id = await wake(ctx, syncInput(env.id, { maxAttempts: 10, backoffBaseMs: 200 }));
        // The guard has refused once (a backoff timer started): the build runs on a later attempt.
        await expect.poll(async () => (await timersStarted(ctx.client, id)).length, { timeout: 20_000 }).toBeGreaterThan(0);
        await flagsmith.query('UPDATE environments_environment SET is_creating = false WHERE id = $1', [env.id]);
        const status = await waitForStatus(ctx.client, id, (s) => s.state.passes === 1);
        expect(status.state.recentPasses[0]).toMatchObject({ outcome: 'failed', featureStatesCount: null });
        expect(status.state.recentPasses[0]?.detail).toMatch(/^Unauthorized: /);
        attempts = status.state.recentPasses[0]?.attempts;
        expect(attempts).toBeGreaterThan(1);
      });
    } finally {
      await refused.close();
    }
    expect(await fx.store.info(env.apiKey)).toBeUndefined();
    expect((await metrics.environmentDocumentWrites.get()).values).toEqual(
      expect.arrayContaining([expect.objectContaining({ labels: { result: 'failure' }, value: 1 })]),
    );
    expect(logs.events('environment_document.not_written')).toEqual([
      expect.objectContaining({ level: 'warn', environment__id: env.id, reason: 'error', attempts }),
    ]);
  });

  it('refuses a document missing a feature state when no is_creating flag is set, and writes once it is there', async () => {
    const env = await createEnvironment(flagsmith, { features: 3, seeded: 2 });
    const { deps, logs } = fx.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id, { maxAttempts: 3, backoffBaseMs: 100 }));
      const gaveUp = await waitForStatus(ctx.client, id, (s) => s.state.passes === 1);
      expect(gaveUp.state.recentPasses[0]).toMatchObject({ outcome: 'gave_up', attempts: 3 });
      expect(gaveUp.state.recentPasses[0]?.detail).toContain(String(env.featureIds[2]));
      expect(await fx.store.info(env.apiKey)).toBeUndefined();
      expect(logs.events('environment_document.not_written')[0]).toMatchObject({ reason: 'incomplete' });

      await insertEnvironmentDefaultState(flagsmith.pool, { environmentId: env.id, featureId: env.featureIds[2] ?? 0 });
      await wake(ctx, syncInput(env.id));
      const written = await waitForStatus(ctx.client, id, (s) => s.state.passes === 2);
      expect(written.state.recentPasses[1]).toMatchObject({ outcome: 'written', featureStatesCount: 3 });
    });
  });

  it('coalesces 50 changes that arrive during one pass into exactly one more pass', async () => {
    const env = await createEnvironment(flagsmith, { features: 2, isCreating: true });
    const { deps } = fx.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id, { maxAttempts: 20, backoffBaseMs: 100 }));
      await waitForStatus(ctx.client, id, (s) => s.running !== null);
      for (let i = 0; i < 50; i++) await wake(ctx, syncInput(env.id), { source: 'audit', auditIds: [i + 1] });
      await flagsmith.query('UPDATE environments_environment SET is_creating = false WHERE id = $1', [env.id]);
      // Idle (no pass running) is only seen while nothing is pending, so no third pass can follow.
      const status = await waitForStatus(ctx.client, id, (s) => s.state.passes >= 2 && s.running === null);
      expect(status.state.wakes).toBe(51);
      expect(status.state.dirty).toBe(false);
      expect(status.state.passes).toBe(2);
      expect(status.state.recentPasses.map((p) => p.outcome)).toEqual(['written', 'unchanged']);
    });
  });

  it('runs a pass when a scheduled change goes live, with no audit row and no signal', async () => {
    const env = await createEnvironment(flagsmith, { features: 2 });
    const goLive = new Date(Date.now() + 4_000);
    await insertEnvironmentDefaultState(flagsmith.pool, { environmentId: env.id, featureId: env.featureIds[0] ?? 0, enabled: true, version: 2, liveFrom: goLive });
    const { deps } = fx.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id, { goLiveMarginMs: 300 }));
      const first = await waitForStatus(ctx.client, id, (s) => s.state.passes === 1);
      expect(first.state.recentPasses[0]?.outcome).toBe('written');
      expect(first.state.nextLiveFromMs).toBe(goLive.getTime());
      const second = await waitForStatus(ctx.client, id, (s) => s.state.passes === 2, 20_000);
      expect(second.state.recentPasses[1]).toMatchObject({ reason: 'scheduled_go_live', outcome: 'written' });
      expect(second.state.wakes).toBe(1);
    });
    const document = (await fx.store.read(env.apiKey)) as { feature_states: { feature: { id: number }; enabled: boolean }[] };
    expect(document.feature_states.find((s) => s.feature.id === env.featureIds[0])?.enabled).toBe(true);
    const audit = await flagsmith.query('SELECT id FROM audit_auditlog WHERE environment_id = $1', [env.id]);
    expect(audit).toEqual([]);
  });

  it("does not pass back to back when Flagsmith's database clock runs behind and a go-live stays in its future", async () => {
    const env = await createEnvironment(flagsmith, { features: 2 });
    const { deps } = fx.deps();
    const real = createActivities(deps);
    // Clock skew cannot be produced for real: the guard keeps calling this instant "future".
    const goLive = new Date(Date.now() + 1_000).toISOString();
    const behind = async (environmentId: number) => {
      const guard = await real.inspectEnvironmentForSync(environmentId);
      return guard.found ? { ...guard, nextLiveFrom: goLive } : guard;
    };
    await runWithWorker({ deps, activityOverrides: { inspectEnvironmentForSync: behind } }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id, { goLiveMarginMs: 300 }));
      await waitForStatus(ctx.client, id, (s) => s.state.recentPasses.filter((p) => p.reason === 'scheduled_go_live').length >= 3, 20_000);
      // The idle wait after the first pass runs to the go-live; every later one waits a margin.
      const waits = await timersStarted(ctx.client, id);
      expect(waits.slice(1).filter((ms) => ms < 300)).toEqual([]);
    });
  });

  it('never lets an older pass replace a newer document (store and activity)', async () => {
    const env = await createEnvironment(flagsmith, { features: 2 });
    const { deps } = fx.deps();
    const activities = createActivities(deps);
    const environment = { id: env.id, apiKey: env.apiKey, name: env.name, projectId: env.projectId };
    expect(await activities.buildAndWriteEnvironmentDocument({ environment, passSequence: 5 })).toMatchObject({ status: 'written' });
    const newer = await fx.store.info(env.apiKey);
    await flagsmith.query('UPDATE features_featurestate SET enabled = true WHERE environment_id = $1', [env.id]);
    // A late retry of pass 4 sees a different document but must not replace pass 5's.
    expect(await activities.buildAndWriteEnvironmentDocument({ environment, passSequence: 4 })).toEqual({ status: 'stale', storedSequence: 5 });
    expect(await fx.store.info(env.apiKey)).toEqual(newer);
    expect(await activities.buildAndWriteEnvironmentDocument({ environment, passSequence: 6 })).toMatchObject({ status: 'written' });
    const sixth = await fx.store.info(env.apiKey);
    expect(sixth?.passSequence).toBe(6);
    expect(sixth?.contentHash).not.toBe(newer?.contentHash);
    // An identical document moves only the sequence, so a still-later stale write stays refused.
    expect(await activities.buildAndWriteEnvironmentDocument({ environment, passSequence: 8 })).toMatchObject({ status: 'unchanged' });
    await flagsmith.query('UPDATE features_featurestate SET enabled = false WHERE environment_id = $1', [env.id]);
    expect(await activities.buildAndWriteEnvironmentDocument({ environment, passSequence: 7 })).toEqual({ status: 'stale', storedSequence: 8 });
    expect((await fx.store.info(env.apiKey))?.contentHash).toBe(sixth?.contentHash);
  });

  it('does not lose signals sent while the workflow continues as new', async () => {
    const env = await createEnvironment(flagsmith, { features: 2 });
    const { deps } = fx.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const input = syncInput(env.id, { maxPassesPerRun: 1 });
      const requestIds = Array.from({ length: 25 }, (_, i) => `r${i}`);
      let id = '';
      for (const requestId of requestIds) {
        id = await wake(ctx, input, { source: 'cli', requestId });
        await sleep(40);
      }
      const served = (s: { state: { recentPasses: { requestIds: string[] }[] } }) => new Set(s.state.recentPasses.flatMap((p) => p.requestIds));
      const status = await waitForStatus(ctx.client, id, (s) => requestIds.every((r) => served(s).has(r)), 60_000);
      expect(status.state.wakes).toBe(25);
      expect(status.state.runs).toBeGreaterThan(1);
      expect(status.state.pendingRequestIds).toEqual([]);
    });
  });

  it('ends when its environment is deleted, removing the stored document; a later change starts it afresh', async () => {
    const env = await createEnvironment(flagsmith, { features: 2 });
    const { deps, logs } = fx.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id));
      await waitForStatus(ctx.client, id, (s) => s.state.passes === 1);
      expect(await fx.store.info(env.apiKey)).toBeDefined();

      // Flagsmith soft-deletes; its delete hook would also drop the environment from DynamoDB.
      await flagsmith.query('UPDATE environments_environment SET deleted_at = now() WHERE id = $1', [env.id]);
      await wake(ctx, syncInput(env.id), { source: 'audit', auditIds: [1] });
      const ended = await ctx.client.workflow.getHandle<typeof environmentDocumentSync>(id).result();
      expect(ended).toMatchObject({ environmentId: env.id, reason: 'environment_missing', documentsRemoved: 1 });
      expect(ended.state.recentPasses.map((p) => p.outcome)).toEqual(['written', 'environment_missing']);
      expect(await fx.store.info(env.apiKey)).toBeUndefined();
      expect(logs.events('environment_document.removed')).toEqual([expect.objectContaining({ environment__id: env.id, documents__count: 1 })]);

      await flagsmith.query('UPDATE environments_environment SET deleted_at = NULL WHERE id = $1', [env.id]);
      await wake(ctx, syncInput(env.id));
      const fresh = await waitForStatus(ctx.client, id, (s) => s.state.passes === 1 && s.running === null);
      expect(fresh.state.recentPasses[0]?.outcome).toBe('written');
      expect((await ctx.client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
    });
  });

  it('keeps continuing as new while the store cannot remove a deleted environment\'s document', async () => {
    const env = await createEnvironment(flagsmith, { features: 1 });
    await flagsmith.query('UPDATE environments_environment SET deleted_at = now() WHERE id = $1', [env.id]);
    const { deps } = fx.deps();
    const storeDown = () => Promise.reject(ApplicationFailure.create({ type: 'Database', message: 'store unreachable', nonRetryable: true }));
    await runWithWorker({ deps, activityOverrides: { removeEnvironmentDocument: storeDown } }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id, { maxPassesPerRun: 1, reconcileEveryMs: 200 }));
      const status = await waitForStatus(ctx.client, id, (s) => s.state.runs >= 3);
      expect(status.state.recentPasses.map((p) => p.outcome)).toEqual(status.state.recentPasses.map(() => 'environment_missing'));
      await ctx.client.workflow.getHandle(id).terminate('test over');
    });
  });

  it('counts the write on the metrics endpoint and logs environment_document.written with its fields', async () => {
    const env = await createEnvironment(flagsmith, { features: 4 });
    const { deps, logs, metrics } = fx.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id));
      await waitForStatus(ctx.client, id, (s) => s.state.passes === 1);
    });
    const server = await serveMetrics(metrics, 0, '127.0.0.1');
    try {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(text).toContain('# TYPE flagsmith_environment_document_writes_total counter');
      expect(text).toContain('flagsmith_environment_document_writes_total{result="success"} 1');
      expect(text).toContain('flagsmith_environment_document_writes_total{result="failure"} 0');
    } finally {
      await server.close();
    }
    const stored = await fx.store.info(env.apiKey);
    const [line] = logs.events('environment_document.written');
    expect(line).toMatchObject({ level: 'info', environment__id: env.id, feature_states__count: 4, document__bytes: stored?.bytes });
    expect(typeof line?.document__bytes).toBe('number');
  });
});
