/**
 * Identities, their traits and identity overrides. An identity override is a feature state with
 * `identity_id` set; Flagsmith keeps it outside feature versioning (no version, written in place on
 * v1 and v2 environments alike), so these writes need no draft.
 */
import { ApiError, notFound } from '../errors.js';
import { type Queryable, lockFeatureInEnvironment, one, rows } from './db.js';
import { type TraitValue, segmentMatches } from './evaluate.js';
import { type EnvironmentRow, type StateRow, liveEnvironmentDefaults, liveEnvironmentStates, stateSelect } from './read.js';
import { segmentById } from './segments.js';
import { writeValue } from './states.js';
import { type StoredValue } from './values.js';

export interface IdentityRow {
  id: number;
  identifier: string;
  environment_id: number;
  created_date: Date;
  [key: string]: unknown;
}

/** An identity override with its identity's identifier. */
export interface IdentityStateRow extends StateRow {
  identifier: string;
}

export async function identityById(q: Queryable, environmentId: number, id: number): Promise<IdentityRow | undefined> {
  return one<IdentityRow>(q, 'SELECT * FROM environments_identity WHERE id = $1 AND environment_id = $2', [id, environmentId]);
}

export async function identityByIdentifier(q: Queryable, environmentId: number, identifier: string): Promise<IdentityRow | undefined> {
  return one<IdentityRow>(q, 'SELECT * FROM environments_identity WHERE identifier = $1 AND environment_id = $2', [identifier, environmentId]);
}

/** The admin list: `q` is a substring (case-insensitive), or exact when quoted, as Flagsmith's view filters. */
export async function identitiesOfEnvironment(q: Queryable, environmentId: number, search: string | null): Promise<IdentityRow[]> {
  const exact = search !== null && search.startsWith('"') && search.endsWith('"') && search.length >= 2;
  const term = search === null || search === '' ? null : exact ? search.replace(/"/g, '') : `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return rows<IdentityRow>(
    q,
    `SELECT * FROM environments_identity WHERE environment_id = $1
        AND ($2::text IS NULL OR ${exact ? 'identifier = $2' : 'identifier ILIKE $2'})
      ORDER BY id`,
    [environmentId, term],
  );
}

/** Create an identity. @throws ApiError 400 when the identifier is taken in the environment. */
export async function createIdentity(q: Queryable, environmentId: number, identifier: string): Promise<IdentityRow> {
  const created = await one<IdentityRow>(
    q,
    'INSERT INTO environments_identity (identifier, environment_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING *',
    [identifier, environmentId],
  );
  if (!created) throw new ApiError(400, { identifier: `Identity with identifier '${identifier}' already exists in this environment` });
  return created;
}

/** The SDK's `get_or_create`. */
export async function getOrCreateIdentity(q: Queryable, environmentId: number, identifier: string): Promise<IdentityRow> {
  await q.query('INSERT INTO environments_identity (identifier, environment_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [identifier, environmentId]);
  const identity = await identityByIdentifier(q, environmentId, identifier);
  if (!identity) throw new Error('identity vanished after insert');
  return identity;
}

interface TraitRow {
  trait_key: string;
  value_type: string;
  boolean_value: boolean | null;
  integer_value: number | null;
  string_value: string | null;
  float_value: number | null;
  [key: string]: unknown;
}

function traitValue(row: TraitRow): TraitValue {
  if (row.value_type === 'bool') return row.boolean_value;
  if (row.value_type === 'int') return row.integer_value;
  if (row.value_type === 'float') return row.float_value;
  return row.string_value;
}

/** An identity's stored traits, in id order. */
export async function traitsOf(q: Queryable, identityId: number): Promise<{ trait_key: string; trait_value: TraitValue }[]> {
  const found = await rows<TraitRow>(q, 'SELECT * FROM environments_trait WHERE identity_id = $1 ORDER BY id', [identityId]);
  return found.map((r) => ({ trait_key: r.trait_key, trait_value: traitValue(r) }));
}

/** Store traits (a `null` value deletes the trait, as Flagsmith's SDK endpoint does). */
export async function setTraits(q: Queryable, identityId: number, traits: readonly { trait_key: string; trait_value: TraitValue }[]): Promise<void> {
  for (const trait of traits) {
    if (trait.trait_value === null) {
      await q.query('DELETE FROM environments_trait WHERE identity_id = $1 AND trait_key = $2', [identityId, trait.trait_key]);
      continue;
    }
    const v = trait.trait_value;
    const type = typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : 'unicode';
    await q.query(
      `INSERT INTO environments_trait (identity_id, trait_key, value_type, boolean_value, integer_value, string_value, float_value)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (trait_key, identity_id) DO UPDATE SET value_type = EXCLUDED.value_type, boolean_value = EXCLUDED.boolean_value,
         integer_value = EXCLUDED.integer_value, string_value = EXCLUDED.string_value, float_value = EXCLUDED.float_value`,
      [
        identityId,
        trait.trait_key,
        type,
        type === 'bool' ? v : null,
        type === 'int' ? v : null,
        type === 'unicode' ? String(v) : null,
        type === 'float' ? v : null,
      ],
    );
  }
}

const identityStateSelect = `SELECT s.*, i.identifier FROM (${stateSelect}) s JOIN environments_identity i ON i.id = s.identity_id`;

/** Identity overrides of an environment (optionally of one feature, or one identity), by id. */
export async function identityOverrides(
  q: Queryable,
  environmentId: number,
  filter: { featureId?: number; identityId?: number; featureName?: string } = {},
): Promise<IdentityStateRow[]> {
  return rows<IdentityStateRow>(
    q,
    `${identityStateSelect}
      WHERE s.environment_id = $1 AND s.deleted_at IS NULL
        AND ($2::int IS NULL OR s.feature_id = $2) AND ($3::int IS NULL OR s.identity_id = $3)
        AND ($4::text IS NULL OR lower(s.feature_name) = lower($4))
      ORDER BY s.id`,
    [environmentId, filter.featureId ?? null, filter.identityId ?? null, filter.featureName ?? null],
  );
}

/**
 * Create an identity override of a feature.
 * @throws ApiError 400 when the identity already overrides it (Flagsmith's unique constraint).
 */
export async function createIdentityOverride(
  q: Queryable,
  environment: Pick<EnvironmentRow, 'id'>,
  identity: IdentityRow,
  featureId: number,
  enabled: boolean,
  value: Partial<StoredValue> & Pick<StoredValue, 'type'>,
): Promise<IdentityStateRow> {
  await lockFeatureInEnvironment(q, environment.id, featureId);
  if ((await identityOverrides(q, environment.id, { featureId, identityId: identity.id })).length > 0) {
    throw new ApiError(400, { non_field_errors: ['The fields feature, environment, identity must make a unique set.'] });
  }
  const state = await one<{ id: number }>(
    q,
    `INSERT INTO features_featurestate (feature_id, environment_id, identity_id, enabled, version, live_from)
     VALUES ($1, $2, $3, $4, 1, statement_timestamp()) RETURNING id`,
    [featureId, environment.id, identity.id, enabled],
  );
  if (!state) throw new Error('identity override insert returned no row');
  await writeValue(q, state.id, value);
  const [created] = await identityOverrides(q, environment.id, { featureId, identityId: identity.id });
  if (!created) throw new Error('identity override vanished after insert');
  return created;
}

/** Change an identity override in place. */
export async function updateIdentityOverride(
  q: Queryable,
  state: IdentityStateRow,
  patch: { enabled?: boolean; value?: Partial<StoredValue> & Pick<StoredValue, 'type'> },
): Promise<IdentityStateRow> {
  await lockFeatureInEnvironment(q, state.environment_id, state.feature_id);
  if (patch.enabled !== undefined) {
    await q.query('UPDATE features_featurestate SET enabled = $2, updated_at = now() WHERE id = $1', [state.id, patch.enabled]);
  }
  if (patch.value) await writeValue(q, state.id, patch.value);
  const [updated] = (await identityOverrides(q, state.environment_id, { identityId: state.identity_id ?? 0 })).filter((s) => s.id === state.id);
  if (!updated) throw notFound('FeatureState');
  return updated;
}

/** Delete an identity override (a soft delete, as Flagsmith's feature states are). */
export async function deleteIdentityOverride(q: Queryable, state: IdentityStateRow): Promise<void> {
  await lockFeatureInEnvironment(q, state.environment_id, state.feature_id);
  await q.query('UPDATE features_featurestate SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL', [state.id]);
}

/** A served flag: the state that wins for an identity, and which kind of state it is. */
export interface ServedState {
  state: StateRow;
  source: 'identity' | 'segment' | 'environment';
  /** The feature segment of a segment override that won. */
  featureSegmentId: number | null;
}

/**
 * What an identity is served for every feature, as Flagsmith's `get_all_feature_states`: its own
 * override, else the matching segment override with the lowest priority number, else the
 * environment default. `identityId` null evaluates a transient identity (no overrides of its own).
 */
export async function servedStates(
  q: Queryable,
  environment: Pick<EnvironmentRow, 'id' | 'use_v2_feature_versioning'>,
  identityId: number | null,
  traits: Readonly<Record<string, TraitValue>>,
): Promise<ServedState[]> {
  const defaults = await liveEnvironmentDefaults(q, environment);
  const segmentStates = (await liveEnvironmentStates(q, environment)).filter((s) => s.feature_segment_id !== null);
  const own = identityId === null ? [] : await identityOverrides(q, environment.id, { identityId });
  const segments = await rows<{ id: number; segment_id: number; priority: number }>(
    q,
    'SELECT id, segment_id, priority FROM features_featuresegment WHERE id = ANY($1::int[])',
    [segmentStates.map((s) => s.feature_segment_id)],
  );
  const rulesOf = new Map<number, boolean>();
  for (const segment of segments) {
    if (rulesOf.has(segment.segment_id)) continue;
    const row = await segmentById(q, segment.segment_id);
    rulesOf.set(segment.segment_id, row ? segmentMatches(row.rules, traits) : false);
  }
  return defaults.map((state): ServedState => {
    const override = own.find((o) => o.feature_id === state.feature_id);
    if (override) return { state: override, source: 'identity', featureSegmentId: null };
    const winning = segmentStates
      .filter((s) => s.feature_id === state.feature_id)
      .map((s) => ({ s, seg: segments.find((g) => g.id === s.feature_segment_id) }))
      .filter(({ seg }) => seg !== undefined && rulesOf.get(seg.segment_id) === true)
      .sort((a, b) => (a.seg?.priority ?? 0) - (b.seg?.priority ?? 0))[0];
    if (winning) return { state: winning.s, source: 'segment', featureSegmentId: winning.s.feature_segment_id };
    return { state, source: 'environment', featureSegmentId: null };
  });
}
