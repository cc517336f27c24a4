/**
 * `flagops webhooks`: Flagsmith's signature (hex HMAC-SHA256 of the raw body) is required, and a
 * signed event wakes the sync workflows of the environments it names (the real CLI process).
 */
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../src/devtools/dev-server.js';
import { workflowIds } from '../src/ids.js';
import { signBody, verifySignature } from '../src/webhooks/signature.js';
import { webhookTargets } from '../src/webhooks/targets.js';
import { cliEnv, sampleConfig, startCli, writeConfigFile } from './helpers/cli.js';
import { createEnvironment, syncFixture } from './helpers/document-sync.js';
import { testEnvironment, uniqueName } from './helpers/temporal.js';

const secret = 'webhook-secret-for-tests';

describe('webhook signatures', () => {
  it('accepts the HMAC-SHA256 of the exact body and rejects anything else', () => {
    const body = Buffer.from('{"event_type":"FLAG_UPDATED","data":{}}');
    const signature = signBody(secret, body);
    expect(verifySignature(secret, body, signature)).toBe(true);
    expect(verifySignature(secret, body, signature.toUpperCase())).toBe(true);
    expect(verifySignature(secret, Buffer.from(`${body.toString()} `), signature)).toBe(false);
    expect(verifySignature('another-secret', body, signature)).toBe(false);
    expect(verifySignature(secret, body, undefined)).toBe(false);
    expect(verifySignature(secret, body, signature.slice(0, 63))).toBe(false);
  });

  it('maps events to environments, projects and versions', () => {
    expect(webhookTargets({ event_type: 'AUDIT_LOG_CREATED', data: { environment: { id: 7 }, project: { id: 3 } } })).toEqual({
      environmentIds: [7],
      projectIds: [],
      versionUuids: [],
    });
    expect(webhookTargets({ event_type: 'AUDIT_LOG_CREATED', data: { environment: null, project: { id: 3 } } }).projectIds).toEqual([3]);
    expect(
      webhookTargets({
        event_type: 'FLAG_UPDATED',
        data: { new_state: { environment: { id: 4 }, feature: { project: { id: 3 } } }, previous_state: { environment: { id: 4 } } },
      }).environmentIds,
    ).toEqual([4]);
    expect(webhookTargets({ event_type: 'NEW_VERSION_PUBLISHED', data: { uuid: 'u' } }).versionUuids).toEqual(['u']);
    expect(webhookTargets({ event_type: 'SOMETHING_ELSE', data: {} })).toEqual({ environmentIds: [], projectIds: [], versionUuids: [] });
  });
});

describe('flagops webhooks (the real CLI process)', async () => {
  const fx = await syncFixture();

  it('refuses unsigned and tampered bodies with 401 and wakes the named environment for a signed one', async () => {
    const env = await createEnvironment(fx.flagsmithDb.db, { features: 1 });
    const port = await freePort();
    const idPrefix = `${uniqueName('wh')}-`;
    const child = startCli(
      ['webhooks', '--port', String(port)],
      cliEnv({
        FLAGOPS_CONFIG: writeConfigFile(sampleConfig()),
        FLAGSMITH_WEBHOOK_SECRET: secret,
        FLAGSMITH_DATABASE_URL: fx.flagsmithDb.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        FLAGOPS_TASK_QUEUE: uniqueName('wh'),
        FLAGOPS_ID_PREFIX: idPrefix,
      }),
    );
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    try {
      const url = `http://127.0.0.1:${port}/`;
      await expect.poll(() => fetch(`${url}healthz`).then((r) => r.status).catch(() => 0), { timeout: 30_000, interval: 200 }).toBe(200);
      const body = JSON.stringify({ event_type: 'AUDIT_LOG_CREATED', data: { id: 1, environment: { id: env.id }, project: { id: env.projectId } } });
      const post = (headers: Record<string, string>, text = body) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });

      expect((await post({})).status).toBe(401);
      expect((await post({ 'X-Flagsmith-Signature': signBody(secret, body) }, body.replace(String(env.id), '999'))).status).toBe(401);
      expect((await post({ 'X-Flagsmith-Signature': signBody('wrong', body) })).status).toBe(401);

      const accepted = await post({ 'X-Flagsmith-Signature': signBody(secret, body) });
      expect(accepted.status).toBe(202);
      const workflowId = workflowIds.environmentDocumentSync(idPrefix, env.id);
      expect(await accepted.json()).toEqual({ woken: [workflowId] });
      const { client } = await testEnvironment();
      expect((await client.workflow.getHandle(workflowId).describe()).type).toBe('environmentDocumentSync');
      await client.workflow.getHandle(workflowId).terminate('test over');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(output).not.toContain(secret);
  });

  it('runs with only the Slack route: SLACK_SIGNING_SECRET alone, no Flagsmith secret nor database', async () => {
    const port = await freePort();
    const signing = 'slack-signing-secret-for-the-cli';
    const config = sampleConfig() as { approval: Record<string, unknown> };
    config.approval.slackUsers = { U0APPROVER: 'sd@example.com' };
    const child = startCli(
      ['webhooks', '--port', String(port)],
      cliEnv({ FLAGOPS_CONFIG: writeConfigFile(config), SLACK_SIGNING_SECRET: signing, TEMPORAL_ADDRESS: inject('temporalAddress'), FLAGOPS_TASK_QUEUE: uniqueName('wh') }),
    );
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    try {
      const url = `http://127.0.0.1:${port}/`;
      await expect.poll(() => fetch(`${url}healthz`).then((r) => r.status).catch(() => 0), { timeout: 30_000, interval: 200 }).toBe(200);
      const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'payload=%7B%7D' };
      expect((await fetch(`${url}slack/interactions`, form)).status).toBe(401);
      expect((await fetch(url, { ...form, headers: { 'X-Flagsmith-Signature': signBody(secret, 'payload=%7B%7D') } })).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(output).toContain('"reason":"unsigned"');
    expect(output).not.toContain(signing);
  });
});
