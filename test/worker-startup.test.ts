/**
 * `flagops worker` as a service manager runs it: it refuses a broken set-up within seconds with
 * exit 2, naming the variable or key and the cause and never a secret; and stopping the command
 * that started it — `npx flagops worker`, or `sh -c "npx flagops worker"` — drains the worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { cliEnv, runCli, sampleConfig, writeConfigFile } from './helpers/cli.js';
import { testDatabase } from './helpers/databases.js';
import { uniqueName } from './helpers/temporal.js';

const store = await testDatabase('empty');

function workerEnv(extra: Record<string, string | undefined> = {}, config: unknown = sampleConfig()) {
  return cliEnv({
    FLAGOPS_CONFIG: writeConfigFile(config),
    FLAGSMITH_ADMIN_TOKEN: 'secret-token-value',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    FLAGOPS_TASK_QUEUE: uniqueName('startup'),
    METRICS_PORT: '0',
    ...extra,
  });
}

const withPassword = (url: string, password: string) => {
  const u = new URL(url);
  u.password = password;
  return u.toString();
};

describe('flagops worker refuses a broken set-up at start', () => {
  const cases: [string, Record<string, string>, RegExp, unknown?][] = [
    ['an unreachable FLAGOPS_DATABASE_URL', { FLAGOPS_DATABASE_URL: 'postgres://flagops:hunter2@127.0.0.1:1/flagops' }, /FLAGOPS_DATABASE_URL: cannot use the database: .*ECONNREFUSED/],
    ['a wrong password in DATABASE_URL', { DATABASE_URL: withPassword(store.url, 'hunter2') }, /DATABASE_URL: cannot use the database: .*password authentication failed/],
    ['a malformed FLAGSMITH_DATABASE_URL', { FLAGSMITH_DATABASE_URL: 'mysql://u:hunter2@host/db' }, /FLAGSMITH_DATABASE_URL: expected a postgres:\/\/ URL, not mysql:/],
    ['a TEMPORAL_ADDRESS nothing listens on', { TEMPORAL_ADDRESS: '127.0.0.1:1' }, /TEMPORAL_ADDRESS: cannot reach Temporal at 127\.0\.0\.1:1/],
    ['a TEMPORAL_NAMESPACE the server does not have', { TEMPORAL_NAMESPACE: 'no-such-namespace' }, /TEMPORAL_NAMESPACE: no namespace "no-such-namespace" at /],
    ['a FLAGSMITH_API_URL with a password that does not parse', { FLAGSMITH_API_URL: 'http://u:hunter2@[bad' }, /FLAGSMITH_API_URL: not a URL/],
    [
      'cohort SQL of two statements',
      { DATABASE_URL: store.url },
      /flags\.f\.cohort\.sql: PostgreSQL refuses it \(SQLSTATE 42601\): syntax error at or near ";"/,
      { ...sampleConfig(), flags: { f: { cohort: { sql: 'SELECT 1 AS id; SELECT 2 AS id' } } } },
    ],
    [
      'cohort SQL with an unterminated comment',
      { DATABASE_URL: store.url },
      /flags\.f\.cohort\.sql: PostgreSQL refuses it \(SQLSTATE 42601\): unterminated \/\* comment/,
      { ...sampleConfig(), flags: { f: { cohort: { sql: 'SELECT 1 AS id /* never closed' } } } },
    ],
  ];
  for (const [what, env, message, config] of cases) {
    it(what, async () => {
      const started = Date.now();
      const result = await runCli(['worker'], workerEnv(env, config), { timeoutMs: 30_000 });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2');
      expect(`${result.stdout}${result.stderr}`).not.toContain(new URL(store.url).host);
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at /);
      // Within seconds: the SDK's own connect retries would take much longer.
      expect(Date.now() - started).toBeLessThan(25_000);
    });
  }

  it('warns loudly when the cohort role can write the table it reads', async () => {
    await store.db.query('CREATE TABLE IF NOT EXISTS cases (id text PRIMARY KEY)');
    const child = spawnWorker(['sh', '-c', `exec node ${JSON.stringify(binPath())} worker`], workerEnv({ DATABASE_URL: store.url, LOG_LEVEL: 'info' }, { ...sampleConfig(), flags: { f: { cohort: { sql: 'SELECT id FROM cases' } } } }));
    const output = await until(child, /worker started/);
    expect(output).toMatch(/WARNING: DATABASE_URL: role "flagops" can write public\.cases, which flags\.f\.cohort\.sql reads/);
    child.kill('SIGTERM');
    await once(child, 'close');
  });
});

function binPath(): string {
  return new URL('../bin/flagops.mjs', import.meta.url).pathname;
}

/** Start a command in its own process group (so the test can clean up everything it spawned). */
function spawnWorker(argv: string[], env: NodeJS.ProcessEnv): ChildProcess & { output: () => string } {
  const [command, ...args] = argv;
  const child = spawn(command ?? 'sh', args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }) as ChildProcess & { output: () => string };
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.output = () => output;
  return child;
}

async function until(child: ReturnType<typeof spawnWorker>, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  await expect.poll(() => pattern.test(child.output()), { timeout: timeoutMs, interval: 200 }).toBe(true);
  return child.output();
}

/** The pids of a process group's members, from /proc. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('stopping the command that started the worker drains it', () => {
  for (const [what, argv] of [
    ['npx flagops worker', ['npx', '--no-install', 'flagops', 'worker']],
    ['sh -c "npx flagops worker"', ['sh', '-c', 'npx --no-install flagops worker']],
  ] as const) {
    it(`SIGTERM to ${what}`, async () => {
      const child = spawnWorker([...argv], { ...workerEnv({ LOG_LEVEL: 'info' }), npm_config_yes: 'true' });
      await until(child, /"worker.started"/);
      const pgid = child.pid ?? 0;
      // What a service manager does: SIGTERM to the process it started, and only to it.
      process.kill(pgid, 'SIGTERM');
      await until(child, /"worker.stopped"/, 30_000);
      expect(child.output()).toMatch(/"event":"worker.launcher_exited"/);
      await expect.poll(() => groupMembers(pgid).length, { timeout: 15_000 }).toBe(0);
    });
  }
});
