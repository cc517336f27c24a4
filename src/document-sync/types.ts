/**
 * The shapes exchanged between the document-sync workflows and their activities. Plain JSON only
 * (they travel through Temporal's history); this module has no imports so workflow code can use it.
 */

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
