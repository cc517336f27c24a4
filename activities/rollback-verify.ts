/**
 * Rollback step 5 (SPEC §3): one round of checks of one environment, each view reported
 * separately — the admin view (enabled/value and that the live version is ours), the SDK view
 * (what SDKs read from `sdkUrl`, with the server key when one is configured, since a client key
 * cannot see server-key-only flags), then the flag's probe. A failed check is a result, not an
 * error: the workflow decides, against its deadline, whether to look again.
 */
import { cancellationSignal } from '@temporalio/activity';
import { classifyVersions, flatValuesEqual, fromFeatureStateValue, type FlatValue } from '../src/flagsmith/index.js';
import type { FlagState, OverridesMode, ViewCheck } from '../workflows/rollback/messages.js';
import { outboundHttp, withoutSecrets, type ActivityDeps } from './deps.js';
import { describeError, requireFlagsmith } from './flagsmith.js';
import { findEnvironment } from './rollback-plan.js';
import { checkOverriddenIdentities } from './rollback-overrides.js';

export interface VerifyEnvironmentInput {
  flag: string;
  featureId: number;
  environment: string;
  expected: FlagState;
  /** The version we published (v2); the admin view must show it live. Null on v1. */
  version: string | null;
  /** Run the flag's configured probe too (once per rollback suffices: the probe is not per environment). */
  probe: boolean;
  /** The plan found overrides: check what overridden identities are served too (issue 12 §1). */
  identities?: { mode: OverridesMode };
}

export interface VerifyEnvironmentResult {
  adminView: ViewCheck;
  sdkView: ViewCheck;
  probe: ViewCheck | null;
  /** What overridden identities are served (SDK identities endpoint); absent without `identities`. */
  identityView?: ViewCheck;
}

function check(ok: boolean, detail: string, seen: { enabled?: boolean | null; value?: FlatValue; version?: string | null } = {}): ViewCheck {
  return {
    ok,
    checkedAt: new Date().toISOString(),
    detail,
    enabled: seen.enabled ?? null,
    value: seen.value ?? null,
    version: seen.version ?? null,
  };
}

function stateMismatch(expected: FlagState, enabled: boolean, value: FlatValue): string | null {
  if (enabled !== expected.enabled) return `enabled is ${enabled}, expected ${expected.enabled}`;
  if (!flatValuesEqual(value, expected.value)) return `value is ${JSON.stringify(value)}, expected ${JSON.stringify(expected.value)}`;
  return null;
}

/** Read `$.a.b[0]` from a JSON document; `undefined` when the path is absent. */
export function readJsonPath(document: unknown, path: string): unknown {
  const parts = path.replace(/^\$/, '').match(/\.[^.[\]]+|\[\d+\]/g) ?? [];
  let current: unknown = document;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = part.startsWith('[') ? (current as unknown[])[Number(part.slice(1, -1))] : (current as Record<string, unknown>)[part.slice(1)];
  }
  return current;
}

/** Step 5's activity: one round of verification of one environment. */
export function createRollbackVerifyActivities(deps: ActivityDeps) {
  return {
    /** One round of verification of one environment; never throws for a mismatch or an unreachable view. */
    async verifyEnvironment(input: VerifyEnvironmentInput): Promise<VerifyEnvironmentResult> {
      const client = requireFlagsmith(deps);
      const env = findEnvironment(deps, input.environment);
      const signal = cancellationSignal();

      // The three views are independent: read at once, reported separately.
      const admin = async (): Promise<ViewCheck> => {
        try {
          if (input.version !== null) return await adminViewByLiveRule(input.version);
          const state = await client.getEnvironmentDefaultFeatureState(env.apiKey, input.flag, { featureId: input.featureId, signal });
          if (!state) return check(false, 'no environment default found');
          const seen = { enabled: state.enabled, value: state.feature_state_value, version: state.environment_feature_version };
          const mismatch = stateMismatch(input.expected, state.enabled, state.feature_state_value);
          if (mismatch) return check(false, mismatch, seen);
          // v1 has no versions: the PATCH changed the feature state in place, so the state is all there is to compare.
          return check(true, 'state matches (v1: changed in place, no version to compare)', seen);
        } catch (error) {
          return check(false, describeError(error));
        }
      };
      /**
       * v2: the version SDKs serve is found by the live rule (published, live_from ≤ now, the latest
       * live_from), never taken from an admin view that may show the newest created one (Flagsmith
       * #8127); its environment default is what is compared.
       */
      const adminViewByLiveRule = async (ours: string): Promise<ViewCheck> => {
        // Our version's states are read beside the list, so the usual answer (ours is live) costs
        // one round trip; another live version's states are read after, on the failing path only.
        const oursStates = client.listVersionFeatureStates(env.id, input.featureId, ours, { signal });
        oursStates.catch(() => undefined);
        const { current } = classifyVersions(await client.listVersions(env.id, input.featureId, { isLive: true, signal }), new Date());
        if (!current) return check(false, 'no live version found');
        const states = current.uuid === ours ? await oursStates : await client.listVersionFeatureStates(env.id, input.featureId, current.uuid, { signal });
        const state = states.find((s) => s.feature_segment === null && s.identity === null);
        if (!state) return check(false, `live version ${current.uuid} has no environment default`, { version: current.uuid });
        const value = fromFeatureStateValue(state.feature_state_value);
        const seen = { enabled: state.enabled, value, version: current.uuid };
        const mismatch = stateMismatch(input.expected, state.enabled, value);
        if (mismatch) return check(false, mismatch, seen);
        if (current.uuid !== ours) return check(false, `live version is ${current.uuid}, expected ours ${ours}`, seen);
        return check(true, `our version ${ours} is live`, seen);
      };
      const serverKey = deps.secrets.serverKeys[env.name];
      const keyKind = serverKey ? 'server key' : 'environment key';
      const sdk = async (): Promise<ViewCheck> => {
        try {
          const flag = await client.getSdkFlag(serverKey ?? env.apiKey, input.flag, { signal });
          const mismatch = stateMismatch(input.expected, flag.enabled, flag.feature_state_value);
          return check(mismatch === null, mismatch ?? `SDK (${keyKind}) sees the new state`, { enabled: flag.enabled, value: flag.feature_state_value });
        } catch (error) {
          return check(false, `SDK (${keyKind}): ${describeError(error)}`);
        }
      };
      const probeConfig = deps.config.flags[input.flag]?.probe;
      const backend = async (): Promise<ViewCheck | null> => {
        if (!input.probe || !probeConfig) return null;
        try {
          const res = await outboundHttp(deps).getJson(probeConfig.url, { signal });
          const seen = readJsonPath(res.body, probeConfig.expectJsonPath);
          const ok = JSON.stringify(seen) === JSON.stringify(probeConfig.expectValue);
          return check(ok, `${probeConfig.expectJsonPath} is ${JSON.stringify(seen)}${ok ? '' : `, expected ${JSON.stringify(probeConfig.expectValue)}`}`);
        } catch (error) {
          return check(false, describeError(error));
        }
      };
      const identities = async (): Promise<ViewCheck | null> => {
        if (!input.identities) return null;
        try {
          const seen = await checkOverriddenIdentities(client, {
            sdkKey: serverKey ?? env.apiKey,
            envApiKey: env.apiKey,
            envId: env.id,
            projectId: deps.config.flagsmith.projectId,
            flag: input.flag,
            featureId: input.featureId,
            // Overrides disabled serve OFF; removed ones fall back to the new default.
            expectedEnabled: input.identities.mode === 'disable' ? false : input.expected.enabled,
            mode: input.identities.mode,
            allowIdentifiers: deps.config.flags[input.flag]?.overrideIdentifiers ?? false,
            signal,
          });
          return check(seen.ok, `SDK identities (${keyKind}): ${seen.detail}`);
        } catch (error) {
          return check(false, `SDK identities (${keyKind}): ${describeError(error)}`);
        }
      };
      const [adminView, sdkView, probe, identityView] = await Promise.all([admin(), sdk(), backend(), identities()]);
      // A server may echo any credential the worker holds, not only the one it was sent.
      const clean = (view: ViewCheck): ViewCheck => ({ ...view, detail: withoutSecrets(deps, view.detail) });
      return { adminView: clean(adminView), sdkView: clean(sdkView), probe: probe && clean(probe), ...(identityView ? { identityView: clean(identityView) } : {}) };
    },
  };
}
