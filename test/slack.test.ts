/**
 * Approvals from Slack, all real but Slack: the worker posts the "approval needed" message to a
 * local stand-in for Slack's Web API when the plan is ready, and `flagops webhooks`' receiver
 * (in this process) judges signed interactions in Slack's documented shapes
 * (`test/fixtures/slack/`), sends the CLI's Update, and answers on the `response_url`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../src/http.js';
import { createLogger } from '../src/log.js';
import { startRollback } from '../src/rollback/start.js';
import { parseButtonValue } from '../src/slack/buttons.js';
import { MAX_REQUEST_AGE_S, checkSlackSignature, signSlackRequest } from '../src/slack/signature.js';
import { startWebhookReceiver } from '../src/webhooks/receiver.js';
import { approveSignal } from '../workflows/rollback/messages.js';
import { APPROVER, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { historyText } from './helpers/history.js';
import { runWithWorker } from './helpers/temporal.js';

const fx = await rollbackFixture();
const SIGNING_SECRET = 'slack-signing-secret-8e1f4a';
const BOT_TOKEN = 'xoxb-0000-test-bot-token-5b2c';
const APPROVER_SLACK_ID = 'U0APPROVER';
const fixture = (name: string) => readFileSync(new URL(`./fixtures/slack/${name}`, import.meta.url), 'utf8');

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** Slack's Web API and its response URLs, standing in: records every call, answers as Slack does. */
const slack = await (async () => {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> });
      // As Slack does: 200 either way, `ok: false` with the error code when it refuses a call.
      const api = req.url?.endsWith('/chat.postMessage');
      const body = req.url === '/api/chat.postMessage' ? fixture('chat-postMessage-ok.json') : api ? JSON.stringify({ ok: false, error: 'channel_not_found' }) : 'ok';
      res.writeHead(200, { 'content-type': api ? 'application/json' : 'text/plain' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
})();

const slackConfig = (config: Record<string, unknown>) => {
  config.slack = { apiUrl: `${slack.url}/api`, channel: 'C0INCIDENT' };
  (config.approval as Record<string, unknown>).slackUsers = { [APPROVER_SLACK_ID]: APPROVER, U0REQUESTER: 'ic@example.com' };
};

/** A form body as Slack sends it: `payload=<json>`, from the documented fixture. */
function interactionBody(fill: { responseUrl: string; value: string; userId?: string; actionId?: string }): string {
  const payload = JSON.parse(fixture('block-actions.json').replace('{{responseUrl}}', fill.responseUrl)) as {
    user: { id: string; name: string };
    actions: { action_id: string; value: string }[];
  };
  const action = payload.actions[0];
  if (!action) throw new Error('fixture without an action');
  action.value = fill.value;
  if (fill.actionId) action.action_id = fill.actionId;
  if (fill.userId) payload.user.id = fill.userId;
  // The name shown is the approver's: it must never count.
  payload.user.name = APPROVER;
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('Slack request signatures', () => {
  it('accepts v0 of the exact body within five minutes, and nothing else', () => {
    const body = Buffer.from('payload=%7B%7D');
    const now = 1_700_000_000_000;
    const ts = String(now / 1000);
    const sig = signSlackRequest(SIGNING_SECRET, ts, body);
    expect(sig).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(checkSlackSignature(SIGNING_SECRET, body, ts, sig, now)).toEqual({ ok: true });
    expect(checkSlackSignature(SIGNING_SECRET, Buffer.from('payload=%7B%7D '), ts, sig, now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(checkSlackSignature('another', body, ts, sig, now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(checkSlackSignature(SIGNING_SECRET, body, ts, sig, now + (MAX_REQUEST_AGE_S + 1) * 1000)).toEqual({ ok: false, reason: 'stale timestamp' });
    expect(checkSlackSignature(SIGNING_SECRET, body, undefined, sig, now)).toEqual({ ok: false, reason: 'unsigned' });
    expect(checkSlackSignature(SIGNING_SECRET, body, ts, sig.slice(3), now)).toEqual({ ok: false, reason: 'malformed signature' });
  });
});

describe('approvals from Slack (worker, receiver and Temporal real; Slack a local stand-in)', () => {
  it('posts the approval-needed message with buttons and the plan hash; forged, stale and unmapped presses change nothing; a signed Approve completes the rollback', async () => {
    await fx.setFlag('auto_invoke_matcher_on_intake_complete', true);
    const deps = fx.deps({ secrets: { serverKeys: {}, slackBotToken: BOT_TOKEN } }, slackConfig);
    const logLines: string[] = [];
    const log = createLogger('info', { write: (line: string) => void logLines.push(line) });
    const http = new HttpClient({ name: 'Slack' });
    await runWithWorker({ deps }, async ({ client, taskQueue, idPrefix }) => {
      const receiver = await startWebhookReceiver({
        config: deps.config,
        log,
        port: 0,
        host: '127.0.0.1',
        target: { client, taskQueue, idPrefix },
        slack: { signingSecret: SIGNING_SECRET, http, log, client, idPrefix, slackUsers: deps.config.approval?.slackUsers ?? {} },
      });
      try {
        const before = slack.received.length;
        const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
        const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval' && s.notifications.some((n) => n.about === 'approval_needed'));
        const planHash = planned.plan?.planHash ?? '';
        expect(planned.notifications.find((n) => n.about === 'approval_needed')).toMatchObject({ channel: 'slack', status: 'sent' });

        // The message: to the channel, with the bot token, the plan, its hash and the two buttons.
        const post = slack.received.slice(before).find((r) => r.path === '/api/chat.postMessage');
        expect(post?.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
        expect(post?.body.channel).toBe('C0INCIDENT');
        const text = String(post?.body.text);
        expect(text).toContain(planHash);
        expect(text).toMatch(/Production\*: ON .* → OFF/);
        expect(text).toContain('matching_complete without ehr_constructed');
        expect(text).toContain(`flagops approve ${handle.workflowId} --as`);
        expect(text).toContain(JSON.stringify({ by: APPROVER, planHash }));
        const blocks = post?.body.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[];
        const buttons = blocks.find((b) => b.type === 'actions')?.elements ?? [];
        expect(buttons.map((b) => b.action_id)).toEqual(['flagops_approve', 'flagops_reject']);
        const value = buttons[0]?.value ?? '';
        expect(parseButtonValue(value)).toEqual({ workflowId: handle.workflowId, planHash });
        expect(value).not.toContain(BOT_TOKEN);

        const url = `http://127.0.0.1:${receiver.port}/slack/interactions`;
        const press = async (body: string, opts: { secret?: string; ageS?: number } = {}) => {
          const ts = String(Math.floor(Date.now() / 1000) - (opts.ageS ?? 0));
          return fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(opts.secret ?? SIGNING_SECRET, ts, body) },
            body,
          });
        };
        const responses = (path: string) => slack.received.filter((r) => r.path === path);

        // Forged (wrong secret), stale (6 min old) and unmapped: each refused, the rollback still waits.
        expect((await press(interactionBody({ responseUrl: `${slack.url}/respond/forged`, value }), { secret: 'not-the-secret' })).status).toBe(401);
        expect((await press(interactionBody({ responseUrl: `${slack.url}/respond/stale`, value }), { ageS: 6 * 60 })).status).toBe(401);
        expect((await press(interactionBody({ responseUrl: `${slack.url}/respond/unmapped`, value, userId: 'U0STRANGER' }))).status).toBe(200);
        await expect.poll(() => responses('/respond/unmapped').length, { timeout: 10_000 }).toBe(1);
        expect(responses('/respond/unmapped')[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
        expect(String(responses('/respond/unmapped')[0]?.body.text)).toContain('U0STRANGER is not mapped to an approver');
        expect([responses('/respond/forged').length, responses('/respond/stale').length]).toEqual([0, 0]);
        const waiting = await waitForStatus(handle, () => true);
        expect([waiting.status, waiting.approvals]).toEqual(['awaiting_approval', []]);

        // The requester, mapped, is refused by the workflow itself (four-eyes), and told why in Slack.
        expect((await press(interactionBody({ responseUrl: `${slack.url}/respond/requester`, value, userId: 'U0REQUESTER' }))).status).toBe(200);
        await expect.poll(() => responses('/respond/requester').length, { timeout: 20_000 }).toBe(1);
        expect(String(responses('/respond/requester')[0]?.body.text)).toMatch(/refused: .*requester/);

        // The approver's signed Approve: accepted, the message replaced, the rollback completes.
        expect((await press(interactionBody({ responseUrl: `${slack.url}/respond/approve`, value }))).status).toBe(200);
        await expect.poll(() => responses('/respond/approve').length, { timeout: 20_000 }).toBe(1);
        expect(responses('/respond/approve')[0]?.body).toMatchObject({ replace_original: true });
        expect(String(responses('/respond/approve')[0]?.body.text)).toContain(`Approved by ${APPROVER} (<@${APPROVER_SLACK_ID}>)`);
        const result = await handle.result();
        expect(result.status).toBe('completed');
        expect(result.approvals).toMatchObject([{ signal: 'approve', via: 'update', by: APPROVER, planHash, comment: `approved in Slack (user ${APPROVER_SLACK_ID})` }]);
        expect(result.refusals.map((r) => r.by)).toEqual(['ic@example.com']);
        expect(result.notifications[0]).toMatchObject({ about: 'approval_needed', status: 'sent' });

        const history = await historyText(handle);
        expect(history).toContain(`slack:${APPROVER}`);
        for (const secret of [BOT_TOKEN, SIGNING_SECRET]) expect(history).not.toContain(secret);
        const logs = logLines.join('\n');
        for (const reason of ['bad signature', 'stale timestamp', 'is not mapped']) expect(logs).toContain(reason);
        for (const secret of [SIGNING_SECRET, BOT_TOKEN, '/respond/']) expect(logs).not.toContain(secret);
      } finally {
        await receiver.close();
      }
    });
    await http.close();
  });

  it('a Slack that refuses the message (ok: false) is recorded as failed; the rollback is not held up', async () => {
    await fx.setFlag('auto_invoke_matcher_on_intake_complete', true);
    const deps = fx.deps({ secrets: { serverKeys: {}, slackBotToken: BOT_TOKEN } }, (config) => {
      slackConfig(config);
      config.slack = { apiUrl: `${slack.url}/refusing`, channel: 'C0INCIDENT' };
    });
    await runWithWorker({ deps }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval' && s.notifications.some((n) => n.about === 'approval_needed'));
      const notice = planned.notifications.find((n) => n.about === 'approval_needed');
      expect(notice).toMatchObject({ channel: 'slack', status: 'failed' });
      expect(notice?.detail).toContain('channel_not_found');
      expect(notice?.detail).not.toContain(BOT_TOKEN);
      await handle.signal(approveSignal, { by: APPROVER });
      expect((await handle.result()).status).toBe('completed');
    });
  });

  it('a signed Reject rejects the rollback; a press on a forged button value is refused', async () => {
    await fx.setFlag('auto_invoke_matcher_on_intake_complete', true);
    const deps = fx.deps({ secrets: { serverKeys: {}, slackBotToken: BOT_TOKEN } }, slackConfig);
    const log = createLogger('silent');
    const http = new HttpClient({ name: 'Slack' });
    await runWithWorker({ deps }, async ({ client, taskQueue, idPrefix }) => {
      const receiver = await startWebhookReceiver({
        config: deps.config,
        log,
        host: '127.0.0.1',
        target: { client, taskQueue, idPrefix },
        slack: { signingSecret: SIGNING_SECRET, http, log, client, idPrefix, slackUsers: deps.config.approval?.slackUsers ?? {} },
      });
      try {
        const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
        const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
        const value = JSON.stringify({ workflowId: handle.workflowId, planHash: planned.plan?.planHash });
        const url = `http://127.0.0.1:${receiver.port}/slack/interactions`;
        const press = (body: string) => {
          const ts = String(Math.floor(Date.now() / 1000));
          return fetch(url, { method: 'POST', headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SIGNING_SECRET, ts, body) }, body });
        };
        const responses = (path: string) => slack.received.filter((r) => r.path === path);
        // Another installation's workflow: refused before anything is sent.
        await press(interactionBody({ responseUrl: `${slack.url}/respond/other`, value: JSON.stringify({ workflowId: 'other-rollback-x', planHash: planned.plan?.planHash }) }));
        await expect.poll(() => responses('/respond/other').length, { timeout: 10_000 }).toBe(1);
        expect(String(responses('/respond/other')[0]?.body.text)).toContain('is not a rollback of this installation');

        await press(interactionBody({ responseUrl: `${slack.url}/respond/reject`, value, actionId: 'flagops_reject' }));
        await expect.poll(() => responses('/respond/reject').length, { timeout: 20_000 }).toBe(1);
        expect(String(responses('/respond/reject')[0]?.body.text)).toContain(`Rejected by ${APPROVER}`);
        const result = await handle.result();
        expect(result.status).toBe('rejected');
        expect(result.outcome).toMatchObject({ by: APPROVER, detail: `rejected by ${APPROVER}` });
      } finally {
        await receiver.close();
      }
    });
    await http.close();
  });
});
