/**
 * Records the workflow histories the replay test replays: one per branch of the rollback, the
 * document sync and the tailer. Run by hand, once, when a workflow changes on purpose; the tests
 * only replay these files and never regenerate them:
 *
 *   node --import tsx test/histories/record.ts            # every branch
 *   node --import tsx test/histories/record.ts rollback/expired sync/continue-as-new
 *
 * It starts its own dev server, PostgreSQL clones, sandbox and worker (the real activities), drives
 * each branch through its real inputs (signals, Updates, injected Flagsmith faults), and writes
 * `test/histories/<branch>.json` with `historyToJSON`.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/index.js';
import { parseConfig } from '../../src/config/load.js';
import { Database } from '../../src/db/sql.js';
import { cloneDatabase, createTemplates, dropRunDatabases, newRunId, type ClonedDatabase } from '../../src/devtools/databases.js';
import { startDevServer } from '../../src/devtools/dev-server.js';
import { insertEnvironment, insertEnvironmentDefaultState, insertFeatures, insertProject } from '../../src/devtools/flagsmith-fixtures.js';
import { seed002, seed002FlagsmithConfig } from '../../src/devtools/seed-002.js';
import { ensureAuditLogTailer } from '../../src/document-sync/tailer.js';
import { wakeEnvironmentSync } from '../../src/document-sync/wake.js';
import { FlagsmithClient, toFeatureStateValue } from '../../src/flagsmith/index.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { startRollback } from '../../src/rollback/start.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { bundleFlagopsWorkflows, createFlagopsWorker } from '../../src/worker.js';
import { workflowIds } from '../../src/ids.js';
import { syncStatusQuery } from '../../workflows/document-sync/messages.js';
import { approveSignal, approveUpdate, rejectSignal, resolveSignal, statusQuery, type RollbackInput, type RollbackStatus } from '../../workflows/rollback/messages.js';

type History = temporal.api.history.v1.IHistory;
const here = fileURLToPath(new URL('.', import.meta.url));
const FLAG = seed002.flag;
const APPROVER = 'sd@example.com';

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Stack {
  client: Client;
  taskQueue: string;
  idPrefix: string;
  sandbox: Sandbox;
  flagsmith: FlagsmithClient;
  flagsmithDb: Database;
  deps: ActivityDeps;
  /** A local stand-in for Slack's Web API (answers `{"ok": true}`). */
  slackApiUrl: string;
  /** Run `fn` with a worker of its own polling `taskQueue` (none polls it before or after). */
  withWorker<T>(taskQueue: string, fn: () => Promise<T>): Promise<T>;
}

const input = (overrides: Partial<RollbackInput> = {}): RollbackInput => ({
  flag: FLAG,
  reason: 'matcher cards without EHR',
  incidentId: 'INC-1',
  requestedBy: 'ic@example.com',
  cacheWaitMs: 1_000,
  approvalTimeoutMs: 60_000,
  verifyTimeoutMs: 10_000,
  verifyIntervalMs: 300,
  activityTimeouts: { startToCloseMs: 10_000, heartbeatMs: 3_000, scheduleToCloseMs: 30_000 },
  ...overrides,
});

async function setFlagOn(stack: Stack, value?: string): Promise<void> {
  const feature = await stack.flagsmith.findFeatureByName(seed002.projectId, FLAG);
  if (!feature) throw new Error('seed 002 flag missing');
  for (const env of seed002.environments) {
    const current = await stack.flagsmith.getEnvironmentDefaultFeatureState(env.apiKey, FLAG);
    const version = await stack.flagsmith.createVersion(env.id, feature.id, {
      feature_states_to_update: [{ enabled: true, feature_state_value: toFeatureStateValue(value ?? current?.feature_state_value ?? null), feature_segment: null }],
      description: 'recording setup',
    });
    await stack.flagsmith.publishVersion(env.id, feature.id, version.uuid);
  }
}

async function planned(stack: Stack, overrides: Partial<RollbackInput> = {}): Promise<{ handle: WorkflowHandle; status: RollbackStatus }> {
  await setFlagOn(stack);
  const handle = await startRollback(stack.client, { taskQueue: stack.taskQueue, idPrefix: stack.idPrefix, input: input(overrides) });
  const status = await until('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval');
  return { handle, status };
}

async function ended(handle: WorkflowHandle, expected: RollbackStatus['status']): Promise<History> {
  const result = (await handle.result()) as RollbackStatus;
  if (result.status !== expected) throw new Error(`${handle.workflowId} ended ${result.status}, expected ${expected}`);
  return handle.fetchHistory();
}

const versions = (id: number) => `/api/v1/environments/${id}/features/1/versions/`;
const development = seed002.environments[1]?.id ?? 0;

/** Each rollback branch: drive it, return its history. */
const rollbackBranches: Record<string, (stack: Stack) => Promise<History>> = {
  'rollback/completed-signal': async (stack) => {
    const { handle, status } = await planned(stack);
    await handle.signal(approveSignal, { by: 'intruder@example.com' });
    await handle.signal(approveSignal, { by: APPROVER, planHash: status.plan?.planHash, requestId: 'recorded' });
    return ended(handle, 'completed');
  },
  'rollback/completed-update': async (stack) => {
    const { handle, status } = await planned(stack);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ic@example.com' }] });
    await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER, planHash: status.plan?.planHash }] });
    return ended(handle, 'completed');
  },
  // Recorded after `keep-the-hash-of-an-unchanged-plan`: the re-check finds the plan unchanged and
  // keeps its hash (a marker, no second hashPlan); completed-update holds the branch before it.
  'rollback/approved-plan-kept': async (stack) => {
    const { handle, status } = await planned(stack);
    await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER, planHash: status.plan?.planHash }] });
    return ended(handle, 'completed');
  },
  // Recorded after `plan-settles-every-environment`: Development's read fails for good, the run
  // waits for Production's before it fails.
  'rollback/plan-failed': async (stack) => {
    await setFlagOn(stack);
    stack.sandbox.faults.add({ method: 'GET', path: `/api/v1/environments/${seed002.environments[1]?.apiKey ?? ''}/`, status: 200, body: { unexpected: ['shape'] }, count: 1_000 });
    const handle = await startRollback(stack.client, { taskQueue: stack.taskQueue, idPrefix: stack.idPrefix, input: input() });
    await handle.result().then(
      () => Promise.reject(new Error('rollback/plan-failed completed')),
      () => undefined,
    );
    stack.sandbox.faults.clear();
    return handle.fetchHistory();
  },
  // Recorded after `notify-when-the-plan-is-ready`: Slack is configured (a local stand-in), the
  // plan's "approval needed" message is posted beside the approval wait, then approved.
  'rollback/approval-notice': async (stack) => {
    const config = stack.deps.config as { slack?: unknown };
    config.slack = { apiUrl: stack.slackApiUrl, channel: 'C0RECORD1', approvalNeeded: true };
    stack.deps.secrets.slackBotToken = 'xoxb-record-slack-token';
    try {
      const { handle, status } = await planned(stack);
      await until('notice', () => handle.query(statusQuery), (s) => s.notifications.some((n) => n.about === 'approval_needed'));
      await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER, planHash: status.plan?.planHash }] });
      return await ended(handle, 'completed');
    } finally {
      delete config.slack;
      delete stack.deps.secrets.slackBotToken;
    }
  },
  // Recorded after `one-decision-per-run`: no worker polls while three verdicts are sent, so the
  // next worker gets them in one activation; the first decides, the other two are refused.
  'rollback/second-verdict-refused': async (stack) => {
    const queue = `${stack.taskQueue}-race`;
    await setFlagOn(stack);
    const handle = await startRollback(stack.client, { taskQueue: queue, idPrefix: stack.idPrefix, input: input() });
    const status = await stack.withWorker(queue, () => until('plan', () => handle.query(statusQuery), (s) => s.status === 'awaiting_approval'));
    await handle.signal(approveSignal, { by: APPROVER, planHash: status.plan?.planHash, requestId: 'first' });
    await handle.signal(approveSignal, { by: 'ops@example.com', requestId: 'second' });
    await handle.signal(rejectSignal, { by: APPROVER, reason: 'too late', requestId: 'third' });
    return stack.withWorker(queue, () => ended(handle, 'completed'));
  },
  'rollback/rejected': async (stack) => {
    const { handle } = await planned(stack);
    await handle.signal(rejectSignal, { by: APPROVER, reason: 'not the cause' });
    return ended(handle, 'rejected');
  },
  'rollback/expired': async (stack) => {
    const { handle } = await planned(stack, { approvalTimeoutMs: 1_500 });
    return ended(handle, 'expired');
  },
  'rollback/cancelled': async (stack) => {
    const { handle } = await planned(stack);
    await handle.cancel();
    return ended(handle, 'cancelled');
  },
  'rollback/needs-attention-revert': async (stack) => {
    const { handle } = await planned(stack);
    stack.sandbox.faults.add({ method: 'POST', path: versions(development), status: 400, body: { detail: 'recorded refusal' }, count: 1 });
    await handle.signal(approveSignal, { by: APPROVER });
    await until('attention', () => handle.query(statusQuery), (s) => s.status === 'needs_attention');
    await handle.signal(resolveSignal, { by: APPROVER, action: 'revert' });
    return ended(handle, 'failed');
  },
  'rollback/needs-attention-retry': async (stack) => {
    const { handle } = await planned(stack);
    stack.sandbox.faults.add({ method: 'POST', path: versions(development), status: 403, body: { detail: 'recorded refusal' }, count: 1 });
    await handle.signal(approveSignal, { by: APPROVER });
    await until('attention', () => handle.query(statusQuery), (s) => s.status === 'needs_attention');
    await handle.signal(resolveSignal, { by: APPROVER, action: 'retry' });
    return ended(handle, 'completed');
  },
  'rollback/drafts-deleted': async (stack) => {
    const { handle } = await planned(stack, { activityTimeouts: { startToCloseMs: 5_000, heartbeatMs: 3_000, scheduleToCloseMs: 4_000 } });
    stack.sandbox.faults.add({ method: 'POST', path: `${versions(development)}*/publish/`, status: 502, count: 1_000 });
    await handle.signal(approveSignal, { by: APPROVER });
    await until('attention', () => handle.query(statusQuery), (s) => s.status === 'needs_attention');
    stack.sandbox.faults.clear();
    await handle.signal(resolveSignal, { by: APPROVER, action: 'revert' });
    return ended(handle, 'failed');
  },
  'rollback/replanned': async (stack) => {
    const { handle, status } = await planned(stack);
    await setFlagOn(stack, 'changed meanwhile');
    await handle.signal(approveSignal, { by: APPROVER, planHash: status.plan?.planHash });
    const second = await until('re-plan', () => handle.query(statusQuery), (s) => s.plan?.revision === 2 && s.status === 'awaiting_approval');
    await handle.signal(approveSignal, { by: APPROVER, planHash: second.plan?.planHash });
    return ended(handle, 'completed');
  },
};

/** A history up to now, for workflows that never end (replay accepts an open history). */
const soFar = (client: Client, workflowId: string, runId?: string) => client.workflow.getHandle(workflowId, runId).fetchHistory();

const syncBranches: Record<string, (stack: Stack) => Promise<History>> = {
  'sync/pass-with-backoff': async (stack) => {
    const projectId = await insertProject(stack.flagsmithDb.pool);
    const [featureId] = await insertFeatures(stack.flagsmithDb.pool, projectId, 1);
    const env = await insertEnvironment(stack.flagsmithDb.pool, { projectId, isCreating: true });
    if (featureId !== undefined) await insertEnvironmentDefaultState(stack.flagsmithDb.pool, { environmentId: env.id, featureId });
    const workflowId = await wakeEnvironmentSync(stack, { environmentId: env.id, backoffBaseMs: 200, maxAttempts: 10, reconcileEveryMs: 600_000 }, { source: 'cli' });
    const handle = stack.client.workflow.getHandle(workflowId);
    // Two attempts refused by the guard (two backoff timers), then the environment is ready.
    await until('backoff', async () => ((await handle.fetchHistory()).events ?? []).filter((e) => e.timerStartedEventAttributes).length, (n) => n >= 2);
    await stack.flagsmithDb.query('UPDATE environments_environment SET is_creating = false WHERE id = $1', [env.id]);
    await until('written', () => handle.query(syncStatusQuery), (s) => s.state.recentPasses.some((p) => p.outcome === 'written'));
    return soFar(stack.client, workflowId);
  },
  'sync/continue-as-new': async (stack) => {
    const projectId = await insertProject(stack.flagsmithDb.pool);
    const [featureId] = await insertFeatures(stack.flagsmithDb.pool, projectId, 1);
    const env = await insertEnvironment(stack.flagsmithDb.pool, { projectId, isCreating: false });
    if (featureId !== undefined) await insertEnvironmentDefaultState(stack.flagsmithDb.pool, { environmentId: env.id, featureId });
    const syncInput = { environmentId: env.id, backoffBaseMs: 200, maxAttempts: 3, reconcileEveryMs: 600_000, maxPassesPerRun: 2 };
    const workflowId = await wakeEnvironmentSync(stack, syncInput, { source: 'cli' });
    const first = (await stack.client.workflow.getHandle(workflowId).describe()).runId;
    await until('pass 1', () => stack.client.workflow.getHandle(workflowId).query(syncStatusQuery), (s) => s.state.passes >= 1);
    await wakeEnvironmentSync(stack, syncInput, { source: 'cli', requestId: 'second' });
    await until('continued', () => stack.client.workflow.getHandle(workflowId).describe(), (d) => d.runId !== first);
    return soFar(stack.client, workflowId, first);
  },
  // Recorded after `coalesce-bursts-of-changes`: a change right after a pass waits out the interval.
  'sync/burst-coalesced': async (stack) => {
    const projectId = await insertProject(stack.flagsmithDb.pool);
    const [featureId] = await insertFeatures(stack.flagsmithDb.pool, projectId, 1);
    const env = await insertEnvironment(stack.flagsmithDb.pool, { projectId, isCreating: false });
    if (featureId !== undefined) await insertEnvironmentDefaultState(stack.flagsmithDb.pool, { environmentId: env.id, featureId });
    const syncInput = { environmentId: env.id, backoffBaseMs: 200, maxAttempts: 3, reconcileEveryMs: 600_000, minPassIntervalMs: 1_000 };
    const workflowId = await wakeEnvironmentSync(stack, syncInput, { source: 'cli' });
    const handle = stack.client.workflow.getHandle(workflowId);
    await until('pass 1', () => handle.query(syncStatusQuery), (s) => s.state.passes >= 1);
    // Two changes right after it: one pass, after the interval.
    await wakeEnvironmentSync(stack, syncInput, { source: 'audit', auditIds: [1] });
    await wakeEnvironmentSync(stack, syncInput, { source: 'audit', auditIds: [2] });
    await until('pass 2', () => handle.query(syncStatusQuery), (s) => s.state.passes >= 2);
    return soFar(stack.client, workflowId);
  },
  // Recorded after `tail-by-long-poll`: each poll waits for rows itself; no timer between polls.
  'tailer/long-poll': async (stack) => {
    const workflowId = await ensureAuditLogTailer(stack, { waitForRowsMs: 1_000, maxPollsPerRun: 3 });
    const first = (await stack.client.workflow.getHandle(workflowId).describe()).runId;
    await until('continued', () => stack.client.workflow.getHandle(workflowId).describe(), (d) => d.runId !== first);
    const history = await soFar(stack.client, workflowId, first);
    await stack.client.workflow.getHandle(workflowId).terminate('recorded');
    return history;
  },
  'tailer/continue-as-new': async (stack) => {
    const workflowId = await ensureAuditLogTailer(stack, { pollIntervalMs: 200, maxPollsPerRun: 2 });
    const first = (await stack.client.workflow.getHandle(workflowId).describe()).runId;
    await until('continued', () => stack.client.workflow.getHandle(workflowId).describe(), (d) => d.runId !== first);
    const history = await soFar(stack.client, workflowId, first);
    await stack.client.workflow.getHandle(workflowId).terminate('recorded');
    return history;
  },
};

const wanted = process.argv.slice(2);
const pick = <T>(branches: Record<string, T>) => Object.entries(branches).filter(([name]) => wanted.length === 0 || wanted.includes(name));

// The activity failures some branches inject are expected; only errors are worth printing.
Runtime.install({ logger: new DefaultLogger('ERROR') });
const server = await startDevServer();
const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8' }).trim();
const runId = newRunId('rec');
await createTemplates(adminUrl, runId);
const clones: ClonedDatabase[] = [];
const clone = async (set: string) => {
  const db = await cloneDatabase(adminUrl, runId, set);
  clones.push(db);
  return db;
};
const closers: (() => Promise<unknown>)[] = [];
try {
  const connection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const workflowBundle = await bundleFlagopsWorkflows();
  const sandboxDb = await clone('sandbox');
  const sandbox = await startSandbox({ databaseUrl: sandboxDb.url, token: 'record-token', seed: 'examples/sandbox-seed.yaml' });
  closers.push(() => sandbox.close());
  const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: 'Token record-token' });
  closers.push(() => flagsmith.close());
  const flagsmithDb = new Database(sandboxDb.url, 'recording sandbox', { max: 3 });
  closers.push(() => flagsmithDb.close());
  const flagopsClone = await clone('flagops');
  const flagopsDb = new Database(flagopsClone.url, 'recording store', { max: 3 });
  closers.push(() => flagopsDb.close());
  const app = await clone('empty');
  const appDb = new Database(app.url, 'recording app', { max: 2 });
  closers.push(() => appDb.close());
  await appDb.query(`CREATE TABLE cases (id text PRIMARY KEY, workflow_state jsonb NOT NULL, created_at timestamptz NOT NULL)`);
  await appDb.query(`INSERT INTO cases VALUES ('case-1', '{"matching_complete": true}', '2026-06-01T00:00:00Z')`);

  const config = parseConfig(
    {
      flagsmith: seed002FlagsmithConfig(sandbox.url),
      approval: { approvers: [APPROVER, 'ic@example.com', 'ops@example.com'], distinctFromRequester: true },
      flags: {
        [FLAG]: {
          semantics: 'asymmetric',
          cohort: {
            description: 'matching_complete since the flag went on',
            sql: `SELECT id FROM cases WHERE (workflow_state->>'matching_complete')::bool IS TRUE AND created_at >= $1`,
            params: ['flagOnAt'],
          },
        },
      },
    },
    'record',
    {},
  );
  const taskQueue = 'record-histories';
  const idPrefix = 'recorded-';
  const deps: ActivityDeps = {
    config,
    log: createLogger('silent'),
    metrics: createMetrics(),
    secrets: { serverKeys: {} },
    flagsmith,
    appDb,
    flagsmithDb,
    flagopsDb,
    temporal: { client, taskQueue, idPrefix },
  };
  const slackApi = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, channel: 'C0RECORD1', ts: '1700000000.000100' })));
  });
  await new Promise<void>((resolve) => slackApi.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise((resolve) => slackApi.close(resolve)));
  const slackApiUrl = `http://127.0.0.1:${(slackApi.address() as AddressInfo).port}/api`;
  const worker = await createFlagopsWorker({ connection, namespace: 'default', taskQueue, deps, workflowBundle });
  const withWorker = async <T>(queue: string, fn: () => Promise<T>): Promise<T> =>
    (await createFlagopsWorker({ connection, namespace: 'default', taskQueue: queue, deps, workflowBundle, shutdownGraceTimeMs: 1_000 })).runUntil(fn());
  const stack: Stack = { client, taskQueue, idPrefix, sandbox, flagsmith, flagsmithDb, deps, slackApiUrl, withWorker };
  await worker.runUntil(async () => {
    for (const [name, record] of [...pick(rollbackBranches), ...pick(syncBranches)]) {
      const history = await record(stack);
      const file = `${here}${name}.json`;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${historyToJSON(history)}\n`);
      process.stdout.write(`wrote ${name}.json (${history.events?.length ?? 0} events)\n`);
      sandbox.faults.clear();
      // Each rollback branch uses the same flag: the next one starts once this run is closed.
      await until('closed', () => client.workflow.getHandle(workflowIds.rollback(idPrefix, FLAG)).describe(), (d) => d.status.name !== 'RUNNING').catch(() => undefined);
    }
  });
  await connection.close();
  await client.connection.close();
} finally {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  for (const db of clones) await db.drop().catch(() => undefined);
  await dropRunDatabases(adminUrl, runId);
  await server.stop();
}
process.exit(0);
