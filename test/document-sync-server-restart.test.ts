/**
 * The audit-log tailer and a sync workflow survive a restart of the Temporal server itself: a
 * second dev server persisting to a SQLite file goes down while a sync backs off on `is_creating`,
 * audit rows arrive while it is down, and afterwards every row was handled exactly once and the
 * document was written once per distinct content.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { readCursor } from '../src/document-sync/audit-cursor.js';
import { ensureAuditLogTailer } from '../src/document-sync/tailer.js';
import { startDevServer } from '../src/devtools/dev-server.js';
import { insertEnvironmentAudit } from '../src/devtools/flagsmith-fixtures.js';
import { workflowIds } from '../src/ids.js';
import { createFlagopsWorker } from '../src/worker.js';
import { tailerStatusQuery } from '../workflows/audit-log/messages.js';
import { createEnvironment, syncFixture, waitForMorePolls, waitForStatus } from './helpers/document-sync.js';
import { testEnvironment, uniqueName, workflowBundle } from './helpers/temporal.js';

describe('document sync: a Temporal server restart', async () => {
  const fx = await syncFixture();
  const flagsmith = fx.flagsmithDb.db;

  it('loses and repeats no audit row, and writes the document once per distinct content', async () => {
    await testEnvironment();
    const dir = mkdtempSync(join(tmpdir(), 'flagops-sync-restart-'));
    const server = await startDevServer({ cli: inject('temporalCli'), dbFilename: join(dir, 'temporal.db') });
    const connection = await NativeConnection.connect({ address: server.address });
    const clientConnection = await Connection.connect({ address: server.address });
    // Workflows started by the tailer take their input from this config: 100 ms doubling, no give-up.
    const { deps, logs } = fx.deps({ backoffBase: '100ms', maxAttempts: 12 });
    try {
      const client = new Client({ connection: clientConnection });
      const taskQueue = uniqueName('sync-restart');
      const idPrefix = `${uniqueName('sync-restart')}-`;
      const target = { client, taskQueue, idPrefix };
      const syncId = (environmentId: number) => workflowIds.environmentDocumentSync(idPrefix, environmentId);
      const worker = await createFlagopsWorker({
        connection,
        namespace: 'default',
        taskQueue,
        deps: { ...deps, temporal: target },
        workflowBundle: await workflowBundle(),
        shutdownGraceTimeMs: 1_000,
      });
      await worker.runUntil(async () => {
        const tailerId = await ensureAuditLogTailer(target, { waitForRowsMs: 300, overlapRows: 100, activityTimeoutMs: 10_000 });
        const polls = async () => (await client.workflow.getHandle(tailerId).query(tailerStatusQuery)).totals.polls;
        await expect.poll(polls, { timeout: 30_000 }).toBeGreaterThan(1);

        const cloning = await createEnvironment(flagsmith, { features: 3, isCreating: true });
        const other = await createEnvironment(flagsmith, { features: 2 });
        const a1 = await insertEnvironmentAudit(flagsmith.pool, cloning);
        const backingOff = await waitForStatus(client, syncId(cloning.id), (s) => s.running !== null && s.state.recentAuditIds.includes(a1));

        const runBefore = (await client.workflow.getHandle(syncId(cloning.id)).describe()).runId;
        // Down while the sync sleeps between guard attempts; rows arrive meanwhile.
        await server.stop();
        const a2 = await insertEnvironmentAudit(flagsmith.pool, cloning);
        const a3 = await insertEnvironmentAudit(flagsmith.pool, other);
        await server.restart();
        await flagsmith.query('UPDATE environments_environment SET is_creating = false WHERE id = $1', [cloning.id]);

        const settled = (ids: number[]) => (s: Awaited<ReturnType<typeof waitForStatus>>) =>
          s.running === null && s.state.passes >= 1 && !s.state.dirty && ids.every((id) => s.state.recentAuditIds.includes(id));
        const afterRestart = await waitForStatus(client, syncId(cloning.id), settled([a1, a2]), 90_000);
        await waitForStatus(client, syncId(other.id), settled([a3]), 60_000);
        // The same run went on: the backoff survived the restart instead of the workflow starting over.
        expect(afterRestart.state.runs).toBe(1);
        expect((await client.workflow.getHandle(syncId(cloning.id)).describe()).runId).toBe(runBefore);
        expect(backingOff.state.passes).toBe(0);

        // A real change of content after the restart: one more write; nothing else is rewritten.
        await flagsmith.query('UPDATE features_featurestate SET enabled = NOT enabled WHERE environment_id = $1 AND feature_id = $2', [
          cloning.id,
          cloning.featureIds[0],
        ]);
        const a4 = await insertEnvironmentAudit(flagsmith.pool, cloning);
        const final = await waitForStatus(client, syncId(cloning.id), settled([a4]), 30_000);
        // A few more polls re-read the overlap window: nothing may be handled twice.
        await waitForMorePolls(client, tailerId, 3);
        const cloningIds = (await waitForStatus(client, syncId(cloning.id), () => true)).state.recentAuditIds;
        const otherIds = (await waitForStatus(client, syncId(other.id), () => true)).state.recentAuditIds;
        expect(cloningIds).toEqual([a1, a2, a4]);
        expect(otherIds).toEqual([a3]);

        expect(final.state.recentPasses.every((p) => p.outcome === 'written' || p.outcome === 'unchanged')).toBe(true);
        const written = final.state.recentPasses.filter((p) => p.outcome === 'written');
        expect(written).toHaveLength(2);
        expect(new Set(written.map((p) => p.contentHash)).size).toBe(2);
        expect(written.every((p) => p.featureStatesCount === 3)).toBe(true);
        expect(logs.events('environment_document.written').filter((l) => l.environment__id === cloning.id)).toHaveLength(2);
        expect((await fx.store.info(cloning.apiKey))?.contentHash).toBe(written[1]?.contentHash);

        const cursor = await readCursor(fx.flagopsDb.db, tailerId);
        expect(cursor?.highWater).toBe(a4);
        expect(cursor?.seenIds).toEqual(expect.arrayContaining([a1, a2, a3, a4]));
      });
    } finally {
      await clientConnection.close();
      await connection.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
