/**
 * One real Temporal dev server and one set of migrated template databases per test run.
 * `TEST_TEMPORAL_ADDRESS` points the tests at an existing server instead; `TEST_DATABASE_URL` at an
 * existing PostgreSQL (see README).
 */
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { createTemplates, dropRunDatabases, newRunId } from '../src/devtools/databases.js';
import { resolveTemporalCli, startDevServer, type DevServer } from '../src/devtools/dev-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    databaseAdminUrl: string;
    databaseRunId: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cli = resolveTemporalCli();
  let server: DevServer | undefined;
  const existing = process.env.TEST_TEMPORAL_ADDRESS;
  if (existing) {
    project.provide('temporalAddress', existing);
  } else {
    server = await startDevServer({ cli });
    project.provide('temporalAddress', server.address);
  }
  project.provide('temporalCli', cli);

  const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const runId = newRunId();
  await createTemplates(adminUrl, runId);
  project.provide('databaseAdminUrl', adminUrl);
  project.provide('databaseRunId', runId);

  return async () => {
    await dropRunDatabases(adminUrl, runId);
    await server?.stop();
  };
}
