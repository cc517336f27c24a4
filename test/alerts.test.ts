/**
 * Rollbacks started by alerts (README, "Rollbacks started by alerts"): the receiver's alert routes
 * in process, the real worker on the dev server, the sandbox (seed 002) on PostgreSQL, and the
 * documented Alertmanager and Grafana payloads of `test/fixtures/alerts/`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../src/devtools/dev-server.js';
import { cliEnv, sampleConfig, startCli, writeConfigFile } from './helpers/cli.js';
import { createLogger } from '../src/log.js';
import { startWebhookReceiver } from '../src/webhooks/receiver.js';
import { alertNotificationSignal, approveSignal, statusQuery, type RollbackStatus } from '../workflows/rollback/messages.js';
import { AlertFingerprintKey } from '../workflows/rollback/search-attributes.js';
import { APPROVER, CONFIG_FLAG, FLAG, rollbackFixture, waitForStatus } from './helpers/rollback.js';
import { runWithWorker, uniqueName, type WorkerContext } from './helpers/temporal.js';
import { seed002 } from '../src/devtools/seed-002.js';

const TOKEN = 'alert-token-for-tests-3c9d';
const fixture = (name: string) => readFileSync(`test/fixtures/alerts/${name}.json`, 'utf8');

const alerts = {
  rules: [
    {
      name: 'matcher-intake',
      source: 'alertmanager',
      match: { alertname: 'MatcherIntakeErrors', labels: { service: 'matcher' } },
      flag: FLAG,
      reason: '{{ .annotations.summary }} [{{ .labels }}]',
      incident: 'ALERT-{{ .fingerprint }}',
    },
    {
      name: 'trigger-stages',
      source: 'grafana',
      match: { alertname: 'Trigger stages failing' },
      flag: CONFIG_FLAG,
      autoApprove: true,
    },
  ],
};

describe('alert webhooks', async () => {
  const fx = await rollbackFixture();
  const patch = (document: Record<string, unknown>) => {
    document.alerts = alerts;
    (document.flags as Record<string, unknown>)[CONFIG_FLAG] = { killSwitch: true };
  };

  async function withReceiver(ctx: WorkerContext, fn: (post: (path: string, body: string, headers?: Record<string, string>) => Promise<Response>) => Promise<void>) {
    const config = fx.deps({}, patch).config;
    const receiver = await startWebhookReceiver({ alertToken: TOKEN, config, log: createLogger('silent'), host: '127.0.0.1', target: { client: ctx.client, taskQueue: ctx.taskQueue, idPrefix: ctx.idPrefix } });
    const post = (path: string, body: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
      fetch(`http://127.0.0.1:${receiver.port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    try {
      await fn(post);
    } finally {
      await receiver.close();
    }
  }

  /** Rollbacks of this test's id prefix (any flag), by listing the visibility store. */
  async function rollbacksOf(ctx: WorkerContext): Promise<string[]> {
    const ids: string[] = [];
    for await (const wf of ctx.client.workflow.list({ query: `WorkflowType = 'flagRollback' AND WorkflowId STARTS_WITH '${ctx.idPrefix}'` })) ids.push(wf.workflowId);
    return ids;
  }

  it('an Alertmanager payload fired three times starts one rollback that waits for approval, with the repeats and the resolution recorded on it', async () => {
    await runWithWorker({ deps: fx.deps({}, patch) }, async (ctx) => {
      await withReceiver(ctx, async (post) => {
        const answers = [];
        for (let i = 0; i < 3; i += 1) answers.push(await post('/alerts/alertmanager', fixture('alertmanager-firing')));
        expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
        const bodies = (await Promise.all(answers.map((a) => a.json()))) as { actions: { action: string }[] }[];
        expect(bodies.map((b) => b.actions.map((a) => a.action))).toEqual([['started'], ['recorded'], ['recorded']]);

        const handle = ctx.client.workflow.getHandle(`${ctx.idPrefix}rollback-${FLAG}`);
        let status: RollbackStatus = await waitForStatus(handle, (s) => s.status === 'awaiting_approval' && (s.alerts?.count ?? 0) === 3);
        expect(status.requestedBy).toBe('alertmanager:matcher-intake');
        expect(status.reason).toBe('Matcher cards created without EHR [alertname=MatcherIntakeErrors, instance=matcher-0:8080, service=matcher, severity=critical]');
        expect(status.incidentId).toBe('ALERT-4f2b9c1e7a0d3e55');
        expect(status.alerts?.origin?.fingerprint).toBe('4f2b9c1e7a0d3e55');
        expect(status.alerts?.recent).toHaveLength(2);
        expect(status.approvals).toEqual([]);

        // A malformed notification is recorded as refused; the run goes on.
        await handle.signal(alertNotificationSignal, { source: 'pagerduty', status: 'firing' } as never);
        await waitForStatus(handle, (s) => s.refusals.some((r) => r.signal === 'alertNotification' && r.reason.includes('"source"')));

        // A rule identity is no approver for a flag that did not opt in.
        await handle.signal(approveSignal, { by: 'rule:matcher-intake' });
        status = await waitForStatus(handle, (s) => s.refusals.some((r) => r.by === 'rule:matcher-intake'));
        expect(status.status).toBe('awaiting_approval');

        const resolved = await post('/alerts/alertmanager', fixture('alertmanager-resolved'));
        expect(((await resolved.json()) as { actions: { action: string }[] }).actions.map((a) => a.action)).toEqual(['recorded']);
        status = await waitForStatus(handle, (s) => s.alerts?.lastStatus === 'resolved');
        expect(status.alerts?.resolvedAt).not.toBeNull();
        expect(status.status).toBe('awaiting_approval');
        expect(status.environments.every((e) => e.state === 'pending')).toBe(true);

        const description = await handle.describe();
        expect(description.typedSearchAttributes.get(AlertFingerprintKey)).toBe('4f2b9c1e7a0d3e55');
        expect(await rollbacksOf(ctx)).toEqual([handle.workflowId]);
        await handle.cancel();
        await waitForStatus(handle, (s) => s.status === 'cancelled');
      });
    });
  });

  it('a resolved alert with no rollback running, an unmatched alert, and refused requests start nothing', async () => {
    await runWithWorker({ deps: fx.deps({}, patch) }, async (ctx) => {
      await withReceiver(ctx, async (post) => {
        const resolved = await post('/alerts/alertmanager', fixture('alertmanager-resolved'));
        expect(resolved.status).toBe(202);
        expect(((await resolved.json()) as { actions: { action: string }[] }).actions.map((a) => a.action)).toEqual(['not_running']);
        const unmatched = await post('/alerts/alertmanager', fixture('unmatched'));
        expect(await unmatched.json()).toEqual({ actions: [], unmatched: 1 });
        expect((await post('/alerts/alertmanager', fixture('alertmanager-firing'), {})).status).toBe(401);
        expect((await post('/alerts/alertmanager', fixture('alertmanager-firing'), { authorization: 'Bearer wrong-token' })).status).toBe(401);
        expect((await post('/alerts/alertmanager', fixture('alertmanager-firing'), { authorization: TOKEN })).status).toBe(401);
        const huge = JSON.stringify({ ...JSON.parse(fixture('alertmanager-firing')), padding: 'x'.repeat(600 * 1024) });
        expect((await post('/alerts/alertmanager', huge)).status).toBe(413);
        expect((await post('/alerts/alertmanager', '{"alerts": "no"}')).status).toBe(400);
        // The flag's rule listens to Grafana only: the same alert from Alertmanager matches nothing.
        expect(await (await post('/alerts/alertmanager', fixture('grafana-firing'))).json()).toEqual({ actions: [], unmatched: 1 });
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await rollbacksOf(ctx)).toEqual([]);
      });
    });
  });

  it('a Grafana alert for a declared kill switch with autoApprove completes without a person, approved by the rule', async () => {
    await fx.setFlag(CONFIG_FLAG, true);
    await runWithWorker({ deps: fx.deps({}, patch) }, async (ctx) => {
      await withReceiver(ctx, async (post) => {
        const answer = await post('/alerts/grafana', fixture('grafana-firing'));
        expect(answer.status).toBe(202);
        expect(((await answer.json()) as { actions: { action: string }[] }).actions.map((a) => a.action)).toEqual(['started']);
        const handle = ctx.client.workflow.getHandle(`${ctx.idPrefix}rollback-${CONFIG_FLAG}`);
        const status = await waitForStatus(handle, (s) => s.outcome !== null, 60_000);
        expect(status.status).toBe('completed');
        expect(status.approvals.map((a) => a.by)).toEqual(['rule:trigger-stages']);
        expect(status.approvals.map((a) => a.by)).not.toContain(APPROVER);
        expect(status.plan?.ruleApprovers).toEqual(['rule:trigger-stages']);
        expect(status.alerts?.origin?.fingerprint).toBe('0e6d51a2b7c94f38');
        expect(status.reason).toContain('Decision stages fail after the trigger change');
        expect(await handle.query(statusQuery)).toMatchObject({ status: 'completed' });
      });
    });
    // The rollback really ran: both environments serve the flag OFF.
    for (const { apiKey } of seed002.environments) expect((await fx.flagsmith.getEnvironmentDefaultFeatureState(apiKey, CONFIG_FLAG))?.enabled).toBe(false);
  });
});

describe('flagops webhooks with only the alert token (the real CLI process)', () => {
  it('starts without Flagsmith\'s secret, refuses an unauthenticated alert and answers 404 on the Flagsmith route', async () => {
    const port = await freePort();
    const child = startCli(
      ['webhooks', '--port', String(port)],
      cliEnv({ FLAGOPS_CONFIG: writeConfigFile(sampleConfig()), FLAGOPS_ALERT_TOKEN: TOKEN, TEMPORAL_ADDRESS: inject('temporalAddress'), FLAGOPS_TASK_QUEUE: uniqueName('al'), FLAGOPS_ID_PREFIX: `${uniqueName('al')}-` }),
    );
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    try {
      const url = `http://127.0.0.1:${port}`;
      await expect.poll(() => fetch(`${url}/healthz`).then((r) => r.status).catch(() => 0), { timeout: 30_000, interval: 200 }).toBe(200);
      expect((await fetch(`${url}/`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(`${url}/alerts/alertmanager`, { method: 'POST', body: fixture('alertmanager-firing') })).status).toBe(401);
      const unmatched = await fetch(`${url}/alerts/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: fixture('unmatched') });
      expect(await unmatched.json()).toEqual({ actions: [], unmatched: 1 });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(output).not.toContain(TOKEN);
  });
});
