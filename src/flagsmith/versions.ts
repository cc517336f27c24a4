/**
 * Version bodies and liveness rules of Flagsmith's v2 feature versioning. Pure, with type-only
 * imports: safe to use from workflow code (pass `now` in; workflow time is deterministic).
 */
import type { Version } from './schemas.js';
import type { FeatureStateValue } from './values.js';

/** A feature state in a version body. The environment default has `feature_segment: null`. */
export interface VersionFeatureStateInput {
  enabled: boolean;
  /** Required by Flagsmith even for a boolean flip; all three value fields present. */
  feature_state_value: FeatureStateValue;
  /** `null` addresses the environment default (Flagsmith matches it by this, not by id). */
  feature_segment: { segment: number; priority?: number } | null;
  /** Ignored by Flagsmith; runbooks send it, so it may be passed for readability. */
  id?: number;
}

/** `POST environments/{env_id}/features/{feature_id}/versions/` body. */
export interface CreateVersionBody {
  feature_states_to_update?: VersionFeatureStateInput[];
  /** Segment overrides only; Flagsmith refuses anything else. */
  feature_states_to_create?: VersionFeatureStateInput[];
  segment_ids_to_delete_overrides?: number[];
  /** Default false: create a draft, publish it with `publishVersion`. */
  publish_immediately?: boolean;
  description?: string;
  /**
   * Only when scheduling: a draft created with a past `live_from` keeps it when published and
   * can sort behind the current version.
   */
  live_from?: string;
}

/** The environment-default entry of `feature_states_to_update`. */
export function environmentDefaultUpdate(enabled: boolean, value: FeatureStateValue, featureStateId?: number): VersionFeatureStateInput {
  const input: VersionFeatureStateInput = { enabled, feature_state_value: value, feature_segment: null };
  if (featureStateId !== undefined) input.id = featureStateId;
  return input;
}

/** The body with every list present, as Flagsmith's dashboard sends it. */
export function normaliseCreateVersionBody(body: CreateVersionBody): Required<Omit<CreateVersionBody, 'live_from' | 'description'>> &
  Pick<CreateVersionBody, 'live_from' | 'description'> {
  const out: Required<Omit<CreateVersionBody, 'live_from' | 'description'>> & Pick<CreateVersionBody, 'live_from' | 'description'> = {
    feature_states_to_update: body.feature_states_to_update ?? [],
    feature_states_to_create: body.feature_states_to_create ?? [],
    segment_ids_to_delete_overrides: body.segment_ids_to_delete_overrides ?? [],
    publish_immediately: body.publish_immediately ?? false,
  };
  if (body.description !== undefined) out.description = body.description;
  if (body.live_from !== undefined) out.live_from = body.live_from;
  return out;
}

/** Published with `live_from` not after `now`: what Flagsmith calls `is_live`, computed for `now`. */
export function isLiveAt(version: Version, now: Date): boolean {
  return version.published && version.live_from !== null && Date.parse(version.live_from) <= now.getTime();
}

/** Published with `live_from` after `now`: it will supersede the current version when it goes live. */
export function isScheduledAt(version: Version, now: Date): boolean {
  return version.published && version.live_from !== null && Date.parse(version.live_from) > now.getTime();
}

/**
 * The current version (the live one with the latest `live_from`; several versions are live at
 * once in Flagsmith) and the scheduled ones, soonest first.
 */
export function classifyVersions(versions: readonly Version[], now: Date): { current: Version | null; scheduled: Version[] } {
  let current: Version | null = null;
  for (const version of versions) {
    if (!isLiveAt(version, now)) continue;
    if (current === null || liveFromMs(version) > liveFromMs(current)) current = version;
  }
  const scheduled = versions.filter((v) => isScheduledAt(v, now)).sort((a, b) => liveFromMs(a) - liveFromMs(b));
  return { current, scheduled };
}

function liveFromMs(version: Version): number {
  return version.live_from === null ? Number.NEGATIVE_INFINITY : Date.parse(version.live_from);
}
