/** Read-side queries over Flagsmith's tables: environments, features and the live feature states. */
import { type Queryable, one, rows } from './db.js';
import type { ValueRow } from './values.js';

export interface EnvironmentRow {
  id: number;
  uuid: string;
  name: string;
  api_key: string;
  project_id: number;
  description: string | null;
  use_v2_feature_versioning: boolean;
  is_creating: boolean;
  hide_disabled_flags: boolean | null;
  hide_sensitive_data: boolean;
  allow_client_traits: boolean;
  use_mv_v2_evaluation: boolean;
  use_identity_overrides_in_local_eval: boolean;
  minimum_change_request_approvals: number | null;
  first_evaluated_at: Date | null;
  updated_at: Date;
  [key: string]: unknown;
}

export interface ProjectRow {
  id: number;
  uuid: string;
  name: string;
  organisation_id: number;
  hide_disabled_flags: boolean;
  enable_dynamo_db: boolean;
  enable_realtime_updates: boolean;
  [key: string]: unknown;
}

export interface FeatureRow {
  id: number;
  uuid: string;
  name: string;
  project_id: number;
  type: string;
  default_enabled: boolean;
  initial_value: string | null;
  description: string | null;
  is_archived: boolean;
  is_server_key_only: boolean;
  created_date: Date;
  [key: string]: unknown;
}

/** A feature state joined with its feature and value. */
export interface StateRow extends ValueRow {
  id: number;
  uuid: string;
  feature_id: number;
  environment_id: number;
  identity_id: number | null;
  feature_segment_id: number | null;
  enabled: boolean;
  live_from: Date | null;
  version: number | null;
  environment_feature_version_id: string | null;
  mv_hashing_salt: number | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  feature_name: string;
  feature_type: string;
  feature_is_server_key_only: boolean;
  [key: string]: unknown;
}

/** A version's feature state with its feature segment (null columns for the environment default). */
export interface VersionStateRow extends StateRow {
  segment_id: number | null;
  segment_priority: number | null;
  segment_uuid: string | null;
}

const environmentColumns = 'e.*';

/** The uuid of each feature's live version in an environment (published, latest `live_from` not in the future). */
const currentVersionsOf = (environmentParam: string): string => `
  SELECT DISTINCT ON (feature_id) uuid
    FROM feature_versioning_environmentfeatureversion
   WHERE environment_id = ${environmentParam} AND deleted_at IS NULL AND published_at IS NOT NULL AND live_from <= statement_timestamp()
   ORDER BY feature_id, live_from DESC, created_at DESC`;

/** A live (not soft-deleted) environment by its client api key. */
export async function environmentByApiKey(q: Queryable, apiKey: string): Promise<EnvironmentRow | undefined> {
  return one<EnvironmentRow>(q, `SELECT ${environmentColumns} FROM environments_environment e WHERE api_key = $1 AND deleted_at IS NULL`, [apiKey]);
}

/** A live environment by its numeric id. */
export async function environmentById(q: Queryable, id: number): Promise<EnvironmentRow | undefined> {
  return one<EnvironmentRow>(q, `SELECT ${environmentColumns} FROM environments_environment e WHERE id = $1 AND deleted_at IS NULL`, [id]);
}

/** A project's live environments, by id. */
export async function environmentsOfProject(q: Queryable, projectId: number): Promise<EnvironmentRow[]> {
  return rows<EnvironmentRow>(
    q,
    `SELECT ${environmentColumns} FROM environments_environment e WHERE project_id = $1 AND deleted_at IS NULL ORDER BY id`,
    [projectId],
  );
}

/**
 * `total_segment_overrides` of an environment retrieve: on a v2 environment the segment overrides
 * of each feature's live version, otherwise every segment override the environment holds.
 */
export async function segmentOverrideCount(q: Queryable, environment: Pick<EnvironmentRow, 'id' | 'use_v2_feature_versioning'>): Promise<number> {
  const row = await one<{ count: number }>(
    q,
    `SELECT count(*)::int AS count FROM features_featuresegment s
      WHERE s.environment_id = $1 AND s.deleted_at IS NULL
        AND (NOT $2 OR s.environment_feature_version_id IN (${currentVersionsOf('$1')}))`,
    [environment.id, environment.use_v2_feature_versioning],
  );
  return row?.count ?? 0;
}

/**
 * The environment an SDK key opens, and whether it is a server key. Server keys live in
 * `environments_environmentapikey` with a `ser.` prefix; client keys are the environment's api_key.
 */
export async function environmentForSdkKey(
  q: Queryable,
  key: string,
): Promise<{ environment: EnvironmentRow; server: boolean } | undefined> {
  if (key.startsWith('ser.')) {
    const environment = await one<EnvironmentRow>(
      q,
      `SELECT ${environmentColumns} FROM environments_environmentapikey k
         JOIN environments_environment e ON e.id = k.environment_id
        WHERE k.key = $1 AND k.active AND (k.expires_at IS NULL OR k.expires_at > now()) AND e.deleted_at IS NULL`,
      [key],
    );
    return environment && { environment, server: true };
  }
  const environment = await environmentByApiKey(q, key);
  return environment && { environment, server: false };
}

/** Flagsmith's `get_hide_disabled_flags`: the environment's own setting, else its project's. */
export async function hidesDisabledFlags(q: Queryable, environment: Pick<EnvironmentRow, 'hide_disabled_flags' | 'project_id'>): Promise<boolean> {
  if (environment.hide_disabled_flags !== null) return environment.hide_disabled_flags;
  const project = await one<{ hide_disabled_flags: boolean }>(q, 'SELECT hide_disabled_flags FROM projects_project WHERE id = $1', [
    environment.project_id,
  ]);
  return project?.hide_disabled_flags ?? false;
}

/** A live feature by id. */
export async function featureById(q: Queryable, id: number): Promise<FeatureRow | undefined> {
  return one<FeatureRow>(q, 'SELECT * FROM features_feature WHERE id = $1 AND deleted_at IS NULL', [id]);
}

/** Project features; `search` is a case-insensitive substring filter as in Flagsmith (`name__icontains`). */
export async function featuresOfProject(q: Queryable, projectId: number, search?: string): Promise<FeatureRow[]> {
  const pattern = search === undefined ? null : `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return rows<FeatureRow>(
    q,
    `SELECT * FROM features_feature
      WHERE project_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR name ILIKE $2)
      ORDER BY id`,
    [projectId, pattern],
  );
}

export const stateSelect = `
  SELECT fs.*, f.name AS feature_name, f.type AS feature_type, f.is_server_key_only AS feature_is_server_key_only,
         v.type, v.string_value, v.integer_value, v.boolean_value
    FROM features_featurestate fs
    JOIN features_feature f ON f.id = fs.feature_id AND f.deleted_at IS NULL
    LEFT JOIN features_featurestatevalue v ON v.feature_state_id = fs.id`;

export interface LiveStateFilter {
  featureId?: number;
  /** Case-insensitive exact match (`feature__name__iexact`). */
  featureName?: string;
}

/**
 * The environment-default feature states live now, one per feature.
 * v2: the states of each feature's current version (published, greatest `live_from` not in the
 * future). v1: the state with the greatest `live_from` (then `version`) not in the future.
 * "Now" is the database's clock, so a scheduled version goes live by time without any write.
 */
export async function liveEnvironmentDefaults(
  q: Queryable,
  environment: Pick<EnvironmentRow, 'id' | 'use_v2_feature_versioning'>,
  filter: LiveStateFilter = {},
): Promise<StateRow[]> {
  const params: unknown[] = [environment.id, filter.featureId ?? null, filter.featureName ?? null];
  const featureFilter = `($2::int IS NULL OR fs.feature_id = $2) AND ($3::text IS NULL OR lower(f.name) = lower($3))`;
  if (environment.use_v2_feature_versioning) {
    return rows<StateRow>(
      q,
      `WITH current_versions AS (${currentVersionsOf('$1')})
       ${stateSelect}
        WHERE fs.environment_feature_version_id IN (SELECT uuid FROM current_versions)
          AND fs.environment_id = $1 AND fs.identity_id IS NULL AND fs.feature_segment_id IS NULL
          AND fs.deleted_at IS NULL AND ${featureFilter}
        ORDER BY fs.feature_id`,
      params,
    );
  }
  return rows<StateRow>(
    q,
    `SELECT DISTINCT ON (fs.feature_id) * FROM (${stateSelect}
        WHERE fs.environment_id = $1 AND fs.identity_id IS NULL AND fs.feature_segment_id IS NULL
          AND fs.deleted_at IS NULL AND fs.version IS NOT NULL AND fs.live_from <= statement_timestamp() AND ${featureFilter}) fs
      ORDER BY fs.feature_id, fs.live_from DESC, fs.version DESC`,
    params,
  );
}

/**
 * Every live feature state of an environment, segment overrides included, by id
 * (`get_environment_flags_list` without filters). v2: the states of each feature's live version.
 * v1: the environment defaults only, since the sandbox never writes v1 segment overrides.
 */
export async function liveEnvironmentStates(q: Queryable, environment: Pick<EnvironmentRow, 'id' | 'use_v2_feature_versioning'>): Promise<StateRow[]> {
  if (!environment.use_v2_feature_versioning) return (await liveEnvironmentDefaults(q, environment)).sort((a, b) => a.id - b.id);
  return rows<StateRow>(
    q,
    `${stateSelect}
      WHERE fs.environment_feature_version_id IN (${currentVersionsOf('$1')})
        AND fs.environment_id = $1 AND fs.identity_id IS NULL AND fs.deleted_at IS NULL
      ORDER BY fs.id`,
    [environment.id],
  );
}

/** One feature state by id, whatever its liveness. */
export async function stateById(q: Queryable, id: number): Promise<StateRow | undefined> {
  return one<StateRow>(q, `${stateSelect} WHERE fs.id = $1 AND fs.deleted_at IS NULL`, [id]);
}

/** The feature states of one version, env default first, each with its feature segment. */
export async function statesOfVersion(q: Queryable, versionUuid: string): Promise<VersionStateRow[]> {
  return rows<VersionStateRow>(
    q,
    `SELECT fs.*, seg.segment_id, seg.priority AS segment_priority, seg.uuid AS segment_uuid
       FROM (${stateSelect} WHERE fs.environment_feature_version_id = $1 AND fs.deleted_at IS NULL) fs
       LEFT JOIN features_featuresegment seg ON seg.id = fs.feature_segment_id
      ORDER BY fs.feature_segment_id NULLS FIRST, fs.id`,
    [versionUuid],
  );
}

/** Live projects by id (the audit list nests each row's project). */
export async function projectsByIds(q: Queryable, ids: readonly number[]): Promise<ProjectRow[]> {
  return rows<ProjectRow>(q, 'SELECT * FROM projects_project WHERE id = ANY($1::int[]) AND deleted_at IS NULL', [ids]);
}

/** Environments by id, soft-deleted ones included (an audit row keeps naming its environment). */
export async function environmentsByIds(q: Queryable, ids: readonly number[]): Promise<EnvironmentRow[]> {
  return rows<EnvironmentRow>(q, `SELECT ${environmentColumns} FROM environments_environment e WHERE id = ANY($1::int[])`, [ids]);
}

/**
 * Flagsmith's `last_modified_in_*_environment`: per feature of a project, `created_at` of its
 * newest published version, anywhere or in one environment (v1 environments have none).
 */
export async function lastPublishedVersionTimes(q: Queryable, projectId: number, environmentId: number | null): Promise<Map<number, Date>> {
  const found = await rows<{ feature_id: number; created_at: Date }>(
    q,
    `SELECT v.feature_id, max(v.created_at) AS created_at
       FROM feature_versioning_environmentfeatureversion v JOIN features_feature f ON f.id = v.feature_id
      WHERE f.project_id = $1 AND v.published_at IS NOT NULL AND ($2::int IS NULL OR v.environment_id = $2)
      GROUP BY v.feature_id`,
    [projectId, environmentId],
  );
  return new Map(found.map((r) => [r.feature_id, r.created_at]));
}

/**
 * Live segment overrides per feature in an environment: the segment states of each feature's live
 * version (v2), or the environment's segment states (v1).
 */
export async function liveSegmentOverrideCounts(
  q: Queryable,
  environment: Pick<EnvironmentRow, 'id' | 'use_v2_feature_versioning'>,
): Promise<Map<number, number>> {
  const found = await rows<{ feature_id: number; count: number }>(
    q,
    `SELECT fs.feature_id, count(*)::int AS count FROM features_featurestate fs
      WHERE fs.environment_id = $1 AND fs.feature_segment_id IS NOT NULL AND fs.identity_id IS NULL AND fs.deleted_at IS NULL
        AND (NOT $2 OR fs.environment_feature_version_id IN (${currentVersionsOf('$1')}))
      GROUP BY fs.feature_id`,
    [environment.id, environment.use_v2_feature_versioning],
  );
  return new Map(found.map((r) => [r.feature_id, r.count]));
}
