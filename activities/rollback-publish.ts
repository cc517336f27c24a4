/**
 * Rollback step 3 (SPEC §3): publish one environment, idempotently even when two attempts of the
 * same operation overlap (a retry while a presumed-dead attempt still runs).
 *
 * v2 protocol: create the version UNPUBLISHED with a marker unique to run, environment and
 * operation in its `description`; list the versions carrying exactly that marker; keep the
 * published one if any, else the oldest; delete the other drafts; publish the kept one unless it
 * already is. Publishing separately (not `publish_immediately`) also makes Flagsmith record an
 * `Api-Key` as the publisher. v1 environments are patched in place (naturally idempotent).
 */
import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import { environmentDefaultUpdate, toFeatureStateValue, type FlagsmithClient, type Version } from '../src/flagsmith/index.js';
import { HttpError } from '../src/http.js';
import type { FlagState } from '../workflows/rollback/messages.js';
import type { ActivityDeps } from './deps.js';
import { flagsmithCall, requireFlagsmith } from './flagsmith.js';
import { findEnvironment } from './rollback-plan.js';

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
}

export interface PublishEnvironmentResult {
  /** The published version's uuid (v2), null on v1. */
  version: string | null;
  publishedAt: string;
  deletedScheduled: string[];
  /** Drafts of an overlapping attempt that this attempt deleted. */
  deletedDrafts: string[];
}

/** Versions ordered oldest first; the uuid breaks ties so every attempt picks the same one. */
function oldestFirst(a: Version, b: Version): number {
  const byTime = Date.parse(a.created_at) - Date.parse(b.created_at);
  return byTime !== 0 ? byTime : a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
}

/**
 * Heartbeat in the background while the attempt runs: a single slow request must not look like a
 * dead worker, while a killed worker stops heartbeating and is retried after `heartbeatTimeout`.
 */
function keepHeartbeating(): () => void {
  const timeoutMs = activityInfo().heartbeatTimeoutMs;
  if (!timeoutMs) return () => undefined;
  heartbeat();
  const timer = setInterval(() => heartbeat(), Math.max(200, Math.floor(timeoutMs / 3)));
  return () => clearInterval(timer);
}

async function deleteIgnoringGone(client: FlagsmithClient, envId: number, featureId: number, uuid: string, signal: AbortSignal): Promise<boolean> {
  try {
    await client.deleteVersion(envId, featureId, uuid, { signal });
    return true;
  } catch (error) {
    // Already deleted by an overlapping attempt, or (a scheduled one) gone live meanwhile: our
    // version is published after it, so it no longer matters.
    if (error instanceof HttpError && (error.status === 404 || (error.status === 400 && /live version/i.test(error.message)))) return false;
    throw error;
  }
}

async function publishV2(deps: ActivityDeps, client: FlagsmithClient, input: PublishEnvironmentInput, envId: number): Promise<PublishEnvironmentResult> {
  const signal = cancellationSignal();
  const { featureId, marker } = input;
  const deletedScheduled: string[] = [];
  for (const uuid of input.deleteScheduled) {
    if (await flagsmithCall(() => deleteIgnoringGone(client, envId, featureId, uuid, signal))) deletedScheduled.push(uuid);
  }
  const marked = async () => (await flagsmithCall(() => client.listVersions(envId, featureId, { signal }))).filter((v) => v.description === marker);

  let candidates = await marked();
  if (candidates.length === 0) {
    await flagsmithCall(() =>
      client.createVersion(
        envId,
        featureId,
        {
          feature_states_to_update: [environmentDefaultUpdate(input.state.enabled, toFeatureStateValue(input.state.value, input.state.valueType))],
          publish_immediately: false,
          description: marker,
        },
        { signal },
      ),
    );
    candidates = await marked();
  }
  candidates.sort(oldestFirst);
  const keep = candidates.find((v) => v.published) ?? candidates[0];
  if (!keep) throw new Error(`the version created with marker ${marker} is not listed`);
  const deletedDrafts: string[] = [];
  for (const other of candidates) {
    if (other.uuid === keep.uuid || other.published) continue;
    if (await flagsmithCall(() => deleteIgnoringGone(client, envId, featureId, other.uuid, signal))) deletedDrafts.push(other.uuid);
  }
  let publishedAt = keep.live_from;
  if (!keep.published) {
    const published = await flagsmithCall(() => client.publishVersion(envId, featureId, keep.uuid, { signal }));
    publishedAt = published.live_from;
  }
  deps.log.info({
    event: 'rollback.published',
    workflowId: activityInfo().workflowExecution?.workflowId,
    environment: input.environment,
    version: keep.uuid,
    deletedDrafts,
  });
  return { version: keep.uuid, publishedAt: publishedAt ?? new Date().toISOString(), deletedScheduled, deletedDrafts };
}

export function createRollbackPublishActivities(deps: ActivityDeps) {
  return {
    /**
     * Publish `state` as the environment default of one environment (see the module comment).
     * @throws Flagsmith's failures: 4xx (but 408/429) non-retryable with its message.
     */
    async publishEnvironment(input: PublishEnvironmentInput): Promise<PublishEnvironmentResult> {
      const client = requireFlagsmith(deps);
      const env = findEnvironment(deps, input.environment);
      const stop = keepHeartbeating();
      try {
        if (input.versioning === 'v2') return await publishV2(deps, client, input, env.id);
        await flagsmithCall(() =>
          client.patchFeatureStateLegacy(env.apiKey, input.featureStateId, { enabled: input.state.enabled, feature_state_value: input.state.value }, {
            signal: cancellationSignal(),
          }),
        );
        return { version: null, publishedAt: new Date().toISOString(), deletedScheduled: [], deletedDrafts: [] };
      } finally {
        stop();
      }
    },
  };
}
