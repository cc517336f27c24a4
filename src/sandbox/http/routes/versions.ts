/**
 * Feature versioning v2. The family under `environments/{id}/features/{id}/versions/` takes the
 * numeric environment id (Django's `<int:environment_pk>`): an api key there matches no route.
 */
import { ApiError, notFound } from '../../errors.js';
import { apiKeyOf, planOfProject, userOf } from '../../store/callers.js';
import { type EnvironmentRow, type FeatureRow, environmentById, featureById, statesOfVersion } from '../../store/read.js';
import {
  type VersionRow,
  createVersion,
  deleteDraftSegmentOverride,
  deleteVersion,
  listVersions,
  previousVersion,
  publishVersion,
  updateDraftStateInPlace,
  versionByUuid,
  visibleVersions,
} from '../../store/versions.js';
import { customPage } from '../pagination.js';
import { type Ctx, type Reply, type Route, intParam, route } from '../router.js';
import { versionJson, versionRetrieveJson, versionStateJson } from '../shapes.js';
import { parseCreateVersionBody, parseDraftStatePatch, parsePublishBody } from './versionBody.js';

const base = '/api/v1/environments/:environmentId(\\d+)/features/:featureId(\\d+)/versions';

/**
 * Flagsmith resolves the feature first, then the environment within the feature's project. (On a
 * write, its permission class looks the environment up first without catching its absence, which
 * answers a 500; the sandbox answers the 404 a read gets.)
 */
async function scope(ctx: Ctx): Promise<{ environment: EnvironmentRow; feature: FeatureRow }> {
  const feature = await featureById(ctx.db.pool, intParam(ctx.params.featureId) ?? 0);
  if (!feature) throw notFound('Feature');
  const environment = await environmentById(ctx.db.pool, intParam(ctx.params.environmentId) ?? 0);
  if (!environment || environment.project_id !== feature.project_id) throw notFound('Environment');
  return { environment, feature };
}

async function versionIn(ctx: Ctx, environment: EnvironmentRow, feature: FeatureRow) {
  const version = await versionByUuid(ctx.db.pool, ctx.params.uuid ?? '');
  if (!version || version.environment_id !== environment.id || version.feature_id !== feature.id) throw notFound('EnvironmentFeatureVersion');
  return version;
}

/**
 * The version a write under `…/versions/{uuid}/featurestates/` addresses. Flagsmith checks the
 * version before the environment and the feature, and refuses every write to a published one.
 */
async function draftForStateWrite(ctx: Ctx): Promise<{ environment: EnvironmentRow; feature: FeatureRow; version: VersionRow }> {
  const version = await versionByUuid(ctx.db.pool, ctx.params.uuid ?? '');
  if (!version) throw notFound('EnvironmentFeatureVersion');
  if (version.published_at !== null) throw new ApiError(400, { detail: 'Cannot modify published version.' });
  const { environment, feature } = await scope(ctx);
  return { environment, feature, version };
}

/**
 * PATCH/PUT of a draft's feature state: `enabled` and the value dict, as the create-version body
 * takes them. Writing to a published version is refused above.
 */
const updateDraftState = async (ctx: Ctx): Promise<Reply> => {
  const { version } = await draftForStateWrite(ctx);
  const id = intParam(ctx.params.id);
  const state = (await statesOfVersion(ctx.db.pool, version.uuid)).find((s) => s.id === id);
  if (!state) throw notFound('FeatureState');
  const patch = parseDraftStatePatch(ctx.body);
  await ctx.db.transaction((q) => updateDraftStateInPlace(q, version, state.id, patch));
  const updated = (await statesOfVersion(ctx.db.pool, version.uuid)).find((s) => s.id === id);
  if (!updated) throw new Error('feature state vanished after update');
  return { status: 200, body: versionStateJson(updated) };
};

/**
 * DELETE of a draft's feature state: a segment override goes with its feature segment; the
 * environment default is refused, as Flagsmith's `perform_destroy` refuses it.
 */
const deleteDraftState = async (ctx: Ctx): Promise<Reply> => {
  const { version } = await draftForStateWrite(ctx);
  const id = intParam(ctx.params.id);
  const state = (await statesOfVersion(ctx.db.pool, version.uuid)).find((s) => s.id === id);
  if (!state) throw notFound('FeatureState');
  if (state.feature_segment_id === null) throw new ApiError(400, { detail: 'Cannot delete environment default feature state.' });
  await ctx.db.transaction((q) => deleteDraftSegmentOverride(q, version, state.id));
  return { status: 204 };
};

/**
 * Creating a feature state in a version through this viewset is not modelled (flagops adds
 * segment overrides through the create-version body); it is refused on a published version
 * exactly as Flagsmith refuses it.
 */
const refuseUnmodelledDraftCreate = async (ctx: Ctx): Promise<Reply> => {
  await draftForStateWrite(ctx);
  throw new ApiError(405, { detail: `Method "${ctx.method}" not allowed.` });
};

/**
 * Flagsmith #8367: the API publishes a version even where change requests are required. Once it
 * is fixed, that publish answers 409 `change_requests_enabled`; the sandbox answers so already.
 * (The body's wording is the sandbox's: the fix is not released.)
 */
function refuseWhereChangeRequestsRequired(environment: EnvironmentRow): void {
  if (environment.minimum_change_request_approvals === null) return;
  throw new ApiError(409, {
    detail: `This environment requires change requests (minimum_change_request_approvals: ${environment.minimum_change_request_approvals}): publish through a change request.`,
    code: 'change_requests_enabled',
  });
}

function isLiveParam(ctx: Ctx): boolean | undefined {
  const raw = ctx.url.searchParams.get('is_live');
  if (raw === null || raw === '') return undefined;
  const value = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new ApiError(400, { is_live: ['Must be a valid boolean.'] });
}

export const versionRoutes: Route[] = [
  route('GET', `${base}/`, 'admin', async (ctx) => {
    const { environment, feature } = await scope(ctx);
    const all = await listVersions(ctx.db.pool, environment.id, feature.id, isLiveParam(ctx));
    const versions = (await planOfProject(ctx.db.pool, environment.project_id)) === 'free' ? visibleVersions(all) : all;
    return { status: 200, body: customPage(ctx, versions.map(versionJson)) };
  }),
  route('POST', `${base}/`, 'admin', async (ctx) => {
    const { environment, feature } = await scope(ctx);
    const input = parseCreateVersionBody(ctx.body);
    if (input.publishImmediately) refuseWhereChangeRequestsRequired(environment);
    // Flagsmith records a user as the creator (and, publishing at once, as the publisher); an
    // Api-Key caller is recorded as neither, so a one-step publish with one names no author at all.
    const user = userOf(ctx.caller);
    const version = await ctx.db.transaction((q) => createVersion(q, environment, feature, { ...input, createdById: user, publishedById: user }));
    return { status: 201, body: versionJson(version) };
  }),
  // No retrieve on this viewset: GET here is 405 (retrieval is environment-feature-versions/{uuid}/).
  route('DELETE', `${base}/:uuid/`, 'admin', async (ctx) => {
    const { environment, feature } = await scope(ctx);
    const version = await versionIn(ctx, environment, feature);
    await ctx.db.transaction((q) => deleteVersion(q, version));
    return { status: 204 };
  }),
  route('POST', `${base}/:uuid/publish/`, 'admin', async (ctx) => {
    const { environment, feature } = await scope(ctx);
    const version = await versionIn(ctx, environment, feature);
    const liveFrom = parsePublishBody(ctx.body);
    refuseWhereChangeRequestsRequired(environment);
    const published = await ctx.db.transaction((q) =>
      publishVersion(q, environment, feature, version.uuid, { liveFrom, publishedById: userOf(ctx.caller), publishedByApiKeyId: apiKeyOf(ctx.caller) }),
    );
    return { status: 200, body: { live_from: published.live_from?.toISOString() ?? null } };
  }),
  route('GET', `${base}/:uuid/featurestates/`, 'admin', async (ctx) => {
    const { environment, feature } = await scope(ctx);
    const version = await versionIn(ctx, environment, feature);
    return { status: 200, body: (await statesOfVersion(ctx.db.pool, version.uuid)).map(versionStateJson) };
  }),
  route('POST', `${base}/:uuid/featurestates/`, 'admin', refuseUnmodelledDraftCreate),
  route('PATCH', `${base}/:uuid/featurestates/:id(\\d+)/`, 'admin', updateDraftState),
  route('PUT', `${base}/:uuid/featurestates/:id(\\d+)/`, 'admin', updateDraftState),
  route('DELETE', `${base}/:uuid/featurestates/:id(\\d+)/`, 'admin', deleteDraftState),
  route('GET', '/api/v1/environment-feature-versions/:uuid/', 'admin', async (ctx) => {
    const version = await versionByUuid(ctx.db.pool, ctx.params.uuid ?? '');
    if (!version) throw notFound('EnvironmentFeatureVersion');
    const previous = await previousVersion(ctx.db.pool, version);
    return { status: 200, body: versionRetrieveJson(version, previous?.uuid ?? null) };
  }),
];
