/** Feature-state writes: values, v1 environment defaults, and the legacy in-place update. */
import { directWriteOnV2 } from '../errors.js';
import { writeAudit } from './audit.js';
import { type Queryable, lockFeatureInEnvironment, one } from './db.js';
import { type EnvironmentRow, type StateRow, stateById } from './read.js';
import { type FlatValue, type StoredValue, legacyStoredValue } from './values.js';

/**
 * Create or update the value row of a feature state. Columns absent from `value` keep their
 * stored contents, as Flagsmith's nested (non-partial) serializer update does.
 */
export async function writeValue(
  q: Queryable,
  featureStateId: number,
  value: Partial<StoredValue> & Pick<StoredValue, 'type'>,
): Promise<void> {
  const has = (key: keyof StoredValue): boolean => Object.prototype.hasOwnProperty.call(value, key);
  await q.query(
    `INSERT INTO features_featurestatevalue (feature_state_id, type, string_value, integer_value, boolean_value)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (feature_state_id) DO UPDATE SET
       type = EXCLUDED.type,
       string_value = CASE WHEN $6 THEN EXCLUDED.string_value ELSE features_featurestatevalue.string_value END,
       integer_value = CASE WHEN $7 THEN EXCLUDED.integer_value ELSE features_featurestatevalue.integer_value END,
       boolean_value = CASE WHEN $8 THEN EXCLUDED.boolean_value ELSE features_featurestatevalue.boolean_value END`,
    [
      featureStateId,
      value.type,
      value.string_value ?? null,
      value.integer_value ?? null,
      value.boolean_value ?? null,
      has('string_value'),
      has('integer_value'),
      has('boolean_value'),
    ],
  );
}

export interface NewStateInput {
  featureId: number;
  environmentId: number;
  enabled: boolean;
  value: StoredValue;
  /** v2: the version the state belongs to; v1: null. */
  versionUuid: string | null;
  /** v1 only: when the state goes live (defaults to now). */
  liveFrom?: Date | null;
  /** v1 only: the state's `version` number. */
  version?: number;
}

/** Insert one environment-default feature state with its value; returns its id. */
export async function insertEnvironmentDefault(q: Queryable, input: NewStateInput): Promise<number> {
  const v1 = input.versionUuid === null;
  const state = await one<{ id: number }>(
    q,
    `INSERT INTO features_featurestate (feature_id, environment_id, enabled, environment_feature_version_id, version, live_from)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      input.featureId,
      input.environmentId,
      input.enabled,
      input.versionUuid,
      v1 ? (input.version ?? 1) : null,
      v1 ? (input.liveFrom ?? new Date()) : null,
    ],
  );
  if (!state) throw new Error('feature state insert returned no row');
  await writeValue(q, state.id, input.value);
  return state.id;
}

/**
 * Flagsmith's `require_direct_state_write_for_state`: on a v2 environment a state may be written
 * in place only while it belongs to an unpublished version (a draft is part of the versioning flow).
 * @throws ApiError 400 with Flagsmith's v2 message otherwise.
 */
export async function requireDirectStateWrite(
  q: Queryable,
  environment: Pick<EnvironmentRow, 'use_v2_feature_versioning'>,
  state: Pick<StateRow, 'environment_feature_version_id'>,
): Promise<void> {
  if (!environment.use_v2_feature_versioning) return;
  const draft = state.environment_feature_version_id
    ? await one(q, 'SELECT 1 FROM feature_versioning_environmentfeatureversion WHERE uuid = $1 AND published_at IS NULL', [
        state.environment_feature_version_id,
      ])
    : undefined;
  if (!draft) throw directWriteOnV2();
}

/** The fields a legacy featurestate PATCH/PUT may change. */
/** Who made a legacy write: Flagsmith's history records a user or a master API key as its audit row's author. */
export interface Author {
  authorId?: number | null;
  masterApiKeyId?: string | null;
}

export interface LegacyStatePatch {
  enabled?: boolean;
  /** Flat value; stored as {@link legacyStoredValue} says. */
  featureStateValue?: FlatValue;
}

/**
 * A legacy write (`environments/{key}/featurestates/{id}/`, `features/featurestates/{id}/`).
 * Since Flagsmith 2.234.0 these are refused on v2 environments unless the state belongs to a draft.
 * On v1 the state changes in place and one `FEATURE_STATE` audit row is written.
 */
export async function legacyUpdateState(
  q: Queryable,
  environment: EnvironmentRow,
  state: StateRow,
  patch: LegacyStatePatch,
  author: Author = {},
): Promise<StateRow> {
  await requireDirectStateWrite(q, environment, state);
  await lockFeatureInEnvironment(q, environment.id, state.feature_id);
  if (patch.enabled !== undefined) {
    await q.query('UPDATE features_featurestate SET enabled = $2, updated_at = now() WHERE id = $1', [state.id, patch.enabled]);
  }
  if (patch.featureStateValue !== undefined) {
    await writeValue(q, state.id, legacyStoredValue(patch.featureStateValue));
  }
  const valueChanged = patch.featureStateValue !== undefined;
  if (!environment.use_v2_feature_versioning) {
    await writeAudit(q, {
      projectId: environment.project_id,
      environmentId: environment.id,
      log: valueChanged
        ? `Remote config value updated for feature: ${state.feature_name}`
        : `Flag state updated for feature: ${state.feature_name}`,
      relatedObjectType: 'FEATURE_STATE',
      relatedObjectId: state.id,
      ...author,
    });
  }
  const updated = await stateById(q, state.id);
  if (!updated) throw new Error('feature state vanished after update');
  return updated;
}

/**
 * The legacy DELETE of a feature state: refused on a v2 environment (see
 * {@link requireDirectStateWrite}); on v1 a soft delete, which makes the feature's next older live
 * state current (or leaves it without one), and the audit row Flagsmith writes for it.
 */
export async function legacyDeleteState(q: Queryable, environment: EnvironmentRow, state: StateRow, author: Author = {}): Promise<void> {
  await requireDirectStateWrite(q, environment, state);
  await lockFeatureInEnvironment(q, environment.id, state.feature_id);
  await q.query('UPDATE features_featurestate SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL', [state.id]);
  await writeAudit(q, {
    projectId: environment.project_id,
    environmentId: environment.id,
    log: `Flag / Remote Config Deleted: ${state.feature_name}`,
    relatedObjectType: 'FEATURE_STATE',
    relatedObjectId: state.id,
    ...author,
  });
}
