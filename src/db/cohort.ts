/**
 * The cohort query (SPEC §3 step 6) and the checks `flagops worker` makes of it at start.
 *
 * The SQL comes only from the worker's config. What keeps it to one read-only query is
 * PostgreSQL's own rules, not a hand-written parser: it is sent with the extended query protocol
 * (which refuses more than one command), as a subquery (so only a query fits: no COPY, SET or
 * writing CTE), in a READ ONLY transaction with a statement timeout, with bound parameters only,
 * on a connection of its own that is closed afterwards (no setting, lock or temporary object
 * outlives it). The database returns nothing but the count and the `idColumn` values. What the
 * query may read or call beyond that is its database role's business, hence {@link inspectCohortRole}.
 */
import type { QueryConfig } from 'pg';
import type { Database } from './sql.js';

/** The first `idColumn` values reported, and how many rows there are. */
export interface CohortRows {
  count: number;
  ids: string[];
}

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The configured SQL as the subquery of the one statement sent (each on its own line, so a trailing `--` comment stays inside). */
export function wrapCohortSql(sql: string, idColumn: string, limit: number): string {
  const body = sql.trim().replace(/;\s*$/, '');
  return `SELECT count(*) OVER () AS flagops_total, (cohort.${quoteIdentifier(idColumn)})::text AS flagops_id FROM (\n${body}\n) AS cohort LIMIT ${limit}`;
}

/** One statement, extended protocol (`queryMode` is node-postgres' 8.12+ switch; its types lag behind). */
function extended(text: string, values: unknown[]): QueryConfig<unknown[]> & { queryMode: 'extended' } {
  return { text, values, queryMode: 'extended' };
}

/** Run the cohort SQL the one safe way (module comment); rejects with PostgreSQL's error. */
export async function runCohortQuery(db: Database, sql: string, idColumn: string, params: unknown[], statementTimeoutMs: number, limit: number): Promise<CohortRows> {
  const rows = await db.isolatedTransaction(
    async (client) => (await client.query<{ flagops_total: string; flagops_id: string | null }>(extended(wrapCohortSql(sql, idColumn, limit), params))).rows,
    { readOnly: true, statementTimeoutMs },
  );
  return { count: rows.length === 0 ? 0 : Number(rows[0]?.flagops_total ?? 0), ids: rows.map((r) => r.flagops_id ?? 'null') };
}

/** What the cohort connection's role could do beyond reading. */
export interface CohortRoleReport {
  role: string;
  superuser: boolean;
  /** Tables the query reads that the role may also INSERT, UPDATE, DELETE or TRUNCATE. */
  writable: string[];
}

interface PlanNode {
  'Relation Name'?: string;
  Schema?: string;
  Plans?: PlanNode[];
}

function relations(node: PlanNode | undefined, into: Set<string>): Set<string> {
  if (!node) return into;
  if (node['Relation Name']) into.add(`${node.Schema ?? 'public'}.${node['Relation Name']}`);
  for (const child of node.Plans ?? []) relations(child, into);
  return into;
}

/**
 * Plan the cohort SQL (it must parse as one query: a second statement or an unterminated comment
 * is PostgreSQL's error here, at start, not after publishing) and report the role's powers over
 * the tables it reads.
 * @throws PostgreSQL's error when the SQL does not plan.
 */
export async function inspectCohortRole(db: Database, sql: string, idColumn: string, params: unknown[]): Promise<CohortRoleReport> {
  return db.isolatedTransaction(
    async (client) => {
      const role = (await client.query<{ role: string; superuser: boolean }>('SELECT current_user AS role, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user')).rows[0];
      const explained = (await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(extended(`EXPLAIN (VERBOSE, FORMAT JSON) ${wrapCohortSql(sql, idColumn, 1)}`, params))).rows[0];
      const read = [...relations(explained?.['QUERY PLAN'][0]?.Plan, new Set())];
      const writable: string[] = [];
      for (const table of read) {
        const { rows } = await client.query<{ writes: boolean }>(
          `SELECT has_table_privilege($1, 'INSERT') OR has_table_privilege($1, 'UPDATE') OR has_table_privilege($1, 'DELETE') OR has_table_privilege($1, 'TRUNCATE') AS writes`,
          [table],
        );
        if (rows[0]?.writes) writable.push(table);
      }
      return { role: role?.role ?? '?', superuser: role?.superuser ?? false, writable };
    },
    { readOnly: true, statementTimeoutMs: 10_000 },
  );
}
