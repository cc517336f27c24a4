/**
 * `auditLogTailer` (SPEC §4): the singleton that turns Flagsmith's `audit_auditlog` into wake-ups
 * of the environment-document sync workflows. Its activity keeps the durable cursor (in flagops'
 * database, so it survives worker and server restarts and even a terminated tailer), re-reads an
 * overlap window because rows commit out of id order, and signal-with-starts the sync workflows.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setDefaultSignalHandler,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { tailerStatusQuery, type AuditLogTailerInput } from './audit-log/messages.js';
import type { AuditTailResult, IgnoredMessages } from './document-sync/messages.js';
import { keepLast } from './document-sync/state.js';
import { signalNameAsSent, unknownSignalReason } from './interceptors.js';
import { versioningBehavior } from './versioning.js';

export type { AuditLogTailerInput, TailerStatus } from './audit-log/messages.js';

// Never-ending, so it moves to each new build as it is deployed: every change to it must replay its
// old histories (`patched()`; README, "Changing workflow code").
versioningBehavior('AUTO_UPGRADE', auditLogTailer);

/**
 * Patch id (README, "Changing workflow code"): the poll activity waits for rows itself (a long
 * poll), so the tailer no longer sleeps between polls and a change is seen within 200 ms instead
 * of up to a second. Histories from before it have a timer after every empty poll.
 */
export const TAIL_BY_LONG_POLL_PATCH = 'tail-by-long-poll';

/**
 * The singleton tailer (`<prefix>audit-log-tailer`, started by `ensureAuditLogTailer`): polls
 * forever, continuing as new every `maxPollsPerRun` polls; never returns.
 */
export async function auditLogTailer(input: AuditLogTailerInput = {}): Promise<never> {
  const activityTimeoutMs = input.activityTimeoutMs ?? 60_000;
  const { tailAuditLog } = proxyActivities<Activities>({
    startToCloseTimeout: activityTimeoutMs,
    // A poll waits for rows (20 s, at most half its timeout): a worker that dies meanwhile costs 10 s.
    heartbeatTimeout: 10_000,
    // Unlimited attempts on purpose: the tailer has nothing better to do than wait for its databases.
    retry: { initialInterval: 1_000, maximumInterval: 30_000 },
  });
  const totals = { ...(input.totals ?? { rows: 0, wakes: 0, polls: 0 }) };
  let last: AuditTailResult | null = null;
  let ignored: IgnoredMessages = { count: 0, recent: [] };
  setHandler(tailerStatusQuery, () => ({ totals, last, ignored }));
  // The tailer takes no signals; one sent by hand is recorded, never thrown (that would wedge the tailer).
  setDefaultSignalHandler((name: string) => {
    const at = new Date(Date.now()).toISOString();
    ignored = { count: ignored.count + 1, recent: keepLast([...ignored.recent, { name: signalNameAsSent(name).slice(0, 256), at, reason: unknownSignalReason(name) }], 20) };
  });

  const maxPolls = input.maxPollsPerRun ?? 500;
  for (let poll = 0; poll < maxPolls && !workflowInfo().continueAsNewSuggested; poll++) {
    const longPoll = patched(TAIL_BY_LONG_POLL_PATCH);
    last = await tailAuditLog({
      tailer: workflowInfo().workflowId,
      overlapRows: input.overlapRows ?? 1000,
      batchSize: input.batchSize ?? 500,
      ...(longPoll ? { waitForRowsMs: Math.min(input.waitForRowsMs ?? 20_000, activityTimeoutMs / 2), checkEveryMs: input.checkEveryMs ?? 200 } : {}),
    });
    totals.rows += last.rows;
    totals.wakes += last.environments;
    totals.polls += 1;
    if (!last.more && !longPoll) await sleep(input.pollIntervalMs ?? 1_000);
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof auditLogTailer>({ ...input, totals });
}
