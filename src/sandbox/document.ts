/**
 * The environment document SDKs evaluate locally (Flagsmith's engine document, without integration
 * configs), built from the tables at request time so a scheduled version appears once its
 * `live_from` passes, with no write.
 */
import { type Queryable, one, rows } from './store/db.js';
import { type EnvironmentRow, type StateRow, liveEnvironmentDefaults } from './store/read.js';
import { flatValue } from './store/values.js';

function featureStateJson(s: StateRow, priority: number | null): Record<string, unknown> {
  return {
    feature: { id: s.feature_id, name: s.feature_name, type: s.feature_type },
    enabled: s.enabled,
    // Flagsmith's django_id is the multivariate bucketing seed: the salt kept across clones, else the id.
    django_id: s.mv_hashing_salt ?? s.id,
    featurestate_uuid: s.uuid,
    feature_segment: priority === null ? null : { priority },
    feature_state_value: flatValue(s),
    multivariate_feature_state_values: [],
  };
}

/** Segment overrides of the environment's current versions, grouped by segment id. */
async function segmentOverrides(q: Queryable, environmentId: number): Promise<Map<number, Record<string, unknown>[]>> {
  const overrides = await rows<StateRow & { segment_id: number; priority: number }>(
    q,
    `WITH current_versions AS (
       SELECT DISTINCT ON (feature_id) uuid FROM feature_versioning_environmentfeatureversion
        WHERE environment_id = $1 AND deleted_at IS NULL AND published_at IS NOT NULL AND live_from <= statement_timestamp()
        ORDER BY feature_id, live_from DESC, created_at DESC)
     SELECT fs.*, f.name AS feature_name, f.type AS feature_type, v.type, v.string_value, v.integer_value, v.boolean_value,
            seg.segment_id, seg.priority
       FROM features_featurestate fs
       JOIN features_featuresegment seg ON seg.id = fs.feature_segment_id
       JOIN features_feature f ON f.id = fs.feature_id AND f.deleted_at IS NULL
       LEFT JOIN features_featurestatevalue v ON v.feature_state_id = fs.id
      WHERE fs.environment_id = $1 AND fs.deleted_at IS NULL AND fs.identity_id IS NULL
        AND fs.environment_feature_version_id IN (SELECT uuid FROM current_versions)
      ORDER BY seg.priority, fs.id`,
    [environmentId],
  );
  const bySegment = new Map<number, Record<string, unknown>[]>();
  for (const o of overrides) bySegment.set(o.segment_id, [...(bySegment.get(o.segment_id) ?? []), featureStateJson(o, o.priority)]);
  return bySegment;
}

/** Build the environment document; `undefined` when the project is gone. */
export async function environmentDocument(q: Queryable, environment: EnvironmentRow): Promise<Record<string, unknown> | undefined> {
  const project = await one<Record<string, unknown> & { id: number; name: string; organisation_id: number }>(
    q,
    'SELECT * FROM projects_project WHERE id = $1 AND deleted_at IS NULL',
    [environment.project_id],
  );
  if (!project) return undefined;
  const organisation = await one(q, 'SELECT * FROM organisations_organisation WHERE id = $1', [project.organisation_id]);
  const states = await liveEnvironmentDefaults(q, environment);
  const overrides = await segmentOverrides(q, environment.id);
  const segments = await rows<{ id: number; name: string }>(
    q,
    'SELECT id, name FROM segments_segment WHERE project_id = $1 AND deleted_at IS NULL AND (version_of_id IS NULL OR version_of_id = id) ORDER BY id',
    [project.id],
  );
  return {
    id: environment.id,
    api_key: environment.api_key,
    name: environment.name,
    allow_client_traits: environment.allow_client_traits,
    updated_at: environment.updated_at.toISOString(),
    use_identity_composite_key_for_hashing: environment.use_mv_v2_evaluation,
    hide_sensitive_data: environment.hide_sensitive_data,
    hide_disabled_flags: environment.hide_disabled_flags,
    use_identity_overrides_in_local_eval: environment.use_identity_overrides_in_local_eval,
    project: {
      id: project.id,
      name: project.name,
      hide_disabled_flags: project.hide_disabled_flags,
      enable_realtime_updates: project.enable_realtime_updates,
      server_key_only_feature_ids: states.filter((s) => s.feature_is_server_key_only).map((s) => s.feature_id),
      organisation: {
        id: organisation?.id ?? project.organisation_id,
        name: organisation?.name ?? '',
        feature_analytics: organisation?.feature_analytics ?? false,
        stop_serving_flags: organisation?.stop_serving_flags ?? false,
        persist_trait_data: organisation?.persist_trait_data ?? true,
      },
      segments: segments.map((s) => ({ id: s.id, name: s.name, rules: [], feature_states: overrides.get(s.id) ?? [] })),
    },
    feature_states: states.map((s) => featureStateJson(s, null)),
    identity_overrides: [],
  };
}
