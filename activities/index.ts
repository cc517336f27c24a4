/**
 * The one activity factory. The worker registers exactly what this returns, and workflows take
 * their proxy types from it (`import type { Activities }`), so a workflow cannot call an activity
 * the worker does not register.
 */
import { withHeartbeats } from './attempt.js';
import type { ActivityDeps } from './deps.js';
import { createAuditTailActivities } from './audit-tail.js';
import { createDocumentSyncActivities } from './document-sync.js';
import { createHealthActivities } from './health.js';
import { createNotifyActivities } from './notify.js';
import { createApprovalNoticeActivities } from './notify-approval.js';
import { createPostgresActivities } from './postgres.js';
import { createRollbackPlanActivities } from './rollback-plan.js';
import { createRollbackPublishActivities } from './rollback-publish.js';
import { createRollbackVerifyActivities } from './rollback-verify.js';

export type { ActivityDeps, ActivitySecrets } from './deps.js';

export function createActivities(deps: ActivityDeps) {
  // Each activity heartbeats while it runs (when its options set a heartbeat timeout), so a worker
  // that dies mid-call costs that timeout, not the whole start-to-close timeout.
  return withHeartbeats({
    ...createHealthActivities(deps),
    ...createRollbackPlanActivities(deps),
    ...createRollbackPublishActivities(deps),
    ...createRollbackVerifyActivities(deps),
    ...createPostgresActivities(deps),
    ...createNotifyActivities(deps),
    ...createApprovalNoticeActivities(deps),
    ...createDocumentSyncActivities(deps),
    ...createAuditTailActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
