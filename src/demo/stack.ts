/**
 * The demo stack: PostgreSQL (embedded unless a server is configured) holding this run's three
 * databases (the sandbox's Flagsmith tables, the application's `cases`, the document store), a
 * Temporal dev server with its Web UI, a sandbox seeded like seed 002, a `flagops.yaml` pointing at
 * all of it, and `flagops worker` as a child process logging to a file.
 *
 * Everything lives in one temporary directory and is removed by `stop()`, except the log file.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Database, migrate } from '../db/sql.js';
import { freePort, resolveTemporalCli, startDevServer } from '../devtools/dev-server.js';
import { seed002FlagsmithConfig } from '../devtools/seed-002.js';
import { projectDir } from '../paths.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { startDemoPostgres } from './postgres.js';
import { startWorkerProcess } from './worker-process.js';

const FLAG = 'auto_invoke_matcher_on_intake_complete';
/** The demo's shortened SDK-cache wait (production default: 60 s). */
export const DEMO_CACHE_WAIT = '5s';

export interface DemoStack {
  temporalAddress: string;
  uiUrl: string;
  sandbox: Sandbox;
  configPath: string;
  logPath: string;
  postgres: string;
  /** What `flagops` in a second terminal needs (holds secrets: shown only with --keep-running). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface DemoStackOptions {
  sandboxPort?: number;
  uiPort?: number;
  /** Called as each part comes up (`PostgreSQL`, `Temporal`, …), for the story's progress. */
  onStep?: (step: string, detail: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Receives the stack's `stop` as soon as the first part starts, so a Ctrl-C during start-up can stop what is up. */
  onStoppable?: (stop: () => Promise<void>) => void;
}

function demoConfig(sandboxUrl: string): string {
  return stringify({
    flagsmith: seed002FlagsmithConfig(sandboxUrl),
    approval: { approvers: ['sd@example.com'], distinctFromRequester: true, timeout: '30m' },
    // A demo should not make its audience wait a minute for the SDK cache; the story says so.
    rollback: { cacheWait: DEMO_CACHE_WAIT, verifyTimeout: '1m' },
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
  });
}

/** Start everything, in dependency order; on a failure, stop what already started. */
export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const env = options.env ?? process.env;
  const step = options.onStep ?? (() => undefined);
  const workDir = mkdtempSync(join(tmpdir(), 'flagops-demo-'));
  const logPath = join(tmpdir(), `flagops-demo-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const log: WriteStream = createWriteStream(logPath, { flags: 'a' });
  const logLine = (line: string) => log.write(`${line}\n`);
  const stops: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const close of stops.reverse()) await close().catch((error: unknown) => logLine(`demo: stopping: ${String(error)}`));
      await new Promise<void>((resolve) => log.end(() => resolve()));
      rmSync(workDir, { recursive: true, force: true });
    })());
  options.onStoppable?.(stop);
  try {
    const postgres = await startDemoPostgres(env, logLine);
    stops.push(() => postgres.close());
    step('PostgreSQL', postgres.description);

    const uiPort = options.uiPort ?? (await freePort());
    const server = await startDevServer({ cli: env.TEMPORAL_CLI ?? resolveTemporalCli(), uiPort, detached: true, log: (line) => logLine(`temporal: ${line.trimEnd()}`) });
    stops.push(() => server.stop());
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    step('Temporal', `dev server ${server.address}, Web UI ${uiUrl}`);

    const [flagsmithDatabaseUrl, appDatabaseUrl, storeDatabaseUrl] = [
      await postgres.createDatabase('flagsmith'),
      await postgres.createDatabase('app'),
      await postgres.createDatabase('store'),
    ];
    const app = new Database(appDatabaseUrl, 'demo application database', { max: 1 });
    const store = new Database(storeDatabaseUrl, 'demo document store', { max: 1 });
    try {
      await app.query(readFileSync(join(projectDir, 'examples/demo-app.sql'), 'utf8'));
      await migrate(store, 'flagops');
    } finally {
      await Promise.all([app.close(), store.close()]);
    }
    // The cohort query runs as a role that can only read `cases` (README, "The cohort's database role").
    const cohortDatabaseUrl = await postgres.createReader(appDatabaseUrl, ['cases']);

    const sandbox = await startSandbox({
      databaseUrl: flagsmithDatabaseUrl,
      port: options.sandboxPort ?? 0,
      seed: join(projectDir, 'examples/sandbox-seed.yaml'),
    });
    stops.push(() => sandbox.close());
    step('Flagsmith', `sandbox ${sandbox.url}, seeded like seed 002 (Production and Development, both v2)`);

    const configPath = join(workDir, 'flagops.yaml');
    writeFileSync(configPath, demoConfig(sandbox.url));
    const workerEnv: Record<string, string> = {
      FLAGOPS_CONFIG: configPath,
      TEMPORAL_ADDRESS: server.address,
      FLAGSMITH_ADMIN_TOKEN: `Token ${sandbox.token}`,
      DATABASE_URL: cohortDatabaseUrl,
      FLAGSMITH_DATABASE_URL: flagsmithDatabaseUrl,
      FLAGOPS_DATABASE_URL: storeDatabaseUrl,
    };
    const inherited = Object.fromEntries(Object.entries(env).filter(([name]) => !/^(TEST_)?DATABASE_URL$|^FLAGOPS_|^FLAGSMITH_|^TEMPORAL_|^SLACK_/.test(name)));
    const worker = await startWorkerProcess({ ...inherited, ...workerEnv, METRICS_PORT: '0', LOG_LEVEL: env.LOG_LEVEL ?? 'info' }, log);
    stops.push(() => worker.stop());
    step('worker', `flagops worker (pid ${worker.pid}), logging to ${logPath}`);

    return { temporalAddress: server.address, uiUrl, sandbox, configPath, logPath, postgres: postgres.description, env: workerEnv, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
