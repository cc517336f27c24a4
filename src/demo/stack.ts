/**
 * The demo stack: a Temporal dev server with its Web UI, PostgreSQL databases for the sandbox
 * (Flagsmith's tables), the application (`cases`) and the document store, a sandbox seeded like
 * seed 002, and a `flagops.yaml` pointing at all of it. Used by `flagops demo`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectDir } from '../paths.js';
import pg from 'pg';
import { stringify } from 'yaml';
import { Database, migrate } from '../db/sql.js';
import { databaseUrl } from '../devtools/databases.js';
import { freePort, resolveTemporalCli, startDevServer, type DevServer } from '../devtools/dev-server.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { seed002FlagsmithConfig } from '../devtools/seed-002.js';

const repoRoot = `${projectDir}/`;
const FLAG = 'auto_invoke_matcher_on_intake_complete';

export interface DemoStack {
  temporalAddress: string;
  uiUrl: string;
  sandbox: Sandbox;
  configPath: string;
  /** Variables a second terminal (and the worker) needs. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return databaseUrl(adminUrl, name);
}

/** Start everything; `stop()` shuts it down again. Databases are recreated on every start. */
export async function startDemoStack(options: { sandboxPort?: number; uiPort?: number; token?: string } = {}): Promise<DemoStack> {
  const adminUrl =
    process.env.TEST_DATABASE_URL ??
    execFileSync('bash', [join(repoRoot, 'scripts/postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const uiPort = options.uiPort ?? (await freePort());
  const server: DevServer = await startDevServer({ cli: process.env.TEMPORAL_CLI ?? resolveTemporalCli(), uiPort });
  const flagsmithDatabaseUrl = await recreateDatabase(adminUrl, 'flagops_demo_flagsmith');
  const appDatabaseUrl = await recreateDatabase(adminUrl, 'flagops_demo_app');
  const storeDatabaseUrl = await recreateDatabase(adminUrl, 'flagops_demo_store');

  const app = new Database(appDatabaseUrl, 'demo application database', { max: 1 });
  const store = new Database(storeDatabaseUrl, 'demo document store', { max: 1 });
  try {
    await app.query(readFileSync(join(repoRoot, 'examples/demo-app.sql'), 'utf8'));
    await migrate(store, 'flagops');
  } finally {
    await Promise.all([app.close(), store.close()]);
  }

  const sandbox = await startSandbox({
    databaseUrl: flagsmithDatabaseUrl,
    port: options.sandboxPort ?? 0,
    seed: join(repoRoot, 'examples/sandbox-seed.yaml'),
    ...(options.token ? { token: options.token } : {}),
  });

  const configPath = join(mkdtempSync(join(tmpdir(), 'flagops-demo-')), 'flagops.yaml');
  writeFileSync(
    configPath,
    stringify({
      flagsmith: seed002FlagsmithConfig(sandbox.url),
      approval: { approvers: ['sd@example.com'], distinctFromRequester: true, timeout: '30m' },
      // A demo should not make its audience wait a minute for the SDK cache.
      rollback: { cacheWait: '5s', verifyTimeout: '1m' },
      flags: {
        [FLAG]: {
          semantics: 'asymmetric',
          notes: 'Cases that fired keep matching_complete=true; see runbook.',
          cohort: {
            description: 'matching_complete without ehr_constructed since the flag went on',
            idColumn: 'id',
            sql: "SELECT id, tenant_id, patient_id FROM cases WHERE (workflow_state->>'matching_complete')::bool IS TRUE AND (workflow_state->>'ehr_constructed')::bool IS NOT TRUE AND created_at >= $1",
            params: ['flagOnAt'],
          },
        },
      },
      documentSync: { backoffBase: '1s', maxAttempts: 6, reconcileEvery: '10m' },
    }),
  );

  return {
    temporalAddress: server.address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    sandbox,
    configPath,
    env: {
      FLAGOPS_CONFIG: configPath,
      TEMPORAL_ADDRESS: server.address,
      FLAGSMITH_ADMIN_TOKEN: `Token ${sandbox.token}`,
      DATABASE_URL: appDatabaseUrl,
      FLAGSMITH_DATABASE_URL: flagsmithDatabaseUrl,
      FLAGOPS_DATABASE_URL: storeDatabaseUrl,
    },
    stop: async () => {
      await sandbox.close();
      await server.stop();
    },
  };
}
