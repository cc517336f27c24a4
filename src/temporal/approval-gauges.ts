/**
 * The rollbacks waiting for an approver, as Prometheus gauges: a waiting workflow runs no code, so
 * the worker reads them from Temporal's visibility at each scrape (one list call, shared by both
 * gauges, at most once per {@link FRESH_MS}). The alert `FlagopsApprovalWaiting` reads them.
 */
import type { Client } from '@temporalio/client';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { RollbackStepKey } from '../../workflows/rollback/search-attributes.js';

/** A scrape within this long of the last reuses its reading. */
const FRESH_MS = 5_000;
/** Rollbacks looked at per reading: more waiting than this is an incident of its own. */
const MAX_LISTED = 1_000;

interface Reading {
  waiting: number;
  oldestSeconds: number;
}

/** The visibility query of this deployment's rollbacks waiting for approval. */
export function awaitingApprovalQuery(idPrefix: string): string {
  const prefix = idPrefix ? ` AND WorkflowId STARTS_WITH ${JSON.stringify(idPrefix)}` : '';
  return `WorkflowType = "flagRollback" AND ExecutionStatus = "Running" AND ${RollbackStepKey.name} = "await_approval"${prefix}`;
}

/** Register `flagops_rollbacks_awaiting_approval` and `flagops_rollback_approval_wait_oldest_seconds`. */
export function registerApprovalGauges(registry: Registry, client: Client, idPrefix: string, log: Logger): void {
  let last: { at: number; reading: Promise<Reading> } | null = null;
  const read = async (): Promise<Reading> => {
    let waiting = 0;
    let oldest = Date.now();
    for await (const run of client.workflow.list({ query: awaitingApprovalQuery(idPrefix), pageSize: 100 })) {
      waiting += 1;
      oldest = Math.min(oldest, run.startTime.getTime());
      if (waiting >= MAX_LISTED) break;
    }
    return { waiting, oldestSeconds: waiting === 0 ? 0 : (Date.now() - oldest) / 1000 };
  };
  const reading = (): Promise<Reading> => {
    if (!last || Date.now() - last.at > FRESH_MS) {
      const fresh = read().catch((error: unknown) => {
        // NaN, not 0: an unreadable count must not look like "nobody is waiting".
        log.warn({ event: 'metrics.approval_gauges_failed', err: error }, `reading the rollbacks awaiting approval failed: ${error instanceof Error ? error.message : String(error)}`);
        return { waiting: NaN, oldestSeconds: NaN };
      });
      last = { at: Date.now(), reading: fresh };
    }
    return last.reading;
  };
  new Gauge({
    name: 'flagops_rollbacks_awaiting_approval',
    help: 'Rollbacks waiting for an approver (from Temporal visibility; NaN when it cannot be read).',
    registers: [registry],
    async collect() {
      this.set((await reading()).waiting);
    },
  });
  new Gauge({
    name: 'flagops_rollback_approval_wait_oldest_seconds',
    help: 'Age of the oldest rollback waiting for an approver, since it started, in seconds (0 when none waits).',
    registers: [registry],
    async collect() {
      this.set((await reading()).oldestSeconds);
    },
  });
}
