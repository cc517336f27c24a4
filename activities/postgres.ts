/**
 * Rollback step 6 (SPEC §3): the flag's cohort query on the application's PostgreSQL, run the one
 * safe way of `src/db/cohort.ts`.
 *
 * Only the count and the `idColumn` values come back: no other column ever reaches the worker,
 * let alone history, memo or notifications.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { runCohortQuery } from '../src/db/cohort.js';
import { FailureType, failure } from '../src/failures.js';
import { RECORD_LIMITS, type CohortOutcome } from '../workflows/rollback/messages.js';
import type { ActivityDeps } from './deps.js';

export interface CheckCohortInput {
  flag: string;
  /** ISO date-time; required when the cohort's params name `flagOnAt`. */
  flagOnAt: string | null;
  statementTimeoutMs: number;
}


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
      const params = cohort.params.map((name) => {
        if (name === 'flagOnAt') {
          if (input.flagOnAt === null) throw failure(FailureType.Config, 'the cohort needs flagOnAt, which is unknown');
          return input.flagOnAt;
        }
        throw failure(FailureType.Config, `unknown cohort parameter ${String(name)}`);
      });
      const { count, ids } = await runCohortQuery(deps.appDb, cohort.sql, cohort.idColumn, params, input.statementTimeoutMs, RECORD_LIMITS.maxCohortIds).catch(
        (error: unknown) => {
          throw cohortFailure(error, input.statementTimeoutMs);
        },
      );
      return {
        status: 'done',
        count,
        ids,
        idColumn: cohort.idColumn,
        reason: null,
        checkedAt: new Date().toISOString(),
      };
    },
  };
}

/** SQLSTATEs of a server going away or not yet back (a restart): the next attempt is worth it. */
const TRANSIENT = ['57P01', '57P02', '57P03', '53300'];

/** PostgreSQL's refusal as a failure whose message can enter history (no row values). */
function cohortFailure(error: unknown, statementTimeoutMs: number): ApplicationFailure {
  const pgError = error as { code?: string; message?: string };
  const code = pgError.code;
  // 57014 = statement timeout: the next attempt may be luckier.
  if (code === '57014') return failure(FailureType.ServerError, `cohort query timed out after ${statementTimeoutMs} ms`);
  // A restart or a lost connection (class 08, admin shutdown, no SQLSTATE at all): retried.
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || TRANSIENT.includes(code)) {
    return failure(FailureType.Network, `cohort query lost its database connection (${code ?? 'no SQLSTATE'}): ${pgError.message ?? String(error)}`);
  }
  // SQL errors (class 42: syntax, unknown column, multiple commands) and refusals of a read-only
  // transaction (25006) are described: other messages can quote row values (a failed cast).
  const described = code.startsWith('42') || code === '25006' || code === '0A000';
  return failure(FailureType.Database, `cohort query failed (SQLSTATE ${code})${described ? `: ${pgError.message ?? ''}` : ''}`);
}
