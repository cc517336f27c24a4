/**
 * Records the history of one completed rollback for the replay test. Run once, by hand, when the
 * workflow changes on purpose (the tests only replay it, never regenerate it):
 *
 *   node --import tsx test/histories/record.ts
 *
 * It starts its own dev server, PostgreSQL clone and sandbox, runs seed 002's rollback to
 * completion with the real worker, and writes `flag-rollback-completed.json` with `historyToJSON`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { NativeConnection } from '@temporalio/worker';
import { parseConfig } from '../../src/config/load.js';
import { cloneDatabase, createTemplates, dropRunDatabases, newRunId } from '../../src/devtools/databases.js';
import { startDevServer } from '../../src/devtools/dev-server.js';
import { FlagsmithClient } from '../../src/flagsmith/index.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { startRollback } from '../../src/rollback/start.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { createFlagopsWorker } from '../../src/worker.js';
import { approveSignal, statusQuery } from '../../workflows/rollback/messages.js';
import { seed002FlagsmithConfig } from '../../src/devtools/seed-002.js';

const output = fileURLToPath(new URL('./flag-rollback-completed.json', import.meta.url));
const token = 'record-token';
const server = await startDevServer();
const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8' }).trim();
const runId = newRunId('rec');
await createTemplates(adminUrl, runId);
const database = await cloneDatabase(adminUrl, runId, 'sandbox');
const sandbox = await startSandbox({ databaseUrl: database.url, token, seed: 'examples/sandbox-seed.yaml' });
const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${token}` });
try {
  const config = parseConfig(
    {
      flagsmith: seed002FlagsmithConfig(sandbox.url),
      approval: { approvers: ['sd@example.com'] },
      flags: { auto_invoke_matcher_on_intake_complete: { semantics: 'asymmetric' } },
    },
    'record',
    {},
  );
  const connection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const taskQueue = 'record-rollback';
  const worker = await createFlagopsWorker({
    connection,
    namespace: 'default',
    taskQueue,
    deps: { config, log: createLogger('silent'), metrics: createMetrics(), secrets: { serverKeys: {} }, flagsmith },
  });
  const history = await worker.runUntil(async () => {
    const handle = await startRollback(client, {
      taskQueue,
      idPrefix: 'recorded-',
      input: {
        flag: 'auto_invoke_matcher_on_intake_complete',
        reason: 'matcher cards without EHR',
        incidentId: 'INC-1',
        requestedBy: 'ic@example.com',
        cacheWaitMs: 1_000,
        verifyTimeoutMs: 10_000,
      },
    });
    for (;;) {
      const status = await handle.query(statusQuery).catch(() => undefined);
      if (status?.status === 'awaiting_approval') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await handle.signal(approveSignal, { by: 'intruder@example.com' });
    await handle.signal(approveSignal, { by: 'sd@example.com', requestId: 'recorded' });
    const result = await handle.result();
    if (result.status !== 'completed') throw new Error(`recorded run ended ${result.status}`);
    return handle.fetchHistory();
  });
  writeFileSync(output, `${historyToJSON(history)}\n`);
  process.stdout.write(`wrote ${output}\n`);
} finally {
  await flagsmith.close();
  await sandbox.close();
  await database.drop();
  await dropRunDatabases(adminUrl, runId);
  await server.stop();
}
process.exit(0);
