/**
 * What `flagops worker` proves before it polls: each database it was given answers, Temporal is
 * reachable and has the namespace, and each flag's cohort SQL plans as one query under a role that
 * is not a superuser. A failure is a ConfigError naming the variable (or key) and the cause, within
 * seconds, and never the connection string itself.
 */
import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { FlagopsConfig } from './config/schema.js';
import { ConfigError } from './config/errors.js';
import type { TemporalSettings } from './config/env.js';
import { inspectCohortRole } from './db/cohort.js';
import type { Database } from './db/sql.js';
import type { Logger } from './log.js';

/** `pg`'s and Node's words for why a connection failed, without anything of the URL. */
function connectionCause(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const message = (e.message ?? String(error)).replace(/postgres(ql)?:\/\/\S+/g, '<url>');
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

/** Each configured database answers `SELECT 1`, or a ConfigError names its variable and why not. */
export async function checkDatabases(databases: [variable: string, db: Database | undefined][], timeoutMs = 8_000): Promise<void> {
  await Promise.all(
    databases.map(async ([variable, db]) => {
      if (!db) return;
      try {
        await Promise.race([
          db.query('SELECT 1'),
          new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs).unref()),
        ]);
      } catch (error) {
        throw new ConfigError(`${variable}: cannot use the database: ${connectionCause(error)}`);
      }
    }),
  );
}

/** The namespace exists on the server the client reached, or a ConfigError says which variable is wrong. */
export async function checkNamespace(client: Client, settings: TemporalSettings): Promise<void> {
  try {
    await client.connection.withDeadline(Date.now() + 8_000, () => client.workflowService.describeNamespace({ namespace: settings.namespace }));
  } catch (error) {
    // 5 = NOT_FOUND (the wire protocol's number; grpc-js's enum is not our dependency).
    if (isGrpcServiceError(error) && (error.code as number) === 5) {
      throw new ConfigError(`TEMPORAL_NAMESPACE: no namespace ${JSON.stringify(settings.namespace)} at ${settings.address} (create it, or set TEMPORAL_NAMESPACE)`);
    }
    const message = isGrpcServiceError(error) ? error.details : error instanceof Error ? error.message : String(error);
    throw new ConfigError(`TEMPORAL_ADDRESS: Temporal at ${settings.address} does not answer: ${message}`);
  }
}

/**
 * Each flag's cohort SQL plans as one query (PostgreSQL's judgement, at start rather than after
 * publishing); a superuser connection is refused; a role that can write a table the query reads is
 * warned about loudly (README, "The cohort's database role").
 */
export async function checkCohorts(config: FlagopsConfig, appDb: Database | undefined, log: Logger): Promise<void> {
  const cohorts = Object.entries(config.flags).filter(([, flag]) => flag.cohort);
  if (cohorts.length === 0) return;
  if (!appDb) {
    log.warn({ event: 'worker.cohort_unavailable', flags: cohorts.map(([name]) => name) }, 'DATABASE_URL is not set: the cohort step of these flags will fail');
    return;
  }
  for (const [name, flag] of cohorts) {
    const cohort = flag.cohort;
    if (!cohort) continue;
    const params = cohort.params.map(() => new Date().toISOString());
    let report;
    try {
      report = await inspectCohortRole(appDb, cohort.sql, cohort.idColumn, params);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      throw new ConfigError(`flags.${name}.cohort.sql: PostgreSQL refuses it${e.code ? ` (SQLSTATE ${e.code})` : ''}: ${e.message ?? String(error)}`);
    }
    if (report.superuser) {
      throw new ConfigError(
        `DATABASE_URL: connects as ${JSON.stringify(report.role)}, a superuser; the cohort query must run as a read-only role (README, "The cohort's database role")`,
      );
    }
    if (report.writable.length > 0) {
      const message = `DATABASE_URL: role ${JSON.stringify(report.role)} can write ${report.writable.join(', ')}, which flags.${name}.cohort.sql reads; give the cohort a read-only role (README, "The cohort's database role")`;
      log.warn({ event: 'worker.cohort_role_can_write', flag: name, role: report.role, tables: report.writable }, message);
      process.stderr.write(`flagops: WARNING: ${message}\n`);
    }
  }
}
