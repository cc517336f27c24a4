/**
 * `auditLogTailer` (SPEC §4): the singleton that turns Flagsmith's `audit_auditlog` into wake-ups
 * of the environment-document sync workflows. Its activity keeps the durable cursor (in flagops'
 * database, so it survives worker and server restarts and even a terminated tailer), re-reads an
 * overlap window because rows commit out of id order, and signal-with-starts the sync workflows.
 */
import { allHandlersFinished, condition, continueAsNew, defineQuery, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { AuditTailResult } from '../src/document-sync/types.js';

/** The tailer's input; every field has a default, so the worker starts it with `{}`. */
export interface AuditLogTailerInput {
  /** Pause between polls when the last one found no backlog. Default 1 s. */
  pollIntervalMs?: number;
  /** Ids below the high-water mark that are re-read each poll. Default 1000. */
  overlapRows?: number;
  /** Rows per poll. Default 500. */
  batchSize?: number;
  /** Polls per run before continuing as new (keeps the history short). Default 500. */
  maxPollsPerRun?: number;
  /** Start-to-close timeout of the poll activity. Default 60 s. */
  activityTimeoutMs?: number;
  /** Totals carried across continue-as-new. */
  totals?: { rows: number; wakes: number; polls: number };
}

/** Answer of the tailer's `status` query: totals over all runs and the latest poll. */
export interface TailerStatus {
  totals: { rows: number; wakes: number; polls: number };
  last: AuditTailResult | null;
}

/** Wire name `status`. */
export const tailerStatusQuery = defineQuery<TailerStatus>('status');

/**
 * The singleton tailer (`<prefix>audit-log-tailer`, started by `ensureAuditLogTailer`): polls
 * forever, continuing as new every `maxPollsPerRun` polls; never returns.
 */
export async function auditLogTailer(input: AuditLogTailerInput = {}): Promise<never> {
  const { tailAuditLog } = proxyActivities<Activities>({
    startToCloseTimeout: input.activityTimeoutMs ?? 60_000,
    // Unlimited attempts on purpose: the tailer has nothing better to do than wait for its databases.
    retry: { initialInterval: 1_000, maximumInterval: 30_000 },
  });
  const totals = { ...(input.totals ?? { rows: 0, wakes: 0, polls: 0 }) };
  let last: AuditTailResult | null = null;
  setHandler(tailerStatusQuery, () => ({ totals, last }));

  const maxPolls = input.maxPollsPerRun ?? 500;
  for (let poll = 0; poll < maxPolls && !workflowInfo().continueAsNewSuggested; poll++) {
    last = await tailAuditLog({
      tailer: workflowInfo().workflowId,
      overlapRows: input.overlapRows ?? 1000,
      batchSize: input.batchSize ?? 500,
    });
    totals.rows += last.rows;
    totals.wakes += last.environments;
    totals.polls += 1;
    if (!last.more) await sleep(input.pollIntervalMs ?? 1_000);
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof auditLogTailer>({ ...input, totals });
}
