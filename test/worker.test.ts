import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../src/devtools/dev-server.js';
import { projectDir } from '../src/paths.js';
import type { healthCheck } from '../workflows/index.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { parseConfig } from '../src/config/load.js';
import { cliEnv, sampleConfig, startCli, writeConfigFile } from './helpers/cli.js';
import { testDatabase } from './helpers/databases.js';
import { runWithWorker, uniqueName } from './helpers/temporal.js';

async function waitForMetrics(port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (response.ok) return await response.text();
    } catch {
      if (Date.now() > deadline) throw new Error(`metrics endpoint on ${port} did not answer in ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('flagops worker (the real CLI process)', async () => {
  const store = await testDatabase('empty');

  it('runs a workflow sent by a client, serves metrics over HTTP, and drains on SIGTERM', async () => {
    const taskQueue = uniqueName('worker-cli');
    const metricsPort = await freePort();
    const child = startCli(
      ['worker'],
      cliEnv({
        FLAGOPS_CONFIG: writeConfigFile(sampleConfig()),
        FLAGSMITH_ADMIN_TOKEN: 'secret-token-value',
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        FLAGOPS_TASK_QUEUE: taskQueue,
        // Its own prefix: the approval gauges count only this installation's rollbacks, not other files'.
        FLAGOPS_ID_PREFIX: `${taskQueue}-`,
        METRICS_PORT: String(metricsPort),
        FLAGOPS_DATABASE_URL: store.url,
        LOG_LEVEL: 'info',
      }),
    );
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));

    const metrics = await waitForMetrics(metricsPort, 60_000);
    expect(metrics).toContain('flagsmith_environment_document_writes_total{result="success"} 0');
    expect(metrics).toContain('flagsmith_environment_document_writes_total{result="failure"} 0');

    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection });
      const report = await client.workflow.execute<typeof healthCheck>('healthCheck', {
        taskQueue,
        workflowId: uniqueName('health'),
        args: [{ timeoutMs: 10_000 }],
      });
      expect(report.taskQueue).toBe(taskQueue);
      expect(report.environments).toEqual(['Production', 'Development']);
      expect(report.dependencies).toContainEqual({ name: 'flagopsDb', configured: true, ok: true });
      expect(report.dependencies).toContainEqual({ name: 'appDb', configured: false, ok: false });
      // Temporal's own runtime metrics (task latencies, pollers) are served on the next port.
      const runtimeMetrics = await waitForMetrics(metricsPort + 1, 10_000);
      expect(runtimeMetrics).toMatch(/^temporal_\w+/m);
      // In Prometheus conventions: `_total` counters, durations in seconds with the unit in the name.
      expect(runtimeMetrics).toMatch(/^temporal_\w+_total\{/m);
      expect(runtimeMetrics).not.toMatch(/_milliseconds/);
      // Every Temporal metric the Grafana dashboard plots is one this worker exports.
      const dashboard = readFileSync(join(projectDir, 'deploy/grafana/flagops-dashboard.json'), 'utf8');
      const plotted = [...new Set([...dashboard.matchAll(/temporal_[a-z_]+/g)].map((m) => m[0]))];
      expect(plotted.length).toBeGreaterThan(0);
      for (const name of plotted) expect(runtimeMetrics, name).toContain(name);
      // The approval gauges are read from Temporal at each scrape.
      expect(await waitForMetrics(metricsPort, 10_000)).toMatch(/^flagops_rollbacks_awaiting_approval 0$/m);
    } finally {
      await connection.close();
    }

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.event === 'worker.started')).toMatchObject({ taskQueue, level: 'info' });
    expect(lines.some((line) => line.event === 'worker.stopped')).toBe(true);
    expect(stdout).not.toContain('secret-token-value');
    expect(stdout).not.toContain(store.url);
  });
});

describe('runWithWorker (the in-process test worker)', async () => {
  const store = await testDatabase('empty');

  it('executes healthCheck with the real activities against a real database, logging with the workflow and activity', async () => {
    const config = parseConfig(sampleConfig(), 'test', {});
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const workflowId = uniqueName('health');
    const report = await runWithWorker(
      { deps: { config, log, metrics: createMetrics(), secrets: { serverKeys: {} }, flagopsDb: store.db } },
      ({ client, taskQueue }) => client.workflow.execute<typeof healthCheck>('healthCheck', { taskQueue, workflowId, args: [{}] }),
    );
    expect(report.dependencies).toContainEqual({ name: 'flagopsDb', configured: true, ok: true });
    expect(lines.find((line) => line.event === 'worker.self_check')).toMatchObject({ workflowId, activity: 'checkDependencies', attempt: 1 });
  });
});
