/**
 * The SDK identities endpoint (`X-Environment-Key`): `GET /api/v1/identities/?identifier=` (get or
 * create the identity, unless `transient`, and answer its flags and stored traits) and
 * `POST /api/v1/identities/` (`{identifier, traits, transient}`: identify with traits). Each flag is
 * what that identity is served: its own override, a matching segment override, or the default.
 */
import { ApiError, notFound } from '../../errors.js';
import type { TraitValue } from '../../store/evaluate.js';
import { type ServedState, getOrCreateIdentity, identityByIdentifier, servedStates, setTraits, traitsOf } from '../../store/identities.js';
import { type EnvironmentRow, featuresOfProject } from '../../store/read.js';
import { type Ctx, type Reply, type Route, route } from '../router.js';
import { sdkFlagJson } from '../shapes.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
type Trait = { trait_key: string; trait_value: TraitValue };

async function flagsFor(ctx: Ctx, environment: EnvironmentRow, identityId: number | null, traits: readonly Trait[], server: boolean) {
  const served = await servedStates(ctx.db.pool, environment, identityId, Object.fromEntries(traits.map((t) => [t.trait_key, t.trait_value])));
  const features = await featuresOfProject(ctx.db.pool, environment.project_id);
  const hide = environment.hide_sensitive_data;
  // A client key never sees server-key-only features (`_get_additional_filters`).
  return served
    .filter((s) => server || !s.state.feature_is_server_key_only)
    .map((s: ServedState) => ({
      ...sdkFlagJson(s.state, features.find((f) => f.id === s.state.feature_id), environment),
      identity: hide || s.source !== 'identity' ? null : s.state.identity_id,
      feature_segment: hide ? null : s.featureSegmentId,
      variant: null,
    }));
}

function answer(ctx: Ctx, environment: EnvironmentRow, identifier: string, flags: Record<string, unknown>[], traits: readonly Trait[]): Reply {
  const headers = { 'X-Flagsmith-Document-Updated-At': String(environment.updated_at.getTime() / 1000) };
  const feature = ctx.url.searchParams.get('feature');
  if (ctx.method === 'GET' && feature) {
    const flag = flags.find((f) => (f.feature as { name: string }).name === feature);
    if (!flag) throw new ApiError(404, { detail: 'Given feature not found' }, headers);
    return { status: 200, body: flag, headers };
  }
  return { status: 200, body: { identifier, flags, traits: environment.hide_sensitive_data ? [] : traits }, headers };
}

function parseTraits(raw: unknown): Trait[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ApiError(400, { traits: { non_field_errors: ['Expected a list of items but got type "dict".'] } });
  return raw.map((item, index) => {
    if (!isObject(item) || typeof item.trait_key !== 'string') throw new ApiError(400, { traits: [{ index, trait_key: ['This field is required.'] }] });
    const value = item.trait_value;
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) throw new ApiError(400, { traits: [{ index, trait_value: ['Not a valid value.'] }] });
    return { trait_key: item.trait_key, trait_value: (value ?? null) as TraitValue };
  });
}

export const sdkIdentityRoutes: Route[] = [
  route('GET', '/api/v1/identities/', 'sdk', async (ctx) => {
    const caller = ctx.sdk;
    if (!caller) throw notFound('Environment');
    const identifier = ctx.url.searchParams.get('identifier');
    // Flagsmith answers 200 here (its TODO notes that a 400 might break clients).
    if (!identifier) return { status: 200, body: { detail: 'Missing identifier' } };
    const environment = caller.environment;
    const transient = ['true', '1', 'True'].includes(ctx.url.searchParams.get('transient') ?? '');
    const identity = transient ? await identityByIdentifier(ctx.db.pool, environment.id, identifier) : await getOrCreateIdentity(ctx.db.pool, environment.id, identifier);
    // A transient identity is never stored: it has no overrides and no traits.
    const identityId = transient ? null : (identity?.id ?? null);
    const traits = identityId === null ? [] : await traitsOf(ctx.db.pool, identityId);
    return answer(ctx, environment, identifier, await flagsFor(ctx, environment, identityId, traits, caller.server), traits);
  }),
  route('POST', '/api/v1/identities/', 'sdk', async (ctx) => {
    const caller = ctx.sdk;
    if (!caller) throw notFound('Environment');
    const body = isObject(ctx.body) ? ctx.body : {};
    const identifier = typeof body.identifier === 'string' ? body.identifier : '';
    const incoming = parseTraits(body.traits);
    const environment = caller.environment;
    if (body.transient === true || identifier === '') {
      // Not persisted: stored overrides and traits of a known identifier still apply, the incoming traits on top.
      const known = identifier === '' ? undefined : await identityByIdentifier(ctx.db.pool, environment.id, identifier);
      const stored = known ? await traitsOf(ctx.db.pool, known.id) : [];
      const merged = [...stored.filter((t) => !incoming.some((i) => i.trait_key === t.trait_key)), ...incoming].filter((t) => t.trait_value !== null);
      return answer(ctx, environment, identifier, await flagsFor(ctx, environment, known?.id ?? null, merged, caller.server), merged);
    }
    const identity = await ctx.db.transaction(async (q) => {
      const row = await getOrCreateIdentity(q, environment.id, identifier);
      await setTraits(q, row.id, incoming);
      return row;
    });
    const traits = await traitsOf(ctx.db.pool, identity.id);
    return answer(ctx, environment, identifier, await flagsFor(ctx, environment, identity.id, traits, caller.server), traits);
  }),
];
