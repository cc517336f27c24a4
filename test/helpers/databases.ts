/**
 * A fresh database per test file, cloned from the run's migrated template of a migration set.
 */
import { afterAll, inject } from 'vitest';
import { cloneDatabase } from '../../src/devtools/databases.js';
import { Database } from '../../src/db/sql.js';

export interface TestDatabase {
  url: string;
  db: Database;
}

/**
 * Clone the template of `set` (`empty`, `flagops`, `sandbox`, …); the database and its pool are
 * dropped after the file's tests.
 */
export async function testDatabase(set = 'empty'): Promise<TestDatabase> {
  const clone = await cloneDatabase(inject('databaseAdminUrl'), inject('databaseRunId'), set);
  const db = new Database(clone.url, clone.name, { max: 5 });
  afterAll(async () => {
    await db.close();
    await clone.drop();
  });
  return { url: clone.url, db };
}
