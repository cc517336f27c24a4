/**
 * What the document sync reads from Flagsmith's own PostgreSQL (`FLAGSMITH_DATABASE_URL`), with
 * Flagsmith's table and column names. Read-only: the sync never writes Flagsmith's tables.
 */
import type { Database } from '../db/sql.js';
import type { CreatingState, SyncEnvironment } from '../../workflows/document-sync/messages.js';

/** Which `is_creating` columns this Flagsmith schema version has (looked up once per process). */
export interface IsCreatingColumns {
  environment: boolean;
  feature: boolean;
}

/**
 * Look the columns up in `information_schema`: real Flagsmith has `environments_environment.
 * is_creating` (set while cloning) but not yet `features_feature.is_creating` (seed 001's proposal);
 * a missing column counts as "not creating".
 */
export async function detectIsCreatingColumns(db: Database): Promise<IsCreatingColumns> {
  const rows = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_name = 'is_creating'
        AND table_name IN ('environments_environment', 'features_feature')`,
  );
  const tables = new Set(rows.map((r) => r.table_name));
  return { environment: tables.has('environments_environment'), feature: tables.has('features_feature') };
}

interface EnvironmentRow {
  id: number;
  api_key: string;
  name: string;
  project_id: number;
  [key: string]: unknown;
}

const toInfo = (row: EnvironmentRow): SyncEnvironment => ({ id: row.id, apiKey: row.api_key, name: row.name, projectId: row.project_id });

/** A live (not soft-deleted) environment by id. */
export async function environmentById(db: Database, id: number): Promise<SyncEnvironment | undefined> {
  const [row] = await db.query<EnvironmentRow>(
    'SELECT id, api_key, name, project_id FROM environments_environment WHERE id = $1 AND deleted_at IS NULL',
    [id],
  );
  return row && toInfo(row);
}

/**
 * An environment named by the user: numeric id, api key, or name (names are matched exactly, and
 * only when a single live environment has it, optionally within one project).
 */
export async function findEnvironment(db: Database, needle: string, projectId?: number): Promise<SyncEnvironment[]> {
  const rows = await db.query<EnvironmentRow>(
    `SELECT id, api_key, name, project_id FROM environments_environment
      WHERE deleted_at IS NULL AND ($2::int IS NULL OR project_id = $2)
        AND (api_key = $1 OR name = $1 OR ($1 ~ '^[0-9]{1,9}$' AND id = $1::int))
      ORDER BY id`,
    [needle, projectId ?? null],
  );
  return rows.map(toInfo);
}

/** Ids of the live environments of a project (a project-level change touches each of them). */
export async function environmentIdsOfProject(db: Database, projectId: number): Promise<number[]> {
  const rows = await db.query<{ id: number }>(
    'SELECT id FROM environments_environment WHERE project_id = $1 AND deleted_at IS NULL ORDER BY id',
    [projectId],
  );
  return rows.map((r) => r.id);
}

/** Every live environment id (the tailer's first start wakes them all once). */
export async function allEnvironmentIds(db: Database): Promise<number[]> {
  const rows = await db.query<{ id: number }>('SELECT id FROM environments_environment WHERE deleted_at IS NULL ORDER BY id');
  return rows.map((r) => r.id);
}

/** The environment a v2 version belongs to (`NEW_VERSION_PUBLISHED` webhooks name only the version). */
export async function environmentIdOfVersion(db: Database, versionUuid: string): Promise<number | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(versionUuid)) return undefined;
  const [row] = await db.query<{ environment_id: number }>(
    'SELECT environment_id FROM feature_versioning_environmentfeatureversion WHERE uuid = $1::uuid',
    [versionUuid],
  );
  return row?.environment_id;
}

/** The guard's question: is the environment, or any feature of its project, still being created? */
export async function creatingState(db: Database, environment: SyncEnvironment, columns: IsCreatingColumns): Promise<CreatingState> {
  let creatingEnvironment = false;
  if (columns.environment) {
    const [row] = await db.query<{ is_creating: boolean }>('SELECT is_creating FROM environments_environment WHERE id = $1', [
      environment.id,
    ]);
    creatingEnvironment = row?.is_creating === true;
  }
  let featureIds: number[] = [];
  if (columns.feature) {
    const rows = await db.query<{ id: number }>(
      'SELECT id FROM features_feature WHERE project_id = $1 AND deleted_at IS NULL AND is_creating ORDER BY id LIMIT 20',
      [environment.projectId],
    );
    featureIds = rows.map((r) => r.id);
  }
  return { environment: creatingEnvironment, featureIds };
}

/** Ids of the project's non-deleted features: each must have an environment default in the document. */
export async function projectFeatureIds(db: Database, projectId: number): Promise<number[]> {
  const rows = await db.query<{ id: number }>('SELECT id FROM features_feature WHERE project_id = $1 AND deleted_at IS NULL ORDER BY id', [
    projectId,
  ]);
  return rows.map((r) => r.id);
}

/**
 * The next future go-live of the environment: a published, not deleted v2 version, or a v1
 * environment-default feature state, whose `live_from` is after the database's now. A scheduled
 * go-live writes no audit row, so the sync schedules its own pass for it.
 */
export async function nextScheduledLiveFrom(db: Database, environmentId: number): Promise<Date | null> {
  const [row] = await db.query<{ next: Date | null }>(
    `SELECT LEAST(
       (SELECT min(live_from) FROM feature_versioning_environmentfeatureversion
         WHERE environment_id = $1 AND deleted_at IS NULL AND published_at IS NOT NULL AND live_from > now()),
       (SELECT min(live_from) FROM features_featurestate
         WHERE environment_id = $1 AND deleted_at IS NULL AND identity_id IS NULL AND feature_segment_id IS NULL
           AND environment_feature_version_id IS NULL AND version IS NOT NULL AND live_from > now()
           -- v2 environments: states orphaned by a deleted version must not count as scheduled.
           AND NOT (SELECT use_v2_feature_versioning FROM environments_environment WHERE id = $1))
     ) AS next`,
    [environmentId],
  );
  return row?.next ?? null;
}

/** One `audit_auditlog` row as the tailer needs it. */
export interface AuditRow {
  id: number;
  environmentId: number | null;
  projectId: number | null;
}

/** Audit rows with `id > afterId`, in id order. */
export async function auditRowsAfter(db: Database, afterId: number, limit: number): Promise<AuditRow[]> {
  const rows = await db.query<{ id: number; environment_id: number | null; project_id: number | null }>(
    'SELECT id, environment_id, project_id FROM audit_auditlog WHERE id > $1 ORDER BY id LIMIT $2',
    [afterId, limit],
  );
  return rows.map((r) => ({ id: r.id, environmentId: r.environment_id, projectId: r.project_id }));
}

/** The highest audit id (0 when the table is empty). */
export async function maxAuditId(db: Database): Promise<number> {
  const [row] = await db.query<{ max: number | null }>('SELECT max(id) AS max FROM audit_auditlog');
  return row?.max ?? 0;
}
