/**
 * Which environments a Flagsmith webhook concerns. `AUDIT_LOG_CREATED` names an environment or a
 * project; `FLAG_UPDATED`/`FLAG_DELETED` carry feature states with their environment (or, for
 * feature-level changes, the feature's project); `NEW_VERSION_PUBLISHED` names only the version,
 * whose environment is looked up in Flagsmith's database.
 */
import type { Database } from '../db/sql.js';
import { environmentIdOfVersion, environmentIdsOfProject } from '../document-sync/flagsmith-tables.js';

/** What one webhook names, before projects and versions are resolved to environments. */
export interface WebhookTargets {
  environmentIds: number[];
  projectIds: number[];
  versionUuids: string[];
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const idOf = (value: unknown): number | undefined => {
  const id = record(value)?.id;
  return typeof id === 'number' && Number.isInteger(id) ? id : undefined;
};

/** What a webhook body names (pure: no database). Unknown events name nothing. */
export function webhookTargets(body: unknown): WebhookTargets {
  const targets: WebhookTargets = { environmentIds: [], projectIds: [], versionUuids: [] };
  const envelope = record(body);
  const data = record(envelope?.data);
  if (!envelope || !data) return targets;
  const add = (list: number[], id: number | undefined) => id !== undefined && !list.includes(id) && list.push(id);
  switch (envelope.event_type) {
    case 'AUDIT_LOG_CREATED': {
      const environmentId = idOf(data.environment);
      if (environmentId !== undefined) add(targets.environmentIds, environmentId);
      else add(targets.projectIds, idOf(data.project));
      break;
    }
    case 'FLAG_UPDATED':
    case 'FLAG_DELETED':
      for (const state of [data.new_state, data.previous_state].map(record)) {
        if (!state) continue;
        const environmentId = idOf(state.environment);
        if (environmentId !== undefined) add(targets.environmentIds, environmentId);
        else add(targets.projectIds, idOf(record(state.feature)?.project));
      }
      break;
    case 'NEW_VERSION_PUBLISHED':
      if (typeof data.uuid === 'string') targets.versionUuids.push(data.uuid);
      break;
    default:
      break;
  }
  return targets;
}

/** Resolve targets to environment ids with Flagsmith's database. */
export async function resolveEnvironmentIds(db: Database, targets: WebhookTargets): Promise<number[]> {
  const ids = new Set(targets.environmentIds);
  for (const projectId of targets.projectIds) for (const id of await environmentIdsOfProject(db, projectId)) ids.add(id);
  for (const uuid of targets.versionUuids) {
    const id = await environmentIdOfVersion(db, uuid);
    if (id !== undefined) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}
