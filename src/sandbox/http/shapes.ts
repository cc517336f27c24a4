/** JSON shapes of Flagsmith's serializers, built from rows. Times are ISO-8601 UTC as DRF renders them. */
import type { AuditRow } from '../store/audit.js';
import type { EnvironmentRow, FeatureRow, StateRow } from '../store/read.js';
import { dictValue, flatValue } from '../store/values.js';
import type { VersionRow } from '../store/versions.js';

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** `environments/{api_key}/` and the environments list (the retrieve serializer's fields). */
export function environmentJson(e: EnvironmentRow): Record<string, unknown> {
  return {
    id: e.id,
    uuid: e.uuid,
    name: e.name,
    api_key: e.api_key,
    description: e.description,
    project: e.project_id,
    minimum_change_request_approvals: e.minimum_change_request_approvals,
    allow_client_traits: e.allow_client_traits,
    banner_text: null,
    banner_colour: null,
    hide_disabled_flags: e.hide_disabled_flags,
    use_mv_v2_evaluation: e.use_mv_v2_evaluation,
    use_identity_composite_key_for_hashing: e.use_mv_v2_evaluation,
    hide_sensitive_data: e.hide_sensitive_data,
    use_v2_feature_versioning: e.use_v2_feature_versioning,
    use_identity_overrides_in_local_eval: e.use_identity_overrides_in_local_eval,
    is_creating: e.is_creating,
    total_segment_overrides: 0,
  };
}

/** A `projects/{id}/features/` item. */
export function featureJson(f: FeatureRow): Record<string, unknown> {
  return {
    id: f.id,
    uuid: f.uuid,
    name: f.name,
    type: f.type,
    default_enabled: f.default_enabled,
    initial_value: f.initial_value,
    created_date: iso(f.created_date),
    description: f.description,
    tags: [],
    multivariate_options: [],
    is_archived: f.is_archived,
    owners: [],
    group_owners: [],
    project: f.project_id,
    is_server_key_only: f.is_server_key_only,
  };
}

function stateCommon(s: StateRow): Record<string, unknown> {
  return {
    id: s.id,
    uuid: s.uuid,
    multivariate_feature_state_values: [],
    deleted_at: iso(s.deleted_at),
    enabled: s.enabled,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    live_from: iso(s.live_from),
    version: s.version,
    feature: s.feature_id,
    environment: s.environment_id,
    identity: s.identity_id,
    feature_segment: s.feature_segment_id,
    change_request: null,
    environment_feature_version: s.environment_feature_version_id,
  };
}

/** `environments/{key}/featurestates/` items: the value flat. */
export const stateFlatJson = (s: StateRow): Record<string, unknown> => ({ ...stateCommon(s), feature_state_value: flatValue(s) });

/** Versions' feature states and `features/featurestates/`: the value as a dict. */
export const stateDictJson = (s: StateRow): Record<string, unknown> => ({ ...stateCommon(s), feature_state_value: dictValue(s) });

/** A version as list, create and the publish-less reads answer it. */
export function versionJson(v: VersionRow): Record<string, unknown> {
  return {
    created_at: iso(v.created_at),
    updated_at: iso(v.updated_at),
    published: v.published_at !== null,
    live_from: iso(v.live_from),
    uuid: v.uuid,
    is_live: v.is_live,
    published_by: v.published_by_id,
    created_by: v.created_by_id,
    description: v.description,
  };
}

/** `environment-feature-versions/{uuid}/`: the version plus where it belongs and what it follows. */
export function versionRetrieveJson(v: VersionRow, previousUuid: string | null): Record<string, unknown> {
  return { ...versionJson(v), previous_version_uuid: previousUuid, feature: v.feature_id, environment: v.environment_id };
}

/** `/api/v1/flags/` items (`SDKFeatureStateSerializer`). */
export function sdkFlagJson(s: StateRow, feature: FeatureRow | undefined, environment: EnvironmentRow): Record<string, unknown> {
  const hide = environment.hide_sensitive_data;
  return {
    id: hide ? null : s.id,
    feature: {
      id: s.feature_id,
      name: s.feature_name,
      created_date: hide ? null : iso(feature?.created_date),
      description: hide ? null : (feature?.description ?? null),
      initial_value: hide ? null : (feature?.initial_value ?? null),
      default_enabled: hide ? null : (feature?.default_enabled ?? false),
      type: s.feature_type,
    },
    feature_state_value: flatValue(s),
    environment: hide ? null : s.environment_id,
    identity: null,
    feature_segment: null,
    enabled: s.enabled,
  };
}

/** A `projects/{id}/audit/` item (the list serializer: no `change_details`). */
export function auditJson(a: AuditRow): Record<string, unknown> {
  return {
    id: a.id,
    created_date: iso(a.created_date),
    log: a.log,
    author: a.author_id,
    environment: a.environment_id,
    project: a.project_id,
    related_object_id: a.related_object_id,
    related_object_uuid: a.related_object_uuid,
    related_object_type: a.related_object_type,
    is_system_event: a.is_system_event,
  };
}
