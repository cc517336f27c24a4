/**
 * Every message handler of every workflow (rollback, document sync, tailer) against what a person
 * can send from the Temporal UI or `temporal workflow signal|update`: wrong shapes, no payload,
 * unknown and reserved names, huge and deeply nested values, look-alike names. None may fail a
 * workflow task; each is recorded (or, for an Update, rejected by its validator), and the workflow
 * goes on serving valid messages.
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { ensureAuditLogTailer } from '../src/document-sync/tailer.js';
import { startRollback } from '../src/rollback/start.js';
import { tailerStatusQuery } from '../workflows/audit-log/messages.js';
import { approveUpdate, rejectUpdate, resolveUpdate, statusQuery } from '../workflows/rollback/messages.js';
import { createEnvironment, syncFixture, syncInput, waitForStatus as waitForSync, wake } from './helpers/document-sync.js';
import { APPROVER, FLAG, REQUESTER, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { runWithWorker } from './helpers/temporal.js';

const rollback = await rollbackFixture();
const sync = await syncFixture();

/** Workflow-task failures in a run's history (there must be none). */
async function taskFailures(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).map((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? '?');
}

function nested(depth: number): unknown {
  let value: unknown = { by: APPROVER };
  for (let i = 0; i < depth; i++) value = { inner: value };
  return value;
}

/** Payloads a person can type, none of them a valid approval. */
const malformed: unknown[] = [
  undefined,
  null,
  [],
  [APPROVER],
  42,
  'approve',
  true,
  {},
  { by: 42 },
  { by: '' },
  { by: '   ' },
  { by: null },
  { by: ['sd@example.com'] },
  { by: { name: APPROVER } },
  { who: APPROVER },
  { by: 'line\nbreak@example.com' },
  { by: 'bell\u0007@example.com' },
  { by: APPROVER, planHash: 42 },
  { by: APPROVER, comment: { text: 'x' } },
  nested(64),
];

describe('rollback handlers', () => {
  it('no payload, shape, name or size fails a task; look-alikes of the requester are refused; a valid approval still completes', async () => {
    await rollback.setFlag(FLAG, true);
    await runWithWorker({ deps: rollback.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      let sent = 0;
      for (const name of ['approve', 'reject', 'resolve']) {
        for (const payload of malformed) {
          await (payload === undefined ? handle.signal(name) : handle.signal(name, payload));
          sent += 1;
        }
      }
      for (const name of ['aprove', 'APPROVE', ' approve', '__temporal_pause', '__temporal_workflow_metadata', 'x'.repeat(300)]) {
        await handle.signal(name, { by: APPROVER });
        sent += 1;
      }
      // 1 MB strings: cut to 256 characters when recorded, never kept whole.
      await handle.signal('approve', { by: 'y'.repeat(1_000_000) });
      await handle.signal('approve', { by: APPROVER, comment: 'z'.repeat(1_000_000), planHash: 'stale' });
      // The requester, written differently: case, spaces, NFKC width forms, a zero-width space, a BOM.
      const lookAlikes = [REQUESTER.toUpperCase(), `  ${REQUESTER}  `, REQUESTER.replace('@', '\uFF20'), `${REQUESTER}\u200B`, `\uFEFF${REQUESTER}`];
      for (const by of lookAlikes) await handle.signal('approve', { by });
      sent += 2 + lookAlikes.length;

      // Updates: a malformed payload is rejected by the validator; a business refusal is the verdict.
      for (const [update, payload] of [
        [approveUpdate, { who: APPROVER }],
        [rejectUpdate, { by: APPROVER }],
        [resolveUpdate, { by: APPROVER, action: 'explode' }],
        [approveUpdate, null],
      ] as const) {
        await expect(handle.executeUpdate(update as typeof approveUpdate, { args: [payload as never] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      }
      expect(await handle.executeUpdate(approveUpdate, { args: [{ by: `${REQUESTER}\u200B` }] })).toMatchObject({
        accepted: false,
        reason: 'four-eyes: the requester cannot approve their own rollback',
      });

      const status = await handle.query(statusQuery);
      expect(status.status).toBe('awaiting_approval');
      expect(status.approvals).toHaveLength(0);
      expect(status.refusals.length + status.refusalsDropped).toBe(sent + 1);
      expect(status.refusals.every((r) => r.reason.length <= 256 && (r.by?.length ?? 0) <= 256)).toBe(true);
      expect(status.refusals.some((r) => r.reason === 'reserved signal name "__temporal_pause" (the __temporal_ prefix is Temporal\'s)')).toBe(true);
      expect(status.refusals.filter((r) => r.reason === 'four-eyes: the requester cannot approve their own rollback')).toHaveLength(lookAlikes.length + 1);
      expect(status.refusals.some((r) => r.reason === 'malformed payload: "by" must not contain control characters')).toBe(true);

      await handle.signal('approve', { by: ` ${APPROVER.toUpperCase()} `, planHash: planned.plan?.planHash });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(await taskFailures(client, handle.workflowId)).toEqual([]);
    });
  });
});

describe('document-sync and tailer handlers', () => {
  it('a `changed` without payload is a wake; malformed, unknown and reserved signals are recorded and ignored; the sync keeps serving', async () => {
    const env = await createEnvironment(sync.flagsmithDb.db, { features: 2 });
    const { deps } = sync.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id));
      await waitForSync(ctx.client, id, (s) => s.state.passes === 1);
      const handle = ctx.client.workflow.getHandle(id);
      // What `temporal workflow signal --name changed` sends without --input.
      await handle.signal('changed');
      await waitForSync(ctx.client, id, (s) => s.state.passes === 2);
      for (const payload of [42, 'now', [1], { source: 'nonsense' }, { auditIds: 'x' }, { auditIds: [1.5] }, { requestId: 7 }]) {
        await handle.signal('changed', payload);
      }
      await handle.signal('__temporal_cancel', {});
      await handle.signal('wake-up', {});
      const status = await waitForSync(ctx.client, id, (s) => (s.state.ignored?.count ?? 0) === 9);
      expect(status.state.ignored?.recent.map((r) => r.name).slice(-2)).toEqual(['__temporal_cancel', 'wake-up']);
      expect(status.state.ignored?.recent.at(-2)?.reason).toMatch(/^reserved signal name/);
      expect(status.state.passes).toBe(2);
      // Still awake to valid wakes, extra fields and deep nesting included.
      await handle.signal('changed', { source: 'cli', ...(nested(64) as object) });
      await waitForSync(ctx.client, id, (s) => s.state.passes === 3);
      expect(await taskFailures(ctx.client, id)).toEqual([]);
    });
  });

  it('the tailer records signals sent to it and keeps polling', async () => {
    const { deps } = sync.deps();
    await runWithWorker({ deps }, async (ctx) => {
      const tailerId = await ensureAuditLogTailer(ctx, { waitForRowsMs: 300 });
      const handle = ctx.client.workflow.getHandle(tailerId);
      await handle.signal('changed');
      await handle.signal('__temporal_anything', { x: 1 });
      await expect.poll(async () => (await handle.query(tailerStatusQuery)).ignored.count, { timeout: 20_000 }).toBe(2);
      const polls = (await handle.query(tailerStatusQuery)).totals.polls;
      await expect.poll(async () => (await handle.query(tailerStatusQuery)).totals.polls, { timeout: 20_000 }).toBeGreaterThan(polls);
      expect(await taskFailures(ctx.client, tailerId)).toEqual([]);
      await handle.terminate('test done');
    });
  });
});
