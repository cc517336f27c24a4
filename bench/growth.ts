/**
 * The document sync's build → completeness → write as the environment grows (`npm run
 * bench:growth -- [--sizes 10,100,500,1000,5000] [--runs 5]`). Each size is a fresh project with
 * that many features and an environment with a default for each, in the sandbox's tables; the
 * sandbox (its own process) serves the environment document as Flagsmith would. Each pass is the
 * real activity (`buildAndWriteEnvironmentDocument`: fetch the document, check it against the
 * project's features, canonical JSON, write it to PostgreSQL), timed end to end, median of the
 * runs; the document's bytes are what the store holds.
 *
 * Ends with `growth_ratio=G`: the time at 5,000 features ÷ the time at 500 (10 when linear).
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createDocumentSyncActivities } from '../activities/document-sync.js';
import { parseConfig } from '../src/config/load.js';
import { Database } from '../src/db/sql.js';
import { cloneDatabase, createTemplates, dropRunDatabases, newRunId } from '../src/devtools/databases.js';
import { insertEnvironment, insertFeatures, insertProject } from '../src/devtools/flagsmith-fixtures.js';
import { FlagsmithClient } from '../src/flagsmith/client.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { PostgresDocumentStore } from '../src/store/postgres-document-store.js';
import { spawnSandbox } from './sandbox-process.js';
import { percentile } from './util.js';

const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '10,100,500,1000,5000' }, runs: { type: 'string', default: '5' } } });
const sizes = args.sizes.split(',').map(Number);
const runs = Number(args.runs);
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 50_000)) throw new Error(`--sizes must be whole numbers from 1 to 50000, got ${args.sizes}`);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${args.runs}`);

const TOKEN = 'bench-growth-token';
const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const runId = newRunId('growth');
await createTemplates(adminUrl, runId);
const flagsmithDb = await cloneDatabase(adminUrl, runId, 'sandbox');
const flagopsDb = await cloneDatabase(adminUrl, runId, 'flagops');
const sandbox = await spawnSandbox({ databaseUrl: flagsmithDb.url, token: TOKEN, seed: 'examples/sandbox-seed.yaml' });
const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${TOKEN}`, timeoutMs: 60_000 });
const tables = new Database(flagsmithDb.url, 'bench flagsmith tables');
const store = new Database(flagopsDb.url, 'bench document store');
const results: { features: number; ms: number; bytes: number; states: number }[] = [];
try {
  const config = parseConfig(
    { flagsmith: { apiUrl: sandbox.url, projectId: 1, environments: [{ name: 'Production', id: 1, apiKey: 'unused' }] }, approval: { approvers: ['sd@example.com'] } },
    'bench',
    {},
  );
  const activities = createDocumentSyncActivities({
    config,
    log: createLogger('silent'),
    metrics: createMetrics(),
    secrets: { serverKeys: {} },
    flagsmith,
    flagsmithDb: tables,
    flagopsDb: store,
    documentStore: new PostgresDocumentStore(store),
  });
  for (const size of sizes) {
    const { projectId, env } = await tables.transaction(async (q) => {
      const project = await insertProject(q);
      const featureIds = await insertFeatures(q, project, size);
      const environment = await insertEnvironment(q, { projectId: project });
      // One environment default (and its value row) per feature, in two statements.
      const { rows } = await q.query<{ id: number }>(
        `INSERT INTO features_featurestate (feature_id, environment_id, enabled, version, live_from)
         SELECT f, $2, (f % 2 = 0), 1, now() FROM unnest($1::int[]) AS f RETURNING id`,
        [featureIds, environment.id],
      );
      await q.query(`INSERT INTO features_featurestatevalue (feature_state_id, type, string_value) SELECT id, 'unicode', 'value-' || id FROM unnest($1::int[]) AS id`, [
        rows.map((r) => r.id),
      ]);
      return { projectId: project, env: environment };
    });
    await tables.query('ANALYZE');
    const times: number[] = [];
    let bytes = 0;
    let states = 0;
    for (let run = 0; run <= runs; run++) {
      const started = performance.now();
      const result = await activities.buildAndWriteEnvironmentDocument({ environment: { id: env.id, apiKey: env.apiKey, name: env.name, projectId }, passSequence: run + 1 });
      const ms = performance.now() - started;
      if (result.status !== 'written' && result.status !== 'unchanged') throw new Error(`${size} features: the pass ended ${result.status}`);
      if (result.featureStatesCount !== size) throw new Error(`${size} features: the document holds ${result.featureStatesCount} feature states`);
      bytes = result.bytes;
      states = result.featureStatesCount;
      // The first pass warms the sandbox's and the store's connections and plans; it is not counted.
      if (run > 0) times.push(ms);
    }
    results.push({ features: size, ms: percentile(times, 50) ?? NaN, bytes, states });
  }
} finally {
  await flagsmith.close();
  await sandbox.close();
  await tables.close();
  await store.close();
  await dropRunDatabases(adminUrl, runId);
}

for (const r of results) console.log(`features=${r.features} build_complete_write_ms=${r.ms.toFixed(1)} bytes=${r.bytes} ms_per_1000_features=${((r.ms / r.features) * 1000).toFixed(1)}`);
console.log(`rerun: npm run bench:growth -- --sizes ${sizes.join(',')} --runs ${runs}`);
const at = (n: number) => results.find((r) => r.features === n)?.ms;
const big = at(5000);
const mid = at(500);
console.log(`growth_ratio=${big !== undefined && mid !== undefined ? (big / mid).toFixed(2) : 'n/a'}`);
process.exit(0);
