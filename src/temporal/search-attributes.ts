/**
 * The custom search attributes of SPEC §3, declared once: the dev server registers them at start,
 * `flagops setup-temporal` registers them on a self-hosted cluster. The typed keys the workflow
 * upserts live beside it in `workflows/rollback/search-attributes.ts`.
 */
/** Attribute name → Temporal's type name (as `temporal server start-dev --search-attribute` and `tcld` spell it). */
export const searchAttributes = {
  FlagName: 'Keyword',
  FlagEnvironments: 'KeywordList',
  IncidentId: 'Keyword',
  RollbackStep: 'Keyword',
  RequestedBy: 'Keyword',
  ApprovedBy: 'Keyword',
} as const satisfies Record<string, 'Keyword' | 'KeywordList'>;

export type SearchAttributeName = keyof typeof searchAttributes;
