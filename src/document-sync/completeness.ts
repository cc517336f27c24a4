/**
 * Step 3 of a pass: is the document complete? Every non-deleted feature of the project must have
 * an environment-default feature state in it. Real Flagsmith sets `is_creating` only while
 * cloning, so for a plain environment or feature creation this check is the only protection
 * against writing a document built before the seeded feature states were visible (seed 001).
 */
import type { EnvironmentDocument } from '../flagsmith/schemas.js';

/** The result of {@link checkCompleteness}. */
export interface Completeness {
  /** Environment-default feature states in the document. */
  featureStatesCount: number;
  /** Project features with no environment default in the document, ascending. */
  missingFeatureIds: number[];
}

/** Count the document's environment defaults and list the project features that have none. */
export function checkCompleteness(document: EnvironmentDocument, projectFeatureIds: readonly number[]): Completeness {
  const defaults = document.feature_states.filter((state) => state.feature_segment === null || state.feature_segment === undefined);
  const present = new Set(defaults.map((state) => state.feature.id));
  return {
    featureStatesCount: defaults.length,
    missingFeatureIds: projectFeatureIds.filter((id) => !present.has(id)).sort((a, b) => a - b),
  };
}
