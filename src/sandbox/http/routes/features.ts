/** `projects/{id}/features/`: the project's features, `search` a substring filter. */
import { notFound } from '../../errors.js';
import { one } from '../../store/db.js';
import { featureById, featuresOfProject, liveEnvironmentDefaults, environmentById } from '../../store/read.js';
import { flatValue } from '../../store/values.js';
import { customPage } from '../pagination.js';
import { type Route, intParam, route } from '../router.js';
import { featureJson } from '../shapes.js';

export const featureRoutes: Route[] = [
  route('GET', '/api/v1/projects/:projectId(\\d+)/features/', 'admin', async (ctx) => {
    const projectId = intParam(ctx.params.projectId);
    if (projectId === undefined || !(await one(ctx.db.pool, 'SELECT 1 FROM projects_project WHERE id = $1 AND deleted_at IS NULL', [projectId]))) {
      throw notFound();
    }
    const search = ctx.url.searchParams.get('search') ?? undefined;
    const features = await featuresOfProject(ctx.db.pool, projectId, search);
    const environmentId = intParam(ctx.url.searchParams.get('environment'));
    const environment = environmentId === undefined ? undefined : await environmentById(ctx.db.pool, environmentId);
    const live = environment ? await liveEnvironmentDefaults(ctx.db.pool, environment) : [];
    const items = features.map((f) => {
      const body = featureJson(f);
      const state = live.find((s) => s.feature_id === f.id);
      if (environment) {
        body.environment_feature_state = state
          ? { id: state.id, feature_state_value: flatValue(state), enabled: state.enabled, environment: state.environment_id,
              identity: null, feature_segment: null, environment_feature_version: state.environment_feature_version_id }
          : null;
      }
      return body;
    });
    return { status: 200, body: customPage(ctx, items) };
  }),
  route('GET', '/api/v1/projects/:projectId(\\d+)/features/:featureId(\\d+)/', 'admin', async (ctx) => {
    const feature = await featureById(ctx.db.pool, intParam(ctx.params.featureId) ?? 0);
    if (!feature || feature.project_id !== intParam(ctx.params.projectId)) throw notFound();
    return { status: 200, body: featureJson(feature) };
  }),
];
