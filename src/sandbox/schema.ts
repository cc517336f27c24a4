/**
 * The sandbox's tables: a subset of Flagsmith's own schema, created by the `sandbox` migration set.
 * The sandbox only ever runs on a database that holds these tables and nothing else, so it can
 * never write into a real Flagsmith (or any other) database by mistake.
 */
import { type Database, migrate } from '../db/sql.js';

/** Every table the `sandbox` migration set creates, with Flagsmith's names. */
export const sandboxTables = [
  'organisations_organisation',
  'projects_project',
  'environments_environment',
  'environments_environmentapikey',
  'features_feature',
  'segments_segment',
  'segments_segmentrule',
  'segments_condition',
  'environments_identity',
  'environments_trait',
  'feature_versioning_environmentfeatureversion',
  'features_featuresegment',
  'features_featurestate',
  'features_featurestatevalue',
  'audit_auditlog',
  'users_ffadminuser',
  'api_keys_masterapikey',
] as const;

/** Where `migrate(db, 'sandbox')` records applied versions. */
export const sandboxMigrationTable = 'flagops_migrations_sandbox';

/** Thrown when the database holds tables the sandbox did not create. */
export class UnrelatedDatabaseError extends Error {
  constructor(
    readonly label: string,
    readonly tables: string[],
  ) {
    const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? `, … (${tables.length} in all)` : '');
    super(
      `refusing to use ${label}: it holds tables the sandbox did not create (${shown}). ` +
        'Point the sandbox at an empty database of its own.',
    );
    this.name = 'UnrelatedDatabaseError';
  }
}

/** Tables of the current schema that are neither sandbox tables nor its migration table. */
export async function unrelatedTables(db: Database): Promise<string[]> {
  const allowed = new Set<string>([...sandboxTables, sandboxMigrationTable]);
  const rows = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type IN ('BASE TABLE', 'VIEW')
      ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name).filter((name) => !allowed.has(name));
}

/**
 * Refuse a database holding unrelated tables, then create (or bring up to date) the sandbox schema.
 * @throws UnrelatedDatabaseError when any other table is present.
 */
export async function prepareSandboxSchema(db: Database): Promise<void> {
  const unrelated = await unrelatedTables(db);
  if (unrelated.length > 0) throw new UnrelatedDatabaseError(db.label, unrelated);
  await migrate(db, 'sandbox');
}
