/**
 * Seed 001's race, reproduced on the sandbox's Flagsmith tables, with three ways of writing the
 * environment document (`npm run bench:race -- --runs N [--features F] [--concurrency C]`):
 *
 * - timer: the old behaviour, the document is written 1 s after the audit row, with no checks;
 * - guard: the sync workflow, with the environment's `is_creating` set while it is seeded;
 * - completeness: the sync workflow with `is_creating` never set (real Flagsmith's plain creation).
 *
 * Each run creates an environment, writes its audit row at once (the one trigger path), then
 * commits its feature states one by one over a random 0–3 s. Every document written is recorded
 * through a decorator of the store interface; a document is partial when it has fewer environment
 * defaults than the project has features. Starts everything it needs itself (dev server,
 * PostgreSQL, sandbox, worker) and prints one line per mode.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { NativeConnection, DefaultLogger, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { parseConfig } from '../src/config/load.js';
import { Database } from '../src/db/sql.js';
import { cloneDatabase, createTemplates, dropRunDatabases, newRunId } from '../src/devtools/databases.js';
import { startDevServer } from '../src/devtools/dev-server.js';
import {
  type FixtureEnvironment,
  insertEnvironment,
  insertEnvironmentAudit,
  insertEnvironmentDefaultState,
  insertFeatures,
  insertProject,
} from '../src/devtools/flagsmith-fixtures.js';
import { ensureAuditLogTailer } from '../src/document-sync/tailer.js';
import { FlagsmithClient } from '../src/flagsmith/client.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { startSandbox } from '../src/sandbox/index.js';
import { PostgresDocumentStore } from '../src/store/postgres-document-store.js';
import { createFlagopsWorker } from '../src/worker.js';
import { RecordingStore } from './recording-store.js';
import { startTimerWriter } from './timer-writer.js';
import { formatMs, percentile, pool } from './util.js';

type Mode = 'timer' | 'guard' | 'completeness';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    features: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '25' },
    modes: { type: 'string', default: 'timer,guard,completeness' },
    'seed-window': { type: 'string', default: '3000' },
  },
});
const runs = Number(args.runs);
const featureCount = Number(args.features);
const concurrency = Number(args.concurrency);
const seedWindowMs = Number(args['seed-window']);
const modes = args.modes.split(',') as Mode[];
/** How long after its last feature state a run may take to reach a complete stored document. */
const completeDeadlineMs = { timer: 5_000, guard: 45_000, completeness: 45_000 } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RunResult {
  complete: boolean;
  /** From the last feature state committed to a complete document in the store, in ms. */
  latencyMs: number | null;
}

async function main(): Promise<void> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed
  }
  const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const runId = newRunId('bench');
  const server = await startDevServer();
  await createTemplates(adminUrl, runId);
  const flagsmithClone = await cloneDatabase(adminUrl, runId, 'sandbox');
  const flagopsClone = await cloneDatabase(adminUrl, runId, 'flagops');
  const sandbox = await startSandbox({
    databaseUrl: flagsmithClone.url,
    seed: { project: { name: 'bench' }, environments: [{ name: 'Seed', api_key: 'benchSeedKey' }] },
  });
  const flagsmithDb = new Database(flagsmithClone.url, 'bench flagsmith', { max: concurrency + 10 });
  const flagopsDb = new Database(flagopsClone.url, 'bench flagops', { max: 10 });
  const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${sandbox.token}` });
  const store = new RecordingStore(new PostgresDocumentStore(flagopsDb));
  const connection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection });
  const taskQueue = `bench-${runId}`;
  const idPrefix = `${runId}-`;
  const config = parseConfig({ flagsmith: { apiUrl: sandbox.url, projectId: 1, environments: [{ name: 'Seed', id: 1, apiKey: 'benchSeedKey' }] } }, 'bench', {});
  const worker = await createFlagopsWorker({
    connection,
    namespace: 'default',
    taskQueue,
    deps: {
      config,
      log: createLogger('silent'),
      metrics: createMetrics(),
      secrets: { serverKeys: {} },
      flagsmithDb,
      flagopsDb,
      flagsmith,
      documentStore: store,
      temporal: { client, taskQueue, idPrefix },
    },
    shutdownGraceTimeMs: 1_000,
  });
  const started = Date.now();
  try {
    await worker.runUntil(async () => {
      let tailerStarted = false;
      for (const mode of modes) {
        const projectId = await insertProject(flagsmithDb.pool, `bench-${mode}`);
        const featureIds = await insertFeatures(flagsmithDb.pool, projectId, featureCount);
        let timer: { stop: () => Promise<number> } | undefined;
        if (mode === 'timer') timer = await startTimerWriter(flagsmithDb, flagsmith, store);
        else if (!tailerStarted) {
          // Started after the timer mode so its first start does not wake that mode's environments.
          await ensureAuditLogTailer({ client, taskQueue, idPrefix }, { pollIntervalMs: 200 });
          tailerStarted = true;
        }
        const environments: FixtureEnvironment[] = [];
        const t0 = Date.now();
        const results = await pool(runs, concurrency, async () => {
          const environment = await insertEnvironment(flagsmithDb.pool, { projectId, isCreating: mode === 'guard' });
          environments.push(environment);
          return oneRun(mode, flagsmithDb, store, { ...environment, projectId }, featureIds);
        });
        const timerFailures = (await timer?.stop()) ?? 0;
        const keys = new Set(environments.map((e) => e.apiKey));
        const writes = store.writes.filter((w) => keys.has(w.environmentApiKey));
        const partial = writes.filter((w) => w.featureStatesCount < featureCount).length;
        const latencies = results.map((r) => r.latencyMs).filter((v): v is number => v !== null);
        console.log(
          `${mode} runs=${runs} features=${featureCount} written=${writes.length} partial=${partial} never_complete=${results.filter((r) => !r.complete).length} ` +
            `median=${formatMs(percentile(latencies, 50))} p95=${formatMs(percentile(latencies, 95))} elapsed=${Math.round((Date.now() - t0) / 1000)}s` +
            (mode === 'timer' ? ` write_errors=${timerFailures}` : ''),
        );
        // Retire the mode's environments so later modes (and the tailer's first start) leave them alone.
        await flagsmithDb.query('UPDATE environments_environment SET deleted_at = now() WHERE project_id = $1', [projectId]);
      }
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
  console.log(`total elapsed=${Math.round((Date.now() - started) / 1000)}s`);
}

/** One run: create (done by the caller), audit row at once, feature states over a random window, then wait. */
async function oneRun(
  mode: Mode,
  db: Database,
  store: RecordingStore,
  environment: FixtureEnvironment & { projectId: number },
  featureIds: number[],
): Promise<RunResult> {
  await insertEnvironmentAudit(db.pool, environment, 'New Environment created');
  const windowMs = Math.random() * seedWindowMs;
  const offsets = featureIds.map(() => Math.random() * windowMs).sort((a, b) => a - b);
  const start = Date.now();
  for (const [i, featureId] of featureIds.entries()) {
    const wait = start + (offsets[i] ?? 0) - Date.now();
    if (wait > 0) await sleep(wait);
    await insertEnvironmentDefaultState(db.pool, { environmentId: environment.id, featureId });
  }
  const lastCommitAt = Date.now();
  // Seed 001's proposal: clear is_creating with a plain UPDATE (no hooks, so no audit row).
  if (mode === 'guard') await db.query('UPDATE environments_environment SET is_creating = false WHERE id = $1', [environment.id]);
  const deadline = lastCommitAt + completeDeadlineMs[mode];
  for (;;) {
    const done = store.firstCompleteAt(environment.apiKey, featureIds.length);
    if (done !== undefined) return { complete: true, latencyMs: Math.max(0, done - lastCommitAt) };
    if (Date.now() > deadline) return { complete: false, latencyMs: null };
    await sleep(50);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
