/**
 * What the document-sync tests share: the sandbox (Flagsmith's tables + API) on a fresh database,
 * a fresh flagops store, activity deps with captured JSON logs and their own metrics registry.
 */
import type { Client } from '@temporalio/client';
import { waitForQuery } from './temporal.js';
import type { ActivityDeps } from '../../activities/index.js';
import { parseConfig } from '../../src/config/load.js';
import { FlagsmithClient } from '../../src/flagsmith/client.js';
import { createLogger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { PostgresDocumentStore } from '../../src/store/postgres-document-store.js';
import { afterAll, expect } from 'vitest';
import { testDatabase, type TestDatabase } from './databases.js';
import { sampleConfig } from './cli.js';
import { syncStatusQuery, type EnvironmentDocumentSyncInput, type SyncStatus, type SyncWake } from '../../workflows/document-sync/messages.js';
import { wakeEnvironmentSync } from '../../src/document-sync/wake.js';
import { tailerStatusQuery } from '../../workflows/audit-log/messages.js';
import type { Database } from '../../src/db/sql.js';
import {
  type FixtureEnvironment,
  insertEnvironment,
  insertEnvironmentDefaultState,
  insertFeatures,
  insertProject,
} from '../../src/devtools/flagsmith-fixtures.js';

/** JSON log lines written by the deps' logger. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  events(name: string): Record<string, unknown>[] {
    return this.lines.filter((line) => line.event === name);
  }
}

/** The shared sandbox, databases and store of one test file. */
export interface SyncFixture {
  sandbox: Sandbox;
  flagsmithDb: TestDatabase;
  flagopsDb: TestDatabase;
  projectId: number;
  store: PostgresDocumentStore;
  /** Fresh deps (own logs and metrics) for one test. */
  deps(documentSync?: { backoffBase?: string; maxAttempts?: number; reconcileEvery?: string }): {
    deps: Omit<ActivityDeps, 'temporal'>;
    logs: LogCapture;
    metrics: Metrics;
  };
}

/** Call at describe level (`await syncFixture()`); everything is closed after the file. */
export async function syncFixture(): Promise<SyncFixture> {
  const flagsmithDb = await testDatabase('sandbox');
  const flagopsDb = await testDatabase('flagops');
  const sandbox = await startSandbox({
    databaseUrl: flagsmithDb.url,
    seed: {
      organisation: { name: 'Sync tests' },
      project: { name: 'Sync' },
      environments: [{ name: 'Production', api_key: 'prodKeySync', use_v2_feature_versioning: true }],
      features: [{ name: 'banner' }],
    },
  });
  const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${sandbox.token}` });
  afterAll(async () => {
    await flagsmith.close();
    await sandbox.close();
  });
  const projectId = sandbox.seed?.projectId ?? 0;
  return {
    sandbox,
    flagsmithDb,
    flagopsDb,
    projectId,
    store: new PostgresDocumentStore(flagopsDb.db),
    deps(documentSync = {}) {
      const logs = new LogCapture();
      const metrics = createMetrics();
      const config = parseConfig({ ...sampleConfig({ apiUrl: sandbox.url }), documentSync: { backoffBase: '100ms', maxAttempts: 5, reconcileEvery: '10m', ...documentSync } }, 'test', {});
      return {
        logs,
        metrics,
        deps: {
          config,
          log: createLogger('info', logs),
          metrics,
          secrets: { serverKeys: {} },
          flagsmithDb: flagsmithDb.db,
          flagopsDb: flagopsDb.db,
          flagsmith,
        },
      };
    },
  };
}

/** Workflow input with test-sized durations. */
export function syncInput(environmentId: number, overrides: Partial<EnvironmentDocumentSyncInput> = {}): EnvironmentDocumentSyncInput {
  return { environmentId, backoffBaseMs: 100, maxAttempts: 5, reconcileEveryMs: 600_000, activityTimeoutMs: 20_000, ...overrides };
}

/** Signal-with-start an environment's sync workflow through the path the tailer and the CLI take. */
export function wake(
  ctx: { client: Client; taskQueue: string; idPrefix: string },
  input: EnvironmentDocumentSyncInput,
  signal: SyncWake = { source: 'cli' },
): Promise<string> {
  return wakeEnvironmentSync(ctx, input, signal);
}

/** Poll the `status` query until `predicate` holds (or fail after `timeoutMs`). */
export function waitForStatus(
  client: Client,
  workflowId: string,
  predicate: (status: SyncStatus) => boolean,
  timeoutMs = 30_000,
): Promise<SyncStatus> {
  return waitForQuery(`status of ${workflowId}`, () => client.workflow.getHandle(workflowId).query(syncStatusQuery), predicate, {
    timeoutMs,
    intervalMs: 150,
  });
}

/**
 * Durations of the timers a workflow has started, in ms, from its history. While its first pass
 * runs, every timer is a backoff between attempts (the idle wait starts only after a pass).
 */
export async function timersStarted(client: Client, workflowId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.timerStartedEventAttributes?.startToFireTimeout)
    .filter((d) => d !== undefined && d !== null)
    .map((d) => Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6);
}

/**
 * Wait until the audit-log tailer has finished `more` polls beyond those it had finished when
 * called (a poll in flight counts as one, so ask for at least two to be sure of a full re-read).
 */
export async function waitForMorePolls(client: Client, tailerId: string, more: number): Promise<void> {
  const polls = async () => (await client.workflow.getHandle(tailerId).query(tailerStatusQuery)).totals.polls;
  const target = (await polls()) + more;
  await expect.poll(polls, { timeout: 30_000 }).toBeGreaterThanOrEqual(target);
}

/** An environment from {@link createEnvironment}, with its project and features. */
export interface ReadyEnvironment extends FixtureEnvironment {
  projectId: number;
  featureIds: number[];
}

/**
 * A project of its own with `features` features and one v1 environment; `seeded` of them get their
 * environment-default feature state (default: all).
 */
export async function createEnvironment(
  db: Database,
  options: { features: number; seeded?: number; isCreating?: boolean },
): Promise<ReadyEnvironment> {
  const projectId = await insertProject(db.pool);
  const featureIds = await insertFeatures(db.pool, projectId, options.features);
  const environment = await insertEnvironment(db.pool, { projectId, isCreating: options.isCreating ?? false });
  for (const featureId of featureIds.slice(0, options.seeded ?? featureIds.length)) {
    await insertEnvironmentDefaultState(db.pool, { environmentId: environment.id, featureId });
  }
  return { ...environment, projectId, featureIds };
}
