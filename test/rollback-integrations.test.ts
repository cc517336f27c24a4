/**
 * `flagRollback` against what surrounds it, all real: the backend probe and the notification
 * endpoints (local `node:http` servers), a v1 environment (a second sandbox seeded with one), the
 * worker's Prometheus metrics, the memo's size, and a run without reason or incident.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagsmithClient } from '../src/flagsmith/index.js';
import { createMetrics } from '../src/metrics.js';
import { startRollback } from '../src/rollback/start.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { approveSignal, rejectSignal, resolveSignal, statusQuery } from '../workflows/rollback/messages.js';
import { IncidentIdKey } from '../workflows/rollback/search-attributes.js';
import { testDatabase } from './helpers/databases.js';
import { historyText } from './helpers/history.js';
import { APPROVER, FLAG, SECRET_COLUMNS, TOKEN, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { runWithWorker } from './helpers/temporal.js';

const fx = await rollbackFixture();
const legacyDb = await testDatabase('sandbox');

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A local HTTP server answering every request with `answer(path)`; it records what it got. */
async function localServer(answer: (path: string) => { status: number; body: unknown }) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      received.push({ method: req.method ?? '', path, headers: req.headers, body: text ? (JSON.parse(text) as unknown) : null });
      const { status, body } = answer(path);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const probeAnswers: Record<string, unknown> = { '/flags/matcher': { enabled: false }, '/flags/stuck': { enabled: true } };
const backend = await localServer((path) => ({ status: 200, body: probeAnswers[path] ?? {} }));
const SLACK_SECRET_PATH = '/services/T0001/B0001/slack-secret-hook-5c1d';
const GITHUB_TOKEN = 'ghp_secretTokenNeverInHistory42';
const hooks = await localServer((path) => ({ status: path.startsWith('/failing') ? 500 : 201, body: { ok: true } }));

const withProbe = (path: string) => (config: Record<string, unknown>) => {
  const flags = config.flags as Record<string, Record<string, unknown>>;
  const flag = flags[FLAG];
  if (flag) flag.probe = { url: `${backend.url}${path}`, expectJsonPath: '$.enabled', expectValue: false };
};

describe('flagRollback: the backend probe', () => {
  it('reports the probe as its own view, next to the admin and SDK views', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps({}, withProbe('/flags/matcher')) }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      expect(planned.plan?.probe).toEqual({ url: `${backend.url}/flags/matcher` });
      await handle.signal(approveSignal, { by: APPROVER });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      const prod = result.environments.find((e) => e.name === 'Production');
      expect(prod?.adminView?.ok).toBe(true);
      expect(prod?.sdkView?.ok).toBe(true);
      expect(prod?.probe).toMatchObject({ ok: true, detail: '$.enabled is false' });
      expect(backend.received.some((r) => r.method === 'GET' && r.path === '/flags/matcher')).toBe(true);
    });
  });

  it('a probe that never matches needs attention at the verify deadline, with each view reported separately', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps({}, withProbe('/flags/stuck')) }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0, verifyTimeoutMs: 1_500 }) });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      await handle.signal(approveSignal, { by: APPROVER });
      const attention = await waitForStatus(handle, (s) => s.status === 'needs_attention');
      expect(attention.step).toBe('verify');
      expect(attention.attention?.reason).toMatch(/not verified by the deadline: Production \(admin: our version .* is live; sdk: .*; probe: \$\.enabled is true, expected false\)/);
      const prod = attention.environments.find((e) => e.name === 'Production');
      expect(prod).toMatchObject({ verified: false, adminView: { ok: true }, sdkView: { ok: true }, probe: { ok: false } });
      await handle.signal(resolveSignal, { by: APPROVER, action: 'accept' });
      const result = await handle.result();
      // Never `completed` with an environment unverified (SPEC §3): the acceptance and each state are named.
      expect(result.status).toBe('needs_attention');
      expect(result.outcome).toMatchObject({ by: APPROVER, detail: `accepted as is by ${APPROVER}: Production published, Development verified` });
    });
  });
});

describe('flagRollback: notifications', () => {
  it('posts to Slack and comments on the PR with both version uuids and the cohort count, no cohort column, no secret in history', async () => {
    await fx.setFlag(FLAG, true);
    const deps = fx.deps({
      secrets: { serverKeys: {}, slackWebhookUrl: `${hooks.url}${SLACK_SECRET_PATH}`, githubToken: GITHUB_TOKEN },
      endpoints: { githubApiUrl: `${hooks.url}/github` },
    });
    const before = hooks.received.length;
    await runWithWorker({ deps }, async ({ client, taskQueue, idPrefix }) => {
      // Earlier tests flipped the flag again: pin when it went on, so the seeded cohort (2 cases) counts.
      const input = testInput({ cacheWaitMs: 0, pr: 'curaway/backend#1088', flagOnAt: '2026-05-22T10:00:00Z' });
      const handle = await startRollback(client, { taskQueue, idPrefix, input });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      await handle.signal(approveSignal, { by: APPROVER });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.cohort).toMatchObject({ status: 'done', count: 2 });
      expect(result.notifications.map((n) => [n.channel, n.status])).toEqual([
        ['slack', 'sent'],
        ['github', 'sent'],
      ]);
      const versions = result.environments.map((e) => e.version);
      expect(versions.every((v) => typeof v === 'string')).toBe(true);

      const received = hooks.received.slice(before);
      const slack = received.find((r) => r.path === SLACK_SECRET_PATH);
      const github = received.find((r) => r.path === '/github/repos/curaway/backend/issues/1088/comments');
      expect(github?.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
      const texts = [(slack?.body as { text?: string } | undefined)?.text ?? '', (github?.body as { body?: string } | undefined)?.body ?? ''];
      for (const text of texts) {
        for (const version of versions) expect(text).toContain(version);
        expect(text).toContain('Cohort left behind: 2 case(s)');
        for (const secret of SECRET_COLUMNS) expect(text).not.toContain(secret);
      }

      const history = await historyText(handle);
      expect(history).not.toContain('slack-secret-hook-5c1d');
      expect(history).not.toContain(GITHUB_TOKEN);
      expect(history).not.toContain(TOKEN);
    });
  });

  it('a notification answered 500 is reported as failed; the rollback still completes', async () => {
    await fx.setFlag(FLAG, true);
    const deps = fx.deps({
      secrets: { serverKeys: {}, slackWebhookUrl: `${hooks.url}/failing${SLACK_SECRET_PATH}`, githubToken: GITHUB_TOKEN },
      endpoints: { githubApiUrl: `${hooks.url}/github` },
    });
    await runWithWorker({ deps }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0, pr: 'curaway/backend#1088' }) });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      await handle.signal(approveSignal, { by: APPROVER });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      const slack = result.notifications.find((n) => n.channel === 'slack');
      expect(slack?.status).toBe('failed');
      expect(slack?.detail).toContain('500');
      expect(slack?.detail).not.toContain('slack-secret-hook-5c1d');
      expect(result.notifications.find((n) => n.channel === 'github')?.status).toBe('sent');
    });
  });
});

describe('flagRollback: without reason or incident (SPEC §6: both optional)', () => {
  it('runs to completion, leaves IncidentId unset and says nothing of either in the notification', async () => {
    await fx.setFlag(FLAG, true);
    const before = hooks.received.length;
    const deps = fx.deps({ secrets: { serverKeys: {}, slackWebhookUrl: `${hooks.url}/plain${SLACK_SECRET_PATH}` } });
    await runWithWorker({ deps }, async ({ client, taskQueue, idPrefix }) => {
      const { reason: _r, incidentId: _i, ...input } = testInput({ cacheWaitMs: 0 });
      const handle = await startRollback(client, { taskQueue, idPrefix, input });
      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      expect(planned).toMatchObject({ incidentId: null, reason: null });
      await handle.signal(approveSignal, { by: APPROVER });
      expect((await handle.result()).status).toBe('completed');
      expect((await handle.describe()).typedSearchAttributes.get(IncidentIdKey)).toBeUndefined();
      const text = (hooks.received.slice(before).find((r) => r.path.startsWith('/plain'))?.body as { text: string }).text;
      expect(text).toMatch(/^Flag `auto_invoke_matcher_on_intake_complete` rollback completed\.\n/);
      expect(text).not.toMatch(/incident|Reason|undefined/);
    });
  });
});

describe('flagRollback: a v1 environment', () => {
  let legacy: Sandbox | undefined;
  let client: FlagsmithClient | undefined;
  const LEGACY_KEY = 'LegacyEnvKey7fQ2wx';
  beforeAll(async () => {
    legacy = await startSandbox({
      databaseUrl: legacyDb.url,
      token: TOKEN,
      seed: {
        project: { id: 36300, name: 'Legacy' },
        environments: [{ id: 86001, name: 'Legacy', api_key: LEGACY_KEY, use_v2_feature_versioning: false }],
        features: [{ name: FLAG, environments: { Legacy: { enabled: true, value: 'kept' } } }],
      },
    });
    client = new FlagsmithClient({ apiUrl: legacy.url, adminToken: `Token ${TOKEN}` });
  });
  afterAll(async () => {
    await client?.close();
    await legacy?.close();
  });

  it('patches the feature state in place through the legacy PATCH and verifies it without a version uuid', async () => {
    if (!legacy || !client) throw new Error('no legacy sandbox');
    const sandbox = legacy;
    const deps = fx.deps({ flagsmith: client, secrets: { serverKeys: {} } }, (config) => {
      config.flagsmith = { apiUrl: sandbox.url, projectId: 36300, environments: [{ name: 'Legacy', id: 86001, apiKey: LEGACY_KEY }] };
      config.flags = {};
    });
    const stateBefore = await client.getEnvironmentDefaultFeatureState(LEGACY_KEY, FLAG);
    await runWithWorker({ deps }, async ({ client: temporal, taskQueue, idPrefix }) => {
      const handle = await startRollback(temporal, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      const env = planned.plan?.environments[0];
      expect(env).toMatchObject({ versioning: 'v1', featureStateId: stateBefore?.id, before: { enabled: true, value: 'kept', version: null } });
      await handle.signal(approveSignal, { by: APPROVER });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.environments[0]).toMatchObject({ publish: 'published', version: null, verified: true, sdkView: { ok: true } });
      expect(result.environments[0]?.adminView).toMatchObject({ ok: true, version: null });
      expect(result.environments[0]?.adminView?.detail).toMatch(/v1/);
    });
    const stateAfter = await client.getEnvironmentDefaultFeatureState(LEGACY_KEY, FLAG);
    expect(stateAfter).toMatchObject({ id: stateBefore?.id, enabled: false, feature_state_value: 'kept' });
    const patches = sandbox.faults.log().filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.path)).toEqual([`/api/v1/environments/${LEGACY_KEY}/featurestates/${stateBefore?.id}/`]);
    expect(sandbox.faults.log().some((r) => r.path.includes('/versions/'))).toBe(false);
  });
});

describe('flagRollback: metrics and memo', () => {
  it('counts rollbacks by final status and observes step durations in the worker registry', async () => {
    await fx.setFlag(FLAG, true);
    const metrics = createMetrics();
    await runWithWorker({ deps: fx.deps({ metrics }) }, async ({ client, taskQueue, idPrefix }) => {
      const completed = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 500 }) });
      await waitForStatus(completed, (s) => s.status === 'awaiting_approval');
      await completed.signal(approveSignal, { by: APPROVER });
      expect((await completed.result()).status).toBe('completed');
      const rejected = await startRollback(client, { taskQueue, idPrefix, input: testInput() });
      await waitForStatus(rejected, (s) => s.status === 'awaiting_approval');
      await rejected.signal(rejectSignal, { by: APPROVER, reason: 'no' });
      expect((await rejected.result()).status).toBe('rejected');
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('flagops_rollbacks_total{status="completed"} 1');
    expect(text).toContain('flagops_rollbacks_total{status="rejected"} 1');
    const count = (step: string) => Number(new RegExp(`flagops_step_duration_seconds_count\\{workflow="flagRollback",step="${step}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(count('plan')).toBe(2);
    expect(count('await_approval')).toBe(2);
    for (const step of ['publish', 'wait_for_caches', 'verify', 'cohort', 'notify']) expect(count(step), step).toBe(1);
    // The 500 ms cache wait is measured as at least that.
    const cacheWait = Number(/flagops_step_duration_seconds_sum\{workflow="flagRollback",step="wait_for_caches"\} ([\d.e-]+)/.exec(text)?.[1]);
    expect(cacheWait).toBeGreaterThanOrEqual(0.5);
  });

  it('keeps the memo and the status well under 2 MiB after hundreds of large refused signals', async () => {
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput() });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      const big = 'y'.repeat(8_000);
      for (let i = 0; i < 200; i++) {
        await handle.signal(approveSignal, { by: `stranger-${i}-${big}`, comment: big, requestId: `r-${i}-${big}` });
      }
      const status = await handle.query(statusQuery);
      expect(status.refusals).toHaveLength(50);
      expect(status.refusalsDropped).toBe(150);
      const memoBytes = JSON.stringify((await handle.describe()).memo ?? {}).length;
      expect(memoBytes).toBeLessThan(64 * 1024);
      expect(JSON.stringify(status).length).toBeLessThan(256 * 1024);
      await handle.signal(rejectSignal, { by: APPROVER, reason: 'done' });
      const result = await handle.result();
      expect(result.status).toBe('rejected');
      expect(JSON.stringify((await handle.describe()).memo ?? {}).length).toBeLessThan(64 * 1024);
    });
  });
});
