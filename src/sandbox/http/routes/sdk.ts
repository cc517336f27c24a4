/** SDK endpoints authenticated by `X-Environment-Key`; never throttled (Flagsmith sets no throttles there). */
import { environmentDocument } from '../../document.js';
import { ApiError, notFound } from '../../errors.js';
import { featuresOfProject, hidesDisabledFlags, liveEnvironmentDefaults } from '../../store/read.js';
import { type Ctx, type Route, route } from '../router.js';
import { sdkFlagJson } from '../shapes.js';

const updatedAtHeader = (ctx: Ctx): Record<string, string> => ({
  'X-Flagsmith-Document-Updated-At': String((ctx.sdk?.environment.updated_at.getTime() ?? 0) / 1000),
});

/**
 * Django's `condition(last_modified_func=…)` on Flagsmith's document view: `Last-Modified` is the
 * environment's `updated_at` in whole seconds, and a GET whose `If-Modified-Since` is not older
 * answers 304 with no body (only when there is no `If-None-Match`; an unparsable date is ignored).
 * Checked after authentication, since the decorator wraps the DRF view's `get`.
 */
function notModifiedSince(ctx: Ctx, updatedAt: Date): boolean {
  const header = ctx.req.headers['if-modified-since'];
  if (!header || ctx.req.headers['if-none-match'] !== undefined) return false;
  const since = Date.parse(header);
  return !Number.isNaN(since) && Math.floor(updatedAt.getTime() / 1000) * 1000 <= since;
}

export const sdkRoutes: Route[] = [
  route('GET', '/api/v1/flags/', 'sdk', async (ctx) => {
    const caller = ctx.sdk;
    if (!caller) throw notFound('Environment');
    const environment = caller.environment;
    const name = ctx.url.searchParams.get('feature');
    const hideDisabled = await hidesDisabledFlags(ctx.db.pool, environment);
    const states = (await liveEnvironmentDefaults(ctx.db.pool, environment, name === null ? {} : { featureName: name })).filter((s) =>
      // Flagsmith's `_additional_filters`: hiding disabled flags takes the place of the filter that
      // keeps server-key-only features from client keys, rather than adding to it.
      hideDisabled ? s.enabled : caller.server || !s.feature_is_server_key_only,
    );
    const features = await featuresOfProject(ctx.db.pool, environment.project_id);
    const flags = states.map((s) => sdkFlagJson(s, features.find((f) => f.id === s.feature_id), environment));
    if (name !== null) {
      const [flag] = flags;
      if (!flag) throw new ApiError(404, { detail: 'Given feature not found' });
      // Only the list answer carries the updated-at header in Flagsmith's view.
      return { status: 200, body: flag };
    }
    return { status: 200, body: flags, headers: updatedAtHeader(ctx) };
  }),
  route('GET', '/api/v1/environment-document/', 'server', async (ctx) => {
    const environment = ctx.sdk?.environment;
    if (!environment) throw notFound('Environment');
    const lastModified = { 'Last-Modified': environment.updated_at.toUTCString() };
    // Flagsmith's own caveat: updated_at moves on audit rows and publishes, not at a scheduled go-live.
    if (notModifiedSince(ctx, environment.updated_at)) return { status: 304, headers: lastModified };
    const document = await environmentDocument(ctx.db.pool, environment);
    if (!document) throw notFound('Environment');
    return { status: 200, body: document, headers: { ...updatedAtHeader(ctx), ...lastModified } };
  }),
];
