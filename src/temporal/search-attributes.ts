/**
 * The custom search attributes of SPEC §3 by name and type, as the dev server registers them at
 * start and `flagops setup-temporal` registers them on a self-hosted cluster. Derived from the
 * typed keys the workflow upserts (`workflows/rollback/search-attributes.ts`), so a key is
 * declared once.
 */
import { SearchAttributeType } from '@temporalio/common';
import { rollbackSearchAttributeKeys } from '../../workflows/rollback/search-attributes.js';

/** Temporal's type names as `temporal server start-dev --search-attribute` and `tcld` spell them. */
const typeNames = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.KEYWORD_LIST]: 'KeywordList' } as const;

export type SearchAttributeTypeName = (typeof typeNames)[keyof typeof typeNames];

/** Attribute name → Temporal's type name. */
export const searchAttributes: Readonly<Record<string, SearchAttributeTypeName>> = Object.fromEntries(
  rollbackSearchAttributeKeys.map((key) => [key.name, typeNames[key.type]]),
);
