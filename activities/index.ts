/**
 * The one activity factory. The worker registers exactly what this returns, and workflows take
 * their proxy types from it (`import type { Activities }`), so a workflow cannot call an activity
 * the worker does not register.
 */
import type { ActivityDeps } from './deps.js';
import { createAuditTailActivities } from './audit-tail.js';
import { createDocumentSyncActivities } from './document-sync.js';
import { createHealthActivities } from './health.js';

export type { ActivityDeps, ActivitySecrets } from './deps.js';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps),
    ...createDocumentSyncActivities(deps),
    ...createAuditTailActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
