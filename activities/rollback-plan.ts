/**
 * Rollback step 1 (SPEC §3): the worker's view of the rollback (approvers, durations, flag
 * semantics — from the worker's config, never from workflow input), one plan activity per
 * environment, and the plan hash over canonical JSON (no crypto in workflow code).
 */
import { FailureType, failure } from '../src/failures.js';
import type { EnvironmentConfig } from '../src/config/schema.js';
import {
  classifyVersions,
  fromFeatureStateValue,
  inferValueType,
  toFeatureStateValue,
  ValueConversionError,
  type FlagsmithClient,
  type Version,
} from '../src/flagsmith/index.js';
import { autoApprovingRules } from '../src/alerts/auto-approve.js';
import { rollbackInputProblems } from '../src/rollback/input.js';
import { canonicalJson, sha256Hex } from '../src/store/canonical.js';
import type { EnvironmentPlan, FlagState, OverridesMode, RollbackInput, RollbackPlan, RollbackTarget } from '../workflows/rollback/messages.js';
import type { ActivityDeps } from './deps.js';
import { flagsmithCall, requireFlagsmith } from './flagsmith.js';
import { planOverrides, startOverrideReads } from './rollback-overrides.js';

/** What the worker's configuration says about this rollback. */
export interface RollbackContext {
  projectId: number;
  /** The selected environments, in configuration order. */
  environments: { name: string; id: number }[];
  partialReason: string | null;
  approvers: string[];
  distinctFromRequester: boolean;
  /** `rule:<name>` of the autoApprove rule that started this run, when the worker's config allows it. */
  ruleApprovers?: string[];
  cacheWaitMs: number;
  approvalTimeoutMs: number;
  verifyTimeoutMs: number;
  semantics: RollbackPlan['semantics'];
  notes: string | null;
  cohort: { description: string | null; idColumn: string; needsFlagOnAt: boolean } | null;
  probe: { url: string } | null;
  /** Tell Slack when the plan is ready (a `slack` section that does not turn it off); absent in older runs. */
  approvalNotice?: boolean;
  /** What happens to overrides (absent in contexts recorded before issue 12: `keep`). */
  overrides?: OverridesMode;
}

export interface PlanEnvironmentInput {
  flag: string;
  environment: string;
  target: RollbackTarget;
  /** Read the version history for `flagOnAt` (the first environment only). */
  readHistory: boolean;
  /**
   * What the plan being re-checked (just before publishing) already established: the feature's id
   * and the environment's versioning. The re-check then reads everything at once, in one round trip.
   */
  known?: { featureId: number; versioning: 'v1' | 'v2'; /** The live version the plan saw (v2): its overrides are read at once. */ liveVersion?: string };
  /** Default `keep`. */
  overrides?: OverridesMode;
}

export type PlanEnvironmentResult = EnvironmentPlan & {
  featureId: number;
  /** When the flag last went off → on here (only with `readHistory`). */
  flagOnAt: string | null;
  /** Why `flagOnAt` is unknown, when the history could not tell (hidden or too long); absent otherwise. */
  flagOnAtUnknown?: string;
  /** The environment's `minimum_change_request_approvals`, when set (read with the environment only). */
  changeRequestApprovals?: number;
};

/** The plan fields the hash covers: everything but the hash, its revision and its time. */
export type HashablePlan = Omit<RollbackPlan, 'planHash' | 'revision' | 'plannedAt'>;

/**
 * The configured environment of that name.
 * @throws PlanInvalid naming the configured environments when there is none.
 */
export function findEnvironment(deps: ActivityDeps, name: string): EnvironmentConfig {
  const env = deps.config.flagsmith.environments.find((e) => e.name === name);
  if (!env) {
    const known = deps.config.flagsmith.environments.map((e) => e.name).join(', ');
    throw failure(FailureType.PlanInvalid, `environment ${JSON.stringify(name)} is not configured (configured: ${known})`);
  }
  return env;
}

/** The state to publish: the target, typed as the current value unless told otherwise. */
export function afterState(before: FlagState, target: RollbackTarget): FlagState {
  if (target.value === undefined) {
    // Disable-only (or enable-only): resend the current value and type, never null.
    return { enabled: target.enabled, value: before.value, valueType: before.valueType };
  }
  const valueType = target.valueType ?? before.valueType;
  try {
    return { enabled: target.enabled, value: fromFeatureStateValue(toFeatureStateValue(target.value, valueType)), valueType };
  } catch (error) {
    if (error instanceof ValueConversionError) {
      throw failure(FailureType.PlanInvalid, `target value ${JSON.stringify(target.value)} is not a ${valueType} value: ${error.message}`);
    }
    throw error;
  }
}

/** How many live versions' states the plan reads at most to find `flagOnAt`, newest first. */
export const FLAG_ON_AT_MAX_VERSIONS = 10;
/** How many of those it reads at once. */
const FLAG_ON_AT_BATCH = 5;

/** When the flag last went off → on, or why that cannot be told. */
export interface FlagOnAtFinding {
  flagOnAt: string | null;
  /** Set when `flagOnAt` is unknown for a reason other than "never off": the history is hidden or longer than the plan reads. */
  unknownReason: string | null;
}

/**
 * When the flag last went off → on: walking the live versions newest first, the oldest version of
 * the newest unbroken run of "on" versions that follows an "off" one. Bounded whatever the
 * history's length: at most {@link FLAG_ON_AT_MAX_VERSIONS} versions' states (read
 * {@link FLAG_ON_AT_BATCH} at a time) and one version retrieve, which tells a complete history
 * from one the versions list hides (a free plan lists only the last 7 days' versions, or the
 * newest alone): the retrieve of the oldest listed version names its predecessor.
 */
async function findFlagOnAt(client: FlagsmithClient, envId: number, featureId: number, versions: Version[], now: Date): Promise<FlagOnAtFinding> {
  const live = versions
    .filter((v) => v.published && v.live_from !== null && Date.parse(v.live_from) <= now.getTime())
    .sort((a, b) => Date.parse(b.live_from ?? '') - Date.parse(a.live_from ?? ''));
  const read = live.slice(0, FLAG_ON_AT_MAX_VERSIONS);
  let onSince: string | null = null;
  for (let start = 0; start < read.length; start += FLAG_ON_AT_BATCH) {
    const batch = read.slice(start, start + FLAG_ON_AT_BATCH);
    const states = await Promise.all(batch.map((version) => flagsmithCall(() => client.listVersionFeatureStates(envId, featureId, version.uuid))));
    for (const [i, version] of batch.entries()) {
      const enabled = states[i]?.find((s) => s.feature_segment === null && s.identity === null)?.enabled;
      if (enabled === true) onSince = version.live_from;
      else if (onSince !== null) return { flagOnAt: onSince, unknownReason: null };
    }
  }
  const oldest = read.at(-1);
  // Off in every version read and nothing beyond: never on. (Off in all of them with more beyond
  // is told apart below, as an on-run may lie further back.)
  if (onSince === null && live.length <= read.length) return { flagOnAt: null, unknownReason: null };
  if (live.length > read.length) {
    return {
      flagOnAt: null,
      unknownReason: `the newest ${read.length} versions, as far back as ${oldest?.live_from ?? '?'}, hold no off → on transition; the plan reads no further (give flagOnAt)`,
    };
  }
  // On in every listed live version: a complete history means it was never off; a hidden one cannot say.
  const detail = oldest ? await flagsmithCall(() => client.getVersion(oldest.uuid)) : null;
  if (detail?.previous_version_uuid) {
    return {
      flagOnAt: null,
      unknownReason: `Flagsmith lists only part of the version history (a plan limit hides older versions); the flag was on in every listed version, as far back as ${oldest?.live_from ?? '?'} (give flagOnAt)`,
    };
  }
  return { flagOnAt: null, unknownReason: null };
}

/** A read's answer, or its failure thrown. */
function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/** Step 1's activities: the rollback's context from the worker's config, the per-environment plan, the plan hash. */
export function createRollbackPlanActivities(deps: ActivityDeps) {
  return {
    /**
     * The worker's configuration for this rollback.
     * @throws PlanInvalid for an input the schema refuses, an unknown environment or a subset without `partialReason`;
     *   Config when no approvers are configured.
     */
    // eslint-disable-next-line @typescript-eslint/require-await -- activities are async by contract
    async resolveRollbackContext(input: RollbackInput): Promise<RollbackContext> {
      const { config } = deps;
      // The same rules as the CLI's and the starter's: a run started by any client is held to them.
      const problems = rollbackInputProblems(input);
      if (problems.length > 0) throw failure(FailureType.PlanInvalid, `invalid input: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
      if (!config.approval) throw failure(FailureType.Config, 'approval.approvers is not configured on the worker: nobody could approve');
      const all = config.flagsmith.environments;
      const requested = input.environments && input.environments.length > 0 ? [...new Set(input.environments)] : all.map((e) => e.name);
      for (const name of requested) findEnvironment(deps, name);
      const selected = all.filter((e) => requested.includes(e.name));
      const partial = selected.length < all.length;
      const partialReason = input.partialReason?.trim() ? input.partialReason.trim() : null;
      if (partial && partialReason === null) {
        throw failure(
          FailureType.PlanInvalid,
          `a rollback of only ${selected.map((e) => e.name).join(', ')} needs a partialReason: every configured environment (${all
            .map((e) => e.name)
            .join(', ')}) is flipped unless told why not`,
        );
      }
      const flag = config.flags[input.flag];
      const ruleApprovers = autoApprovingRules(config, input);
      return {
        projectId: config.flagsmith.projectId,
        environments: selected.map((e) => ({ name: e.name, id: e.id })),
        partialReason: partial ? partialReason : null,
        approvers: [...config.approval.approvers],
        distinctFromRequester: config.approval.distinctFromRequester,
        ...(ruleApprovers.length > 0 ? { ruleApprovers } : {}),
        cacheWaitMs: input.cacheWaitMs ?? config.rollback.cacheWait,
        approvalTimeoutMs: input.approvalTimeoutMs ?? config.approval.timeout,
        verifyTimeoutMs: input.verifyTimeoutMs ?? config.rollback.verifyTimeout,
        semantics: flag?.semantics ?? 'symmetric',
        notes: flag?.notes ?? null,
        cohort: flag?.cohort
          ? { description: flag.cohort.description ?? null, idColumn: flag.cohort.idColumn, needsFlagOnAt: flag.cohort.params.includes('flagOnAt') }
          : null,
        probe: flag?.probe ? { url: flag.probe.url } : null,
        approvalNotice: config.slack?.approvalNeeded ?? false,
        overrides: input.overrides ?? flag?.overrides ?? 'keep',
      };
    },

    /**
     * Plan one environment: configured id, api key and project agree; the feature exists (exact
     * name); its environment default now (before) and what it becomes (after); v1 or v2; the
     * scheduled versions; with `readHistory`, when it last went on.
     * @throws PlanInvalid when anything is missing or disagrees; Flagsmith's failures otherwise.
     */
    async planEnvironment(input: PlanEnvironmentInput): Promise<PlanEnvironmentResult> {
      const client = requireFlagsmith(deps);
      const env = findEnvironment(deps, input.environment);
      const projectId = deps.config.flagsmith.projectId;
      const { known } = input;
      // Every read that does not need another's answer goes at once; judged below in a fixed
      // order, so the same problem always gives the same message whichever answer came first.
      // The re-check of a v2 environment skips the environment itself: an api key never moves to
      // another environment, and versioning only ever goes from v1 to v2, never back. A v1
      // environment is read again, since it may have moved to v2 since the plan.
      const settledV2 = known?.versioning === 'v2';
      // A context recorded before issue 12 carries no overrides mode: its plan has no overrides, and
      // its re-check must not find any, or an unchanged plan would hash differently and need a new
      // approval. The re-check reads the overrides in its first round trip too (they need only the feature).
      const overridesMode = input.overrides;
      const overrideReads = known && overridesMode !== undefined
        ? startOverrideReads(client, { projectId, envId: env.id, envApiKey: env.apiKey, featureId: known.featureId, liveVersionGuess: known.liveVersion ?? null })
        : undefined;
      const [remoteRead, featureRead, stateRead, versionsRead] = await Promise.allSettled([
        settledV2
          ? Promise.resolve(null)
          : flagsmithCall(() => client.getEnvironment(env.apiKey), { notFound: `environment ${env.name}: Flagsmith knows no environment with the configured api key` }),
        known ? Promise.resolve({ id: known.featureId }) : flagsmithCall(() => client.findFeatureByName(projectId, input.flag)),
        flagsmithCall(() => client.getEnvironmentDefaultFeatureState(env.apiKey, input.flag, known ? { featureId: known.featureId } : {})),
        known?.versioning === 'v2' ? flagsmithCall(() => client.listVersions(env.id, known.featureId)) : Promise.resolve(null),
      ]);
      const remote = settled(remoteRead);
      if (remote && (remote.id !== env.id || remote.project !== projectId)) {
        throw failure(
          FailureType.PlanInvalid,
          `environment ${env.name}: configured id ${env.id} / project ${projectId}, but its api key belongs to environment ${remote.id} (${remote.name}) of project ${remote.project}`,
        );
      }
      const feature = settled(featureRead);
      if (!feature) throw failure(FailureType.PlanInvalid, `flag ${JSON.stringify(input.flag)} does not exist in project ${projectId}`);
      const state = settled(stateRead);
      if (!state || state.feature !== feature.id) throw failure(FailureType.PlanInvalid, `flag ${input.flag} has no environment default in ${env.name}`);
      const before: FlagState = { enabled: state.enabled, value: state.feature_state_value, valueType: inferValueType(state.feature_state_value) };
      const after = afterState(before, input.target);
      const v2 = remote ? remote.use_v2_feature_versioning : settledV2;
      let scheduled: EnvironmentPlan['scheduled'] = [];
      let finding: FlagOnAtFinding = { flagOnAt: null, unknownReason: null };
      if (v2) {
        const now = new Date();
        const versions = settled(versionsRead) ?? (await flagsmithCall(() => client.listVersions(env.id, feature.id)));
        scheduled = classifyVersions(versions, now).scheduled.map((v) => ({ uuid: v.uuid, liveFrom: v.live_from ?? '', description: v.description }));
        if (input.readHistory) finding = await findFlagOnAt(client, env.id, feature.id, versions, now);
      }
      const overrides = overridesMode === undefined ? undefined : await planOverrides(client, {
        projectId,
        envId: env.id,
        envApiKey: env.apiKey,
        featureId: feature.id,
        liveVersion: v2 ? state.environment_feature_version : null,
        after,
        mode: overridesMode,
        allowIdentifiers: deps.config.flags[input.flag]?.overrideIdentifiers ?? false,
      }, overrideReads);
      // The logger's mixin adds the workflow, run, activity and attempt.
      deps.log.info({ event: 'rollback.planned', environment: env.name });
      return {
        name: env.name,
        id: env.id,
        versioning: v2 ? 'v2' : 'v1',
        featureStateId: state.id,
        before: { ...before, version: state.environment_feature_version },
        after,
        scheduled,
        ...(overrides ? { overrides } : {}),
        featureId: feature.id,
        flagOnAt: finding.flagOnAt,
        ...(finding.unknownReason === null ? {} : { flagOnAtUnknown: finding.unknownReason }),
        ...(remote && remote.minimum_change_request_approvals !== null ? { changeRequestApprovals: remote.minimum_change_request_approvals } : {}),
      };
    },

    /** Hex SHA-256 of the plan's canonical JSON (keys sorted), so equal plans hash equally. */
    // eslint-disable-next-line @typescript-eslint/require-await -- activities are async by contract
    async hashPlan(plan: HashablePlan): Promise<string> {
      return sha256Hex(canonicalJson(plan));
    },
  };
}
