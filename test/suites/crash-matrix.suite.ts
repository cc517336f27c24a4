/**
 * The crash matrix (`npm run suite:crashes`): the worker SIGKILLed at every step of a rollback —
 * while planning, while awaiting approval, between the environments' publishes, after a version was
 * created and before the activity reported, after Flagsmith processed the publish, during the cache
 * wait, during verify, during the cohort query — then Temporal restarted during the cache wait, and
 * PostgreSQL restarted during the cohort query. A fresh worker takes over each time; every case must
 * end completed with exactly one published version per environment and no failed workflow task.
 * Prints each case's final state, versions per environment and time to recover, then
 * `crash-matrix: cases=N bad=B`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { startDevServer } from '../../src/devtools/dev-server.js';
import { startRollback } from '../../src/rollback/start.js';
import { createFlagopsWorker } from '../../src/worker.js';
import { approveSignal, statusQuery, type RollbackStatus } from '../../workflows/rollback/messages.js';
import { APPROVER, COHORT_SQL, ENV_IDS, FLAG, TOKEN, rollbackFixture, testInput, waitForStatus } from '../helpers/rollback.js';
import { runWithWorker, testEnvironment, uniqueName, workflowBundle } from '../helpers/temporal.js';

const fx = await rollbackFixture();
const versions = (env: number) => `/api/v1/environments/${env}/features/*/versions/`;
const SLOW_COHORT = `SELECT id, pg_sleep(3) FROM (${COHORT_SQL}) AS slow`;

interface Outcome {
  name: string;
  status: string;
  versions: string;
  recoveryMs: number | null;
  bad: string | null;
}
const outcomes: Outcome[] = [];

function spawnWorker(taskQueue: string, extra: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/rollback-worker.ts'], {
    env: { ...process.env, SANDBOX_URL: fx.sandbox.url, SANDBOX_TOKEN: TOKEN, TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: taskQueue, ...extra },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Wait until a fault rule has been consumed: the worker is inside that very call. */
const consumed = (id: number) => () => fx.sandbox.faults.rules().find((r) => r.id === id)?.remaining === 0;

async function judge(name: string, handle: WorkflowHandle, since: Date, restartedAt: number): Promise<void> {
  let status: RollbackStatus | null = null;
  let bad: string | null = null;
  try {
    status = (await handle.result()) as RollbackStatus;
  } catch (error) {
    bad = `the run failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  const recoveryMs = Date.now() - restartedAt;
  const ours = (await fx.versionsSince(since)).filter((v) => v.description?.startsWith(`flagops:${handle.workflowId}:`));
  const perEnv = [ENV_IDS.Production, ENV_IDS.Development].map((env) => ours.filter((v) => v.published && v.environment_id === env).length);
  const failedTasks = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
  if (!bad && status?.status !== 'completed') bad = `ended ${status?.status ?? '?'}: ${status?.outcome?.detail ?? ''}`;
  if (!bad && perEnv.some((n) => n !== 1)) bad = `published versions per environment ${perEnv.join('/')}`;
  if (!bad && ours.some((v) => !v.published)) bad = 'an unpublished draft was left';
  if (!bad && failedTasks > 0) bad = `${failedTasks} failed workflow tasks`;
  outcomes.push({ name, status: status?.status ?? 'failed', versions: perEnv.join('/'), recoveryMs, bad });
}

/** One SIGKILL case: arrange, approve, wait for the moment, kill, and let a fresh worker finish. */
async function killCase(
  name: string,
  options: {
    input?: Parameters<typeof testInput>[0];
    beforeStart?: () => number;
    beforeApprove?: () => number | void;
    moment: (handle: WorkflowHandle, rule: number | undefined) => Promise<void>;
    approveAfterKill?: boolean;
    cohort?: boolean;
  },
): Promise<void> {
  await fx.setFlag(FLAG, true);
  fx.sandbox.faults.clear();
  const since = new Date();
  const taskQueue = uniqueName('crash');
  const idPrefix = `${uniqueName('crash')}-`;
  const child = await spawnWorker(taskQueue, options.cohort ? { APP_DATABASE_URL: fx.appUrl, COHORT_SQL: SLOW_COHORT } : {});
  const exited = once(child, 'exit');
  const client = (await testEnvironment()).client;
  let rule = options.beforeStart?.();
  const handle = await startRollback(client, {
    taskQueue,
    idPrefix,
    input: testInput({ cacheWaitMs: 0, activityTimeouts: { startToCloseMs: 20_000, heartbeatMs: 2_000, scheduleToCloseMs: 60_000 }, ...options.input }),
  });
  if (!options.beforeStart) {
    await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
    rule = options.beforeApprove?.() ?? undefined;
    if (!options.approveAfterKill) await handle.signal(approveSignal, { by: APPROVER });
  }
  await options.moment(handle, rule);
  child.kill('SIGKILL');
  await exited;
  const restartedAt = Date.now();
  await runWithWorker({ deps: fx.deps(), taskQueue, idPrefix }, async () => {
    if (options.beforeStart) {
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval', 60_000);
      await handle.signal(approveSignal, { by: APPROVER });
    }
    if (options.approveAfterKill) await handle.signal(approveSignal, { by: APPROVER });
    await judge(name, handle, since, restartedAt);
  });
}

describe('the crash matrix', () => {
  it('every step survives a SIGKILLed worker, a Temporal restart and a PostgreSQL restart', async () => {
    await killCase('SIGKILL during planning', {
      beforeStart: () => fx.sandbox.faults.add({ method: 'GET', path: '/api/v1/environments/SCE375zGzViFpGZhWoiK7D/', latencyMs: 3_000 }).id,
      moment: (_h, rule) => until('the plan call', consumed(rule ?? -1)),
    });
    await killCase('SIGKILL while awaiting approval', {
      approveAfterKill: true,
      moment: async (handle) => {
        await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      },
    });
    await killCase("SIGKILL between the environments' publishes", {
      beforeApprove: () => fx.sandbox.faults.add({ method: 'POST', path: versions(ENV_IDS.Development), latencyMs: 4_000 }).id,
      moment: async (_h, rule) => {
        await until('Development held', consumed(rule ?? -1));
        await until('Production published', async () => (await fx.versionsSince(new Date(Date.now() - 60_000))).some((v) => v.published && v.environment_id === ENV_IDS.Production && v.description?.startsWith('flagops:')));
      },
    });
    await killCase('SIGKILL after a version was created, before the activity reported', {
      beforeApprove: () => fx.sandbox.faults.add({ method: 'POST', path: `${versions(ENV_IDS.Production)}*/publish/`, latencyMs: 4_000 }).id,
      moment: (_h, rule) => until('the publish call', consumed(rule ?? -1)),
    });
    await killCase('SIGKILL after Flagsmith processed the publish (its answer lost)', {
      beforeApprove: () => fx.sandbox.faults.add({ method: 'POST', path: `${versions(ENV_IDS.Production)}*/publish/`, dropAnswer: true }).id,
      moment: (_h, rule) => until('the publish processed', consumed(rule ?? -1)),
    });
    await killCase('SIGKILL during the cache wait', {
      input: { cacheWaitMs: 4_000 },
      moment: async (handle) => {
        await waitForStatus(handle, (s) => s.status === 'waiting_for_caches');
      },
    });
    await killCase('SIGKILL during verify', {
      beforeApprove: () => fx.sandbox.faults.add({ method: 'GET', path: '/api/v1/flags/', latencyMs: 3_000 }).id,
      moment: (_h, rule) => until('the SDK call', consumed(rule ?? -1)),
    });
    await killCase('SIGKILL during the cohort query', {
      cohort: true,
      input: { flagOnAt: '2026-05-22T10:00:00Z' },
      moment: async (handle) => {
        await waitForStatus(handle, (s) => s.status === 'checking_cohort');
      },
    });

    // Temporal itself restarted during the cache wait (a dev server persisting to a file).
    {
      await fx.setFlag(FLAG, true);
      const dir = mkdtempSync(join(tmpdir(), 'flagops-crash-'));
      const server = await startDevServer({ cli: inject('temporalCli'), dbFilename: join(dir, 'temporal.db') });
      const connection = await NativeConnection.connect({ address: server.address });
      const clientConnection = await Connection.connect({ address: server.address });
      try {
        const since = new Date();
        const client = new Client({ connection: clientConnection });
        const taskQueue = uniqueName('restart');
        const worker = await createFlagopsWorker({ connection, namespace: 'default', taskQueue, deps: fx.deps(), workflowBundle: await workflowBundle(), shutdownGraceTimeMs: 1_000 });
        await worker.runUntil(async () => {
          const handle = await startRollback(client, { taskQueue, idPrefix: `${uniqueName('restart')}-`, input: testInput({ cacheWaitMs: 4_000 }) });
          await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
          await handle.signal(approveSignal, { by: APPROVER });
          await waitForStatus(handle, (s) => s.status === 'waiting_for_caches');
          await server.restart();
          await judge('Temporal restarted during the cache wait', handle, since, Date.now());
        });
      } finally {
        await clientConnection.close();
        await connection.close();
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }

    // PostgreSQL restarted during the cohort query (the cluster the tests use, when it is ours).
    const cluster = process.env.TEST_DATABASE_URL ? null : execFileSync('bash', ['-c', "pg_lsclusters --no-header | awk '$2 == \"main\" { print $1 \"/\" $2; exit }'"], { encoding: 'utf8' }).trim();
    if (cluster) {
      await fx.setFlag(FLAG, true);
      const since = new Date();
      const deps = fx.deps({}, (c) => {
        const flags = c.flags as Record<string, { cohort: { sql: string } }>;
        const flag = flags[FLAG];
        if (flag) flag.cohort.sql = SLOW_COHORT;
      });
      await runWithWorker({ deps }, async ({ client, taskQueue, idPrefix }) => {
        const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0, flagOnAt: '2026-05-22T10:00:00Z' }) });
        await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
        await handle.signal(approveSignal, { by: APPROVER });
        await waitForStatus(handle, (s) => s.status === 'checking_cohort');
        const [version, name] = cluster.split('/');
        execFileSync('pg_ctlcluster', [version ?? '15', name ?? 'main', 'restart'], { stdio: 'ignore' });
        const restartedAt = Date.now();
        await judge('PostgreSQL restarted during the cohort query', handle, since, restartedAt);
        const final = await handle.query(statusQuery).catch(() => null);
        const last = outcomes.at(-1);
        if (last && final?.cohort?.status !== 'done') last.bad ??= `the cohort ended ${final?.cohort?.status ?? '?'}: ${final?.cohort?.reason ?? ''}`;
      });
    } else {
      outcomes.push({ name: 'PostgreSQL restarted during the cohort query', status: 'not run (TEST_DATABASE_URL names a server this suite does not restart)', versions: '-', recoveryMs: null, bad: null });
    }

    const lines = outcomes.map((o) => `${o.bad ? 'BAD ' : ''}${o.name}: ${o.status}, versions ${o.versions}, recovered in ${o.recoveryMs ?? '-'} ms${o.bad ? ` — ${o.bad}` : ''}`);
    const cases = outcomes.filter((o) => o.recoveryMs !== null).length;
    const bad = outcomes.filter((o) => o.bad !== null).length;
    console.log(`${lines.join('\n')}\ncrash-matrix: cases=${cases} bad=${bad}`);
    expect(outcomes.filter((o) => o.bad !== null)).toEqual([]);
  });
});
