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
  let ignored: IgnoredMessages = { count: 0, recent: [] };
  setHandler(tailerStatusQuery, () => ({ totals, last, ignored }));
  // The tailer takes no signals; one sent by hand is recorded, never thrown (that would wedge the tailer).
  setDefaultSignalHandler((name: string) => {
    const at = new Date(Date.now()).toISOString();
    ignored = { count: ignored.count + 1, recent: keepLast([...ignored.recent, { name: signalNameAsSent(name).slice(0, 256), at, reason: unknownSignalReason(name) }], 20) };
  });

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
