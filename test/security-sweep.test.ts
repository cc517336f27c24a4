/**
 * The security sweep: full rollbacks with notifications at local receivers, one against a
 * Flagsmith that echoes its credentials back in a 401, and the CLI's own output on its success and
 * error paths — then every secret (the Flagsmith admin token, a server key, the database password,
 * the Slack URL, the GitHub token, the webhook secret) is searched for in every place a message can
 * travel: workflow histories (payloads decoded), memos, status JSON, worker logs, notification
 * bodies and CLI output. Also: four-eyes against look-alike names, the sandbox controls off
 * loopback, and an oversized webhook body refused before its signature is checked. Prints
 * `security: checks=N found=F`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Database } from '../src/db/sql.js';
import { createLogger } from '../src/log.js';
import { startRollback } from '../src/rollback/start.js';
import { startSandbox } from '../src/sandbox/index.js';
import { startWebhookReceiver } from '../src/webhooks/receiver.js';
import { approveSignal, approveUpdate, resolveSignal, statusQuery, type RollbackStatus } from '../workflows/rollback/messages.js';
import { cliEnv, runCli, sampleConfig, writeConfigFile } from './helpers/cli.js';
import { testDatabase } from './helpers/databases.js';
import { LogCapture } from './helpers/document-sync.js';
import { historyText } from './helpers/history.js';
import { APPROVER, FLAG, REQUESTER, TOKEN, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { runWithWorker } from './helpers/temporal.js';

const fx = await rollbackFixture();
const admin = await testDatabase('empty');
const role = `sweep_${randomBytes(4).toString('hex')}`;
const SECRETS = {
  'Flagsmith admin token': TOKEN,
  'server key': 'ser.sandboxProductionServerKey',
  'database password': `sweep-db-password-${randomBytes(6).toString('hex')}`,
  'Slack URL path': `/services/T0SWEEP/B0SWEEP/${randomBytes(8).toString('hex')}`,
  'GitHub token': `ghp_sweep${randomBytes(10).toString('hex')}`,
  'webhook secret': `whsec-sweep-${randomBytes(8).toString('hex')}`,
};
/** [where, text] — every place a secret must not appear. */
const places: [string, string][] = [];
let checks = 0;
const found: string[] = [];

function sweep(where: string, text: string): void {
  places.push([where, text]);
}

afterAll(() => {
  for (const [where, text] of places) {
    const lower = text.toLowerCase();
    for (const [name, secret] of Object.entries(SECRETS)) {
      checks += 1;
      const at = lower.indexOf(secret.toLowerCase());
      if (at >= 0) found.push(`${name} in ${where}: …${text.slice(Math.max(0, at - 80), at + secret.length + 20)}…`);
    }
  }
  for (const f of found) console.log(`found: ${f}`);
  console.log(`security: checks=${checks} found=${found.length}`);
  expect(found).toEqual([]);
});

let appUrl = '';
const receivers = { slack: [] as string[], github: [] as string[] };
let hooksUrl = '';

beforeAll(async () => {
  await admin.db.query(`CREATE TABLE cases (id text PRIMARY KEY, tenant_id text NOT NULL, workflow_state jsonb NOT NULL, created_at timestamptz NOT NULL)`);
  await admin.db.query(`INSERT INTO cases VALUES ('case-1', 't', '{"matching_complete": true}', '2026-06-01Z')`);
  await admin.db.query(`CREATE ROLE ${role} LOGIN PASSWORD '${SECRETS['database password']}'`);
  await admin.db.query(`GRANT CONNECT ON DATABASE "${new URL(admin.url).pathname.slice(1)}" TO ${role}`);
  await admin.db.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await admin.db.query(`GRANT SELECT ON cases TO ${role}`);
  const url = new URL(admin.url);
  url.username = role;
  url.password = SECRETS['database password'];
  appUrl = url.toString();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      (req.url?.startsWith('/github') ? receivers.github : receivers.slack).push(body);
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  hooksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
});
afterAll(async () => {
  await admin.db.query(`DROP OWNED BY ${role}`).catch(() => undefined);
  await admin.db.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
});

function deps(logs: LogCapture) {
  const appDb = new Database(appUrl, 'sweep app database', { max: 2 });
  afterAll(() => appDb.close());
  return fx.deps({
    appDb,
    log: createLogger('debug', logs),
    secrets: {
      serverKeys: { Production: SECRETS['server key'] },
      slackWebhookUrl: `${hooksUrl}${SECRETS['Slack URL path']}`,
      githubToken: SECRETS['GitHub token'],
    },
    endpoints: { githubApiUrl: `${hooksUrl}/github` },
  });
}

async function sweepRun(label: string, handle: { workflowId: string; describe(): Promise<{ memo?: Record<string, unknown> }>; query: (q: typeof statusQuery) => Promise<RollbackStatus> }, history: string) {
  sweep(`${label}: history`, history);
  sweep(`${label}: memo`, JSON.stringify((await handle.describe()).memo ?? {}));
  sweep(`${label}: status`, JSON.stringify(await handle.query(statusQuery)));
}

describe('secrets after full runs', () => {
  it('a completed rollback with Slack, GitHub and the cohort', async () => {
    await fx.setFlag(FLAG, true);
    const logs = new LogCapture();
    await runWithWorker({ deps: deps(logs) }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0, pr: 'curaway/backend#1088', flagOnAt: '2026-05-22T10:00:00Z' }) });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      await handle.signal(approveSignal, { by: APPROVER });
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.notifications.map((n) => [n.channel, n.status])).toEqual([
        ['slack', 'sent'],
        ['github', 'sent'],
      ]);
      await sweepRun('completed run', handle, await historyText(handle));
    });
    sweep('completed run: worker log', logs.lines.map((l) => JSON.stringify(l)).join('\n'));
    sweep('Slack bodies', receivers.slack.join('\n'));
    sweep('GitHub bodies', receivers.github.join('\n'));
  });

  it('a Flagsmith that echoes the Authorization and the SDK key back in 401s, lower-cased and base64-encoded', async () => {
    await fx.setFlag(FLAG, true);
    const logs = new LogCapture();
    const echo = (secret: string) => `Invalid credentials: ${secret.toLowerCase()} / ${Buffer.from(`Authorization: ${secret}`).toString('base64')} / ${secret}`;
    try {
      await runWithWorker({ deps: deps(logs) }, async ({ client, taskQueue, idPrefix }) => {
        const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 1_000, verifyTimeoutMs: 1_500 }) });
        await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
        await handle.signal(approveSignal, { by: APPROVER });
        // Once published, both views answer 401 with the credentials echoed back.
        await waitForStatus(handle, (s) => s.status === 'waiting_for_caches');
        fx.sandbox.faults.add({ method: 'GET', path: '/api/v1/flags/', status: 401, body: { detail: echo(SECRETS['server key']) }, count: 1_000 });
        fx.sandbox.faults.add({ method: 'GET', path: '/api/v1/environments/*/featurestates/', status: 401, body: { detail: echo(`Token ${TOKEN}`) }, count: 1_000 });
        const attention = await waitForStatus(handle, (s) => s.status === 'needs_attention');
        expect(attention.environments[0]?.sdkView?.detail).toContain('[redacted]');
        expect(attention.environments[0]?.adminView?.detail).toContain('[redacted]');
        fx.sandbox.faults.clear();
        await handle.signal(resolveSignal, { by: APPROVER, action: 'accept' });
        await handle.result();
        await sweepRun('echoing run', handle, await historyText(handle));
      });
    } finally {
      fx.sandbox.faults.clear();
    }
    sweep('echoing run: worker log', logs.lines.map((l) => JSON.stringify(l)).join('\n'));
  });

  it('the CLI on its success and error paths, with every secret in its environment', async () => {
    const env = cliEnv({
      FLAGOPS_CONFIG: writeConfigFile(sampleConfig({ apiUrl: fx.sandbox.url })),
      FLAGSMITH_ADMIN_TOKEN: TOKEN,
      DATABASE_URL: appUrl,
      SLACK_WEBHOOK_URL: `${hooksUrl}${SECRETS['Slack URL path']}`,
      GITHUB_TOKEN: SECRETS['GitHub token'],
      FLAGSMITH_WEBHOOK_SECRET: SECRETS['webhook secret'],
      FLAGSMITH_SERVER_KEY_PRODUCTION: SECRETS['server key'],
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    });
    for (const args of [
      ['list', '--json'],
      ['status', 'no-such-rollback'],
      ['rollback', 'has space'],
      ['rollback', FLAG, '--cache-wait', '5'],
      ['approve', 'no-such-rollback', '--as', APPROVER, '--yes'],
      ['worker'],
    ]) {
      const result = await runCli(args, { ...env, ...(args[0] === 'worker' ? { DATABASE_URL: appUrl.replace(/@/, 'x@') } : {}) }, { timeoutMs: 30_000 });
      sweep(`flagops ${args.join(' ')}`, `${result.stdout}\n${result.stderr}`);
    }
  });
});

describe('the other guards of the sweep', () => {
  it('four-eyes holds against every look-alike of the requester', async () => {
    await fx.setFlag(FLAG, true);
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput() });
      await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      for (const by of [REQUESTER.toUpperCase(), ` ${REQUESTER} `, `${REQUESTER}\u200B`, `\u200D${REQUESTER}`, REQUESTER.replace('@', '\uFF20'), `\u202E${REQUESTER}`]) {
        checks += 1;
        const verdict = await handle.executeUpdate(approveUpdate, { args: [{ by }] });
        if (verdict.accepted) found.push(`four-eyes bypassed by ${JSON.stringify(by)}`);
      }
      await handle.cancel();
    });
  });

  it('the sandbox controls need the admin token off loopback', async () => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const db = await testDatabase('sandbox');
    const open = await startSandbox({ databaseUrl: db.url, token: 'sweep-sandbox-token', host: '0.0.0.0' });
    try {
      const port = new URL(open.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/__sandbox/faults`)).status).toBe(200);
      // Without a non-loopback interface there is nothing to test from; the check is then not counted.
      if (address) {
        checks += 1;
        const outside = await fetch(`http://${address}:${port}/__sandbox/faults`);
        if (outside.status !== 403) found.push(`/__sandbox/ answered ${outside.status} off loopback without the token`);
        const withToken = await fetch(`http://${address}:${port}/__sandbox/faults`, { headers: { Authorization: 'Token sweep-sandbox-token' } });
        expect(withToken.status).toBe(200);
      }
    } finally {
      await open.close();
    }
  });

  it('a webhook body over the size cap is refused before its signature is even checked', async () => {
    const receiver = await startWebhookReceiver({
      secret: SECRETS['webhook secret'],
      flagsmithDb: admin.db,
      target: { client: undefined as never, taskQueue: 'none', idPrefix: 'none-' },
      config: fx.deps().config,
      log: createLogger('silent'),
      host: '127.0.0.1',
    });
    try {
      const post = (body: string, signature: string) =>
        fetch(`http://127.0.0.1:${receiver.port}/`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'X-Flagsmith-Signature': signature } });
      checks += 1;
      const huge = await post('x'.repeat(2 * 1024 * 1024), 'not-a-signature');
      if (huge.status !== 413) found.push(`an oversized, unsigned webhook body answered ${huge.status}, not 413`);
      expect((await post('{}', 'not-a-signature')).status).toBe(401);
    } finally {
      await receiver.close();
    }
  });
});
