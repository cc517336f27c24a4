/** `environments/` list and retrieve (by api_key), and the admin copy of the environment document. */
import { notFound, validationList } from '../../errors.js';
import { environmentDocument } from '../../document.js';
import { one } from '../../store/db.js';
import { environmentByApiKey, environmentsOfProject, segmentOverrideCount } from '../../store/read.js';
import { pageOnly } from '../pagination.js';
import { type Ctx, type Route, intParam, route } from '../router.js';
import { environmentJson, environmentRetrieveJson } from '../shapes.js';

/**
 * Flagsmith looks the project up with `Project.objects.get` and turns its absence into this list
 * error. Text that is not a number reaches the database there and fails with a 500; the sandbox
 * answers it with the same 400, which says what is wrong.
 */
async function projectOfListQuery(ctx: Ctx): Promise<number> {
  const project = intParam(ctx.url.searchParams.get('project'));
  const exists = project !== undefined && (await one(ctx.db.pool, 'SELECT 1 FROM projects_project WHERE id = $1 AND deleted_at IS NULL', [project]));
  if (project === undefined || !exists) throw validationList('Invalid or missing value for project parameter.');
  return project;
}

export const environmentRoutes: Route[] = [
  route('GET', '/api/v1/environments/', 'admin', async (ctx) => {
    const environments = await environmentsOfProject(ctx.db.pool, await projectOfListQuery(ctx));
    return { status: 200, body: pageOnly(ctx, environments.map(environmentJson)) };
  }),
  // Flagsmith's lookup_field is api_key: a numeric id here is just an unknown key.
  route('GET', '/api/v1/environments/:apiKey/', 'admin', async (ctx) => {
    const environment = await environmentByApiKey(ctx.db.pool, ctx.params.apiKey ?? '');
    if (!environment) throw notFound('Environment');
    return { status: 200, body: environmentRetrieveJson(environment, await segmentOverrideCount(ctx.db.pool, environment)) };
  }),
  route('GET', '/api/v1/environments/:apiKey/document/', 'admin', async (ctx) => {
    const environment = await environmentByApiKey(ctx.db.pool, ctx.params.apiKey ?? '');
    if (!environment) throw notFound('Environment');
    const document = await environmentDocument(ctx.db.pool, environment);
    if (!document) throw notFound('Environment');
    return { status: 200, body: document };
  }),
];
