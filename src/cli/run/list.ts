/**
 * `flagops list`: rollbacks found through Temporal's visibility store by their search attributes
 * (SPEC §3), newest first.
 *
 * Its definition (options, help) is `../commands/list.ts`; this body is loaded only when it runs.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { runtimeSettings } from '../../config/env.js';
import { ConfigError } from '../../config/errors.js';
import { FlagNameKey, IncidentIdKey, RequestedByKey, RollbackOutcomeKey, RollbackStepKey } from '../../../workflows/rollback/search-attributes.js';
import { ExitCode } from '../action.js';
import { shown } from '../display.js';
import { cliIdentity, osUser, withTemporal } from '../temporal.js';

export interface ListOptions {
  flag?: string;
  incident?: string;
  running?: boolean;
  json?: boolean;
  limit: string;
}

/** A visibility-query string literal; quotes and backslashes would need escaping no user needs. */
function literal(option: string, value: string): string {
  if (/['"\\]/.test(value)) throw new ConfigError(`${option}: quotes and backslashes are not allowed`);
  return `'${value}'`;
}

/** The visibility query for the options (exported for tests and for the README). */
export function listQuery(options: Pick<ListOptions, 'flag' | 'incident' | 'running'>, idPrefix: string): string {
  const clauses = ["WorkflowType = 'flagRollback'"];
  if (idPrefix) clauses.push(`WorkflowId STARTS_WITH ${literal('FLAGOPS_ID_PREFIX', idPrefix)}`);
  if (options.flag !== undefined) clauses.push(`FlagName = ${literal('--flag', options.flag)}`);
  if (options.incident !== undefined) clauses.push(`IncidentId = ${literal('--incident', options.incident)}`);
  if (options.running) clauses.push("ExecutionStatus = 'Running'");
  return clauses.join(' AND ');
}

interface ListedRollback {
  workflowId: string;
  runId: string;
  executionStatus: string;
  /** The rollback's own outcome (RollbackOutcome), set at its end; null while it runs. */
  outcome: string | null;
  step: string | null;
  flag: string | null;
  incidentId: string | null;
  requestedBy: string | null;
  startTime: string;
  closeTime: string | null;
}

function toListed(info: WorkflowExecutionInfo): ListedRollback {
  const attrs = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    executionStatus: info.status.name,
    outcome: attrs.get(RollbackOutcomeKey) ?? null,
    step: attrs.get(RollbackStepKey) ?? null,
    flag: attrs.get(FlagNameKey) ?? null,
    incidentId: attrs.get(IncidentIdKey) ?? null,
    requestedBy: attrs.get(RequestedByKey) ?? null,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
  };
}

function table(rows: ListedRollback[]): string {
  // A rejected rollback closes COMPLETED in Temporal's terms: show the rollback's outcome, and the step only while it runs.
  const header = ['WORKFLOW ID', 'OUTCOME', 'STEP', 'INCIDENT', 'REQUESTED BY', 'STARTED'];
  const cells = rows.map((r) => [
    r.workflowId,
    r.outcome ?? (r.executionStatus === 'RUNNING' ? 'running' : r.executionStatus.toLowerCase()),
    r.executionStatus === 'RUNNING' ? (r.step ?? '-') : '-',
    r.incidentId ?? '-',
    r.requestedBy ?? '-',
    r.startTime,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => shown(c[i] ?? '').length)));
  return [header, ...cells].map((row) => row.map((c, i) => shown(c).padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export async function list(options: ListOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ConfigError(`--limit: expected a whole number from 1 to 1000, got ${JSON.stringify(options.limit)}`);
  // The query is checked before connecting: a bad --flag is a usage error, not a connection problem.
  const query = listQuery(options, runtimeSettings(env).idPrefix);
  return withTemporal(env, cliIdentity(osUser()), async ({ client }) => {
    const rows: ListedRollback[] = [];
    for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
      rows.push(toListed(info));
      if (rows.length >= limit) break;
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (rows.length === 0) {
      process.stdout.write(`No rollbacks match (${query}).\n`);
    } else {
      process.stdout.write(`${table(rows)}\n`);
    }
    return ExitCode.Ok;
  });
}
