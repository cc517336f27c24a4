/**
 * The real `flagops worker` with both databases set: it migrates the store, starts the singleton
 * tailer, and an audit row in Flagsmith's table ends as a document in the store, counted on the
 * metrics endpoint and logged as `environment_document.written`.
 */
import { once } from 'node:events';
import { describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../src/devtools/dev-server.js';
import { insertEnvironmentAudit } from '../src/devtools/flagsmith-fixtures.js';
import { workflowIds } from '../src/ids.js';
import { PostgresDocumentStore } from '../src/store/postgres-document-store.js';
import { cliEnv, sampleConfig, startCli, writeConfigFile } from './helpers/cli.js';
import { testDatabase } from './helpers/databases.js';
import { createEnvironment, syncFixture } from './helpers/document-sync.js';
import { uniqueName } from './helpers/temporal.js';

describe('flagops worker with the document sync on', async () => {
  const fx = await syncFixture();
  const store = await testDatabase('empty');

  it('starts the tailer, and an audit row becomes a stored, counted and logged document', async () => {
    const metricsPort = await freePort();
    const idPrefix = `${uniqueName('ws')}-`;
    const child = startCli(
      ['worker'],
      cliEnv({
        FLAGOPS_CONFIG: writeConfigFile({ ...sampleConfig({ apiUrl: fx.sandbox.url }), documentSync: { backoffBase: '200ms' } }),
        FLAGSMITH_ADMIN_TOKEN: fx.sandbox.token,
        FLAGSMITH_DATABASE_URL: fx.flagsmithDb.url,
        FLAGOPS_DATABASE_URL: store.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        FLAGOPS_TASK_QUEUE: uniqueName('ws'),
        FLAGOPS_ID_PREFIX: idPrefix,
        METRICS_PORT: String(metricsPort),
        LOG_LEVEL: 'info',
      }),
    );
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    let envId = 0;
    let apiKey = '';
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      await expect.poll(() => stdout.includes('"worker.started"'), { timeout: 60_000, interval: 200 }).toBe(true);
      const client = new Client({ connection });
      expect((await client.workflow.getHandle(workflowIds.auditLogTailer(idPrefix)).describe()).status.name).toBe('RUNNING');

      // The tailer's first poll places its cursor; a change after that must arrive through the audit row.
      await expect.poll(() => store.db.query('SELECT 1 FROM audit_log_cursors').then((r) => r.length), { timeout: 30_000 }).toBe(1);
      // Created after the cursor was placed, so only its audit row can wake its sync.
      const env = await createEnvironment(fx.flagsmithDb.db, { features: 3 });
      envId = env.id;
      apiKey = env.apiKey;
      await insertEnvironmentAudit(fx.flagsmithDb.db.pool, env);
      const documents = new PostgresDocumentStore(store.db);
      await expect.poll(() => documents.info(apiKey).then((i) => i?.featureStatesCount), { timeout: 30_000 }).toBe(3);

      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const success = /^flagsmith_environment_document_writes_total\{result="success"\} (\d+)$/m.exec(metrics);
      expect(Number(success?.[1])).toBeGreaterThanOrEqual(1);
      expect(metrics).toMatch(/^flagsmith_environment_document_writes_total\{result="failure"\} \d+$/m);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
      await connection.close();
    }
    const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.event === 'worker.started')).toMatchObject({ documentSync: 'on', auditLogTailer: workflowIds.auditLogTailer(idPrefix) });
    const written = lines.find((l) => l.event === 'environment_document.written' && l.environment__id === envId);
    expect(written).toMatchObject({ feature_states__count: 3 });
    expect(typeof written?.document__bytes).toBe('number');
    expect(stdout).not.toContain(fx.sandbox.token);
  });
});
