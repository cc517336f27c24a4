/**
 * The rollback commands end to end, as users run them: the real CLI as a subprocess against the
 * run's dev server, a real sandbox seeded from examples/sandbox-seed.yaml, and the real worker.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { describe, expect, inject, it } from 'vitest';
import { rollbackSearchAttributeKeys } from '../workflows/rollback/search-attributes.js';
import type { RollbackStatus } from '../workflows/rollback/messages.js';
import { cliSession } from './helpers/cli-session.js';
import { cliEnv, runCli, sampleConfig, writeConfigFile } from './helpers/cli.js';
import { APPROVER, CONFIG_FLAG, ENV_IDS, FLAG, REQUESTER, TOKEN, rollbackFixture } from './helpers/rollback.js';
import { type WorkerContext, runWithWorker } from './helpers/temporal.js';

const fx = await rollbackFixture();
const KEYS = { Production: 'X4CdBvak98wpn6Ljq7eUSs', Development: 'SCE375zGzViFpGZhWoiK7D' } as const;

/** What a user's shell holds: the CLI's own flagops.yaml points at the same sandbox as the worker's. */
function envFor(ctx: WorkerContext): NodeJS.ProcessEnv {
  return cliEnv({
    FLAGOPS_CONFIG: writeConfigFile(sampleConfig({ apiUrl: fx.sandbox.url })),
    FLAGSMITH_ADMIN_TOKEN: TOKEN,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    FLAGOPS_TASK_QUEUE: ctx.taskQueue,
    FLAGOPS_ID_PREFIX: ctx.idPrefix,
  });
}

const args = (flag: string, incident: string, ...more: string[]) => [
  'rollback',
  flag,
  '--reason',
  'matcher cards without EHR',
  '--incident',
  incident,
  '--as',
  REQUESTER,
  '--verify-timeout',
  '30s',
  ...more,
];

/** `flagops status --json` until `predicate` holds (the first workflow task may still be queued). */
async function statusUntil(id: string, env: NodeJS.ProcessEnv, predicate: (s: RollbackStatus) => boolean, timeoutMs = 60_000): Promise<RollbackStatus> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const result = await runCli(['status', id, '--json'], env);
    last = `${result.code}\n${result.stdout}\n${result.stderr}`;
    if (result.code === 0) {
      const status = JSON.parse(result.stdout) as RollbackStatus;
      if (predicate(status)) return status;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`status not reached in ${timeoutMs} ms; last:\n${last.slice(0, 3000)}`);
}

/** `flagops list … --json` until it shows `id` (visibility lags behind the start). */
async function listed(listArgs: string[], env: NodeJS.ProcessEnv, id: string): Promise<{ workflowId: string; executionStatus: string; outcome: string | null; incidentId: string | null }[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const result = await runCli(['list', ...listArgs, '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as { workflowId: string; executionStatus: string; outcome: string | null; incidentId: string | null }[];
    if (rows.some((r) => r.workflowId === id) || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('flagops rollback + approve (issue 4, "Done when")', () => {
  it('shows the plan and live progress; the requester is refused (four-eyes), the approver lets it finish; both environments serve enabled:false', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps() }, async (ctx) => {
      const env = envFor(ctx);
      const id = `${ctx.idPrefix}rollback-${FLAG}`;
      const since = new Date();
      const rollback = cliSession(args(FLAG, 'INC-1', '--cache-wait', '3s'), env);

      await rollback.waitFor('plan hash:');
      await rollback.waitFor('awaiting approval');
      expect(rollback.stdout).toMatch(/Production\s+ON .*→\s+OFF/);
      expect(rollback.stdout).toMatch(/Development\s+ON .*→\s+OFF/);
      const hash = /plan hash: ([0-9a-f]{64})/.exec(rollback.stdout)?.[1];
      expect(hash).toBeDefined();
      expect(rollback.stdout).toContain(`flagops approve ${id} --as <approver> --plan-hash ${hash}`);
      expect(rollback.stdout).toContain(`temporal workflow signal --workflow-id ${id} --name approve --input '{"by":"<approver>","planHash":"${hash}"}'`);
      expect(rollback.stdout).toContain('"Send an Update" → name approve');
      expect(rollback.stdout).toContain(`temporal workflow update execute --workflow-id ${id} --name approve --input '{"by":"<approver>","planHash":"${hash}"}'`);

      const own = await runCli(['approve', id, '--as', REQUESTER, '--yes'], env);
      expect(own.code, own.stderr).toBe(1);
      expect(own.stdout).toContain(`plan hash: ${hash}`);
      expect(own.stdout).toContain('approval REFUSED');
      expect(own.stdout).toContain('four-eyes: the requester cannot approve their own rollback');

      const approved = await runCli(['approve', id, '--as', APPROVER, '--yes', '--comment', 'go ahead'], env);
      expect(approved.code, approved.stderr).toBe(0);
      expect(approved.stdout).toContain('approval accepted');

      const result = await rollback.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('refused approve from ic@example.com: four-eyes');
      expect(result.stdout).toContain('approve accepted from sd@example.com: go ahead');
      expect(result.stdout).toContain('waiting for SDK caches');
      expect(result.stdout).toMatch(/cache wait: \d+s left/);
      expect(result.stdout).toMatch(/\] completed/);

      // Exactly one published version per environment, and the summary names both.
      const versions = await fx.versionsSince(since);
      expect(versions.map((v) => [v.environment_id, v.published]).sort()).toEqual([
        [ENV_IDS.Production, true],
        [ENV_IDS.Development, true],
      ].sort());
      for (const v of versions) expect(result.stdout).toContain(v.uuid);
      for (const key of Object.values(KEYS)) expect((await fx.flagsmith.getSdkFlag(key, FLAG)).enabled).toBe(false);

      const status = await statusUntil(id, env, () => true);
      expect(status.status).toBe('completed');
      expect(status.environments.map((e) => [e.name, e.publish, e.verified])).toEqual([
        ['Production', 'published', true],
        ['Development', 'published', true],
      ]);
      expect(status.approvals.map((a) => [a.signal, a.by, a.comment])).toEqual([['approve', APPROVER, 'go ahead']]);
      expect(status.refusals.map((r) => [r.by, r.requestId !== null])).toEqual([[REQUESTER, true]]);

      const rows = await listed(['--flag', FLAG], env, id);
      expect(rows.find((r) => r.workflowId === id)).toMatchObject({ executionStatus: 'COMPLETED', outcome: 'completed', incidentId: 'INC-1' });
      // The table shows the rollback's outcome, not Temporal's execution status.
      const table = await runCli(['list', '--flag', FLAG], env);
      expect(table.stdout).toMatch(new RegExp(`^${id}\\s+completed\\s+-\\s+INC-1`, 'm'));
    });
  });
});

describe('flagops rollback --json, reject, --no-wait, list', () => {
  it('prints one JSON document in the shared status shape, and exits 1 when rejected', async () => {
    await fx.setFlag(CONFIG_FLAG, true, '["decided_on_destination"]');
    await runWithWorker({ deps: fx.deps() }, async (ctx) => {
      const env = envFor(ctx);
      const id = `${ctx.idPrefix}rollback-${CONFIG_FLAG}`;
      const rollback = cliSession(args(CONFIG_FLAG, 'INC-2', '--enable', '--value', '["a","b"]', '--json'), env);
      const waiting = await statusUntil(id, env, (s) => s.status === 'awaiting_approval');
      expect(waiting.plan?.environments.map((e) => [e.name, e.after])).toEqual([
        ['Production', { enabled: true, value: '["a","b"]', valueType: 'unicode' }],
        ['Development', { enabled: true, value: '["a","b"]', valueType: 'unicode' }],
      ]);

      const rejected = await runCli(['reject', id, '--as', APPROVER, '--reason', 'not this value'], env);
      expect(rejected.code, rejected.stderr).toBe(0);
      expect(rejected.stdout).toContain('reject accepted');

      const result = await rollback.done;
      expect(result.code, result.stderr).toBe(1);
      const document = JSON.parse(result.stdout) as RollbackStatus;
      expect(Object.keys(document)).toEqual(
        expect.arrayContaining(['workflowId', 'runId', 'status', 'step', 'flag', 'requestedBy', 'plan', 'environments', 'approvals', 'refusals', 'cohort', 'notifications']),
      );
      expect(document).toMatchObject({ workflowId: id, status: 'rejected', flag: CONFIG_FLAG, requestedBy: REQUESTER, cohort: null });
      expect(document.plan?.planHash).toMatch(/^[0-9a-f]{64}$/);
      expect(document.approvals.map((a) => [a.signal, a.by, a.reason])).toEqual([['reject', APPROVER, 'not this value']]);
      expect((await fx.flagsmith.getSdkFlag(KEYS.Production, CONFIG_FLAG)).feature_state_value).toBe('["decided_on_destination"]');
    });
  });

  it('--no-wait exits 0 once started; a second rollback of the flag is refused with the running id (exit 1); list finds it; a stale --plan-hash is refused; the requester withdraws', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps() }, async (ctx) => {
      const env = envFor(ctx);
      const id = `${ctx.idPrefix}rollback-${FLAG}`;
      const started = await runCli(args(FLAG, 'INC-3', '--no-wait'), env);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stdout).toContain(`Started ${id}`);

      const second = await runCli(args(FLAG, 'INC-3', '--no-wait'), env);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`a rollback of this flag is already running: ${id}`);

      const rows = await listed(['--running', '--incident', 'INC-3'], env, id);
      expect(rows.map((r) => [r.workflowId, r.executionStatus])).toEqual([[id, 'RUNNING']]);

      await statusUntil(id, env, (s) => s.status === 'awaiting_approval');
      const human = await runCli(['status', id], env);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('awaiting_approval');
      expect(human.stdout).toContain(`flagops approve ${id}`);

      const stale = await runCli(['approve', id, '--as', APPROVER, '--plan-hash', 'f'.repeat(64)], env);
      expect(stale.code).toBe(1);
      expect(stale.stdout).toContain('is not the plan shown');
      expect(stale.stdout).toMatch(/approval REFUSED \(request [0-9a-f-]{36}\): plan hash f{64} does not match the current plan/);

      const withdrawn = await runCli(['reject', FLAG, '--as', REQUESTER, '--reason', 'false alarm'], env);
      expect(withdrawn.code, withdrawn.stderr).toBe(0);
      expect((await statusUntil(id, env, (s) => s.status === 'rejected')).outcome?.by).toBe(REQUESTER);
    });
  });
});

describe('flagops resolve', () => {
  it('a rollback that needs attention ends the `rollback` command with 1; a stranger is refused, the approver retries it to completion', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps() }, async (ctx) => {
      const env = envFor(ctx);
      const id = `${ctx.idPrefix}rollback-${FLAG}`;
      const rollback = cliSession(args(FLAG, 'INC-4', '--cache-wait', '1s'), env);
      await rollback.waitFor('plan hash:');
      fx.sandbox.faults.add({ method: 'POST', path: `/api/v1/environments/${ENV_IDS.Development}/features/*/versions/`, status: 400, body: { detail: 'injected refusal' } });
      try {
        expect((await runCli(['approve', id, '--as', APPROVER, '--yes'], env)).code).toBe(0);
        const result = await rollback.done;
        expect(result.code).toBe(1);
        expect(result.stdout).toContain('NEEDS ATTENTION');
        expect(result.stdout).toContain('injected refusal');
        expect(result.stdout).toContain(`flagops resolve ${id} --as <approver> --action retry`);
      } finally {
        fx.sandbox.faults.clear();
      }
      const stranger = await runCli(['resolve', id, '--as', 'stranger@example.com', '--action', 'retry'], env);
      expect(stranger.code).toBe(1);
      expect(stranger.stdout).toContain('resolve retry REFUSED');

      const retried = await runCli(['resolve', id, '--as', APPROVER, '--action', 'retry'], env);
      expect(retried.code, retried.stderr).toBe(0);
      expect(retried.stdout).toContain('resolve retry accepted');
      expect((await statusUntil(id, env, (s) => s.status === 'completed')).environments.every((e) => e.verified)).toBe(true);
    });
  });
});

describe('flagops setup-temporal against the dev server', () => {
  it('registers the search attributes in a fresh namespace, and a second run changes nothing', async () => {
    const namespace = `ns-${Date.now().toString(36)}`;
    const env = cliEnv({ TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: namespace });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    } finally {
      await connection.close();
    }
    // A new namespace takes a moment to reach the frontend's cache.
    let first = await runCli(['setup-temporal'], env);
    for (let i = 0; i < 30 && first.code !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      first = await runCli(['setup-temporal'], env);
    }
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('added    FlagName (Keyword)');
    expect(first.stdout).toContain('added    FlagEnvironments (KeywordList)');

    const second = await runCli(['setup-temporal'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.match(/^present/gm)).toHaveLength(rollbackSearchAttributeKeys.length);
    expect(second.stdout).not.toContain('added');
  });
});
