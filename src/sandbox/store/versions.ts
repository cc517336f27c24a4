/**
 * Feature versioning v2 over `feature_versioning_environmentfeatureversion`: create (cloning the
 * previous published version), publish, list, delete. Liveness is computed from `published_at`
 * and `live_from` against the database clock at read time, as Flagsmith does.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, notFound } from '../errors.js';
import { writeAudit } from './audit.js';
import { type Queryable, lockFeatureInEnvironment, one, rows } from './db.js';
import type { EnvironmentRow, FeatureRow } from './read.js';
import { writeValue } from './states.js';
import type { StoredValue } from './values.js';

export interface VersionRow {
  uuid: string;
  environment_id: number;
  feature_id: number;
  description: string | null;
  created_at: Date;
  updated_at: Date;
  published_at: Date | null;
  live_from: Date | null;
  published_by_id: number | null;
  created_by_id: number | null;
  published_by_api_key_id: string | null;
  deleted_at: Date | null;
  is_live: boolean;
  [key: string]: unknown;
}

/** One feature state of a create-version body, after validation. */
export interface VersionStateInput {
  enabled?: boolean;
  /** Omitted value columns are left as they were (Flagsmith's nested update keeps them). */
  featureStateValue: Partial<StoredValue> & Pick<StoredValue, 'type'>;
  /** `null` (or absent) designates the environment default. */
  segmentId: number | null;
  priority?: number;
}

export interface CreateVersionInput {
  featureStatesToUpdate: VersionStateInput[];
  featureStatesToCreate: VersionStateInput[];
  segmentIdsToDeleteOverrides: number[];
  publishImmediately: boolean;
  liveFrom: Date | null;
  description: string | null;
  /** The user who creates it (a `Token` caller); an `Api-Key` caller is recorded nowhere on creation. */
  createdById?: number | null;
  /** Who publishes, when `publishImmediately`: only a user, as Flagsmith's serializer passes only an `FFAdminUser`. */
  publishedById?: number | null;
  /** Explicit uuid and creation time, for seeding a history. */
  uuid?: string;
  createdAt?: Date;
}

// Liveness and version times use statement_timestamp(), not now(): now() is fixed when a
// transaction begins, before it waits for the feature's lock, so a version published while it
// waited would look not yet live to it (and a delete would remove a live version).
const versionSelect = `SELECT v.*, (v.published_at IS NOT NULL AND v.live_from <= statement_timestamp()) AS is_live
  FROM feature_versioning_environmentfeatureversion v`;

/** A version that is not soft-deleted; `undefined` also for text that is not a uuid (no SQL error). */
export async function versionByUuid(q: Queryable, uuid: string): Promise<VersionRow | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) return undefined;
  return one<VersionRow>(q, `${versionSelect} WHERE v.uuid = $1 AND v.deleted_at IS NULL`, [uuid]);
}

/** Days of version history a free-plan organisation's versions list shows (Flagsmith's DEFAULT_VERSION_LIMIT_DAYS). */
export const FREE_PLAN_VERSION_DAYS = 7;

/**
 * Flagsmith's `_apply_visibility_limits` of the versions list on a limited plan: the versions
 * live from the last 7 days on (and drafts); when that leaves none, the first version of the
 * unlimited list alone.
 */
export function visibleVersions(versions: VersionRow[], now: Date = new Date()): VersionRow[] {
  const since = now.getTime() - FREE_PLAN_VERSION_DAYS * 86_400_000;
  const visible = versions.filter((v) => v.live_from === null || v.live_from.getTime() >= since);
  return visible.length > 0 ? visible : versions.slice(0, 1);
}

/** Versions of a feature in an environment, `-live_from` with NULL (drafts) first as PostgreSQL sorts. */
export async function listVersions(
  q: Queryable,
  environmentId: number,
  featureId: number,
  isLive?: boolean,
): Promise<VersionRow[]> {
  return rows<VersionRow>(
    q,
    `${versionSelect}
      WHERE v.environment_id = $1 AND v.feature_id = $2 AND v.deleted_at IS NULL
        AND ($3::boolean IS NULL OR (v.published_at IS NOT NULL AND v.live_from <= statement_timestamp()) = $3)
      ORDER BY v.live_from DESC NULLS FIRST, v.created_at DESC`,
    [environmentId, featureId, isLive ?? null],
  );
}

/** Flagsmith's `get_previous_version`: the latest published version live before `before` (or now). */
export async function previousVersion(
  q: Queryable,
  version: Pick<VersionRow, 'uuid' | 'environment_id' | 'feature_id' | 'live_from'>,
): Promise<VersionRow | undefined> {
  return one<VersionRow>(
    q,
    `${versionSelect}
      WHERE v.environment_id = $1 AND v.feature_id = $2 AND v.deleted_at IS NULL AND v.published_at IS NOT NULL
        AND v.live_from < COALESCE($3::timestamptz, statement_timestamp()) AND v.uuid <> $4
      ORDER BY v.live_from DESC LIMIT 1`,
    [version.environment_id, version.feature_id, version.live_from, version.uuid],
  );
}

/** Copy every feature state (and segment) of `from` into `to`, with new ids and uuids. */
async function cloneStates(q: Queryable, from: string, to: VersionRow): Promise<void> {
  const states = await rows<{ id: number; feature_segment_id: number | null }>(
    q,
    'SELECT id, feature_segment_id FROM features_featurestate WHERE environment_feature_version_id = $1 AND deleted_at IS NULL ORDER BY id',
    [from],
  );
  for (const state of states) {
    let segmentId: number | null = null;
    if (state.feature_segment_id !== null) {
      const cloned = await one<{ id: number }>(
        q,
        `INSERT INTO features_featuresegment (feature_id, segment_id, environment_id, environment_feature_version_id, priority, enabled, value, value_type)
         SELECT feature_id, segment_id, $2, $3, priority, enabled, value, value_type FROM features_featuresegment WHERE id = $1
         RETURNING id`,
        [state.feature_segment_id, to.environment_id, to.uuid],
      );
      segmentId = cloned?.id ?? null;
    }
    // The multivariate bucketing seed survives cloning so identities keep their variant.
    await q.query(
      `WITH clone AS (
         INSERT INTO features_featurestate (feature_id, environment_id, feature_segment_id, enabled, environment_feature_version_id,
                                            version, live_from, mv_hashing_salt)
         SELECT feature_id, $2, $3, enabled, $4, NULL, NULL, COALESCE(mv_hashing_salt, id) FROM features_featurestate WHERE id = $1
         RETURNING id)
       INSERT INTO features_featurestatevalue (feature_state_id, type, string_value, integer_value, boolean_value)
       SELECT clone.id, v.type, v.string_value, v.integer_value, v.boolean_value
         FROM clone LEFT JOIN features_featurestatevalue v ON v.feature_state_id = $1`,
      [state.id, to.environment_id, segmentId, to.uuid],
    );
  }
}

async function segmentName(q: Queryable, segmentId: number): Promise<string> {
  const row = await one<{ name: string }>(q, 'SELECT name FROM segments_segment WHERE id = $1', [segmentId]);
  if (!row) throw new ApiError(400, { feature_segment: { segment: [`Invalid pk "${segmentId}" - object does not exist.`] } });
  return row.name;
}

async function stateInVersion(q: Queryable, version: string, segmentId: number | null): Promise<{ id: number } | undefined> {
  return one<{ id: number }>(
    q,
    `SELECT fs.id FROM features_featurestate fs LEFT JOIN features_featuresegment s ON s.id = fs.feature_segment_id
      WHERE fs.environment_feature_version_id = $1 AND fs.deleted_at IS NULL AND fs.identity_id IS NULL
        AND ${segmentId === null ? 'fs.feature_segment_id IS NULL' : 's.segment_id = $2'}`,
    segmentId === null ? [version] : [version, segmentId],
  );
}

async function createState(q: Queryable, version: VersionRow, input: VersionStateInput): Promise<void> {
  let featureSegmentId: number | null = null;
  if (input.segmentId !== null) {
    const segment = await one<{ id: number }>(
      q,
      `INSERT INTO features_featuresegment (feature_id, segment_id, environment_id, environment_feature_version_id, priority)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [version.feature_id, input.segmentId, version.environment_id, version.uuid, input.priority ?? 0],
    );
    featureSegmentId = segment?.id ?? null;
  }
  const state = await one<{ id: number }>(
    q,
    `INSERT INTO features_featurestate (feature_id, environment_id, feature_segment_id, enabled, environment_feature_version_id, version, live_from)
     VALUES ($1, $2, $3, $4, $5, NULL, NULL) RETURNING id`,
    [version.feature_id, version.environment_id, featureSegmentId, input.enabled ?? false, version.uuid],
  );
  if (state) await writeValue(q, state.id, input.featureStateValue);
}

async function updateState(q: Queryable, version: VersionRow, input: VersionStateInput): Promise<void> {
  const existing = await stateInVersion(q, version.uuid, input.segmentId);
  if (!existing) {
    if (input.segmentId !== null) {
      const name = await segmentName(q, input.segmentId);
      throw new ApiError(400, {
        message: `An unresolvable conflict occurred: segment override does not exist for segment '${name}'.`,
      });
    }
    // No previous version to clone from: Flagsmith would fail here; the sandbox creates the default.
    await createState(q, version, input);
    return;
  }
  if (input.enabled !== undefined) {
    await q.query('UPDATE features_featurestate SET enabled = $2, updated_at = now() WHERE id = $1', [existing.id, input.enabled]);
  }
  await writeValue(q, existing.id, input.featureStateValue);
}

/** Insert the version row, clone the previous published version into it, apply the changes. */
export async function createVersion(
  q: Queryable,
  environment: EnvironmentRow,
  feature: FeatureRow,
  input: CreateVersionInput,
): Promise<VersionRow> {
  if (!environment.use_v2_feature_versioning) {
    throw new ApiError(400, { environment: 'Environment must use v2 feature versioning.' });
  }
  await lockFeatureInEnvironment(q, environment.id, feature.id);
  const created = await one<{ uuid: string }>(
    q,
    `INSERT INTO feature_versioning_environmentfeatureversion (uuid, environment_id, feature_id, description, live_from, created_at, updated_at, created_by_id)
     VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, statement_timestamp()), COALESCE($6::timestamptz, statement_timestamp()), $7) RETURNING uuid`,
    [input.uuid ?? randomUUID(), environment.id, feature.id, input.description, input.liveFrom, input.createdAt ?? null, input.createdById ?? null],
  );
  const version = created && (await versionByUuid(q, created.uuid));
  if (!version) throw new Error('version row vanished after insert');
  const previous = await previousVersion(q, version);
  if (previous) await cloneStates(q, previous.uuid, version);

  for (const state of input.featureStatesToCreate) {
    if (state.segmentId === null) {
      throw new ApiError(400, { message: 'Cannot create FeatureState objects that are not segment overrides.' });
    }
    if (await stateInVersion(q, version.uuid, state.segmentId)) {
      const name = await segmentName(q, state.segmentId);
      throw new ApiError(400, { message: `An unresolvable conflict occurred: segment override already exists for segment '${name}'` });
    }
    await segmentName(q, state.segmentId); // 400 for a segment that does not exist
    await createState(q, version, state);
  }
  for (const state of input.featureStatesToUpdate) await updateState(q, version, state);
  if (input.segmentIdsToDeleteOverrides.length > 0) {
    await q.query(
      'DELETE FROM features_featuresegment WHERE environment_feature_version_id = $1 AND segment_id = ANY($2::int[])',
      [version.uuid, input.segmentIdsToDeleteOverrides],
    );
  }
  if (input.publishImmediately) {
    return publishVersion(q, environment, feature, version.uuid, { liveFrom: null, publishedById: input.publishedById ?? null });
  }
  return (await versionByUuid(q, version.uuid)) ?? version;
}

export interface PublishInput {
  liveFrom: Date | null;
  publishedById?: number | null;
  publishedByApiKeyId?: string | null;
  /** Defaults to now; seeds set it to express a past publish. */
  publishedAt?: Date;
}

/**
 * Publish: `live_from` = the given time, else the draft's own, else now; one `EF_VERSION` audit
 * row (which bumps the environment's `updated_at`). Publishing an already published version is not
 * refused, as in Flagsmith's view.
 */
export async function publishVersion(
  q: Queryable,
  environment: EnvironmentRow,
  feature: Pick<FeatureRow, 'id' | 'name' | 'project_id'>,
  uuid: string,
  input: PublishInput,
): Promise<VersionRow> {
  await lockFeatureInEnvironment(q, environment.id, feature.id);
  // The route found the version before taking the lock; a delete may have committed while this
  // request waited for it. Answer as if the publish had arrived after the delete: 404, as
  // Flagsmith's `get_object()` answers for a soft-deleted version.
  if (!(await versionByUuid(q, uuid))) throw notFound('EnvironmentFeatureVersion');
  await q.query(
    `UPDATE feature_versioning_environmentfeatureversion
        SET published_at = COALESCE($5::timestamptz, statement_timestamp()), live_from = COALESCE($2::timestamptz, live_from, $5::timestamptz, statement_timestamp()),
            updated_at = now(), published_by_id = $3, published_by_api_key_id = $4
      WHERE uuid = $1 AND deleted_at IS NULL`,
    [uuid, input.liveFrom, input.publishedById ?? null, input.publishedByApiKeyId ?? null, input.publishedAt ?? null],
  );
  await writeAudit(q, {
    projectId: environment.project_id,
    environmentId: environment.id,
    log: `New version published for feature: ${feature.name}`,
    relatedObjectType: 'EF_VERSION',
    relatedObjectUuid: uuid,
    authorId: input.publishedById ?? null,
    masterApiKeyId: input.publishedByApiKeyId ?? null,
    ...(input.publishedAt ? { createdDate: input.publishedAt } : {}),
  });
  const version = await versionByUuid(q, uuid);
  if (!version) throw new Error('version row vanished after publish');
  return version;
}

/** Soft-delete a version that is not live; its feature states lose their version as in Flagsmith. */
export async function deleteVersion(q: Queryable, version: VersionRow): Promise<void> {
  await lockFeatureInEnvironment(q, version.environment_id, version.feature_id);
  const fresh = await versionByUuid(q, version.uuid);
  if (!fresh) return;
  if (fresh.is_live) throw new ApiError(400, { detail: 'Cannot delete a live version.' });
  await q.query('UPDATE feature_versioning_environmentfeatureversion SET deleted_at = now() WHERE uuid = $1', [version.uuid]);
  await q.query(
    'UPDATE features_featurestate SET environment_feature_version_id = NULL, deleted_at = now() WHERE environment_feature_version_id = $1',
    [version.uuid],
  );
}

/** Soft-delete a segment override of a draft with its feature segment, under the same checks as an update. */
export async function deleteDraftSegmentOverride(q: Queryable, version: VersionRow, stateId: number): Promise<void> {
  await requireUnpublishedUnderLock(q, version);
  const state = await one<{ feature_segment_id: number | null }>(q, 'UPDATE features_featurestate SET deleted_at = now() WHERE id = $1 RETURNING feature_segment_id', [
    stateId,
  ]);
  if (state?.feature_segment_id != null) {
    await q.query('UPDATE features_featuresegment SET deleted_at = now() WHERE id = $1', [state.feature_segment_id]);
  }
}

/** Take the feature's lock and re-check the version: a publish may have committed since the route looked. */
async function requireUnpublishedUnderLock(q: Queryable, version: VersionRow): Promise<void> {
  await lockFeatureInEnvironment(q, version.environment_id, version.feature_id);
  const fresh = await versionByUuid(q, version.uuid);
  if (!fresh) throw notFound('EnvironmentFeatureVersion');
  if (fresh.published_at !== null) throw new ApiError(400, { detail: 'Cannot modify published version.' });
}

/** What a draft's feature-state update changes; absent fields keep their stored contents. */
export interface DraftStateChange {
  enabled?: boolean;
  featureStateValue?: Partial<StoredValue> & Pick<StoredValue, 'type'>;
}

/**
 * Change one feature state of a draft in place (no audit row: nothing is live until the publish,
 * which writes its own). The route has refused a published version already; the lock and the
 * check here keep a publish that committed meanwhile from being changed after the fact.
 */
export async function updateDraftStateInPlace(q: Queryable, version: VersionRow, stateId: number, change: DraftStateChange): Promise<void> {
  await requireUnpublishedUnderLock(q, version);
  if (change.enabled !== undefined) {
    await q.query('UPDATE features_featurestate SET enabled = $2, updated_at = now() WHERE id = $1', [stateId, change.enabled]);
  }
  if (change.featureStateValue !== undefined) await writeValue(q, stateId, change.featureStateValue);
}
