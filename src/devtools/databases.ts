/**
 * Throw-away PostgreSQL databases for tests and benchmarks: templates migrated once per run,
 * then one clone per test file (CREATE DATABASE … TEMPLATE is a fast file copy).
 */
import { readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Database, migrate, migrationsRoot } from '../db/sql.js';

/** The URL of `database` on the same server as `adminUrl`. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Run one statement on the server at `adminUrl` with a connection of its own. */
export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Migration sets present under `migrations/` (one template each, plus `empty`). */
export function migrationSets(): string[] {
  return readdirSync(migrationsRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export const templateName = (runId: string, set: string) => `${runId}_tpl_${set}`;

/** Create one template database per migration set (and an empty one), migrated. */
export async function createTemplates(adminUrl: string, runId: string): Promise<string[]> {
  const sets = ['empty', ...migrationSets()];
  for (const set of sets) {
    const name = templateName(runId, set);
    await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
    if (set === 'empty') continue;
    const db = new Database(databaseUrl(adminUrl, name), name, { max: 1 });
    try {
      await migrate(db, set);
    } finally {
      await db.close();
    }
  }
  return sets;
}

export interface ClonedDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Clone the template of `set` into a new database with a unique name. */
export async function cloneDatabase(adminUrl: string, runId: string, set = 'empty'): Promise<ClonedDatabase> {
  const name = `${runId}_${set}_${randomBytes(4).toString('hex')}`;
  // Two clones of one template at the same instant can fail with "being accessed by other users".
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${templateName(runId, set)}"`);
      break;
    } catch (error) {
      if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
  return {
    name,
    url: databaseUrl(adminUrl, name),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** Drop every database whose name starts with `${runId}_`. */
export async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${runId}\\_%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** A run id that is a valid, short, unique database-name prefix. */
export function newRunId(prefix = 'ft'): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

