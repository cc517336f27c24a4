/**
 * The FlagsmithClient contract against a real Flagsmith, so the client and the sandbox can be
 * checked against the real thing. Runs only when `FLAGSMITH_CONTRACT_URL` (Admin API base) and
 * `FLAGSMITH_CONTRACT_TOKEN` (`Token …` of a user, or an admin `Api-Key …`) are set.
 *
 * It creates a throw-away project in the token's first organisation (or
 * `FLAGSMITH_CONTRACT_ORGANISATION`), with two v2 environments, one v1 environment and three
 * features, and deletes the project afterwards. Do not point it at production.
 */
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import { normaliseAdminToken } from '../src/config/env.js';
import { HttpClient } from '../src/http.js';
import { defineFlagsmithContract, type ContractEnvironment, type ContractFixture } from './flagsmith-client-contract.shared.js';

const url = process.env.FLAGSMITH_CONTRACT_URL?.trim() ?? '';
const rawToken = process.env.FLAGSMITH_CONTRACT_TOKEN?.trim() ?? '';
const configured = url !== '' && rawToken !== '';

const title = configured
  ? 'FlagsmithClient contract against a real Flagsmith'
  : 'FlagsmithClient contract against a real Flagsmith (skipped: set FLAGSMITH_CONTRACT_URL and FLAGSMITH_CONTRACT_TOKEN to run it)';

describe.skipIf(!configured)(title, () => {
  defineFlagsmithContract(() => createRealFixture(url, normaliseAdminToken(rawToken)));
});

type Json = Record<string, unknown>;

async function createRealFixture(apiUrl: string, token: string): Promise<ContractFixture> {
  const http = new HttpClient({ name: 'Flagsmith (contract setup)', baseUrl: apiUrl, headers: { Authorization: token }, timeoutMs: 30_000 });
  const post = async (path: string, json: unknown): Promise<Json> => (await http.postJson<Json>(path, json)).body;
  const get = async (path: string): Promise<unknown> => (await http.getJson(path)).body;

  const organisation = Number(process.env.FLAGSMITH_CONTRACT_ORGANISATION ?? firstId(await get('api/v1/organisations/')));
  const suffix = randomBytes(4).toString('hex');
  const project = await post('api/v1/projects/', { name: `flagops-contract-${suffix}`, organisation });
  const projectId = Number(project.id);
  try {
    const environment = async (name: string): Promise<{ id: number; apiKey: string }> => {
      const env = await post('api/v1/environments/', { name, project: projectId });
      return { id: Number(env.id), apiKey: String(env.api_key) };
    };
    const envs = { production: await environment('Production'), development: await environment('Development'), legacy: await environment('Legacy') };

    const booleanFlag = `flagops_contract_${suffix}`;
    const configFlag = `flagops_contract_config_${suffix}`;
    await post(`api/v1/projects/${projectId}/features/`, { name: booleanFlag, default_enabled: true, initial_value: null });
    await post(`api/v1/projects/${projectId}/features/`, { name: `${booleanFlag}_v2`, default_enabled: false, initial_value: null });
    await post(`api/v1/projects/${projectId}/features/`, {
      name: configFlag,
      default_enabled: true,
      initial_value: '["comparing_options","ready_to_commit"]',
    });

    for (const env of [envs.production, envs.development]) {
      await post(`api/v1/environments/${env.apiKey}/enable-v2-versioning/`, {});
      await waitForV2(get, env.apiKey);
    }

    const withSdkKey = async (env: { id: number; apiKey: string }): Promise<ContractEnvironment> => {
      const key = await post(`api/v1/environments/${env.apiKey}/api-keys/`, { name: 'flagops contract' });
      return { ...env, sdkKey: String(key.key) };
    };
    return {
      apiUrl,
      token,
      projectId,
      production: await withSdkKey(envs.production),
      development: await withSdkKey(envs.development),
      legacy: await withSdkKey(envs.legacy),
      booleanFlag,
      decoyFlag: `${booleanFlag}_v2`,
      configFlag,
      close: async () => {
        await http.request({ method: 'DELETE', url: `api/v1/projects/${projectId}/` });
        await http.close();
      },
    };
  } catch (error) {
    await http.request({ method: 'DELETE', url: `api/v1/projects/${projectId}/` }).catch(() => undefined);
    await http.close();
    throw error;
  }
}

/** Enabling v2 is an asynchronous task in Flagsmith (202); the flag flips when it has run. */
async function waitForV2(get: (path: string) => Promise<unknown>, apiKey: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const env = (await get(`api/v1/environments/${apiKey}/`)) as Json;
    if (env.use_v2_feature_versioning === true) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`environment ${apiKey} did not switch to v2 feature versioning within 60 s`);
}

function firstId(body: unknown): number {
  const list = Array.isArray(body) ? body : ((body as { results?: unknown[] } | null)?.results ?? []);
  const first = list[0] as { id?: unknown } | undefined;
  if (typeof first?.id !== 'number') throw new Error('the contract token sees no organisation; set FLAGSMITH_CONTRACT_ORGANISATION');
  return first.id;
}
