/** JSON shapes of Flagsmith's serializers, built from rows. Times are ISO-8601 UTC as DRF renders them. */
import type { AuditRow } from '../store/audit.js';
import type { UserRow } from '../store/callers.js';
import type { EnvironmentRow, FeatureRow, ProjectRow, StateRow, VersionStateRow } from '../store/read.js';
import { dictValue, flatValue } from '../store/values.js';
import type { VersionRow } from '../store/versions.js';

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** `EnvironmentSerializerLight`: the fields every environment answer shares (audit rows nest it). */
export function environmentLightJson(e: EnvironmentRow): Record<string, unknown> {
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
  };
}

/** An environments-list item: the light fields and `metadata` (the sandbox stores none). */
export const environmentJson = (e: EnvironmentRow): Record<string, unknown> => ({ ...environmentLightJson(e), metadata: [] });

/** `environments/{api_key}/`: the list item and the segment-override count, which only the retrieve annotates. */
export const environmentRetrieveJson = (e: EnvironmentRow, totalSegmentOverrides: number): Record<string, unknown> => ({
  ...environmentJson(e),
  total_segment_overrides: totalSegmentOverrides,
});

/** `ProjectListSerializer`, with the values a self-hosted install without Edge gives. */
export function projectJson(p: ProjectRow): Record<string, unknown> {
  return {
    id: p.id,
    uuid: p.uuid,
    name: p.name,
    organisation: p.organisation_id,
    hide_disabled_flags: p.hide_disabled_flags,
    enable_dynamo_db: p.enable_dynamo_db,
    migration_status: 'NOT_APPLICABLE',
    use_edge_identities: false,
    prevent_flag_defaults: false,
    enable_realtime_updates: p.enable_realtime_updates,
    only_allow_lower_case_feature_names: true,
    feature_name_regex: null,
    show_edge_identity_overrides_for_feature: false,
    stale_flags_limit_days: 30,
    edge_v2_migration_status: 'NOT_STARTED',
    minimum_change_request_approvals: null,
    enforce_feature_owners: false,
  };
}

/** What a features-list item knows of one environment, when the list is asked `?environment=`. */
export interface FeatureInEnvironment {
  /** The live environment default, if the feature has one there. */
  state: StateRow | undefined;
  /** Live segment overrides there. */
  segmentOverrides: number;
  /** `created_at` of the feature's newest published version there. */
  lastModified: Date | null;
}

/** `FeatureStateSerializerSmall`, the `environment_feature_state` of a features-list item. */
const featureStateSmallJson = (s: StateRow): Record<string, unknown> => ({
  id: s.id,
  feature_state_value: flatValue(s),
  environment: s.environment_id,
  identity: s.identity_id,
  feature_segment: s.feature_segment_id,
  enabled: s.enabled,
});

/**
 * A `projects/{id}/features/` item (`ListFeatureSerializer`). Without `?environment=` the
 * per-environment fields are empty; with it, a feature that has a live state there counts zero
 * identity overrides (the sandbox stores no identities), one that has none counts `null`.
 */
export function featureJson(f: FeatureRow, lastModifiedAnywhere: Date | null, inEnvironment?: FeatureInEnvironment): Record<string, unknown> {
  const hasState = inEnvironment?.state !== undefined;
  return {
    id: f.id,
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
    uuid: f.uuid,
    project: f.project_id,
    environment_feature_state: inEnvironment?.state ? featureStateSmallJson(inEnvironment.state) : null,
    segment_feature_state: null,
    num_segment_overrides: inEnvironment?.segmentOverrides ?? 0,
    num_identity_overrides: hasState ? 0 : null,
    is_num_identity_overrides_complete: true,
    is_server_key_only: f.is_server_key_only,
    last_modified_in_any_environment: iso(lastModifiedAnywhere),
    last_modified_in_current_environment: iso(inEnvironment?.lastModified),
    metadata: [],
    code_references_counts: [],
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

/** `features/featurestates/` (`WritableNestedFeatureStateSerializer`): the whole state, the value as a dict. */
export const stateDictJson = (s: StateRow): Record<string, unknown> => ({ ...stateCommon(s), feature_state_value: dictValue(s) });

/**
 * A version's feature state (`CreateSegmentOverrideFeatureStateSerializer`): the value as a dict,
 * the segment nested, and neither `version` nor `environment_feature_version`.
 */
export function versionStateJson(s: VersionStateRow): Record<string, unknown> {
  return {
    id: s.id,
    feature: s.feature_id,
    enabled: s.enabled,
    feature_state_value: dictValue(s),
    feature_segment:
      s.feature_segment_id === null
        ? null
        : { id: s.feature_segment_id, segment: s.segment_id, priority: s.segment_priority, uuid: s.segment_uuid },
    deleted_at: iso(s.deleted_at),
    uuid: s.uuid,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    live_from: iso(s.live_from),
    environment: s.environment_id,
    identity: s.identity_id,
    change_request: null,
    multivariate_feature_state_values: [],
  };
}

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

/** The objects an audit row names, looked up once per page. */
export interface AuditRelations {
  environments: ReadonlyMap<number, EnvironmentRow>;
  projects: ReadonlyMap<number, ProjectRow>;
  users: ReadonlyMap<number, UserRow>;
}

/** `UserListSerializer` without an organisation in its context. */
const userJson = (u: UserRow): Record<string, unknown> => ({
  id: u.id,
  email: u.email,
  first_name: u.first_name,
  last_name: u.last_name,
  last_login: iso(u.last_login),
  uuid: u.uuid,
});

/**
 * A `projects/{id}/audit/` item (`AuditLogListSerializer`: no `change_details`). The author,
 * environment and project are nested objects; `author` is the user who made the change, null for
 * a change made with a master API key (the row names the key in `master_api_key_id`, which the
 * list does not show) or by nobody.
 */
export function auditJson(a: AuditRow, relations: AuditRelations): Record<string, unknown> {
  const environment = a.environment_id === null ? undefined : relations.environments.get(a.environment_id);
  const project = a.project_id === null ? undefined : relations.projects.get(a.project_id);
  const author = a.author_id === null ? undefined : relations.users.get(a.author_id);
  return {
    id: a.id,
    created_date: iso(a.created_date),
    log: a.log,
    author: author ? userJson(author) : null,
    environment: environment ? environmentLightJson(environment) : null,
    project: project ? projectJson(project) : null,
    related_object_id: a.related_object_id,
    related_object_uuid: a.related_object_uuid,
    related_object_type: a.related_object_type,
    is_system_event: a.is_system_event,
  };
}
