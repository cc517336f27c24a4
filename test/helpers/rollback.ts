/**
 * The rollback test fixture: a real sandbox (seed 002) on a fresh PostgreSQL clone, an application
 * database with seeded `cases` rows for the cohort, the worker's config pointed at both, and
 * helpers to count versions in the sandbox and to wait for a status.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { waitForQuery } from './temporal.js';
import { afterAll, beforeAll } from 'vitest';
import type { ActivityDeps } from '../../activities/index.js';
import { parseConfig } from '../../src/config/load.js';
import { FlagsmithClient, toFeatureStateValue, type FlatValue } from '../../src/flagsmith/index.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { RollbackInput, RollbackStatus } from '../../workflows/rollback/messages.js';
import { statusQuery } from '../../workflows/rollback/messages.js';
import { testDatabase } from './databases.js';
import { seed002, seed002FlagsmithConfig } from '../../src/devtools/seed-002.js';

export const FLAG = 'auto_invoke_matcher_on_intake_complete';
export const CONFIG_FLAG = 'matcher_trigger_decision_stages';
export const ENV_IDS = { Production: 85219, Development: 85220 } as const;
export const TOKEN = 'sandbox-admin-token-7f3a9c';
export const REQUESTER = 'ic@example.com';
export const APPROVER = 'sd@example.com';
/** Values that must never leave the application database (only `id` may). */
export const SECRET_COLUMNS = ['tenant-secret-41', 'patient-secret-97'];

export const COHORT_SQL = `SELECT id, tenant_id, patient_id FROM cases
  WHERE (workflow_state->>'matching_complete')::bool IS TRUE
    AND (workflow_state->>'ehr_constructed')::bool IS NOT TRUE
    AND created_at >= $1`;

export interface VersionRow {
  uuid: string;
  environment_id: number;
  description: string | null;
  published: boolean;
  created_at: Date;
}

export interface RollbackFixture {
  sandbox: Sandbox;
  flagsmith: FlagsmithClient;
  /** The application database (the seeded `cases`) the cohort query reads. */
  appUrl: string;
  deps(overrides?: Partial<ActivityDeps>, configPatch?: (config: Record<string, unknown>) => void): Omit<ActivityDeps, 'temporal'>;
  featureId(name?: string): Promise<number>;
  /** Versions of a flag created at or after `since`, not deleted. */
  versionsSince(since: Date, name?: string): Promise<VersionRow[]>;
  /** Make the flag ON (with `value` when given) in both environments, as a fresh published version. */
  setFlag(name: string, enabled: boolean, value?: FlatValue): Promise<void>;
}

/** Build the fixture for one test file (its databases and sandbox live until the file ends). */
export async function rollbackFixture(): Promise<RollbackFixture> {
  const sandboxDb = await testDatabase('sandbox');
  const app = await testDatabase('empty');
  let sandbox: Sandbox | undefined;
  let flagsmith: FlagsmithClient | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox({ databaseUrl: sandboxDb.url, token: TOKEN, seed: 'examples/sandbox-seed.yaml' });
    flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${TOKEN}` });
    await app.db.query(`CREATE TABLE IF NOT EXISTS cases (
      id text PRIMARY KEY, tenant_id text NOT NULL, patient_id text NOT NULL, workflow_state jsonb NOT NULL, created_at timestamptz NOT NULL)`);
    await app.db.query(`INSERT INTO cases VALUES
      ('case-1', 'tenant-secret-41', 'patient-secret-97', '{"matching_complete": true, "ehr_constructed": false}', '2026-06-01T00:00:00Z'),
      ('case-2', 'tenant-secret-41', 'patient-secret-97', '{"matching_complete": true}', '2026-06-02T00:00:00Z'),
      ('case-3', 'tenant-secret-41', 'patient-secret-97', '{"matching_complete": true, "ehr_constructed": true}', '2026-06-03T00:00:00Z'),
      ('case-4', 'tenant-secret-41', 'patient-secret-97', '{"matching_complete": true}', '2026-04-01T00:00:00Z'),
      ('case-5', 'tenant-secret-41', 'patient-secret-97', '{"matching_complete": false}', '2026-06-04T00:00:00Z')
      ON CONFLICT DO NOTHING`);
  });
  afterAll(async () => {
    await flagsmith?.close();
    await sandbox?.close();
  });

  const need = () => {
    if (!sandbox || !flagsmith) throw new Error('fixture used before beforeAll');
    return { sandbox, flagsmith };
  };
  const featureId = async (name = FLAG) => {
    const feature = await need().flagsmith.findFeatureByName(36214, name);
    if (!feature) throw new Error(`no feature ${name}`);
    return feature.id;
  };

  return {
    get sandbox() {
      return need().sandbox;
    },
    get flagsmith() {
      return need().flagsmith;
    },
    appUrl: app.url,
    deps(overrides = {}, configPatch) {
      const document: Record<string, unknown> = {
        flagsmith: seed002FlagsmithConfig(need().sandbox.url),
        approval: { approvers: [APPROVER, 'ops@example.com', REQUESTER], distinctFromRequester: true, timeout: '30m' },
        rollback: { cacheWait: '1s', verifyTimeout: '10s' },
        flags: {
          [FLAG]: {
            semantics: 'asymmetric',
            notes: 'Cases that fired keep matching_complete=true; see runbook.',
            cohort: { description: 'matching_complete without ehr_constructed', idColumn: 'id', sql: COHORT_SQL, params: ['flagOnAt'] },
          },
        },
      };
      configPatch?.(document);
      return {
        config: parseConfig(document, 'test', {}),
        log: createLogger('silent'),
        metrics: createMetrics(),
        secrets: { serverKeys: { Production: 'ser.sandboxProductionServerKey' } },
        flagsmith: need().flagsmith,
        appDb: app.db,
        ...overrides,
      };
    },
    featureId,
    async versionsSince(since, name = FLAG) {
      const id = await featureId(name);
      return need().sandbox.db.query<VersionRow & Record<string, unknown>>(
        `SELECT uuid::text, environment_id, description, published_at IS NOT NULL AS published, created_at
           FROM feature_versioning_environmentfeatureversion
          WHERE feature_id = $1 AND created_at >= $2 AND deleted_at IS NULL ORDER BY created_at`,
        [id, since],
      );
    },
    async setFlag(name, enabled, value) {
      const { flagsmith: client } = need();
      const id = await featureId(name);
      for (const { id: envId, apiKey } of seed002.environments) {
        const current = await client.getEnvironmentDefaultFeatureState(apiKey, name);
        const flat = value === undefined ? (current?.feature_state_value ?? null) : value;
        const version = await client.createVersion(envId, id, {
          feature_states_to_update: [{ enabled, feature_state_value: toFeatureStateValue(flat), feature_segment: null }],
          description: 'test setup',
        });
        await client.publishVersion(envId, id, version.uuid);
      }
    },
  };
}

/** Input with test-sized durations. */
export function testInput(overrides: Partial<RollbackInput> = {}): RollbackInput {
  return {
    flag: FLAG,
    reason: 'matcher cards without EHR',
    incidentId: 'INC-1',
    requestedBy: REQUESTER,
    cacheWaitMs: 1_000,
    approvalTimeoutMs: 60_000,
    verifyTimeoutMs: 10_000,
    verifyIntervalMs: 300,
    activityTimeouts: { startToCloseMs: 10_000, heartbeatMs: 3_000, scheduleToCloseMs: 60_000 },
    ...overrides,
  };
}

/** Poll the `status` query until `predicate` holds. */
export function waitForStatus(
  handle: WorkflowHandle,
  predicate: (status: RollbackStatus) => boolean,
  timeoutMs = 30_000,
): Promise<RollbackStatus> {
  return waitForQuery(`status of ${handle.workflowId}`, () => handle.query(statusQuery), predicate, { timeoutMs });
}
