/**
 * The worker's self-check: which dependencies this worker was given and whether each answers.
 * Run through Temporal (`healthCheck` workflow) it proves the whole path: client → server →
 * worker → activity → databases.
 */
import type { ActivityDeps } from './deps.js';

export interface DependencyStatus {
  name: string;
  configured: boolean;
  ok: boolean;
  detail?: string;
}

export interface HealthReport {
  taskQueue: string | null;
  environments: string[];
  dependencies: DependencyStatus[];
}

export function createHealthActivities(deps: ActivityDeps) {
  return {
    /** Ping every configured database with `SELECT 1`; never throws, reports instead. */
    async checkDependencies(): Promise<HealthReport> {
      const databases = [
        ['appDb', deps.appDb],
        ['flagsmithDb', deps.flagsmithDb],
        ['flagopsDb', deps.flagopsDb],
      ] as const;
      const dependencies: DependencyStatus[] = [];
      for (const [name, db] of databases) {
        if (!db) {
          dependencies.push({ name, configured: false, ok: false });
          continue;
        }
        try {
          await db.query('SELECT 1 AS one');
          dependencies.push({ name, configured: true, ok: true });
        } catch (error) {
          dependencies.push({ name, configured: true, ok: false, detail: (error as Error).message });
        }
      }
      deps.log.info({ event: 'worker.self_check', dependencies }, 'dependencies checked');
      return {
        taskQueue: deps.temporal?.taskQueue ?? null,
        environments: deps.config.flagsmith.environments.map((e) => e.name),
        dependencies,
      };
    },
  };
}
