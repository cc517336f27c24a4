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
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { BuildResult, GuardResult, SyncFailureReport } from '../src/document-sync/types.js';

/** Something changed (or someone asks for a pass). Carries where it came from, for the status. */
export interface SyncWake {
  source: 'audit' | 'webhook' | 'cli' | 'start';
  /** Audit-log ids that caused this wake (the tailer sends them; kept for de-dup evidence). */
  auditIds?: number[];
  /** Set by `flagops sync`: the pass that serves it lists it, so the caller can find its result. */
  requestId?: string;
}

/** Wire name `changed`. */
export const changedSignal = defineSignal<[SyncWake]>('changed');

/** Why a pass ran: a wake signal, a scheduled version's `live_from`, or the periodic reconcile. */
export type PassReason = 'change' | 'scheduled_go_live' | 'reconcile';
/** How a pass ended; only `written` and `unchanged` leave the store holding the current document. */
export type PassOutcome = 'written' | 'unchanged' | 'stale' | 'gave_up' | 'failed' | 'environment_missing';

/** What one pass did (the `status` query keeps the latest ones). */
export interface PassSummary {
  sequence: number;
  reason: PassReason;
  outcome: PassOutcome;
  attempts: number;
  /** Why nothing was written, in words (gave_up, failed, stale, environment_missing). */
  detail: string | null;
  featureStatesCount: number | null;
  bytes: number | null;
  contentHash: string | null;
  requestIds: string[];
  startedAt: string;
  endedAt: string;
}

/** Carried across continue-as-new; plain JSON. */
export interface SyncState {
  /** The last pass sequence used; the next pass takes a higher one. */
  passSequence: number;
  /** A change arrived that no pass has yet started to serve. */
  dirty: boolean;
  pendingRequestIds: string[];
  /** Wake signals received, over all runs. */
  wakes: number;
  /** The latest audit ids received (at most 200), in arrival order. */
  recentAuditIds: number[];
  passes: number;
  written: number;
  recentPasses: PassSummary[];
  /** Epoch ms of the next scheduled go-live seen by the last guard, or null. */
  nextLiveFromMs: number | null;
  lastPassEndedAtMs: number | null;
  /** Runs of this workflow id so far (continue-as-new count + 1). */
  runs: number;
}

/** The workflow's input; `wake.ts` builds it from `documentSync` in flagops.yaml. */
export interface EnvironmentDocumentSyncInput {
  environmentId: number;
  /** First backoff delay in ms; doubles per attempt (SPEC §2 `documentSync.backoffBase`). */
  backoffBaseMs: number;
  /** Attempts of a pass before it gives up (`documentSync.maxAttempts`). */
  maxAttempts: number;
  /** Period of the reconcile pass in ms (`documentSync.reconcileEvery`). */
  reconcileEveryMs: number;
  /** Wait after a scheduled `live_from` before its pass, absorbing clock skew with Flagsmith's database. Default 500 ms. */
  goLiveMarginMs?: number;
  /** Passes per run before continuing as new. Default 200. */
  maxPassesPerRun?: number;
  /** Start-to-close timeout of each activity in ms. Default 60 s. */
  activityTimeoutMs?: number;
  /** Set only by continue-as-new. */
  state?: SyncState;
}

/** What the workflow returns when it ends because its environment was deleted. */
export interface SyncEnded {
  environmentId: number;
  reason: 'environment_missing';
  /** Documents removed from the store (0 when none was ever written). */
  documentsRemoved: number;
  state: SyncState;
}

/** Answer of the `status` query (the CLI and the tests read passes and their request ids here). */
export interface SyncStatus {
  environmentId: number;
  /** The pass running now (its reason), or null when idle. */
  running: PassReason | null;
  state: SyncState;
}

/** Wire name `status`. */
export const syncStatusQuery = defineQuery<SyncStatus>('status');

const RECENT_PASSES = 20;
const RECENT_AUDIT_IDS = 200;
const MAX_PENDING_REQUESTS = 100;

/** The state of a workflow's first run: dirty, so its first pass runs at once. */
export function initialSyncState(): SyncState {
  return {
    passSequence: 0,
    // A new workflow knows nothing about the store yet: its first pass runs at once.
    dirty: true,
    pendingRequestIds: [],
    wakes: 0,
    recentAuditIds: [],
    passes: 0,
    written: 0,
    recentPasses: [],
    nextLiveFromMs: null,
    lastPassEndedAtMs: null,
    runs: 0,
  };
}

function keepLast<T>(list: T[], max: number): T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}

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

  setHandler(changedSignal, (wake) => {
    state.dirty = true;
    state.wakes += 1;
    if (wake.requestId) state.pendingRequestIds = keepLast([...state.pendingRequestIds, wake.requestId], MAX_PENDING_REQUESTS);
    if (wake.auditIds?.length) state.recentAuditIds = keepLast([...state.recentAuditIds, ...wake.auditIds], RECENT_AUDIT_IDS);
  });
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
    if (passesThisRun >= maxPasses || workflowInfo().continueAsNewSuggested) {
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
