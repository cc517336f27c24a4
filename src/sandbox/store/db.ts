/** Tiny query helpers shared by the store modules: every function takes a pool or a transaction client. */
import type { Queryable, Row } from '../../db/sql.js';

export type { Queryable };

/** Every row of a query. */
export async function rows<T extends Row>(q: Queryable, text: string, values: unknown[] = []): Promise<T[]> {
  const result = await q.query<T>(text, values);
  return result.rows;
}

/** The first row of a query, or `undefined`. */
export async function one<T extends Row>(q: Queryable, text: string, values: unknown[] = []): Promise<T | undefined> {
  const result = await q.query<T>(text, values);
  return result.rows[0];
}

/** Serialise writes that touch one environment's feature (version creation, publish, legacy writes). */
export async function lockFeatureInEnvironment(q: Queryable, environmentId: number, featureId: number): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1, $2)', [environmentId, featureId]);
}

/** Move a serial column's sequence past explicit ids inserted by the seed. */
export async function bumpSequence(q: Queryable, table: string, column = 'id'): Promise<void> {
  await q.query(
    `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT COALESCE(MAX(${column}), 0) FROM ${table}), 1))`,
    [table, column],
  );
}
