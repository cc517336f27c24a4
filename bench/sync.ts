/**
 * The document sync's freshness and coalescing (`npm run bench:sync -- [--samples 20]
 * [--environments 50] [--changes 1000] [--window 5000]`), on the sandbox's Flagsmith tables, a
 * real dev server and one in-process worker (its document store records every write).
 *
 * 1. Freshness, with nothing being created: one feature state changes and its audit row commits;
 *    the time to a complete document holding the change in the store. Seed 001's old path (a write
 *    1 s after each audit row, `timer-writer.ts`) is measured in the same run, on other
 *    environments, before the sync's tailer starts. `freshness_ratio` = old p50 ÷ sync p50.
 * 2. Coalescing: `--changes` changes (a feature state and its audit row each) at random moments
 *    over `--window` ms across `--environments` environments; then the documents written per
 *    environment until everything settled, and whether each final document matches the tables.
 *
 * Ends with `freshness_ratio=X writes_per_env_max=W partial=P` (partial: documents written with
 * fewer environment defaults than the project has features, over the whole run).
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { parseConfig } from '../src/config/load.js';
import { Database } from '../src/db/sql.js';
import { cloneDatabase, createTemplates, dropRunDatabases, newRunId } from '../src/devtools/databases.js';
import { startDevServer } from '../src/devtools/dev-server.js';
import { insertEnvironment, insertEnvironmentAudit, insertEnvironmentDefaultState, insertFeatures, insertProject, type FixtureEnvironment } from '../src/devtools/flagsmith-fixtures.js';
import { ensureAuditLogTailer } from '../src/document-sync/tailer.js';
import { FlagsmithClient } from '../src/flagsmith/client.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { PostgresDocumentStore } from '../src/store/postgres-document-store.js';
import { workflowIds } from '../src/ids.js';
import { createFlagopsWorker } from '../src/worker.js';
import { tailerStatusQuery } from '../workflows/audit-log/messages.js';
import { syncStatusQuery } from '../workflows/document-sync/messages.js';
import { RecordingStore } from './recording-store.js';
import { spawnSandbox } from './sandbox-process.js';
import { startTimerWriter } from './timer-writer.js';
import { percentile, pool } from './util.js';

const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '20' },
    environments: { type: 'string', default: '50' },
    changes: { type: 'string', default: '1000' },
    window: { type: 'string', default: '5000' },
    features: { type: 'string', default: '20' },
  },
});
const whole = (name: keyof typeof args, min: number, max: number): number => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, got ${args[name]}`);
  return value;
};
const samples = whole('samples', 1, 1_000);
const environmentCount = whole('environments', 1, 500);
const changes = whole('changes', 0, 100_000);
const windowMs = whole('window', 0, 600_000);
const featureCount = whole('features', 1, 1_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TOKEN = 'bench-sync-token';

interface Project {
  projectId: number;
  featureIds: number[];
  environments: (FixtureEnvironment & { projectId: number; stateIds: number[] })[];
}

/** A project of `featureCount` features and `count` environments with a default for each feature. */
async function createProject(db: Database, count: number): Promise<Project> {
  return db.transaction(async (q) => {
    const projectId = await insertProject(q);
    const featureIds = await insertFeatures(q, projectId, featureCount);
    const environments: Project['environments'] = [];
    for (let i = 0; i < count; i++) {
      const env = await insertEnvironment(q, { projectId });
      const stateIds: number[] = [];
      for (const featureId of featureIds) stateIds.push(await insertEnvironmentDefaultState(q, { environmentId: env.id, featureId }));
      environments.push({ ...env, projectId, stateIds });
    }
    return { projectId, featureIds, environments };
  });
}

/** Flip one environment default and write the audit row Flagsmith writes for it. */
async function change(db: Database, env: Project['environments'][number], stateId: number): Promise<void> {
  await db.query('UPDATE features_featurestate SET enabled = NOT enabled WHERE id = $1', [stateId]);
  await insertEnvironmentAudit(db.pool, env, 'Flag state updated');
}

/** Until the store holds a complete document for `apiKey` written after `since` (epoch ms): its delay, or null after `timeoutMs`. */
async function writtenAfter(store: RecordingStore, apiKey: string, since: number, timeoutMs = 30_000): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const write = store.writes.find((w) => w.environmentApiKey === apiKey && w.at > since && w.featureStatesCount === featureCount);
    if (write) return write.at - since;
    if (Date.now() > deadline) return null;
    await sleep(10);
  }
}

/** Change one environment at a time and time each change to its document. */
async function freshness(db: Database, store: RecordingStore, project: Project): Promise<number[]> {
  const delays: number[] = [];
  for (let i = 0; i < samples; i++) {
    const env = project.environments[i % project.environments.length];
    if (!env) break;
    await change(db, env, env.stateIds[i % env.stateIds.length] ?? 0);
    const delay = await writtenAfter(store, env.apiKey, Date.now());
    if (delay === null) throw new Error(`sample ${i}: no document for ${env.name} within 30 s`);
    delays.push(delay);
    // Off the tailer's 200 ms rhythm, and past the 3 s pass interval of the next change's environment.
    await sleep(150 + Math.random() * 300);
  }
  return delays;
}

/** Does the stored document of each environment hold the enabled flags its tables hold? */
async function staleEnvironments(db: Database, store: RecordingStore, project: Project): Promise<number> {
  let stale = 0;
  for (const env of project.environments) {
    const rows = await db.query<{ feature_id: number; enabled: boolean }>('SELECT feature_id, enabled FROM features_featurestate WHERE environment_id = $1', [env.id]);
    const document = (await store.read(env.apiKey)) as { feature_states?: { feature: { id: number }; enabled: boolean }[] } | undefined;
    const served = new Map((document?.feature_states ?? []).map((s) => [s.feature.id, s.enabled]));
    if (rows.some((r) => served.get(r.feature_id) !== r.enabled)) stale += 1;
  }
  return stale;
}

Runtime.install({ logger: new DefaultLogger('ERROR') });
const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const runId = newRunId('sync');
const server = await startDevServer();
await createTemplates(adminUrl, runId);
const flagsmithClone = await cloneDatabase(adminUrl, runId, 'sandbox');
const flagopsClone = await cloneDatabase(adminUrl, runId, 'flagops');
const sandbox = await spawnSandbox({ databaseUrl: flagsmithClone.url, token: TOKEN, seed: 'examples/sandbox-seed.yaml' });
const flagsmithDb = new Database(flagsmithClone.url, 'bench flagsmith', { max: 20 });
const flagopsDb = new Database(flagopsClone.url, 'bench flagops', { max: 10 });
const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${TOKEN}` });
const store = new RecordingStore(new PostgresDocumentStore(flagopsDb));
const connection = await NativeConnection.connect({ address: server.address });
const clientConnection = await Connection.connect({ address: server.address });
const client = new Client({ connection: clientConnection });
const taskQueue = `bench-sync-${runId}`;
const idPrefix = `${runId}-`;
// The document sync's defaults: backoff 1 s, reconcile 10 m, 3 s between the passes of a burst.
const config = parseConfig({ flagsmith: { apiUrl: sandbox.url, projectId: 1, environments: [{ name: 'Unused', id: 1, apiKey: 'unused' }] } }, 'bench', {});
const worker = await createFlagopsWorker({
  connection,
  namespace: 'default',
  taskQueue,
  deps: { config, log: createLogger('silent'), metrics: createMetrics(), secrets: { serverKeys: {} }, flagsmithDb, flagopsDb, flagsmith, documentStore: store, temporal: { client, taskQueue, idPrefix } },
  shutdownGraceTimeMs: 1_000,
});

let timerDelays: number[] = [];
let syncDelays: number[] = [];
let writesPerEnv: number[] = [];
let stale = 0;
let burstMs = 0;
/** The api keys of this benchmark's environments (the seed's own, woken by the tailer's start, are not counted). */
const ours = new Set<string>();
try {
  await worker.runUntil(async () => {
    // Seed 001's old path first, before the tailer exists (it would write these environments too).
    const old = await createProject(flagsmithDb, 5);
    for (const env of old.environments) ours.add(env.apiKey);
    const timer = await startTimerWriter(flagsmithDb, flagsmith, store);
    timerDelays = await freshness(flagsmithDb, store, old);
    await timer.stop();
    await flagsmithDb.query('UPDATE environments_environment SET deleted_at = now() WHERE project_id = $1', [old.projectId]);

    const fresh = await createProject(flagsmithDb, 10);
    const burst = await createProject(flagsmithDb, environmentCount);
    for (const env of [...fresh.environments, ...burst.environments]) ours.add(env.apiKey);
    // The tailer's first start gives every environment a pass; wait until they all have a document.
    await ensureAuditLogTailer({ client, taskQueue, idPrefix });
    for (const env of [...fresh.environments, ...burst.environments]) {
      if ((await writtenAfter(store, env.apiKey, 0, 120_000)) === null) {
        const status = await client.workflow.getHandle(workflowIds.environmentDocumentSync(idPrefix, env.id)).query(syncStatusQuery).catch((error: unknown) => String(error));
        const tailer = await client.workflow.getHandle(workflowIds.auditLogTailer(idPrefix)).query(tailerStatusQuery);
        throw new Error(`${env.name}: no first document; its sync: ${JSON.stringify(status).slice(0, 500)}; the tailer: ${JSON.stringify(tailer.totals)}`);
      }
    }
    await sleep(3_500);
    syncDelays = await freshness(flagsmithDb, store, fresh);

    // The burst: changes at random moments over the window, across the burst project's environments.
    await sleep(3_500);
    const startedAt = Date.now();
    const offsets = Array.from({ length: changes }, () => Math.random() * windowMs).sort((a, b) => a - b);
    await pool(changes, 20, async (i) => {
      const wait = startedAt + (offsets[i] ?? 0) - Date.now();
      if (wait > 0) await sleep(wait);
      const env = burst.environments[Math.floor(Math.random() * burst.environments.length)];
      if (env) await change(flagsmithDb, env, env.stateIds[Math.floor(Math.random() * env.stateIds.length)] ?? 0);
    });
    burstMs = Date.now() - startedAt;
    // Settled: no document written for 5 s (past the pass interval and a tailer check).
    for (let last = store.writes.length; ; ) {
      await sleep(5_000);
      if (store.writes.length === last) break;
      last = store.writes.length;
    }
    writesPerEnv = burst.environments.map((env) => store.writes.filter((w) => w.environmentApiKey === env.apiKey && w.at >= startedAt).length);
    stale = await staleEnvironments(flagsmithDb, store, burst);
  });
} finally {
  await flagsmith.close();
  await sandbox.close();
  await flagsmithDb.close();
  await flagopsDb.close();
  await clientConnection.close();
  await connection.close();
  await server.stop();
  await dropRunDatabases(adminUrl, runId);
}

const p = (values: number[], q: number) => Math.round(percentile(values, q) ?? NaN);
const partial = store.writes.filter((w) => ours.has(w.environmentApiKey) && w.featureStatesCount < featureCount).length;
const maxWrites = Math.max(...writesPerEnv);
console.log(`freshness (audit row → complete document), ${samples} changes each: sync p50=${p(syncDelays, 50)}ms p95=${p(syncDelays, 95)}ms; seed 001's 1 s timer p50=${p(timerDelays, 50)}ms p95=${p(timerDelays, 95)}ms`);
console.log(
  `coalescing: ${changes} changes over ${environmentCount} environments in ${burstMs} ms: documents written per environment max=${maxWrites} mean=${(writesPerEnv.reduce((a, b) => a + b, 0) / Math.max(1, writesPerEnv.length)).toFixed(2)}; final documents not matching the tables: ${stale}`,
);
console.log(`rerun: npm run bench:sync -- --samples ${samples} --environments ${environmentCount} --changes ${changes} --window ${windowMs} --features ${featureCount}`);
console.log(`freshness_ratio=${(p(timerDelays, 50) / p(syncDelays, 50)).toFixed(2)} writes_per_env_max=${maxWrites} partial=${partial}`);
process.exit(0);
