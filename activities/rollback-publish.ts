/**
 * Rollback step 3 (SPEC §3): publish one environment, idempotently even when two attempts of the
 * same operation overlap (a retry while a presumed-dead attempt still runs).
 *
 * v2 protocol: create the version UNPUBLISHED with a marker unique to run, environment and
 * operation in its `description`; list the versions carrying exactly that marker; keep the
 * published one if any, else the oldest; delete the other drafts; publish the kept one unless it
 * already is; an attempt that finds it lost a race to an overlapping one settles again.
 * Publishing separately (not `publish_immediately`) also makes Flagsmith record an `Api-Key` as
 * the publisher. v1 environments are patched in place (naturally idempotent).
 */
import { activityInfo, cancellationSignal } from '@temporalio/activity';
import { environmentDefaultUpdate, toFeatureStateValue, type FlagsmithClient, type Version } from '../src/flagsmith/index.js';
import { FailureType, failure } from '../src/failures.js';
import { HttpError } from '../src/http.js';
import type { FlagState, OverridesMode } from '../workflows/rollback/messages.js';
import type { ActivityDeps } from './deps.js';
import { describeError, flagsmithCall, requireFlagsmith } from './flagsmith.js';
import { findEnvironment } from './rollback-plan.js';
import { applyIdentityOverrides, segmentOverrideChanges } from './rollback-overrides.js';

export interface PublishEnvironmentInput {
  flag: string;
  featureId: number;
  environment: string;
  versioning: 'v1' | 'v2';
  /** v1 only: the environment default's feature state id. */
  featureStateId: number;
  state: FlagState;
  /** `flagops:<workflow id>:<run id>:<env>:<forward|revert-N|retry-N>`. */
  marker: string;
  /** Scheduled versions to delete first (those the approver saw in the plan). */
  deleteScheduled: string[];
  /** `disable`/`remove` the segment overrides (in the same version) and identity overrides; absent: keep. */
  overrides?: OverridesMode;
}

export interface PublishEnvironmentResult {
  /** The published version's uuid (v2), null on v1. */
  version: string | null;
  publishedAt: string;
  deletedScheduled: string[];
  /** Drafts of an overlapping attempt that this attempt deleted. */
  deletedDrafts: string[];
  /** With `overrides`: how many segment overrides the version changed, identity overrides this attempt changed. */
  overridesChanged?: { segments: number; identities: number };
}

/** Versions ordered oldest first; the uuid breaks ties so every attempt picks the same one. */
function oldestFirst(a: Version, b: Version): number {
  const byTime = Date.parse(a.created_at) - Date.parse(b.created_at);
  return byTime !== 0 ? byTime : a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
}

type DeleteOutcome = 'deleted' | 'gone' | 'live';

/** Delete a non-live version, telling apart "gone already" (404) from "went live meanwhile" (400). */
async function deleteVersionIfDraft(client: FlagsmithClient, envId: number, featureId: number, uuid: string, signal: AbortSignal): Promise<DeleteOutcome> {
  try {
    await client.deleteVersion(envId, featureId, uuid, { signal });
    return 'deleted';
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return 'gone';
    if (error instanceof HttpError && error.status === 400 && /live version/i.test(error.message)) return 'live';
    throw error;
  }
}

/**
 * Flagsmith #8367, once fixed: a publish where change requests are required is refused with 409
 * `change_requests_enabled`. Final (a `Conflict`, never retried), and said in words an operator acts on.
 */
function changeRequestRequired(error: unknown, environment: string): Error | undefined {
  if (!(error instanceof HttpError) || error.status !== 409) return undefined;
  if (!/change_requests_enabled|change request/i.test(`${error.serverMessage ?? ''} ${error.message}`)) return undefined;
  return failure(
    FailureType.Conflict,
    `environment ${environment} requires a change request: Flagsmith refused the publish (409 change_requests_enabled). ` +
      'Make this change through a Flagsmith change request in that environment; retrying cannot help',
    { cause: error },
  );
}

/** Publish a draft; `gone` when an overlapping attempt deleted it meanwhile (404). */
async function publishUnlessGone(client: FlagsmithClient, envId: number, featureId: number, uuid: string, signal: AbortSignal, environment: string) {
  try {
    return await client.publishVersion(envId, featureId, uuid, { signal });
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return 'gone' as const;
    throw changeRequestRequired(error, environment) ?? error;
  }
}

/** How often an attempt re-reads the marked versions after losing a race with an overlapping one. */
const MAX_SETTLE_ROUNDS = 5;

async function publishV2(deps: ActivityDeps, client: FlagsmithClient, input: PublishEnvironmentInput, envId: number): Promise<PublishEnvironmentResult> {
  const signal = cancellationSignal();
  const { featureId, marker } = input;
  const deletedScheduled: string[] = [];
  for (const uuid of input.deleteScheduled) {
    // A scheduled version that went live meanwhile is older than ours: ours supersedes it.
    if ((await flagsmithCall(() => deleteVersionIfDraft(client, envId, featureId, uuid, signal))) === 'deleted') deletedScheduled.push(uuid);
  }
  const listed = () => flagsmithCall(() => client.listVersions(envId, featureId, { signal }));
  const marked = async () => (await listed()).filter((v) => v.description === marker);

  // The first attempt of an operation finds nothing with its marker (the marker is new), so it reads
  // only when it must check deletions; a retry looks first, to reuse a draft an earlier attempt made.
  let candidates: Version[] = [];
  if (activityInfo().attempt > 1 || input.deleteScheduled.length > 0) {
    const versions = await listed();
    // A delete answered 2xx is not taken on trust: a scheduled version still listed would flip this
    // environment back when it goes live, under a summary that says "rolled back". The same list
    // serves the marker lookup, so the check costs no request.
    const survivors = deletedScheduled.filter((uuid) => versions.some((v) => v.uuid === uuid));
    if (survivors.length > 0) {
      throw failure(
        FailureType.Conflict,
        `scheduled version ${survivors.join(', ')} is still listed after Flagsmith answered its deletion: it would undo the rollback when it goes live`,
      );
    }
    candidates = versions.filter((v) => v.description === marker);
  }
  let segmentsChanged = 0;
  if (candidates.length === 0) {
    // The overrides of the live version go OFF (or away) in the very version that flips the default.
    const segments = await segmentOverrideChanges(client, { envId, envApiKey: findEnvironment(deps, input.environment).apiKey, flag: input.flag, featureId, mode: input.overrides ?? 'keep', signal });
    segmentsChanged = segments.feature_states_to_update.length + segments.segment_ids_to_delete_overrides.length;
    await flagsmithCall(() =>
      client.createVersion(
        envId,
        featureId,
        {
          feature_states_to_update: [
            environmentDefaultUpdate(input.state.enabled, toFeatureStateValue(input.state.value, input.state.valueType)),
            ...segments.feature_states_to_update,
          ],
          segment_ids_to_delete_overrides: segments.segment_ids_to_delete_overrides,
          publish_immediately: false,
          description: marker,
        },
        { signal },
      ),
    );
    candidates = await marked();
  }
  const deletedDrafts: string[] = [];
  // An overlapping attempt may not have seen our draft (or we theirs) when it chose which one to
  // keep. Whoever loses a race learns it from Flagsmith's answer — our delete of a draft that went
  // live meanwhile is refused (400), our publish of a draft deleted meanwhile is 404 — and settles
  // again on what is now listed, so at most one marked version is ever published.
  for (let round = 1; ; round++) {
    candidates.sort(oldestFirst);
    const keep = candidates.find((v) => v.published) ?? candidates[0];
    if (!keep) throw new Error(`the version created with marker ${marker} is not listed`);
    let lostRace = false;
    for (const other of candidates) {
      if (other.uuid === keep.uuid || other.published) continue;
      const outcome = await flagsmithCall(() => deleteVersionIfDraft(client, envId, featureId, other.uuid, signal));
      if (outcome === 'deleted') deletedDrafts.push(other.uuid);
      if (outcome === 'live') lostRace = true;
    }
    let publishedAt = keep.live_from;
    if (!lostRace && !keep.published) {
      const published = await flagsmithCall(() => publishUnlessGone(client, envId, featureId, keep.uuid, signal, input.environment));
      if (published === 'gone') lostRace = true;
      else publishedAt = published.live_from;
    }
    if (lostRace) {
      if (round >= MAX_SETTLE_ROUNDS) throw new Error(`versions marked ${marker} did not settle after ${round} rounds`);
      candidates = await marked();
      continue;
    }
    deps.log.info({ event: 'rollback.published', environment: input.environment, version: keep.uuid, deletedDrafts });
    const result: PublishEnvironmentResult = { version: keep.uuid, publishedAt: publishedAt ?? new Date().toISOString(), deletedScheduled, deletedDrafts };
    if (input.overrides && input.overrides !== 'keep') {
      const identities = await applyIdentityOverrides(client, { envApiKey: findEnvironment(deps, input.environment).apiKey, featureId, mode: input.overrides, signal });
      result.overridesChanged = { segments: segmentsChanged, identities };
    }
    return result;
  }
}

export interface DeleteDraftsInput {
  featureId: number;
  environments: string[];
  /** `flagops:<workflow id>:<run id>:` — every marker of this run starts with it. */
  markerPrefix: string;
}

/** Per environment: the drafts of this run deleted, and those left (with why). */
export interface DeleteDraftsResult {
  environment: string;
  deleted: string[];
  left: { uuid: string | null; reason: string }[];
}

/** Step 3's activity: publish one environment (v2 overlap-safe protocol, or v1's legacy PATCH). */
export function createRollbackPublishActivities(deps: ActivityDeps) {
  return {
    /**
     * Delete the versions this run created but never published (a publish that failed for good
     * leaves its draft behind), so Flagsmith's history shows only what was done. Best effort per
     * environment: what could not be deleted is reported, never thrown.
     */
    async deleteUnpublishedDrafts(input: DeleteDraftsInput): Promise<DeleteDraftsResult[]> {
      const client = requireFlagsmith(deps);
      const signal = cancellationSignal();
      return Promise.all(
        input.environments.map(async (name): Promise<DeleteDraftsResult> => {
          const result: DeleteDraftsResult = { environment: name, deleted: [], left: [] };
          const env = findEnvironment(deps, name);
          let drafts: Version[];
          try {
            drafts = (await client.listVersions(env.id, input.featureId, { signal })).filter((v) => !v.published && v.description?.startsWith(input.markerPrefix));
          } catch (error) {
            result.left.push({ uuid: null, reason: `could not list the versions: ${describeError(error)}` });
            return result;
          }
          for (const draft of drafts) {
            try {
              const outcome = await deleteVersionIfDraft(client, env.id, input.featureId, draft.uuid, signal);
              if (outcome === 'live') result.left.push({ uuid: draft.uuid, reason: 'went live meanwhile' });
              else result.deleted.push(draft.uuid);
            } catch (error) {
              result.left.push({ uuid: draft.uuid, reason: describeError(error) });
            }
          }
          if (result.deleted.length > 0) deps.log.info({ event: 'rollback.drafts_deleted', environment: name, versions: result.deleted });
          return result;
        }),
      );
    },

    /**
     * Publish `state` as the environment default of one environment (see the module comment).
     * @throws Flagsmith's failures: 4xx (but 408/429) non-retryable with its message.
     */
    async publishEnvironment(input: PublishEnvironmentInput): Promise<PublishEnvironmentResult> {
      const client = requireFlagsmith(deps);
      const env = findEnvironment(deps, input.environment);
      if (input.versioning === 'v2') return publishV2(deps, client, input, env.id);
      await flagsmithCall(() =>
        client.patchFeatureStateLegacy(env.apiKey, input.featureStateId, { enabled: input.state.enabled, feature_state_value: input.state.value }, {
          signal: cancellationSignal(),
        }),
      );
      const result: PublishEnvironmentResult = { version: null, publishedAt: new Date().toISOString(), deletedScheduled: [], deletedDrafts: [] };
      if (input.overrides && input.overrides !== 'keep') {
        // v1 keeps segment overrides outside versions; only identity overrides are changed here.
        const identities = await applyIdentityOverrides(client, { envApiKey: env.apiKey, featureId: input.featureId, mode: input.overrides, signal: cancellationSignal() });
        result.overridesChanged = { segments: 0, identities };
      }
      return result;
    },
  };
}
