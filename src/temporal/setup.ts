/**
 * Registering flagops' search attributes through Temporal's operator service (self-hosted
 * clusters; Temporal Cloud refuses the operator API and is set up with `tcld` or its UI instead).
 */
import { type ConnectionLike, isGrpcServiceError } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { type SearchAttributeTypeName, searchAttributes } from './search-attributes.js';

/** gRPC ALREADY_EXISTS: another setup registered the attribute between our list and our add. */
const ALREADY_EXISTS = 6;

const typeCodes = { Keyword: 'KEYWORD', KeywordList: 'KEYWORD_LIST' } as const;

/** What `registerSearchAttributes` did with one attribute. */
export interface AttributeResult {
  name: string;
  type: SearchAttributeTypeName;
  result: 'added' | 'present';
}

/** An attribute exists with another type: Temporal cannot change it, a human must decide. */
export class SearchAttributeConflictError extends Error {
  override readonly name = 'SearchAttributeConflictError';
}

/**
 * Add every missing attribute of SPEC §3 to `namespace`. Idempotent: present attributes are left
 * alone and an "already exists" answer counts as success.
 * @throws SearchAttributeConflictError when a name is registered with a different type; the
 *   operator service's gRPC error otherwise (PERMISSION_DENIED / UNIMPLEMENTED on Temporal Cloud).
 */
export async function registerSearchAttributes(connection: Pick<ConnectionLike, 'operatorService'>, namespace: string): Promise<AttributeResult[]> {
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const existing = listed.customAttributes ?? {};
  const results: AttributeResult[] = [];
  for (const [name, type] of Object.entries(searchAttributes)) {
    const wanted = encodeSearchAttributeIndexedValueType(typeCodes[type]);
    if (wanted === undefined) throw new Error(`no indexed value type for ${type}`);
    const current = existing[name];
    if (current !== undefined) {
      if (current !== wanted) {
        throw new SearchAttributeConflictError(
          `search attribute ${name} exists in namespace ${namespace} with another type (flagops needs ${type}); rename or remove it first`,
        );
      }
      results.push({ name, type, result: 'present' });
      continue;
    }
    try {
      // One attribute per call, so one that appeared meanwhile does not block the others.
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { [name]: wanted } });
      results.push({ name, type, result: 'added' });
    } catch (error) {
      if (isGrpcServiceError(error) && Number(error.code) === ALREADY_EXISTS) {
        results.push({ name, type, result: 'present' });
        continue;
      }
      throw error;
    }
  }
  return results;
}

/** What to run where the operator API is not available (Temporal Cloud). */
export function cloudInstructions(namespace: string): string {
  const pairs = Object.entries(searchAttributes).map(([name, type]) => `  --search-attribute "${name}=${type}"`);
  const table = Object.entries(searchAttributes).map(([name, type]) => `  ${name.padEnd(18)} ${type}`);
  return [
    'Temporal Cloud: register the search attributes with tcld (the operator API is not available there):',
    '',
    `tcld namespace search-attributes add --namespace ${namespace.includes('.') ? namespace : `${namespace}.<account-id>`} \\`,
    pairs.join(' \\\n'),
    '',
    'or in the Cloud UI: Namespaces → your namespace → Custom Search Attributes → Edit, and add:',
    ...table,
    '',
    'Self-hosted with the temporal CLI instead of flagops:',
    ...Object.entries(searchAttributes).map(([name, type]) => `  temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`),
  ].join('\n');
}
