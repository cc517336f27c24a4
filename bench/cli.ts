/**
 * How fast the CLI answers (`npm run bench:cli -- --runs N`): `flagops --help` and
 * `flagops status <id> --json` (against a dev server, on a completed rollback), each as a ratio to
 * starting Node itself (`node -e ""`), measured side by side in one run. The figures are medians
 * of N spawns each. Targets (issue 9): --help ≤ 3×, status ≤ 5×.
 *
 * Run `npm run build` first (npm ci does): the bin answers from dist/ only while it is fresh.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { parseConfig } from '../src/config/load.js';
import { cloneDatabase, createTemplates, dropRunDatabases, newRunId } from '../src/devtools/databases.js';
import { startDevServer } from '../src/devtools/dev-server.js';
import { seed002, seed002FlagsmithConfig } from '../src/devtools/seed-002.js';
import { FlagsmithClient } from '../src/flagsmith/index.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { startRollback } from '../src/rollback/start.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createFlagopsWorker } from '../src/worker.js';
import { approveUpdate, statusQuery } from '../workflows/rollback/messages.js';
import { percentile } from './util.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 3) throw new Error(`--runs must be a whole number ≥ 3, got ${args.runs}`);
if (!existsSync('dist/cli/main.js')) throw new Error('no dist/: run `npm run build` first (npm ci does)');

/** Median wall time of `runs` spawns of `argv`, in ms; each must exit 0. */
function median(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return percentile(times, 50) ?? NaN;
}

Runtime.install({ logger: new DefaultLogger('ERROR') });
const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const runId = newRunId('benchcli');
const server = await startDevServer();
await createTemplates(adminUrl, runId);
const sandboxDb = await cloneDatabase(adminUrl, runId, 'sandbox');
const sandbox = await startSandbox({ databaseUrl: sandboxDb.url, token: 'bench-token', seed: 'examples/sandbox-seed.yaml' });
const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: 'Token bench-token' });
const connection = await NativeConnection.connect({ address: server.address });
const clientConnection = await Connection.connect({ address: server.address });
const client = new Client({ connection: clientConnection });
const taskQueue = `bench-cli-${runId}`;
const config = parseConfig({ flagsmith: seed002FlagsmithConfig(sandbox.url), approval: { approvers: ['sd@example.com'] }, rollback: { cacheWait: '0s' } }, 'bench', {});
const worker = await createFlagopsWorker({
  connection,
  namespace: 'default',
  taskQueue,
  deps: { config, log: createLogger('silent'), metrics: createMetrics(), secrets: { serverKeys: {} }, flagsmith },
});
try {
  const workflowId = await worker.runUntil(async () => {
    const handle = await startRollback(client, { taskQueue, idPrefix: `${runId}-`, input: { flag: seed002.flag, requestedBy: 'ic@example.com', cacheWaitMs: 0 } });
    for (;;) {
      const status = await handle.query(statusQuery).catch(() => null);
      if (status?.status === 'awaiting_approval') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'sd@example.com' }] });
    await handle.result();
    return handle.workflowId;
  });
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: server.address };
  const node = median(['-e', '']);
  const help = median(['bin/flagops.mjs', '--help'], env);
  const status = median(['bin/flagops.mjs', 'status', workflowId, '--json'], env);
  console.log(`spawns per figure: ${runs} (medians); rerun: npm run bench:cli -- --runs ${runs}`);
  console.log(
    `node_ms=${Math.round(node)} help_ms=${Math.round(help)} status_ms=${Math.round(status)} help_ratio=${(help / node).toFixed(2)} status_ratio=${(status / node).toFixed(2)}`,
  );
} finally {
  await flagsmith.close();
  await sandbox.close();
  await clientConnection.close();
  await connection.close();
  await server.stop();
  await dropRunDatabases(adminUrl, runId);
}
process.exit(0);
