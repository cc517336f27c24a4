/** `projects/{id}/features/`: the project's features, `search` a substring filter. */
import { notFound } from '../../errors.js';
import { one } from '../../store/db.js';
import {
  type EnvironmentRow,
  environmentById,
  featureById,
  featuresOfProject,
  lastPublishedVersionTimes,
  liveEnvironmentDefaults,
  liveSegmentOverrideCounts,
} from '../../store/read.js';
import { customPage } from '../pagination.js';
import { type Ctx, type Route, intParam, route } from '../router.js';
import { type FeatureInEnvironment, featureJson } from '../shapes.js';

/** Flagsmith resolves the project first (`get_object_or_404` over the permitted projects). */
async function projectOf(ctx: Ctx): Promise<number> {
  const projectId = intParam(ctx.params.projectId);
  if (projectId === undefined || !(await one(ctx.db.pool, 'SELECT 1 FROM projects_project WHERE id = $1 AND deleted_at IS NULL', [projectId]))) {
    throw notFound('Project');
  }
  return projectId;
}

/** Each feature's live state, segment overrides and last publish in the `?environment=` asked for. */
async function featuresInEnvironment(ctx: Ctx, environment: EnvironmentRow): Promise<(featureId: number) => FeatureInEnvironment> {
  const [live, overrides, lastModified] = await Promise.all([
    liveEnvironmentDefaults(ctx.db.pool, environment),
    liveSegmentOverrideCounts(ctx.db.pool, environment),
    lastPublishedVersionTimes(ctx.db.pool, environment.project_id, environment.id),
  ]);
  return (featureId) => ({
    state: live.find((s) => s.feature_id === featureId),
    segmentOverrides: overrides.get(featureId) ?? 0,
    lastModified: lastModified.get(featureId) ?? null,
  });
}

export const featureRoutes: Route[] = [
  route('GET', '/api/v1/projects/:projectId(\\d+)/features/', 'admin', async (ctx) => {
    const projectId = await projectOf(ctx);
    const search = ctx.url.searchParams.get('search') ?? undefined;
    const features = await featuresOfProject(ctx.db.pool, projectId, search);
    const environmentId = intParam(ctx.url.searchParams.get('environment'));
    const environment = environmentId === undefined ? undefined : await environmentById(ctx.db.pool, environmentId);
    const inEnvironment = environment ? await featuresInEnvironment(ctx, environment) : undefined;
    const lastModifiedAnywhere = await lastPublishedVersionTimes(ctx.db.pool, projectId, null);
    const items = features.map((f) => featureJson(f, lastModifiedAnywhere.get(f.id) ?? null, inEnvironment?.(f.id)));
    return { status: 200, body: customPage(ctx, items) };
  }),
  route('GET', '/api/v1/projects/:projectId(\\d+)/features/:featureId(\\d+)/', 'admin', async (ctx) => {
    const projectId = await projectOf(ctx);
    const feature = await featureById(ctx.db.pool, intParam(ctx.params.featureId) ?? 0);
    if (!feature || feature.project_id !== projectId) throw notFound('Feature');
    const lastModifiedAnywhere = await lastPublishedVersionTimes(ctx.db.pool, projectId, null);
    return { status: 200, body: featureJson(feature, lastModifiedAnywhere.get(feature.id) ?? null) };
  }),
];
