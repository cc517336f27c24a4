/** Rows of Flagsmith's `audit_auditlog`, which the document sync tails. */
import { type Queryable, rows } from './db.js';

/** `related_object_type` values Flagsmith stores (enum names). */
export type RelatedObjectType = 'FEATURE' | 'FEATURE_STATE' | 'SEGMENT' | 'ENVIRONMENT' | 'EF_VERSION';

export interface AuditEntry {
  projectId: number | null;
  environmentId: number | null;
  log: string;
  relatedObjectType: RelatedObjectType;
  relatedObjectId?: number | null;
  relatedObjectUuid?: string | null;
  authorId?: number | null;
  masterApiKeyId?: string | null;
  /** Defaults to now; seeds set it to the time a past change happened. */
  createdDate?: Date;
}

export interface AuditRow {
  id: number;
  created_date: Date;
  project_id: number | null;
  environment_id: number | null;
  log: string;
  author_id: number | null;
  related_object_id: number | null;
  related_object_uuid: string | null;
  related_object_type: string | null;
  is_system_event: boolean;
  [key: string]: unknown;
}

/**
 * Write one audit row and, as Flagsmith's AuditLog hook does, bump `updated_at` of the
 * environment it names (or of every environment of its project).
 */
export async function writeAudit(q: Queryable, entry: AuditEntry): Promise<number> {
  const inserted = await rows<{ id: number }>(
    q,
    `INSERT INTO audit_auditlog (created_date, project_id, environment_id, log, author_id, master_api_key_id,
                                 related_object_id, related_object_type, related_object_uuid)
     VALUES (COALESCE($9::timestamptz, now()), $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      entry.projectId,
      entry.environmentId,
      entry.log,
      entry.authorId ?? null,
      entry.masterApiKeyId ?? null,
      entry.relatedObjectId ?? null,
      entry.relatedObjectType,
      entry.relatedObjectUuid ?? null,
      entry.createdDate ?? null,
    ],
  );
  if (entry.environmentId !== null) {
    await q.query('UPDATE environments_environment SET updated_at = now() WHERE id = $1', [entry.environmentId]);
  } else if (entry.projectId !== null) {
    await q.query('UPDATE environments_environment SET updated_at = now() WHERE project_id = $1', [entry.projectId]);
  }
  return inserted[0]?.id ?? 0;
}

/** Which audit rows a list asks for; every given field narrows it. */
export interface AuditFilter {
  projectId?: number;
  organisationId?: number;
  environmentIds?: readonly number[];
  /** Case-insensitive substring of the log text (`log__icontains`). */
  search?: string;
}

/** Audit rows, newest first, narrowed as the filter says. */
export async function auditRows(q: Queryable, filter: AuditFilter): Promise<AuditRow[]> {
  const pattern = filter.search === undefined ? null : `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return rows<AuditRow>(
    q,
    `SELECT a.* FROM audit_auditlog a LEFT JOIN projects_project p ON p.id = a.project_id
      WHERE ($1::int IS NULL OR a.project_id = $1)
        AND ($2::int IS NULL OR p.organisation_id = $2)
        AND ($3::int[] IS NULL OR a.environment_id = ANY($3::int[]))
        AND ($4::text IS NULL OR a.log ILIKE $4)
      ORDER BY a.created_date DESC, a.id DESC`,
    [filter.projectId ?? null, filter.organisationId ?? null, filter.environmentIds ?? null, pattern],
  );
}

/** Audit rows of a project, newest first. */
export async function auditOfProject(q: Queryable, projectId: number, environmentId?: number): Promise<AuditRow[]> {
  return auditRows(q, { projectId, ...(environmentId === undefined ? {} : { environmentIds: [environmentId] }) });
}
