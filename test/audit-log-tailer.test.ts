/**
 * The audit-log tailer: durable cursor across a worker restart, rows committed out of id order,
 * de-duplication of the overlap window — on a real dev server and the sandbox's tables.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readCursor } from '../src/document-sync/audit-cursor.js';
import { ensureAuditLogTailer } from '../src/document-sync/tailer.js';
import { insertEnvironmentAudit } from '../src/devtools/flagsmith-fixtures.js';
import { workflowIds } from '../src/ids.js';
import { tailerStatusQuery } from '../workflows/audit-log/messages.js';
import { createEnvironment, syncFixture, waitForMorePolls, waitForStatus } from './helpers/document-sync.js';
import { runWithWorker, uniqueName } from './helpers/temporal.js';

describe('auditLogTailer', async () => {
  const fx = await syncFixture();
  const flagsmith = fx.flagsmithDb.db;

  it('resumes from its cursor after a worker restart, picks up a row committed out of id order, and handles each row once', async () => {
    const one = await createEnvironment(flagsmith, { features: 2 });
    const two = await createEnvironment(flagsmith, { features: 2 });
    // Older than the tailer: its first start covers it (one wake per environment), so no later
    // re-read of the overlap window may hand it to a sync again.
    await insertEnvironmentAudit(flagsmith.pool, one);
    const { deps } = fx.deps();
    const taskQueue = uniqueName('tail');
    const idPrefix = `${uniqueName('tail')}-`;
    const syncId = (envId: number) => workflowIds.environmentDocumentSync(idPrefix, envId);
    const auditIdsOf = async (client: Parameters<typeof waitForStatus>[0], envId: number, expected: number[]) =>
      (await waitForStatus(client, syncId(envId), (s) => expected.every((id) => s.state.recentAuditIds.includes(id)), 30_000)).state.recentAuditIds;

    let a = 0;
    let b = 0;
    let c = 0;
    const late = new pg.Client({ connectionString: fx.flagsmithDb.url });
    await late.connect();
    try {
      await runWithWorker({ deps, taskQueue, idPrefix }, async (ctx) => {
        const tailerId = await ensureAuditLogTailer(ctx, { waitForRowsMs: 300, overlapRows: 100 });
        // The first poll only places the cursor (and wakes every environment once).
        await waitForStatus(ctx.client, syncId(one.id), () => true);
        await expect.poll(async () => (await ctx.client.workflow.getHandle(tailerId).query(tailerStatusQuery)).totals.polls, { timeout: 20_000 }).toBeGreaterThan(1);

        a = await insertEnvironmentAudit(flagsmith.pool, one);
        await auditIdsOf(ctx.client, one.id, [a]);

        // Row b takes its id now but commits later, after row c (a higher id) has been handled.
        await late.query('BEGIN');
        b = await insertEnvironmentAudit(late, two);
        c = await insertEnvironmentAudit(flagsmith.pool, one);
        expect(c).toBeGreaterThan(b);
        await auditIdsOf(ctx.client, one.id, [a, c]);
      });
      // The worker is down: b commits out of order and d arrives.
      await late.query('COMMIT');
    } finally {
      await late.end();
    }
    const d = await insertEnvironmentAudit(flagsmith.pool, two);

    await runWithWorker({ deps, taskQueue, idPrefix }, async (ctx) => {
      await auditIdsOf(ctx.client, two.id, [b, d]);
      // A few more polls re-read the overlap window; nothing may be handled twice.
      await waitForMorePolls(ctx.client, workflowIds.auditLogTailer(idPrefix), 3);
      const oneIds = await auditIdsOf(ctx.client, one.id, [a, c]);
      const twoIds = await auditIdsOf(ctx.client, two.id, [b, d]);
      expect(oneIds).toEqual([a, c]);
      expect(twoIds).toEqual([b, d]);
    });
    const cursor = await readCursor(fx.flagopsDb.db, workflowIds.auditLogTailer(idPrefix));
    expect(cursor?.highWater).toBe(d);
    expect(cursor?.seenIds).toEqual(expect.arrayContaining([a, b, c, d]));
  });
});
