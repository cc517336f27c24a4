/**
 * Rollback step 6 (SPEC §3): the flag's cohort query on the application's PostgreSQL.
 *
 * The SQL comes only from the worker's config and must be one statement; it runs in a READ ONLY
 * transaction with a statement timeout, with bound parameters only. It is wrapped so that the
 * database itself returns nothing but the count and the `idColumn` values: no other column ever
 * reaches the worker, let alone history, memo or notifications.
 */
import { FailureType, failure } from '../src/failures.js';
import { RECORD_LIMITS, type CohortOutcome } from '../workflows/rollback/messages.js';
import type { ActivityDeps } from './deps.js';

export interface CheckCohortInput {
  flag: string;
  /** ISO date-time; required when the cohort's params name `flagOnAt`. */
  flagOnAt: string | null;
  statementTimeoutMs: number;
}

/**
 * The SQL without a trailing `;`, or a reason why it is not exactly one statement. Quotes,
 * dollar-quotes and comments are skipped so a `;` inside them does not count.
 */
export function singleStatement(sql: string): { ok: true; sql: string } | { ok: false; reason: string } {
  const text = sql.trim().replace(/;\s*$/, '');
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const rest = text.slice(i);
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) return { ok: false, reason: 'unterminated quote' };
      i = end + 1;
    } else if (rest.startsWith('--')) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (rest.startsWith('/*')) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return { ok: false, reason: 'unterminated comment' };
      i = end + 2;
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(rest)?.[0];
      if (tag) {
        const end = text.indexOf(tag, i + tag.length);
        if (end < 0) return { ok: false, reason: 'unterminated dollar quote' };
        i = end + tag.length;
      } else i += 1;
    } else if (ch === ';') {
      return { ok: false, reason: 'the cohort SQL must be a single statement' };
    } else i += 1;
  }
  if (text === '') return { ok: false, reason: 'the cohort SQL is empty' };
  return { ok: true, sql: text };
}

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Step 6's activity: the flag's cohort query. */
export function createPostgresActivities(deps: ActivityDeps) {
  return {
    /**
     * Count the flag's cohort and report the first `idColumn` values.
     * @throws Config when the flag has no cohort, the SQL is not one statement, or DATABASE_URL is unset.
     */
    async checkCohort(input: CheckCohortInput): Promise<CohortOutcome> {
      const cohort = deps.config.flags[input.flag]?.cohort;
      if (!cohort) throw failure(FailureType.Config, `flag ${input.flag} has no cohort configured`);
      if (!deps.appDb) throw failure(FailureType.Config, 'DATABASE_URL is not set on this worker: the cohort cannot be checked');
      const statement = singleStatement(cohort.sql);
      if (!statement.ok) throw failure(FailureType.Config, `flags.${input.flag}.cohort.sql: ${statement.reason}`);
      const params = cohort.params.map((name) => {
        if (name === 'flagOnAt') {
          if (input.flagOnAt === null) throw failure(FailureType.Config, 'the cohort needs flagOnAt, which is unknown');
          return input.flagOnAt;
        }
        throw failure(FailureType.Config, `unknown cohort parameter ${String(name)}`);
      });
      const limit = RECORD_LIMITS.maxCohortIds;
      const wrapped = `SELECT count(*) OVER () AS flagops_total, (cohort.${quoteIdentifier(cohort.idColumn)})::text AS flagops_id
        FROM (${statement.sql}) AS cohort LIMIT ${limit}`;
      try {
        const rows = await deps.appDb.transaction(
          async (client) => (await client.query<{ flagops_total: string; flagops_id: string | null }>(wrapped, params)).rows,
          { readOnly: true, statementTimeoutMs: input.statementTimeoutMs },
        );
        const count = rows.length === 0 ? 0 : Number(rows[0]?.flagops_total ?? 0);
        return {
          status: 'done',
          count,
          ids: rows.map((r) => r.flagops_id ?? 'null'),
          idColumn: cohort.idColumn,
          reason: null,
          checkedAt: new Date().toISOString(),
        };
      } catch (error) {
        const pgError = error as { code?: string; message?: string };
        // 57014 = statement timeout: the next attempt may be luckier; anything else will not be.
        if (pgError.code === '57014') throw failure(FailureType.ServerError, `cohort query timed out after ${input.statementTimeoutMs} ms`);
        // Only SQL errors (class 42: syntax, unknown column) are described: other messages can quote
        // row values (a failed cast), which must not reach history.
        const detail = pgError.code?.startsWith('42') ? `: ${pgError.message ?? ''}` : '';
        throw failure(FailureType.Database, `cohort query failed (SQLSTATE ${pgError.code ?? 'unknown'})${detail}`);
      }
    },
  };
}
