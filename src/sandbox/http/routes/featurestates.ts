/**
 * Environment feature states (live environment defaults, page-only pagination) and the legacy
 * featurestate writes, refused on v2 environments since Flagsmith 2.234.0.
 */
import { ApiError, notFound, permissionDenied } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import {
  type EnvironmentRow,
  environmentByApiKey,
  environmentById,
  liveEnvironmentDefaults,
  liveEnvironmentStates,
  stateById,
} from '../../store/read.js';
import { apiKeyOf, userOf } from '../../store/callers.js';
import { identityOverrides } from '../../store/identities.js';
import { type Author, type LegacyStatePatch, legacyDeleteState, legacyUpdateState } from '../../store/states.js';
import type { FlatValue } from '../../store/values.js';
import { pageOnly } from '../pagination.js';
import { type Ctx, type Reply, type Route, intParam, route } from '../router.js';
import { stateDictJson, stateFlatJson } from '../shapes.js';
import { identityStateJson } from './identities.js';

/** The audit author of a write: the caller's user or master API key. */
const authorOf = (ctx: Ctx): Author => ({ authorId: userOf(ctx.caller), masterApiKeyId: apiKeyOf(ctx.caller) });

/**
 * The environment of an `environments/{key}/featurestates/` request. An unknown key is refused by
 * the permission class on the list (403, before any lookup), while a detail route defers to the
 * object lookup, whose queryset raises `NotFound("Environment not found.")`.
 */
async function environmentOf(ctx: Ctx, kind: 'list' | 'detail'): Promise<EnvironmentRow> {
  const environment = await environmentByApiKey(ctx.db.pool, ctx.params.apiKey ?? '');
  if (environment) return environment;
  if (kind === 'list') throw permissionDenied();
  throw new ApiError(404, { detail: 'Environment not found.' });
}

/** Flagsmith's detail lookup goes through the list queryset: only live environment defaults resolve. */
async function liveState(q: Queryable, environment: EnvironmentRow, id: number | undefined) {
  if (id === undefined) throw notFound('FeatureState');
  const state = (await liveEnvironmentDefaults(q, environment)).find((s) => s.id === id);
  if (!state) throw notFound('FeatureState');
  return state;
}

const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

function legacyPatch(body: unknown): LegacyStatePatch {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const patch: LegacyStatePatch = {};
  if ('enabled' in input) {
    if (typeof input.enabled !== 'boolean') throw new ApiError(400, { enabled: ['Must be a valid boolean.'] });
    patch.enabled = input.enabled;
  }
  if ('feature_state_value' in input) {
    const value = input.feature_state_value;
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new ApiError(400, { feature_state_value: ['Not a valid string.'] });
    }
    // The value row's integer column is 32-bit; Flagsmith's value serializer says so in its own words.
    if (typeof value === 'number' && Number.isInteger(value) && (value > INT32_MAX || value < INT32_MIN)) {
      const bound = value > INT32_MAX ? `less than or equal to ${INT32_MAX}` : `greater than or equal to ${INT32_MIN}`;
      throw new ApiError(400, { integer_value: [`Ensure this value is ${bound}.`] });
    }
    patch.featureStateValue = value as FlatValue;
  }
  return patch;
}

/**
 * Flagsmith's `update` always applies a partial update, but it answers with the serializer of the
 * action: PUT (`update`) gets the whole state, PATCH (`partial_update`) the create serializer,
 * which has only `feature` and `enabled` (`BaseFeatureStateViewSet.get_serializer_class`).
 */
const updateInEnvironment =
  (answer: 'state' | 'featureAndEnabled') =>
  async (ctx: Ctx): Promise<Reply> => {
    const environment = await environmentOf(ctx, 'detail');
    const state = await liveState(ctx.db.pool, environment, intParam(ctx.params.id));
    const patch = legacyPatch(ctx.body);
    const updated = await ctx.db.transaction((q) => legacyUpdateState(q, environment, state, patch, authorOf(ctx)));
    return { status: 200, body: answer === 'state' ? stateFlatJson(updated) : { feature: updated.feature_id, enabled: updated.enabled } };
  };

/** `SimpleFeatureStateViewSet` uses one serializer for every action: the whole state, its value as a dict. */
const updateUnscoped = async (ctx: Ctx) => {
  const state = await stateById(ctx.db.pool, intParam(ctx.params.id) ?? 0);
  const environment = state && (await environmentById(ctx.db.pool, state.environment_id));
  if (!state || !environment) throw notFound('FeatureState');
  const patch = legacyPatch(ctx.body);
  const updated = await ctx.db.transaction((q) => legacyUpdateState(q, environment, state, patch, authorOf(ctx)));
  return { status: 200, body: stateDictJson(updated) };
};

/** Flagsmith's `destroy`: refused on a v2 environment, a soft delete on v1. */
const deleteInEnvironment = async (ctx: Ctx): Promise<Reply> => {
  const environment = await environmentOf(ctx, 'detail');
  const state = await liveState(ctx.db.pool, environment, intParam(ctx.params.id));
  await ctx.db.transaction((q) => legacyDeleteState(q, environment, state, authorOf(ctx)));
  return { status: 204 };
};

/**
 * `features/featurestates/?environment=<id>`: every live state of the environment, segment
 * overrides included, values as dicts. `FeatureStatePermissions` refuses a missing, non-numeric or
 * unknown environment with 403 before the view's own checks run.
 */
const listUnscoped = async (ctx: Ctx): Promise<Reply> => {
  const environmentId = intParam(ctx.url.searchParams.get('environment'));
  const environment = environmentId === undefined ? undefined : await environmentById(ctx.db.pool, environmentId);
  if (!environment) throw permissionDenied();
  const featureId = intParam(ctx.url.searchParams.get('feature'));
  const states = (await liveEnvironmentStates(ctx.db.pool, environment)).filter((s) => featureId === undefined || s.feature_id === featureId);
  return { status: 200, body: pageOnly(ctx, states.map(stateDictJson)) };
};

async function identityOverridesListed(ctx: Ctx, environment: EnvironmentRow, featureId: number | undefined) {
  const featureName = ctx.url.searchParams.get('feature_name');
  const states = await identityOverrides(ctx.db.pool, environment.id, {
    ...(featureId !== undefined ? { featureId } : {}),
    ...(featureName !== null ? { featureName } : {}),
  });
  return states.map(identityStateJson);
}

export const featureStateRoutes: Route[] = [
  route('GET', '/api/v1/environments/:apiKey/featurestates/', 'admin', async (ctx) => {
    const environment = await environmentOf(ctx, 'list');
    const featureParam = ctx.url.searchParams.get('feature');
    const featureId = featureParam === null ? undefined : intParam(featureParam);
    if (featureParam !== null && featureId === undefined) throw new ApiError(400, { feature: ['A valid integer is required.'] });
    // `anyIdentity` (any value) lists the identity overrides instead, each identity nested.
    if (ctx.url.searchParams.has('anyIdentity')) return { status: 200, body: pageOnly(ctx, await identityOverridesListed(ctx, environment, featureId)) };
    const states = await liveEnvironmentDefaults(ctx.db.pool, environment, {
      ...(featureId !== undefined ? { featureId } : {}),
      ...(ctx.url.searchParams.has('feature_name') ? { featureName: ctx.url.searchParams.get('feature_name') ?? '' } : {}),
    });
    return { status: 200, body: pageOnly(ctx, states.map(stateFlatJson)) };
  }),
  route('GET', '/api/v1/environments/:apiKey/featurestates/:id/', 'admin', async (ctx) => {
    const environment = await environmentOf(ctx, 'detail');
    return { status: 200, body: stateFlatJson(await liveState(ctx.db.pool, environment, intParam(ctx.params.id))) };
  }),
  route('DELETE', '/api/v1/environments/:apiKey/featurestates/:id/', 'admin', deleteInEnvironment),
  route('PATCH', '/api/v1/environments/:apiKey/featurestates/:id/', 'admin', updateInEnvironment('featureAndEnabled')),
  route('PUT', '/api/v1/environments/:apiKey/featurestates/:id/', 'admin', updateInEnvironment('state')),
  route('GET', '/api/v1/features/featurestates/', 'admin', listUnscoped),
  // `features/featurestates/` has create, update and list but no retrieve: GET on an id is a 405.
  route('PATCH', '/api/v1/features/featurestates/:id(\\d+)/', 'admin', updateUnscoped),
  route('PUT', '/api/v1/features/featurestates/:id(\\d+)/', 'admin', updateUnscoped),
];
