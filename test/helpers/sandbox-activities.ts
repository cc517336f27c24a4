/**
 * The real activities over a sandbox seeded with seed 002's project, without a worker: for tests
 * that call one activity (a plan, a publish, a verify) and count the requests it made.
 */
import { type ActivityDeps, createActivities } from '../../activities/index.js';
import { parseConfig } from '../../src/config/load.js';
import { seed002FlagsmithConfig } from '../../src/devtools/seed-002.js';
import { FlagsmithClient } from '../../src/flagsmith/index.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import type { Sandbox } from '../../src/sandbox/index.js';

/** Activities and the client they use (close it when done); `adminToken` is sent as given (`Token …` or `Api-Key …`). */
export function sandboxActivities(sandbox: Sandbox, adminToken: string): { flagsmith: FlagsmithClient; acts: ReturnType<typeof createActivities> } {
  const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken, timeoutMs: 5_000 });
  const deps: ActivityDeps = {
    config: parseConfig({ flagsmith: seed002FlagsmithConfig(sandbox.url), approval: { approvers: ['sd@example.com'] } }, 'test', {}),
    log: createLogger('silent'),
    metrics: createMetrics(),
    secrets: { serverKeys: {} },
    flagsmith,
  };
  return { flagsmith, acts: createActivities(deps) };
}
