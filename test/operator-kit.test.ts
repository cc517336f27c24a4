/**
 * The operator's kit under `deploy/`: the alert rules pass `promtool check rules` and their own
 * `promtool test rules`; the dashboard queries only metrics the worker exports; and the approval
 * gauges the `FlagopsApprovalWaiting` alert reads count a real waiting rollback on the dev server.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { projectDir } from '../src/paths.js';
import { startRollback } from '../src/rollback/start.js';
import { awaitingApprovalQuery, registerApprovalGauges } from '../src/temporal/approval-gauges.js';
import { rejectUpdate } from '../workflows/rollback/messages.js';
import { APPROVER, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { runWithWorker } from './helpers/temporal.js';

const promtool = execFileSync('bash', [join(projectDir, 'scripts/promtool.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const prometheusDir = join(projectDir, 'deploy/prometheus');
const run = (args: string[]) => execFileSync(promtool, args, { cwd: prometheusDir, encoding: 'utf8' });

/** Metric names a PromQL expression reads: label matchers and `by (…)` removed, then every name not called as a function. */
function metricNames(expr: string): string[] {
  const bare = expr.replace(/\{[^}]*\}/g, '').replace(/\bby\s*\([^)]*\)/g, '').replace(/\[[^\]]*\]/g, '');
  const names = [...bare.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1] ?? '');
  return [...new Set(names.filter((n) => !/^(or|and|unless|on|ignoring|group_left|group_right|bool)$/.test(n)))];
}

describe('alert rules', () => {
  it('pass promtool check rules, and their unit tests fire each alert only when it should', () => {
    expect(run(['check', 'rules', 'flagops-alerts.yaml'])).toContain('SUCCESS: 4 rules found');
    expect(run(['test', 'rules', 'flagops-alerts.test.yaml'])).toContain('SUCCESS');
  });

  it('read only metrics the worker exports', () => {
    const rules = readFileSync(join(prometheusDir, 'flagops-alerts.yaml'), 'utf8');
    const exported = new Set(createMetrics().registry.getMetricsAsArray().map((m) => m.name));
    for (const name of ['flagops_rollbacks_awaiting_approval', 'flagops_rollback_approval_wait_oldest_seconds']) exported.add(name);
    const used = [...rules.matchAll(/expr: (.+)/g)].flatMap((m) => metricNames(m[1] ?? ''));
    expect(used.length).toBeGreaterThan(3);
    for (const name of used) expect(name === 'up' || exported.has(name), name).toBe(true);
  });
});

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(projectDir, 'deploy/grafana/flagops-dashboard.json'), 'utf8')) as {
    uid: string;
    panels: { id: number; title: string; targets: { expr: string }[] }[];
  };

  it('has titled panels with distinct ids, each querying a flagops, Temporal or scrape metric', () => {
    expect(dashboard.uid).toBe('flagops');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const exported = new Set(createMetrics().registry.getMetricsAsArray().map((m) => m.name));
    for (const panel of dashboard.panels) {
      expect(panel.title.length, String(panel.id)).toBeGreaterThan(0);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const name of panel.targets.flatMap((t) => metricNames(t.expr))) {
        const known = name === 'up' || name.startsWith('temporal_') || exported.has(name.replace(/_bucket$/, '')) || name.startsWith('flagops_rollback');
        expect(known, `${panel.title}: ${name}`).toBe(true);
      }
    }
  });
});

describe('the approval gauges', async () => {
  const fx = await rollbackFixture();

  it('count a rollback waiting for its approver, with its age, and drop it once it is decided', async () => {
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      expect(awaitingApprovalQuery(idPrefix)).toContain(`WorkflowId STARTS_WITH "${idPrefix}"`);
      // A fresh registry per reading: each registers its own gauges (no cached reading between polls).
      const scrape = async () => {
        const registry = new Registry();
        registerApprovalGauges(registry, client, idPrefix, createLogger('silent'));
        return registry.metrics();
      };
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      // Visibility is eventually consistent: poll until it shows the waiting run.
      await expect.poll(scrape, { timeout: 20_000, interval: 250 }).toMatch(/^flagops_rollbacks_awaiting_approval 1$/m);
      const age = Number(/^flagops_rollback_approval_wait_oldest_seconds (\S+)$/m.exec(await scrape())?.[1]);
      expect(age).toBeGreaterThan(0);
      expect(age).toBeLessThan(120);
      await handle.executeUpdate(rejectUpdate, { args: [{ by: APPROVER, reason: 'not the cause' }] });
      await handle.result();
      await expect.poll(scrape, { timeout: 20_000, interval: 250 }).toMatch(/^flagops_rollbacks_awaiting_approval 0$/m);
      expect(await scrape()).toMatch(/^flagops_rollback_approval_wait_oldest_seconds 0$/m);
    });
  });
});
