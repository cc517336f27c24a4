/**
 * The core (non-edge) identity API: `environments/{key}/identities/` (list with `?q=`, create,
 * retrieve) and each identity's overrides under `…/identities/{id}/featurestates/`. Identity
 * overrides are outside feature versioning, so they are written in place on v2 environments too.
 */
import { ApiError, notFound, permissionDenied } from '../../errors.js';
import { featureById, environmentByApiKey, type EnvironmentRow } from '../../store/read.js';
import {
  type IdentityRow,
  type IdentityStateRow,
  createIdentity,
  createIdentityOverride,
  deleteIdentityOverride,
  identitiesOfEnvironment,
  identityById,
  identityOverrides,
  updateIdentityOverride,
} from '../../store/identities.js';
import { type FlatValue, legacyStoredValue } from '../../store/values.js';
import { customPage, pageOnly } from '../pagination.js';
import { type Ctx, type Reply, type Route, intParam, route } from '../router.js';
import { stateFlatJson } from '../shapes.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const base = '/api/v1/environments/:apiKey/identities';

const identityJson = (i: IdentityRow): Record<string, unknown> => ({ id: i.id, identifier: i.identifier, environment: i.environment_id });

/** The list serializer (`FeatureStateSerializerWithIdentity`) nests the identity as `{id, identifier}`. */
export const identityStateJson = (s: IdentityStateRow): Record<string, unknown> => ({
  ...stateFlatJson(s),
  identity: { id: s.identity_id, identifier: s.identifier },
});

async function environmentOf(ctx: Ctx): Promise<EnvironmentRow> {
  const environment = await environmentByApiKey(ctx.db.pool, ctx.params.apiKey ?? '');
  // The nested permission class looks the environment up before the view does.
  if (!environment) throw permissionDenied();
  return environment;
}

async function identityOf(ctx: Ctx): Promise<{ environment: EnvironmentRow; identity: IdentityRow }> {
  const environment = await environmentOf(ctx);
  const identity = await identityById(ctx.db.pool, environment.id, intParam(ctx.params.identityId) ?? 0);
  if (!identity) throw notFound('Identity');
  return { environment, identity };
}

async function overrideOf(ctx: Ctx): Promise<IdentityStateRow> {
  const { environment, identity } = await identityOf(ctx);
  const id = intParam(ctx.params.id);
  const state = (await identityOverrides(ctx.db.pool, environment.id, { identityId: identity.id })).find((s) => s.id === id);
  if (!state) throw notFound('FeatureState');
  return state;
}

function parseFlat(value: unknown): FlatValue {
  if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) throw new ApiError(400, { feature_state_value: ['Not a valid string.'] });
  return value as FlatValue;
}

function parsePatch(body: unknown): { enabled?: boolean; value?: ReturnType<typeof legacyStoredValue> } {
  const input = isObject(body) ? body : {};
  const patch: { enabled?: boolean; value?: ReturnType<typeof legacyStoredValue> } = {};
  if ('enabled' in input) {
    if (typeof input.enabled !== 'boolean') throw new ApiError(400, { enabled: ['Must be a valid boolean.'] });
    patch.enabled = input.enabled;
  }
  if ('feature_state_value' in input) patch.value = legacyStoredValue(parseFlat(input.feature_state_value));
  return patch;
}

/** As for environment feature states: PUT answers the whole state, PATCH the create serializer's `{feature, enabled}`. */
const updateOverride =
  (answer: 'state' | 'featureAndEnabled') =>
  async (ctx: Ctx): Promise<Reply> => {
    const state = await overrideOf(ctx);
    const patch = parsePatch(ctx.body);
    const updated = await ctx.db.transaction((q) => updateIdentityOverride(q, state, patch));
    return { status: 200, body: answer === 'state' ? stateFlatJson(updated) : { feature: updated.feature_id, enabled: updated.enabled } };
  };

export const identityRoutes: Route[] = [
  route('GET', `${base}/`, 'admin', async (ctx) => {
    const environment = await environmentOf(ctx);
    const found = await identitiesOfEnvironment(ctx.db.pool, environment.id, ctx.url.searchParams.get('q'));
    return { status: 200, body: customPage(ctx, found.map(identityJson)) };
  }),
  route('POST', `${base}/`, 'admin', async (ctx) => {
    const environment = await environmentOf(ctx);
    const body = isObject(ctx.body) ? ctx.body : {};
    if (typeof body.identifier !== 'string' || body.identifier === '') throw new ApiError(400, { identifier: ['This field is required.'] });
    const identifier = body.identifier;
    const created = await ctx.db.transaction((q) => createIdentity(q, environment.id, identifier));
    return { status: 201, body: identityJson(created) };
  }),
  route('GET', `${base}/:identityId(\\d+)/`, 'admin', async (ctx) => ({ status: 200, body: identityJson((await identityOf(ctx)).identity) })),
  route('GET', `${base}/:identityId(\\d+)/featurestates/`, 'admin', async (ctx) => {
    const { environment, identity } = await identityOf(ctx);
    const states = await identityOverrides(ctx.db.pool, environment.id, { identityId: identity.id });
    return { status: 200, body: pageOnly(ctx, states.map(identityStateJson)) };
  }),
  route('POST', `${base}/:identityId(\\d+)/featurestates/`, 'admin', async (ctx) => {
    const { environment, identity } = await identityOf(ctx);
    const body = isObject(ctx.body) ? ctx.body : {};
    if (body.feature === undefined) throw new ApiError(400, { detail: 'Feature not provided' });
    const feature = typeof body.feature === 'number' ? await featureById(ctx.db.pool, body.feature) : undefined;
    if (!feature || feature.project_id !== environment.project_id) {
      throw new ApiError(400, { feature: [`Invalid pk "${JSON.stringify(body.feature)}" - object does not exist.`] });
    }
    const patch = parsePatch(body);
    const created = await ctx.db.transaction((q) =>
      createIdentityOverride(q, environment, identity, feature.id, patch.enabled ?? false, patch.value ?? { type: 'unicode', string_value: null }),
    );
    return { status: 201, body: stateFlatJson(created) };
  }),
  route('GET', `${base}/:identityId(\\d+)/featurestates/:id(\\d+)/`, 'admin', async (ctx) => ({ status: 200, body: stateFlatJson(await overrideOf(ctx)) })),
  route('PATCH', `${base}/:identityId(\\d+)/featurestates/:id(\\d+)/`, 'admin', updateOverride('featureAndEnabled')),
  route('PUT', `${base}/:identityId(\\d+)/featurestates/:id(\\d+)/`, 'admin', updateOverride('state')),
  route('DELETE', `${base}/:identityId(\\d+)/featurestates/:id(\\d+)/`, 'admin', async (ctx) => {
    const state = await overrideOf(ctx);
    await ctx.db.transaction((q) => deleteIdentityOverride(q, state));
    return { status: 204 };
  }),
];
