/**
 * `environmentDocumentSync` (SPEC §4): one long-lived workflow per Flagsmith environment that
 * keeps the environment's document in the document store, and never writes a partial one.
 *
 * A pass is guard → build → completeness → write → record. Guard and completeness failures back
 * off `backoffBaseMs · 2^n` for at most `maxAttempts` attempts, then give up (warning, `failure`
 * count, no write) until the next change or reconcile. Changes arriving during a pass coalesce
 * into exactly one more pass. Passes also run at the next scheduled go-live (which writes no audit
 * row) and every `reconcileEveryMs`. The workflow is woken by signal-with-start (the audit-log
 * tailer, `flagops webhooks`, `flagops sync`) and continues-as-new with its state as plain JSON.
 * When the environment no longer exists (deleted in Flagsmith) the workflow removes its stored
 * document and ends; a later change to an environment of that id starts it afresh.
 */
import {
  ActivityFailure,
  ApplicationFailure,
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
import {
  changedSignal,
  syncNowUpdate,
  syncStatusQuery,
  type BuildResult,
  type EnvironmentDocumentSyncInput,
  type GuardResult,
  type PassOutcome,
  type PassReason,
  type PassSummary,
  type SyncEnded,
  type SyncFailureReport,
  type SyncState,
} from './document-sync/messages.js';
import { MAX_PENDING_REQUESTS, RECENT_AUDIT_IDS, RECENT_PASSES, initialSyncState, keepLast, parseSyncNow, parseWake, recordIgnored } from './document-sync/state.js';
import { signalNameAsSent, unknownSignalReason } from './interceptors.js';
import { versioningBehavior } from './versioning.js';

export type { EnvironmentDocumentSyncInput, SyncEnded, SyncStatus, SyncWake } from './document-sync/messages.js';

/**
 * Patch id (README, "Changing workflow code"): a change within `minPassIntervalMs` of the last
 * pass waits out the interval, so a burst of changes writes a few documents, not one per change.
 * Histories from before it start the next pass at once.
 */
export const COALESCE_BURSTS_PATCH = 'coalesce-bursts-of-changes';

/** Least time between the end of a pass and a change's next pass when the input sets none. */
const DEFAULT_MIN_PASS_INTERVAL_MS = 3_000;

/** A `syncNow` waits at most this long for the pass that serves it (a pass is bounded well below). */
const SYNC_NOW_WAIT_MS = 60 * 60_000;

// Never-ending, so it moves to each new build as it is deployed: every change to it must replay its
// old histories (`patched()`; README, "Changing workflow code").
versioningBehavior('AUTO_UPGRADE', environmentDocumentSync);

/**
 * The sync workflow of one environment (id `<prefix>env-doc-sync-<environment id>`); start or wake
 * it with `wakeEnvironmentSync`. Runs until its environment is deleted.
 */
export async function environmentDocumentSync(input: EnvironmentDocumentSyncInput): Promise<SyncEnded> {
  const timeout = input.activityTimeoutMs ?? 60_000;
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: timeout,
    // Flagsmith or a database being down is retried a few times; then the pass fails and the next
    // change or reconcile tries again, instead of the workflow waiting on one activity forever.
    retry: { initialInterval: 1_000, maximumInterval: 10_000, maximumAttempts: 5 },
  });
  const state: SyncState = input.state ? { ...input.state } : initialSyncState();
  state.runs += 1;
  let running: PassReason | null = null;

  const now = () => new Date(Date.now()).toISOString();
  const wake = (requestId: string | undefined, auditIds: number[] | undefined) => {
    state.dirty = true;
    state.wakes += 1;
    if (requestId) state.pendingRequestIds = keepLast([...state.pendingRequestIds, requestId], MAX_PENDING_REQUESTS);
    if (auditIds?.length) state.recentAuditIds = keepLast([...state.recentAuditIds, ...auditIds], RECENT_AUDIT_IDS);
  };
  // Handlers parse what they get and never throw: a throwing handler would fail every workflow
  // task of this run, and the environment's document would go stale without a word.
  setHandler(changedSignal, (raw: unknown) => {
    const parsed = parseWake(raw);
    if (parsed.ok) wake(parsed.wake.requestId, parsed.wake.auditIds);
    else recordIgnored(state, 'changed', parsed.reason, now());
  });
  setDefaultSignalHandler((name: string) => recordIgnored(state, signalNameAsSent(name), unknownSignalReason(name), now()));
  let waitingUpdates = 0;
  setHandler(
    syncNowUpdate,
    async (raw: unknown): Promise<PassSummary> => {
      const parsed = parseSyncNow(raw);
      if (!parsed.ok) throw ApplicationFailure.nonRetryable(parsed.reason, 'MalformedMessage');
      const { requestId } = parsed.request;
      wake(requestId, undefined);
      waitingUpdates += 1;
      try {
        const served = () => state.recentPasses.find((p) => p.requestIds.includes(requestId));
        if (!(await condition(() => served() !== undefined, SYNC_NOW_WAIT_MS))) {
          throw ApplicationFailure.nonRetryable(`no pass served request ${requestId} within an hour`, 'SyncTimedOut');
        }
        const pass = served();
        if (!pass) throw ApplicationFailure.nonRetryable(`request ${requestId} was not served`, 'SyncTimedOut');
        return pass;
      } finally {
        waitingUpdates -= 1;
      }
    },
    {
      validator: (raw: unknown) => {
        const parsed = parseSyncNow(raw);
        if (!parsed.ok) throw new Error(parsed.reason);
      },
    },
  );
  setHandler(syncStatusQuery, () => ({ environmentId: input.environmentId, running, state }));

  const failed = async (report: SyncFailureReport): Promise<void> => {
    try {
      await acts.recordEnvironmentDocumentFailure(report);
    } catch (error) {
      // Counting is best effort: a metrics hiccup must not stop the sync (a cancellation still does).
      if (!(error instanceof ActivityFailure)) throw error;
    }
  };

  /** One guard → build → write attempt: the pass's result, or why it must back off. */
  const attemptOnce = async (attempt: number): Promise<PassResult | BackOff> => {
    const guard: GuardResult = await acts.inspectEnvironmentForSync(input.environmentId);
    if (!guard.found) {
      return blank(state.passSequence, 'environment_missing', attempt, `environment ${input.environmentId} does not exist (or is deleted)`);
    }
    state.nextLiveFromMs = guard.nextLiveFrom === null ? null : Date.parse(guard.nextLiveFrom);
    if (guard.creating.environment) return { backOff: 'creating', detail: 'the environment is still being created (is_creating)' };
    if (guard.creating.featureIds.length > 0) {
      return { backOff: 'creating', detail: `features still being created (is_creating): ${guard.creating.featureIds.join(', ')}` };
    }
    // Never below what the store holds: a fresh run (or a reset) must still move forward.
    const sequence = Math.max(state.passSequence, guard.storedSequence) + 1;
    state.passSequence = sequence;
    const built: BuildResult = await acts.buildAndWriteEnvironmentDocument({ environment: guard.environment, passSequence: sequence });
    switch (built.status) {
      case 'written':
      case 'unchanged':
        return { ...blank(sequence, built.status, attempt, null), featureStatesCount: built.featureStatesCount, bytes: built.bytes, contentHash: built.contentHash };
      case 'stale':
        // Our own sequence already stored means an earlier attempt of this write committed.
        if (built.storedSequence === sequence) return blank(sequence, 'written', attempt, 'written by an earlier attempt of this pass');
        return blank(sequence, 'stale', attempt, `the store holds pass ${built.storedSequence}, later than ${sequence}`);
      case 'incomplete': {
        const more = built.missingCount > built.missingFeatureIds.length ? ', …' : '';
        return { backOff: 'incomplete', detail: `${built.missingCount} feature(s) without an environment default in the document (${built.missingFeatureIds.join(', ')}${more})` };
      }
    }
  };

  /** The attempts of one pass, backing off `backoffBaseMs · 2^n` between them. */
  const attemptPass = async (): Promise<PassResult> => {
    for (let attempt = 1; ; attempt++) {
      let result: PassResult | BackOff;
      try {
        result = await attemptOnce(attempt);
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        const detail = error.cause instanceof ApplicationFailure ? `${error.cause.type ?? 'Error'}: ${error.cause.message}` : error.message;
        await failed({ environmentId: input.environmentId, reason: 'error', attempts: attempt, detail });
        return blank(state.passSequence, 'failed', attempt, detail);
      }
      if (!('backOff' in result)) return result;
      if (attempt >= input.maxAttempts) {
        await failed({ environmentId: input.environmentId, reason: result.backOff, attempts: attempt, detail: result.detail });
        return blank(state.passSequence, 'gave_up', attempt, result.detail);
      }
      await sleep(input.backoffBaseMs * 2 ** (attempt - 1));
    }
  };

  const runPass = async (reason: PassReason): Promise<PassOutcome> => {
    running = reason;
    state.dirty = false;
    const requestIds = state.pendingRequestIds;
    state.pendingRequestIds = [];
    const startedAt = new Date(Date.now()).toISOString();
    const result = await attemptPass();
    state.passes += 1;
    if (result.outcome === 'written') state.written += 1;
    state.lastPassEndedAtMs = Date.now();
    state.recentPasses = keepLast(
      [...state.recentPasses, { ...result, reason, requestIds, startedAt, endedAt: new Date(state.lastPassEndedAtMs).toISOString() }],
      RECENT_PASSES,
    );
    running = null;
    return result.outcome;
  };

  /** Wait out the rest of `minPassIntervalMs` since the last pass, unless a `syncNow` is waiting. */
  const spaceOut = async (): Promise<void> => {
    const readyAt = (state.lastPassEndedAtMs ?? 0) + (input.minPassIntervalMs ?? DEFAULT_MIN_PASS_INTERVAL_MS);
    if (readyAt <= Date.now() || state.pendingRequestIds.length > 0 || !patched(COALESCE_BURSTS_PATCH)) return;
    const waitMs = readyAt - Date.now();
    await condition(() => state.pendingRequestIds.length > 0, waitMs, { summary: `let the burst of changes settle for ${waitMs} ms` });
  };

  const margin = input.goLiveMarginMs ?? 500;
  const maxPasses = input.maxPassesPerRun ?? 200;
  let passesThisRun = 0;
  for (;;) {
    let reason: PassReason = 'change';
    if (!state.dirty) {
      const reconcileAt = (state.lastPassEndedAtMs ?? Date.now()) + input.reconcileEveryMs;
      // A go-live the last pass still saw as future after it had passed by our clock means
      // Flagsmith's database clock runs behind ours: look again a margin later, not back to back.
      const goLiveAt = state.nextLiveFromMs === null ? Infinity : Math.max(state.nextLiveFromMs, state.lastPassEndedAtMs ?? 0) + margin;
      const wakeAt = Math.min(reconcileAt, goLiveAt);
      const changed = await condition(() => state.dirty, Math.max(1, wakeAt - Date.now()));
      if (!changed) reason = goLiveAt <= reconcileAt ? 'scheduled_go_live' : 'reconcile';
    }
    if (reason === 'change') await spaceOut();
    const outcome = await runPass(reason);
    passesThisRun += 1;
    // A deleted environment has nothing to reconcile: reconciling it every period forever would
    // only repeat `environment_missing`. A wake that arrived meanwhile gets its own pass first.
    if (outcome === 'environment_missing' && !state.dirty) {
      // undefined: the store is unreachable; stay, and let the next change or reconcile try again.
      const documentsRemoved = await acts.removeEnvironmentDocument(input.environmentId).catch((error: unknown) => {
        if (!(error instanceof ActivityFailure)) throw error;
        return undefined;
      });
      if (documentsRemoved !== undefined) {
        await condition(allHandlersFinished);
        if (!state.dirty) return { environmentId: input.environmentId, reason: 'environment_missing', documentsRemoved, state };
      }
    }
    // A `syncNow` waiting for its pass is served in this run: its caller waits on this very run.
    if ((passesThisRun >= maxPasses || workflowInfo().continueAsNewSuggested) && waitingUpdates === 0) {
      // Signals that land while this run closes are redelivered to this code by Temporal (the
      // close is refused while new events are pending), so `state.dirty` carries them over.
      await condition(allHandlersFinished);
      return continueAsNew<typeof environmentDocumentSync>({ ...input, state });
    }
  }
}

/** What a pass did, before the loop adds why it ran, whom it served and when. */
type PassResult = Omit<PassSummary, 'reason' | 'requestIds' | 'startedAt' | 'endedAt'>;

/** An attempt that found the environment not ready: back off and try again (or give up). */
interface BackOff {
  backOff: Exclude<SyncFailureReport['reason'], 'error'>;
  detail: string;
}

function blank(sequence: number, outcome: PassOutcome, attempts: number, detail: string | null): PassResult {
  return { sequence, outcome, attempts, detail, featureStatesCount: null, bytes: null, contentHash: null };
}
