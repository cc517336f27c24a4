/**
 * `healthCheck`: asks a worker on the task queue to check its dependencies. Used by tests and
 * operators to prove that a worker is polling and its databases answer.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { HealthReport } from '../activities/health.js';
import { versioningBehavior } from './versioning.js';

export interface HealthCheckInput {
  /** Start-to-close timeout of the check, in ms (tests pass seconds). */
  timeoutMs?: number;
}

// A short check: it runs on whichever build is current.
versioningBehavior('AUTO_UPGRADE', healthCheck);

export async function healthCheck(input: HealthCheckInput = {}): Promise<HealthReport> {
  const { checkDependencies } = proxyActivities<Activities>({
    startToCloseTimeout: input.timeoutMs ?? 30_000,
    retry: { maximumAttempts: 3 },
  });
  return checkDependencies();
}
