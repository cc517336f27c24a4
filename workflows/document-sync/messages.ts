/**
 * The contract of the environment-document sync (SPEC §4): the `environmentDocumentSync`
 * workflow's input, messages and status, and the shapes its activities exchange with it. Plain
 * JSON only (they travel through Temporal's history). Workflow code, activities and clients import
 * this module; clients never import the workflow itself (they start it by its type name).
 */
import { queryNamed, signalNamed, updateNamed } from '../definitions.js';

/** Something changed (or someone asks for a pass). Carries where it came from, for the status. */
export interface SyncWake {
  /** `manual`: a `changed` signal sent by hand without a payload (still a wake). */
  source: 'audit' | 'webhook' | 'cli' | 'start' | 'manual';
  /** Audit-log ids that caused this wake (the tailer sends them; kept for de-dup evidence). */
  auditIds?: number[];
  /** Set by `flagops sync`: the pass that serves it lists it, so the caller can find its result. */
  requestId?: string;
}

/** Wire name `changed`. */
export const changedSignal = signalNamed<[SyncWake]>('changed');

/** `syncNow`: run a pass for this request and answer with it (what `flagops sync` sends, with update-with-start). */
export interface SyncNowRequest {
  /** Names the request in the pass that serves it (`PassSummary.requestIds`). */
  requestId: string;
}

/** Wire name `syncNow`; returns the pass that served the request. */
export const syncNowUpdate = updateNamed<PassSummary, [SyncNowRequest]>('syncNow');

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
  /** Messages that were malformed or unknown: recorded and ignored (absent in older states). */
  ignored?: IgnoredMessages;
}

/** Malformed or unknown messages a workflow received: counted, the latest kept (handlers never throw). */
export interface IgnoredMessages {
  count: number;
  recent: { name: string; at: string; reason: string }[];
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
  /**
   * Under a burst of changes, the least time from the end of one pass to the start of the next
   * (`documentSync.minPassInterval`): the first change after a quiet spell passes at once, the
   * rest of the burst coalesces into one pass after it. A `syncNow` never waits. Default 3 s.
   */
  minPassIntervalMs?: number;
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
export const syncStatusQuery = queryNamed<SyncStatus>('status');


// ---------------------------------------------------------------------------------------------
// Shapes exchanged with the activities

/** An environment as the sync needs it. */
export interface SyncEnvironment {
  id: number;
  apiKey: string;
  name: string;
  projectId: number;
}

/** What is still being created (`is_creating`); an absent column counts as false. */
export interface CreatingState {
  environment: boolean;
  /** Ids of the project's features still seeding their feature states (at most 20). */
  featureIds: number[];
}

/** Step 1 (guard) of a pass, plus what the workflow needs to plan its next pass. */
export type GuardResult =
  | { found: false }
  | {
      found: true;
      environment: SyncEnvironment;
      creating: CreatingState;
      /** ISO time of the next future scheduled go-live, or null. */
      nextLiveFrom: string | null;
      /** The pass sequence of the stored document (0 when none), so a fresh run never goes backwards. */
      storedSequence: number;
    };

/** Input of steps 2–5: the environment the guard found and the pass sequence to write under. */
export interface BuildRequest {
  environment: SyncEnvironment;
  passSequence: number;
}

/** Steps 2–5 (build, completeness, write, record) of a pass. */
export type BuildResult =
  | {
      status: 'incomplete';
      /** Features of the project without an environment default in the document (first 20). */
      missingFeatureIds: number[];
      missingCount: number;
      featureStatesCount: number;
    }
  | { status: 'written'; featureStatesCount: number; bytes: number; contentHash: string }
  | { status: 'unchanged'; featureStatesCount: number; bytes: number; contentHash: string }
  | { status: 'stale'; storedSequence: number };

/** Why a pass wrote nothing, for the failure counter and the warning log. */
export interface SyncFailureReport {
  environmentId: number;
  reason: 'creating' | 'incomplete' | 'error';
  attempts: number;
  detail: string;
}

/** Inputs of the tailer's activity. */
export interface AuditTailRequest {
  /** Names the durable cursor (the tailer's workflow id). */
  tailer: string;
  /** How many ids below the high-water mark are re-read (rows commit out of id order). */
  overlapRows: number;
  batchSize: number;
  /** Long poll: with nothing new, wait up to this long for a row before answering. */
  waitForRowsMs?: number;
  /** How often the long poll looks for a new row. Default 200 ms. */
  checkEveryMs?: number;
}

/** What one poll of the tailer did. */
export interface AuditTailResult {
  /** New (not yet seen) audit rows handled by this call. */
  rows: number;
  /** Environments whose sync workflow was signalled. */
  environments: number;
  highWater: number;
  /** True when the batch was full: more rows are waiting. */
  more: boolean;
}
