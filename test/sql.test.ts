import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../src/db/sql.js';
import { testDatabase } from './helpers/databases.js';

describe('the SQL module on a cloned PostgreSQL database', async () => {
  const { db } = await testDatabase('empty');

  it('round-trips a bound parameter', async () => {
    const rows = await db.query<{ echoed: string; db: string }>('SELECT $1::text AS echoed, current_database() AS db', ['hello']);
    expect(rows).toEqual([{ echoed: 'hello', db: db.label }]);
  });

  it('applies numbered migrations once, in order, and records them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'flagops-mig-'));
    mkdirSync(join(root, 'demo'));
    writeFileSync(join(root, 'demo', '002_add_column.sql'), 'ALTER TABLE demo_things ADD COLUMN colour text;');
    writeFileSync(join(root, 'demo', '001_create.sql'), 'CREATE TABLE demo_things (id serial PRIMARY KEY);');
    expect(await migrate(db, 'demo', root)).toEqual(['001_create.sql', '002_add_column.sql']);
    expect(await migrate(db, 'demo', root)).toEqual([]);
    await db.query("INSERT INTO demo_things (colour) VALUES ('red')");
    expect(await db.query('SELECT colour FROM demo_things')).toEqual([{ colour: 'red' }]);
  });

  it('rolls back a failed migration and names it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'flagops-mig-'));
    mkdirSync(join(root, 'broken'));
    writeFileSync(join(root, 'broken', '001_ok.sql'), 'CREATE TABLE broken_ok (id int);');
    writeFileSync(join(root, 'broken', '002_bad.sql'), 'CREATE TABLE broken_bad (id int); SELECT no_such_column FROM broken_ok;');
    await expect(migrate(db, 'broken', root)).rejects.toThrow(/migration broken\/002_bad\.sql failed/);
    expect(await db.query("SELECT to_regclass('broken_bad') AS t")).toEqual([{ t: null }]);
    expect(await db.query('SELECT version FROM flagops_migrations_broken')).toEqual([{ version: 1 }]);
  });

  it('refuses writes in a READ ONLY transaction', async () => {
    await db.query('CREATE TABLE ro_probe (id int)');
    await expect(db.transaction((client) => client.query('INSERT INTO ro_probe VALUES (1)'), { readOnly: true })).rejects.toThrow(
      /read-only transaction/,
    );
  });

  it('cancels a statement past the transaction statement timeout', async () => {
    await expect(db.transaction((client) => client.query('SELECT pg_sleep(5)'), { statementTimeoutMs: 100 })).rejects.toThrow(
      /statement timeout/,
    );
  });
});
