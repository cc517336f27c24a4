/** SDK endpoints authenticated by `X-Environment-Key`; never throttled (Flagsmith sets no throttles there). */
import { environmentDocument } from '../../document.js';
import { ApiError, notFound } from '../../errors.js';
import { featuresOfProject } from '../../store/read.js';
import { liveEnvironmentDefaults } from '../../store/read.js';
import { type Ctx, type Route, route } from '../router.js';
import { sdkFlagJson } from '../shapes.js';

const updatedAtHeader = (ctx: Ctx): Record<string, string> => ({
  'X-Flagsmith-Document-Updated-At': String((ctx.sdk?.environment.updated_at.getTime() ?? 0) / 1000),
});

export const sdkRoutes: Route[] = [
  route('GET', '/api/v1/flags/', 'sdk', async (ctx) => {
    const caller = ctx.sdk;
    if (!caller) throw notFound();
    const environment = caller.environment;
    const name = ctx.url.searchParams.get('feature');
    const states = (await liveEnvironmentDefaults(ctx.db.pool, environment, name === null ? {} : { featureName: name }))
      // Client keys never see server-key-only features.
      .filter((s) => caller.server || !s.feature_is_server_key_only)
      .filter((s) => !(environment.hide_disabled_flags ?? false) || s.enabled);
    const features = await featuresOfProject(ctx.db.pool, environment.project_id);
    const flags = states.map((s) => sdkFlagJson(s, features.find((f) => f.id === s.feature_id), environment));
    if (name !== null) {
      const [flag] = flags;
      if (!flag) throw new ApiError(404, { detail: 'Given feature not found' });
      return { status: 200, body: flag, headers: updatedAtHeader(ctx) };
    }
    return { status: 200, body: flags, headers: updatedAtHeader(ctx) };
  }),
  route('GET', '/api/v1/environment-document/', 'server', async (ctx) => {
    const environment = ctx.sdk?.environment;
    const document = environment && (await environmentDocument(ctx.db.pool, environment));
    if (!environment || !document) throw notFound();
    return {
      status: 200,
      body: document,
      headers: { ...updatedAtHeader(ctx), 'Last-Modified': environment.updated_at.toUTCString() },
    };
  }),
];
