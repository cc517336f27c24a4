/**
 * `flagRollback` survives a restart of the Temporal server itself: a second dev server persisting to
 * a SQLite file is restarted while the rollback waits for caches (a durable timer), and the run
 * completes with exactly one published version per environment — no step lost, no flag published
 * twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { startDevServer } from '../src/devtools/dev-server.js';
import { startRollback } from '../src/rollback/start.js';
import { createFlagopsWorker } from '../src/worker.js';
import { approveSignal } from '../workflows/rollback/messages.js';
import { APPROVER, ENV_IDS, FLAG, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { testEnvironment, uniqueName, workflowBundle } from './helpers/temporal.js';

const fx = await rollbackFixture();

describe('flagRollback: a Temporal server restart', () => {
  it('restarted during the cache wait, the run completes with exactly one published version per environment', async () => {
    // The shared environment installs the SDK runtime's logger (WARN) before our connections exist.
    await testEnvironment();
    const dir = mkdtempSync(join(tmpdir(), 'flagops-restart-'));
    const server = await startDevServer({ cli: inject('temporalCli'), dbFilename: join(dir, 'temporal.db') });
    const connection = await NativeConnection.connect({ address: server.address });
    const clientConnection = await Connection.connect({ address: server.address });
    try {
      await fx.setFlag(FLAG, true);
      const since = new Date();
      const client = new Client({ connection: clientConnection });
      const taskQueue = uniqueName('restart');
      const worker = await createFlagopsWorker({
        connection,
        namespace: 'default',
        taskQueue,
        deps: fx.deps(),
        workflowBundle: await workflowBundle(),
        shutdownGraceTimeMs: 1_000,
      });
      await worker.runUntil(async () => {
        const handle = await startRollback(client, { taskQueue, idPrefix: `${uniqueName('restart')}-`, input: testInput({ cacheWaitMs: 5_000 }) });
        await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
        await handle.signal(approveSignal, { by: APPROVER });
        const waiting = await waitForStatus(handle, (s) => s.status === 'waiting_for_caches');
        const published = (await fx.versionsSince(since)).filter((v) => v.published);
        expect(published).toHaveLength(2);

        // The server goes down while the durable timer is still pending.
        expect(Date.now()).toBeLessThan(Date.parse(waiting.timers.cacheWaitUntil ?? ''));
        const restartStarted = Date.now();
        await server.restart();
        const restartMs = Date.now() - restartStarted;

        const result = await handle.result();
        expect(result.status).toBe('completed');
        expect(result.environments.every((e) => e.publish === 'published' && e.verified)).toBe(true);
        const ours = (await fx.versionsSince(since)).filter((v) => v.description?.startsWith('flagops:'));
        expect(ours.filter((v) => v.published).map((v) => v.environment_id).sort()).toEqual([ENV_IDS.Production, ENV_IDS.Development].sort());
        expect(ours).toHaveLength(2);
        expect(result.environments.map((e) => e.version).sort()).toEqual(ours.map((v) => v.uuid).sort());
        // The same run went on: the workflow did not start over.
        expect(result.runId).toBe(waiting.runId);
        console.info(`server restart took ${restartMs} ms; the run completed afterwards`);
      });
    } finally {
      await clientConnection.close();
      await connection.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
