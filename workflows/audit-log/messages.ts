/**
 * The contract of the singleton `auditLogTailer` (SPEC §4): its input and its `status` query.
 * Clients import this module, never the workflow (they start it by its type name).
 */
import { queryNamed } from '../definitions.js';
import type { AuditTailResult, IgnoredMessages } from '../document-sync/messages.js';

/** The tailer's input; every field has a default, so the worker starts it with `{}`. */
export interface AuditLogTailerInput {
  /**
   * Pause between polls when the last one found no backlog. Default 1 s. Only for histories from
   * before `tail-by-long-poll`: the poll activity now waits for rows itself.
   */
  pollIntervalMs?: number;
  /** How long one poll waits for a new row before answering empty. Default 20 s. */
  waitForRowsMs?: number;
  /** How often a waiting poll looks for a new row (one indexed query). Default 200 ms. */
  checkEveryMs?: number;
  /** Ids below the high-water mark that are re-read each poll. Default 1000. */
  overlapRows?: number;
  /** Rows per poll. Default 500. */
  batchSize?: number;
  /** Polls per run before continuing as new (keeps the history short). Default 500. */
  maxPollsPerRun?: number;
  /** Start-to-close timeout of the poll activity. Default 60 s (keep it above `waitForRowsMs`). */
  activityTimeoutMs?: number;
  /** Totals carried across continue-as-new. */
  totals?: { rows: number; wakes: number; polls: number };
}

/** Answer of the tailer's `status` query: totals over all runs and the latest poll. */
export interface TailerStatus {
  totals: { rows: number; wakes: number; polls: number };
  last: AuditTailResult | null;
  /** Signals sent to the tailer (it takes none): recorded and ignored, in this run. */
  ignored: IgnoredMessages;
}

/** Wire name `status`. */
export const tailerStatusQuery = queryNamed<TailerStatus>('status');

