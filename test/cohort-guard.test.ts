/**
 * The cohort query against SQL that tries to do more than read, on a real PostgreSQL and through a
 * read-only role made as the README says: every write form is refused by PostgreSQL itself
 * (extended protocol, subquery, READ ONLY, the role), nothing is changed or left locked, and a
 * query's session settings and locks end with its own connection.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { parseConfig } from '../src/config/load.js';
import { inspectCohortRole } from '../src/db/cohort.js';
import { Database } from '../src/db/sql.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { testDatabase } from './helpers/databases.js';

const admin = await testDatabase('empty');
const role = `cohort_ro_${randomBytes(4).toString('hex')}`;
const password = randomBytes(12).toString('hex');
let readOnly: Database;
let adminSession: pg.Client;

beforeAll(async () => {
  await admin.db.query(`CREATE TABLE cases (id text PRIMARY KEY, tenant_id text NOT NULL, workflow_state jsonb NOT NULL, created_at timestamptz NOT NULL)`);
  await admin.db.query(`INSERT INTO cases VALUES ('case-1', 't1', '{"matching_complete": true}', '2026-06-01Z'), ('case-2', 't2', '{"matching_complete": true}', '2026-06-02Z')`);
  // The role the README tells operators to create: it may connect and read the queried table, nothing else.
  const database = new URL(admin.url).pathname.slice(1);
  await admin.db.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await admin.db.query(`GRANT CONNECT ON DATABASE "${database}" TO ${role}`);
  await admin.db.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await admin.db.query(`GRANT SELECT ON cases TO ${role}`);
  // Lets the test's admin end the role's sessions (a stand-in for a database restart).
  await admin.db.query(`GRANT ${role} TO CURRENT_USER`);
  const url = new URL(admin.url);
  url.username = role;
  url.password = password;
  readOnly = new Database(url.toString(), 'cohort test (read-only role)', { max: 2 });
  adminSession = new pg.Client({ connectionString: admin.url });
  adminSession.on('error', () => undefined);
  await adminSession.connect();
});
afterAll(async () => {
  await adminSession.end().catch(() => undefined);
  await readOnly.close();
  await admin.db.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`).catch(() => undefined);
  await admin.db.query(`DROP OWNED BY ${role}`).catch(() => undefined);
  await admin.db.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
});

function cohortOf(sql: string, db: Database = readOnly) {
  const config = parseConfig(
    {
      flagsmith: { projectId: 1, environments: [{ name: 'Production', id: 1, apiKey: 'k' }] },
      flags: { f: { cohort: { sql, idColumn: 'id' } } },
    },
    'test',
    {},
  );
  const acts = createActivities({ config, log: createLogger('silent'), metrics: createMetrics(), secrets: { serverKeys: {} }, appDb: db });
  return acts.checkCohort({ flag: 'f', flagOnAt: null, statementTimeoutMs: 500 });
}

async function tableState(): Promise<string> {
  return JSON.stringify(await admin.db.query('SELECT id, tenant_id, workflow_state FROM cases ORDER BY id'));
}

async function leftovers(): Promise<{ sessions: number; locks: number }> {
  const [row] = await admin.db.query<{ sessions: string; locks: string }>(
    `SELECT (SELECT count(*) FROM pg_stat_activity WHERE usename = $1) AS sessions,
            (SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.usename = $1) AS locks`,
    [role],
  );
  return { sessions: Number(row?.sessions ?? -1), locks: Number(row?.locks ?? -1) };
}

describe('the cohort query', () => {
  it('reads: dollar quotes, nested comments and a trailing comment are ordinary SQL', async () => {
    for (const sql of [
      `SELECT id FROM cases WHERE tenant_id <> $$x;y$$`,
      `SELECT id /* outer /* inner; */ still a comment */ FROM cases`,
      `SELECT id FROM cases -- trailing comment; with a semicolon`,
      `SELECT id FROM cases;`,
    ]) {
      expect(await cohortOf(sql), sql).toMatchObject({ status: 'done', count: 2 });
    }
  });

  const refused: [string, string | RegExp][] = [
    [`SELECT E'\\''; DELETE FROM cases; SELECT 1 AS id --'`, /SQLSTATE (42601|42P01)/],
    [`SELECT id FROM cases; DELETE FROM cases`, /SQLSTATE 42601/],
    [`UPDATE cases SET tenant_id = 'x' RETURNING id`, /SQLSTATE 42601/],
    [`INSERT INTO cases VALUES ('case-9', 't', '{}', now()) RETURNING id`, /SQLSTATE 42601/],
    [`DELETE FROM cases RETURNING id`, /SQLSTATE 42601/],
    [`WITH gone AS (DELETE FROM cases RETURNING id) SELECT id FROM gone`, /SQLSTATE (0A000|25006|42501)/],
    [`SELECT id FROM cases FOR UPDATE`, /SQLSTATE (25006|0A000|42501)/],
    [`COPY cases TO STDOUT`, /SQLSTATE 42601/],
    [`SET statement_timeout = 0`, /SQLSTATE 42601/],
    [`SELECT pg_sleep(5)::text AS id`, 'cohort query timed out after 500 ms'],
    [`SELECT lo_import('/etc/passwd')::text AS id`, /SQLSTATE (25006|42501)/],
    [`SELECT pg_read_file('/etc/passwd') AS id`, /SQLSTATE 42501/],
  ];
  for (const [sql, reason] of refused) {
    it(`refuses, changing and locking nothing: ${sql.slice(0, 70)}`, async () => {
      const before = await tableState();
      await expect(cohortOf(sql)).rejects.toThrow(reason);
      expect(await tableState()).toBe(before);
      await expect.poll(leftovers).toEqual({ sessions: 0, locks: 0 });
    });
  }

  it('cannot terminate another session: the read-only role may not signal it', async () => {
    const pid = (await adminSession.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await expect(cohortOf(`SELECT pg_terminate_backend(${pid})::text AS id`)).rejects.toThrow(/SQLSTATE 42501/);
    expect((await adminSession.query('SELECT 1 AS alive')).rows).toEqual([{ alive: 1 }]);
  });

  it('an advisory lock or a session setting ends with the query: its connection is its own', async () => {
    expect(await cohortOf(`SELECT pg_advisory_lock(4242)::text AS id`)).toMatchObject({ status: 'done', count: 1 });
    expect(await cohortOf(`SELECT set_config('default_transaction_read_only', 'off', false) AS id`)).toMatchObject({ status: 'done' });
    await expect.poll(leftovers).toEqual({ sessions: 0, locks: 0 });
    // The next query is read-only again, on a fresh connection.
    await expect(cohortOf(`WITH gone AS (DELETE FROM cases RETURNING id) SELECT id FROM gone`)).rejects.toThrow(/SQLSTATE/);
    expect(await admin.db.query('SELECT count(*)::int AS n FROM cases')).toEqual([{ n: 2 }]);
  });

  it('a connection lost mid-query (the database restarted) fails the call, not the process', async () => {
    const query = cohortOf(`SELECT pg_sleep(0.4)::text AS id`);
    await expect.poll(async () => (await leftovers()).sessions).toBe(1);
    await admin.db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
    await expect(query).rejects.toThrow();
    expect(await cohortOf('SELECT id FROM cases')).toMatchObject({ status: 'done', count: 2 });
  });
});

describe('inspectCohortRole (what the worker checks at start)', () => {
  it('names the tables a role could write, a superuser, and refuses SQL that does not plan', async () => {
    const sql = `SELECT id FROM cases WHERE created_at >= $1`;
    expect(await inspectCohortRole(readOnly, sql, 'id', [new Date().toISOString()])).toEqual({ role, superuser: false, writable: [] });
    expect(await inspectCohortRole(admin.db, sql, 'id', [new Date().toISOString()])).toMatchObject({ superuser: false, writable: ['public.cases'] });
    await expect(inspectCohortRole(readOnly, `SELECT id FROM cases; SELECT 1`, 'id', [])).rejects.toThrow(/multiple commands|syntax/);
    await expect(inspectCohortRole(readOnly, `SELECT id FROM cases /* unterminated`, 'id', [])).rejects.toThrow(/unterminated|syntax/);
  });
});
