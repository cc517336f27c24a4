/**
 * The one SQL module: a `pg` pool per database URL, transactions (optionally READ ONLY with a
 * statement timeout), and a migration runner over numbered SQL files.
 *
 * Connection strings are secrets: they are never logged and never put in an error message.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectDir } from '../paths.js';
import pg from 'pg';

export type Row = Record<string, unknown>;
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** Folder holding one numbered-SQL migration set per store: `migrations/<set>/NNN_name.sql`. */
export const migrationsRoot = join(projectDir, 'migrations');

export interface TransactionOptions {
  readOnly?: boolean;
  /** Postgres `statement_timeout` for this transaction only. */
  statementTimeoutMs?: number;
}

/** Begin a transaction with the options' mode and statement timeout. */
async function begin(client: Queryable, options: TransactionOptions): Promise<void> {
  await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
  if (options.statementTimeoutMs !== undefined) {
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(options.statementTimeoutMs))}`);
  }
}

/** A pool over one database. `label` names it in errors instead of the (secret) URL. */
export class Database {
  readonly pool: pg.Pool;

  constructor(
    private readonly url: string,
    readonly label: string,
    options: { max?: number } = {},
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 10_000 });
    // An idle client that errors (server restart) must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  async query<T extends Row = Row>(text: string, values: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query<T>(text, values as unknown[]);
    return result.rows;
  }

  /**
   * Run `fn` in one transaction; commits when it resolves, rolls back when it throws. A connection
   * that breaks meanwhile (a database restart) rejects the call and is discarded, never reused,
   * and its `'error'` event never reaches the process as an unhandled error.
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await begin(client, options);
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      broken ??= await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: unknown) => (rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))),
      );
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /**
   * Run `fn` in one transaction on a connection of its own, opened for it and closed after it:
   * whatever `fn`'s SQL did to its session (a setting, an advisory lock, a temporary table) ends
   * with it. For SQL the worker does not control (the cohort query).
   */
  async isolatedTransaction<T>(fn: (client: pg.Client) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 10_000, application_name: 'flagops' });
    // A connection lost mid-query rejects the query; the event itself must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await begin(client, options);
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Read `NNN_name.sql` files of a migration set, in numeric order. */
export function readMigrations(set: string, root = migrationsRoot): Migration[] {
  const dir = join(root, set);
  return readdirSync(dir)
    .filter((file) => /^\d+_[\w-]+\.sql$/.test(file))
    .map((file) => ({
      version: Number(file.split('_')[0]),
      name: file,
      sql: readFileSync(join(dir, file), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Apply the migrations of `set` not yet applied, each in its own transaction, under an advisory
 * lock so concurrent starters (workers, test files) do not race. Applied versions are kept in
 * `flagops_migrations_<set>`.
 * @returns the names of the migrations applied by this call.
 */
export async function migrate(db: Database, set: string, root = migrationsRoot): Promise<string[]> {
  if (!/^[a-z_]+$/.test(set)) throw new Error(`migration set name must be lower-case letters: ${set}`);
  const table = `flagops_migrations_${set}`;
  const migrations = readMigrations(set, root);
  const applied: string[] = [];
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [table]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${table}`)).rows.map((r) => r.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${set}/${migration.name} failed on ${db.label}: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [table]).catch(() => undefined);
    client.release();
  }
  return applied;
}
