/**
 * The one place workflow ids are built. `FLAGOPS_ID_PREFIX` is applied to every id so several
 * installations (or test files) can share one Temporal namespace without colliding.
 */
export const workflowIds = {
  /** One running rollback per flag (SPEC §3). */
  rollback: (prefix: string, flag: string) => `${prefix}rollback-${flag}`,
  /** One document-sync workflow per Flagsmith environment (SPEC §4). */
  environmentDocumentSync: (prefix: string, environmentId: number) => `${prefix}env-doc-sync-${environmentId}`,
  /** The singleton tailer over Flagsmith's audit log (SPEC §4). */
  auditLogTailer: (prefix: string) => `${prefix}audit-log-tailer`,
} as const;
