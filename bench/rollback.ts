/**
 * The rollback's post-approval path (`npm run bench:rollback -- --runs N`): from the approver's
 * signal to the workflow's result, with the cache wait at 0 and the sandbox adding no latency, and
 * the Flagsmith requests it makes per environment (counted in the sandbox's request log).
 *
 * Starts what it needs itself (dev server, PostgreSQL, a sandbox seeded like seed 002, a worker)
 * and prints one line of figures. Runs are sequential: one rollback of a flag at a time, as in
 * production.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { parseConfig } from '../src/config/load.js';
import { cloneDatabase, createTemplates, dropRunDatabases, newRunId } from '../src/devtools/databases.js';
import { startDevServer } from '../src/devtools/dev-server.js';
import { seed002, seed002FlagsmithConfig } from '../src/devtools/seed-002.js';
import { FlagsmithClient, environmentDefaultUpdate, toFeatureStateValue } from '../src/flagsmith/index.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { startRollback } from '../src/rollback/start.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createFlagopsWorker } from '../src/worker.js';
import { approveSignal, statusQuery } from '../workflows/rollback/messages.js';
import { formatMs, percentile } from './util.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${args.runs}`);

const FLAG = seed002.flag;
const PROJECT = seed002.projectId;
const ENVIRONMENTS = seed002.environments;
const TOKEN = 'bench-admin-token';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const runId = newRunId('bench');
  const server = await startDevServer();
  await createTemplates(adminUrl, runId);
  const sandboxDb = await cloneDatabase(adminUrl, runId, 'sandbox');
  const sandbox = await startSandbox({ databaseUrl: sandboxDb.url, token: TOKEN, seed: 'examples/sandbox-seed.yaml' });
  const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${TOKEN}` });
  const connection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection });
  const taskQueue = `bench-rollback-${runId}`;
  const config = parseConfig(
    {
      flagsmith: seed002FlagsmithConfig(sandbox.url),
      approval: { approvers: ['sd@example.com'], distinctFromRequester: true },
      rollback: { cacheWait: '0s', verifyTimeout: '30s' },
    },
    'bench',
    {},
  );
  const worker = await createFlagopsWorker({
    connection,
    namespace: 'default',
    taskQueue,
    deps: { config, log: createLogger('silent'), metrics: createMetrics(), secrets: { serverKeys: {} }, flagsmith },
  });

  const durations: number[] = [];
  const perEnvironment: Record<string, number[]> = { Production: [], Development: [], shared: [] };
  try {
    await worker.runUntil(async () => {
      const feature = await flagsmith.findFeatureByName(PROJECT, FLAG);
      if (!feature) throw new Error(`the seed has no ${FLAG}`);
      for (let run = 0; run < runs; run++) {
        // Put the flag back ON in both environments, as a fresh published version.
        for (const env of ENVIRONMENTS) {
          const version = await flagsmith.createVersion(env.id, feature.id, {
            feature_states_to_update: [environmentDefaultUpdate(true, toFeatureStateValue(null, 'unicode'))],
            description: 'bench setup',
          });
          await flagsmith.publishVersion(env.id, feature.id, version.uuid);
        }
        const handle = await startRollback(client, {
          taskQueue,
          idPrefix: `${runId}-`,
          input: { flag: FLAG, requestedBy: 'ic@example.com', reason: 'bench', cacheWaitMs: 0, verifyIntervalMs: 200 },
        });
        for (;;) {
          const status = await handle.query(statusQuery).catch(() => null);
          if (status?.status === 'awaiting_approval') break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const before = sandbox.faults.log().length;
        const approvedAt = performance.now();
        await handle.signal(approveSignal, { by: 'sd@example.com' });
        const result = await handle.result();
        durations.push(performance.now() - approvedAt);
        if (result.status !== 'completed') throw new Error(`run ${run} ended ${result.status}`);
        const requests = sandbox.faults.log().slice(before);
        for (const env of ENVIRONMENTS) {
          perEnvironment[env.name]?.push(requests.filter((r) => r.path.includes(`/${env.id}/`) || r.path.includes(env.apiKey)).length);
        }
        perEnvironment.shared?.push(requests.filter((r) => !ENVIRONMENTS.some((env) => r.path.includes(`/${env.id}/`) || r.path.includes(env.apiKey))).length);
      }
    });
  } finally {
    await flagsmith.close();
    await sandbox.close();
    await clientConnection.close();
    await connection.close();
    await server.stop();
    await dropRunDatabases(adminUrl, runId);
  }
  const mean = (values: number[]) => (values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)).toFixed(1);
  console.log(
    `post-approval runs=${runs} median=${formatMs(percentile(durations, 50))} p95=${formatMs(percentile(durations, 95))} max=${formatMs(Math.max(...durations))} ` +
      `requests/run: Production=${mean(perEnvironment.Production ?? [])} Development=${mean(perEnvironment.Development ?? [])} ` +
      `shared(project features, SDK flags)=${mean(perEnvironment.shared ?? [])}`,
  );
}

await main();
