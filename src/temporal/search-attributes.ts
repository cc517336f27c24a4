/**
 * The custom search attributes of SPEC §3, declared once: the dev server registers them at start,
 * `flagops setup-temporal` registers them on a self-hosted cluster, and the rollback workflow
 * upserts them through the typed keys. Free of client code so workflow code may import it.
 */
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

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

/** Typed keys for `upsertSearchAttributes` / `typedSearchAttributes` on start. */
export const searchAttributeKeys = {
  FlagName: defineSearchAttributeKey('FlagName', SearchAttributeType.KEYWORD),
  FlagEnvironments: defineSearchAttributeKey('FlagEnvironments', SearchAttributeType.KEYWORD_LIST),
  IncidentId: defineSearchAttributeKey('IncidentId', SearchAttributeType.KEYWORD),
  RollbackStep: defineSearchAttributeKey('RollbackStep', SearchAttributeType.KEYWORD),
  RequestedBy: defineSearchAttributeKey('RequestedBy', SearchAttributeType.KEYWORD),
  ApprovedBy: defineSearchAttributeKey('ApprovedBy', SearchAttributeType.KEYWORD),
} as const;
