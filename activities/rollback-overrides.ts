/**
 * The overrides a rollback of the environment default would miss (issue 12 §1): the segment
 * overrides of the live version and the flag's identity overrides, what the rollback does to each
 * (`keep`, `disable`, `remove`), and which will still serve their own state afterwards.
 * Identifiers may be personal data: they are read here but leave only as counts unless the flag's
 * config sets `overrideIdentifiers`.
 */
import {
  fromFeatureStateValue,
  type FlagsmithClient,
  type IdentityOverride,
  type Segment,
  type VersionFeatureState,
  type VersionFeatureStateInput,
} from '../src/flagsmith/index.js';
import { HttpError, httpFailure } from '../src/http.js';
import type { FlagState, OverridesMode, OverridesPlan } from '../workflows/rollback/messages.js';
import { flagsmithCall } from './flagsmith.js';

/** At most this many identifiers enter a plan, when the config allows any. */
export const MAX_PLAN_IDENTIFIERS = 10;

export interface OverridesReadInput {
  projectId: number;
  envId: number;
  envApiKey: string;
  featureId: number;
  /** The live version (v2); null on v1, whose segment overrides the plan does not read. */
  liveVersion: string | null;
  after: FlagState;
  mode: OverridesMode;
  allowIdentifiers: boolean;
}

/** Reads started early (the re-check before publishing starts them with its first round trip). */
export interface OverrideReads {
  identities: Promise<IdentityOverride[]>;
  segments: Promise<Segment[]>;
  /** The states of the version expected live; used only when it is the live one. */
  versionStates?: { uuid: string; states: Promise<VersionFeatureState[]> };
}

/** A promise whose rejection is handled now and rethrown when it is awaited (no unhandled rejection meanwhile). */
function early<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Start the reads that need only the feature (and, for a guess at the live version, its uuid). */
export function startOverrideReads(
  client: FlagsmithClient,
  input: { projectId: number; envId: number; envApiKey: string; featureId: number; liveVersionGuess: string | null },
): OverrideReads {
  const guess = input.liveVersionGuess;
  return {
    identities: early(flagsmithCall(() => client.listIdentityOverrides(input.envApiKey, input.featureId))),
    segments: early(flagsmithCall(() => client.listSegments(input.projectId))),
    ...(guess ? { versionStates: { uuid: guess, states: early(flagsmithCall(() => client.listVersionFeatureStates(input.envId, input.featureId, guess))) } } : {}),
  };
}

const actionOf = (mode: OverridesMode): 'kept' | 'disabled' | 'removed' => (mode === 'keep' ? 'kept' : mode === 'disable' ? 'disabled' : 'removed');

/** Whether an override still serves a state other than the target once the rollback has run. */
function stillServesOld(enabled: boolean, mode: OverridesMode, after: FlagState): boolean {
  if (mode === 'remove') return false;
  const servedEnabled = mode === 'disable' ? false : enabled;
  return servedEnabled !== after.enabled;
}

/** Read and judge the overrides of one environment. */
export async function planOverrides(client: FlagsmithClient, input: OverridesReadInput, reads?: OverrideReads): Promise<OverridesPlan> {
  const live = input.liveVersion;
  const started: OverrideReads = reads ?? {
    identities: flagsmithCall(() => client.listIdentityOverrides(input.envApiKey, input.featureId)),
    // v1 keeps no segment overrides in versions: the plan reads none there.
    segments: live === null ? Promise.resolve([]) : flagsmithCall(() => client.listSegments(input.projectId)),
  };
  const states =
    live === null
      ? Promise.resolve([])
      : started.versionStates?.uuid === live
        ? started.versionStates.states
        : flagsmithCall(() => client.listVersionFeatureStates(input.envId, input.featureId, live));
  const [versionStates, segments, identityOverrides] = await Promise.all([states, started.segments, started.identities]);
  const action = actionOf(input.mode);
  const segmentPlans = versionStates.flatMap((state) => {
    const segment = state.feature_segment;
    if (segment === null || state.identity !== null) return [];
    return [
      {
        segmentId: segment.segment,
        segment: segments.find((s) => s.id === segment.segment)?.name ?? `segment ${segment.segment}`,
        priority: segment.priority ?? null,
        enabled: state.enabled,
        value: fromFeatureStateValue(state.feature_state_value),
        action,
        stillServesOld: stillServesOld(state.enabled, input.mode, input.after),
      },
    ];
  });
  segmentPlans.sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0) || a.segmentId - b.segmentId);
  const differing = identityOverrides.filter((o) => o.enabled !== input.after.enabled).length;
  return {
    segments: segmentPlans,
    identities: {
      count: identityOverrides.length,
      differing,
      action,
      stillServingOld: identityOverrides.filter((o) => stillServesOld(o.enabled, input.mode, input.after)).length,
      identifiers: input.allowIdentifiers ? identityOverrides.slice(0, MAX_PLAN_IDENTIFIERS).map((o) => o.identity.identifier) : null,
      cut: input.allowIdentifiers && identityOverrides.length > MAX_PLAN_IDENTIFIERS,
    },
  };
}

/**
 * The parts of the publish's create-version body that disable or remove the segment overrides of
 * the version live now (the one Flagsmith clones): `disable` updates each, matched by
 * `feature_segment.segment` with its own value, to OFF; `remove` lists their segments in
 * `segment_ids_to_delete_overrides`. Empty for `keep` and when nothing is live.
 */
export async function segmentOverrideChanges(
  client: FlagsmithClient,
  input: { envId: number; envApiKey: string; flag: string; featureId: number; mode: OverridesMode; signal: AbortSignal },
): Promise<{ feature_states_to_update: VersionFeatureStateInput[]; segment_ids_to_delete_overrides: number[] }> {
  const none = { feature_states_to_update: [], segment_ids_to_delete_overrides: [] };
  if (input.mode === 'keep') return none;
  const live = await flagsmithCall(() => client.getEnvironmentDefaultFeatureState(input.envApiKey, input.flag, { featureId: input.featureId, signal: input.signal }));
  const uuid = live?.environment_feature_version;
  if (!uuid) return none;
  const states = await flagsmithCall(() => client.listVersionFeatureStates(input.envId, input.featureId, uuid, { signal: input.signal }));
  const overrides = states.filter((s) => s.feature_segment !== null && s.identity === null);
  if (input.mode === 'remove') return { feature_states_to_update: [], segment_ids_to_delete_overrides: overrides.map((s) => s.feature_segment?.segment ?? -1) };
  return {
    feature_states_to_update: overrides.map((s) => ({
      enabled: false,
      feature_state_value: s.feature_state_value,
      feature_segment: { segment: s.feature_segment?.segment ?? -1, ...(s.feature_segment?.priority != null ? { priority: s.feature_segment.priority } : {}) },
    })),
    segment_ids_to_delete_overrides: [],
  };
}

/**
 * Disable (PATCH `enabled: false`) or remove (DELETE) the flag's identity overrides in one
 * environment, as listed now. Idempotent across attempts: a disabled override is skipped, a delete
 * of one already gone (404) counts as done. @returns how many this attempt changed.
 */
export async function applyIdentityOverrides(
  client: FlagsmithClient,
  input: { envApiKey: string; featureId: number; mode: OverridesMode; signal: AbortSignal },
): Promise<number> {
  if (input.mode === 'keep') return 0;
  const overrides = await flagsmithCall(() => client.listIdentityOverrides(input.envApiKey, input.featureId, { signal: input.signal }));
  let changed = 0;
  for (const override of overrides) {
    if (input.mode === 'disable') {
      if (!override.enabled) continue;
      await flagsmithCall(() => client.updateIdentityOverride(input.envApiKey, override.identity.id, override.id, { enabled: false }, { signal: input.signal }));
      changed++;
      continue;
    }
    try {
      await client.deleteIdentityOverride(input.envApiKey, override.identity.id, override.id, { signal: input.signal });
      changed++;
    } catch (error) {
      // Deleted meanwhile by an overlapping attempt: the outcome is the same.
      if (error instanceof HttpError && error.status === 404) continue;
      throw error instanceof HttpError ? httpFailure(error) : error;
    }
  }
  return changed;
}

/** How many overridden identities verification asks the SDK about, per environment and round. */
export const VERIFY_IDENTITY_SAMPLE = 5;

/**
 * Traits that put an identity in a segment, when its rules let one be built: every top-level rule
 * (and nested rule) of type ALL or ANY must be satisfiable by `EQUAL` conditions alone (one per ANY
 * rule, every one of an ALL rule). `null` when the rules need anything else.
 */
export function traitsForSegment(rules: Segment['rules']): { trait_key: string; trait_value: string }[] | null {
  const traits = new Map<string, string>();
  const satisfy = (rule: { type: string; conditions: Segment['rules'][number]['conditions'] }): boolean => {
    if (rule.conditions.length === 0) return true;
    if (rule.type === 'NONE') return false;
    const equal = rule.conditions.filter((c) => c.operator === 'EQUAL' && c.property);
    const chosen = rule.type === 'ALL' ? (equal.length === rule.conditions.length ? equal : null) : equal.slice(0, 1);
    if (!chosen || chosen.length === 0) return false;
    for (const c of chosen) {
      const key = c.property ?? '';
      const value = c.value ?? '';
      if (traits.has(key) && traits.get(key) !== value) return false;
      traits.set(key, value);
    }
    return true;
  };
  if (rules.length === 0) return null;
  for (const rule of rules) {
    if (!satisfy(rule)) return null;
    for (const nested of rule.rules) if (!satisfy(nested)) return null;
  }
  return [...traits].map(([trait_key, trait_value]) => ({ trait_key, trait_value }));
}

export interface IdentityCheckInput {
  sdkKey: string;
  envApiKey: string;
  envId: number;
  projectId: number;
  flag: string;
  featureId: number;
  /** The enabled state every identity should be served once overrides are disabled or removed. */
  expectedEnabled: boolean;
  mode: OverridesMode;
  allowIdentifiers: boolean;
  signal: AbortSignal;
}

/**
 * What overridden identities are served, through the SDK identities endpoint: a sample of the
 * identities that override the flag, and one built identity per segment override whose rules allow
 * it (a transient identify that stores nothing). With `keep` the result is informational (`ok`).
 */
export async function checkOverriddenIdentities(client: FlagsmithClient, input: IdentityCheckInput): Promise<{ ok: boolean; detail: string; servedOn: number; checked: number }> {
  const live = await client.getEnvironmentDefaultFeatureState(input.envApiKey, input.flag, { featureId: input.featureId, signal: input.signal });
  const uuid = live?.environment_feature_version ?? null;
  const [overrides, states, segments] = await Promise.all([
    client.listIdentityOverrides(input.envApiKey, input.featureId, { signal: input.signal }),
    uuid === null ? Promise.resolve([]) : client.listVersionFeatureStates(input.envId, input.featureId, uuid, { signal: input.signal }),
    uuid === null ? Promise.resolve([]) : client.listSegments(input.projectId, { signal: input.signal }),
  ]);
  const served = async (identifier: string, traits?: { trait_key: string; trait_value: string }[]) =>
    (await client.getSdkIdentityFlags(input.sdkKey, identifier, { signal: input.signal, ...(traits ? { traits } : {}) })).flags.find((f) => f.feature.name === input.flag)?.enabled ?? null;
  const wrong: string[] = [];
  let checked = 0;
  for (const [index, override] of overrides.slice(0, VERIFY_IDENTITY_SAMPLE).entries()) {
    checked++;
    const enabled = await served(override.identity.identifier);
    if (enabled !== input.expectedEnabled) wrong.push(input.allowIdentifiers ? override.identity.identifier : `identity #${index + 1}`);
  }
  const unbuildable: string[] = [];
  for (const state of states.filter((s) => s.feature_segment !== null)) {
    const segment = segments.find((s) => s.id === state.feature_segment?.segment);
    const traits = segment ? traitsForSegment(segment.rules) : null;
    if (!segment || !traits) {
      unbuildable.push(segment?.name ?? `segment ${state.feature_segment?.segment ?? '?'}`);
      continue;
    }
    checked++;
    const enabled = await served(`flagops-verify-${segment.id}`, traits);
    if (enabled !== input.expectedEnabled) wrong.push(`a member of segment "${segment.name}"`);
  }
  const word = input.expectedEnabled ? 'ON' : 'OFF';
  const skipped = unbuildable.length > 0 ? `; no identity could be built for ${unbuildable.join(', ')}` : '';
  if (wrong.length === 0) return { ok: true, detail: `${checked} overridden identities checked, each served ${word}${skipped}`, servedOn: 0, checked };
  const detail = `${wrong.length} of ${checked} overridden identities not served ${word} (${wrong.slice(0, 5).join(', ')})${skipped}`;
  return { ok: input.mode === 'keep', detail: input.mode === 'keep' ? `${detail}, as the plan said (--overrides keep)` : detail, servedOn: wrong.length, checked };
}
