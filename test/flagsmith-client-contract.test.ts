/**
 * FlagsmithClient against the sandbox: real HTTP, real PostgreSQL (a fresh database for this file).
 * The shared contract also runs against a real Flagsmith in `flagsmith-contract-real.test.ts`;
 * what only the sandbox can provoke (throttling, injected faults) is checked here.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagsmithClient } from '../src/flagsmith/client.js';
import { HttpError } from '../src/http.js';
import { startSandbox, type Sandbox, type SeedDocument } from '../src/sandbox/index.js';
import { defineFlagsmithContract } from './flagsmith-client-contract.shared.js';
import { testDatabase } from './helpers/databases.js';

const TOKEN = 'sandbox-contract-t0ken-5f2a';
const FLAG = 'auto_invoke_matcher_on_intake_complete';

/** Seed 002's project and environments, a v1 environment beside them, and the flags the contract uses. */
const seed: SeedDocument = {
  project: { id: 36214, name: 'Curaway' },
  environments: [
    { id: 85219, name: 'Production', api_key: 'X4CdBvak98wpn6Ljq7eUSs', server_keys: ['ser.contractProductionKey1'] },
    { id: 85220, name: 'Development', api_key: 'SCE375zGzViFpGZhWoiK7D', server_keys: ['ser.contractDevelopmentKey1'] },
    { id: 85221, name: 'Legacy', api_key: 'LegacyV1EnvironmentKey1', use_v2_feature_versioning: false, server_keys: ['ser.contractLegacyKey1'] },
  ],
  features: [
    {
      name: FLAG,
      environments: {
        Production: { enabled: true, history: [{ enabled: false, live_from: '2026-05-01T00:00:00Z' }, { enabled: true, live_from: '2026-05-22T09:00:00Z' }] },
        Development: { enabled: true, history: [{ enabled: false, live_from: '2026-05-01T00:00:00Z' }, { enabled: true, live_from: '2026-05-22T09:00:00Z' }] },
        Legacy: { enabled: true },
      },
    },
    { name: `${FLAG}_v2`, environments: { Production: { enabled: false }, Development: { enabled: false }, Legacy: { enabled: false } } },
    {
      name: 'matcher_trigger_stages',
      type: 'STANDARD',
      environments: {
        Production: { enabled: true, value: '["comparing_options","ready_to_commit"]' },
        Development: { enabled: true, value: '["comparing_options","ready_to_commit"]' },
        Legacy: { enabled: true, value: '["comparing_options"]' },
      },
    },
  ],
};

async function sandboxWith(options: { throttle?: { ratePerMinute: number } } = {}): Promise<Sandbox> {
  const { url } = await testDatabase('sandbox');
  return startSandbox({ databaseUrl: url, port: 0, token: TOKEN, seed, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  const hit = [JSON.stringify(err), inspect(err, { depth: 20, showHidden: true })].some((t) => t.includes(TOKEN));
  expect(hit).toBe(false);
  return err as HttpError;
}

describe('FlagsmithClient contract against the sandbox', () => {
  defineFlagsmithContract(async () => {
    const sandbox = await sandboxWith();
    const env = (id: number, apiKey: string, sdkKey: string) => ({ id, apiKey, sdkKey });
    return {
      apiUrl: sandbox.url,
      token: `Token ${TOKEN}`,
      projectId: 36214,
      production: env(85219, 'X4CdBvak98wpn6Ljq7eUSs', 'ser.contractProductionKey1'),
      development: env(85220, 'SCE375zGzViFpGZhWoiK7D', 'ser.contractDevelopmentKey1'),
      legacy: env(85221, 'LegacyV1EnvironmentKey1', 'ser.contractLegacyKey1'),
      booleanFlag: FLAG,
      decoyFlag: `${FLAG}_v2`,
      configFlag: 'matcher_trigger_stages',
      close: () => sandbox.close(),
    };
  });
});

describe('FlagsmithClient against sandbox throttling and faults', () => {
  let sandbox: Sandbox;
  let client: FlagsmithClient;

  beforeAll(async () => {
    sandbox = await sandboxWith({ throttle: { ratePerMinute: 2 } });
    client = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Api-Key ${TOKEN}`, timeoutMs: 1_000 });
  });

  afterAll(async () => {
    await client?.close();
    await sandbox?.close();
  });

  it('maps admin throttling to Throttled with Retry-After in ms', async () => {
    await client.getEnvironment('X4CdBvak98wpn6Ljq7eUSs');
    await client.getEnvironment('X4CdBvak98wpn6Ljq7eUSs');
    const err = await rejection(client.getEnvironment('X4CdBvak98wpn6Ljq7eUSs'));
    expect(err).toMatchObject({ type: 'Throttled', status: 429, retryable: true });
    expect(err.serverMessage).toMatch(/^Request was throttled\. Expected available in \d+ seconds?\.$/);
    const seconds = Number(/in (\d+) second/.exec(err.serverMessage ?? '')?.[1]);
    expect(err.retryAfterMs).toBe(seconds * 1000);
  });

  it('maps an injected 503 with Retry-After to a retryable ServerError', async () => {
    sandbox.faults.add({ path: '/api/v1/flags/', status: 503, retryAfter: 4, count: 1 });
    const err = await rejection(client.getSdkFlag('ser.contractProductionKey1', FLAG));
    expect(err).toMatchObject({ type: 'ServerError', status: 503, retryable: true, retryAfterMs: 4000 });
  });

  it('maps an injected connection reset to Network', async () => {
    sandbox.faults.add({ path: '/api/v1/flags/', reset: true, count: 1 });
    const err = await rejection(client.getSdkFlag('ser.contractProductionKey1', FLAG));
    expect(err).toMatchObject({ type: 'Network', retryable: true });
  });

  it('maps injected latency beyond the timeout to Network', async () => {
    sandbox.faults.add({ path: '/api/v1/flags/', latencyMs: 1_500, count: 1 });
    const err = await rejection(client.getSdkFlag('ser.contractProductionKey1', FLAG));
    expect(err.type).toBe('Network');
    expect(err.message).toContain('timed out');
  });

  it('answers 403 for an unknown SDK key as Unauthorized', async () => {
    const err = await rejection(client.getSdkFlag('ser.unknownKey', FLAG));
    expect(err).toMatchObject({ type: 'Unauthorized', status: 403 });
    expect(JSON.stringify(err)).not.toContain('ser.unknownKey');
  });
});
