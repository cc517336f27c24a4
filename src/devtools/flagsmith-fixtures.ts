/**
 * Writing Flagsmith's tables directly, the way Flagsmith itself does during creation (no
 * transaction around an environment and its seeded feature states), so tests and the race harness
 * can reproduce seed 001's race on the sandbox's tables. v1 (non-versioned) environments: their
 * environment defaults are plain `features_featurestate` rows with a `version` and `live_from`.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/sql.js';
import { writeAudit } from '../sandbox/store/audit.js';

/** An environment row the fixtures inserted. */
export interface FixtureEnvironment {
  id: number;
  apiKey: string;
  name: string;
}

/** A new environment row; `isCreating` sets Flagsmith's `is_creating` (what `clone()` does). */
export async function insertEnvironment(
  q: Queryable,
  options: { projectId: number; name?: string; isCreating?: boolean; v2?: boolean },
): Promise<FixtureEnvironment> {
  const apiKey = randomBytes(11).toString('base64url');
  const name = options.name ?? `env-${apiKey.slice(0, 6)}`;
  // Name `is_creating` only when setting it, so the fixture also works on a schema without it.
  const { rows } = options.isCreating
    ? await q.query<{ id: number }>(
        `INSERT INTO environments_environment (name, project_id, api_key, is_creating, use_v2_feature_versioning)
         VALUES ($1, $2, $3, true, $4) RETURNING id`,
        [name, options.projectId, apiKey, options.v2 ?? false],
      )
    : await q.query<{ id: number }>(
        `INSERT INTO environments_environment (name, project_id, api_key, use_v2_feature_versioning) VALUES ($1, $2, $3, $4) RETURNING id`,
        [name, options.projectId, apiKey, options.v2 ?? false],
      );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('environment insert returned no id');
  return { id, apiKey, name };
}

/** `count` new features of a project; returns their ids. */
export async function insertFeatures(q: Queryable, projectId: number, count: number, prefix = 'feature'): Promise<number[]> {
  const tag = randomBytes(3).toString('hex');
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO features_feature (name, project_id)
     SELECT $2 || '_' || $3 || '_' || g, $1 FROM generate_series(1, $4::int) AS g RETURNING id`,
    [projectId, prefix, tag, count],
  );
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/**
 * One environment-default feature state of a v1 environment (with its value row). `liveFrom` in
 * the future makes it a scheduled change; `version` must then exceed the live one's.
 */
export async function insertEnvironmentDefaultState(
  q: Queryable,
  options: { environmentId: number; featureId: number; enabled?: boolean; value?: string | null; liveFrom?: Date; version?: number },
): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO features_featurestate (feature_id, environment_id, enabled, version, live_from)
     VALUES ($1, $2, $3, $4, COALESCE($5::timestamptz, now())) RETURNING id`,
    [options.featureId, options.environmentId, options.enabled ?? false, options.version ?? 1, options.liveFrom ?? null],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('feature state insert returned no id');
  await q.query('INSERT INTO features_featurestatevalue (feature_state_id, type, string_value) VALUES ($1, $2, $3)', [
    id,
    'unicode',
    options.value ?? null,
  ]);
  return id;
}

/** The audit row Flagsmith writes for an environment change (the sync's trigger). */
export async function insertEnvironmentAudit(q: Queryable, environment: { id: number; projectId: number }, log = 'Environment updated'): Promise<number> {
  return writeAudit(q, { projectId: environment.projectId, environmentId: environment.id, log, relatedObjectType: 'ENVIRONMENT', relatedObjectId: environment.id });
}

/** A new organisation and project (tests and benchmark runs each get their own feature set). */
export async function insertProject(q: Queryable, name = `project-${randomBytes(3).toString('hex')}`): Promise<number> {
  const { rows: orgs } = await q.query<{ id: number }>('INSERT INTO organisations_organisation (name) VALUES ($1) RETURNING id', [name]);
  const { rows } = await q.query<{ id: number }>('INSERT INTO projects_project (name, organisation_id) VALUES ($1, $2) RETURNING id', [
    name,
    orgs[0]?.id,
  ]);
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('project insert returned no id');
  return id;
}
