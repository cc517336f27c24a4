/** `environments/` list and retrieve (by api_key), and the admin copy of the environment document. */
import { notFound, validationList } from '../../errors.js';
import { environmentDocument } from '../../document.js';
import { environmentByApiKey, environmentsOfProject } from '../../store/read.js';
import { pageOnly } from '../pagination.js';
import { type Route, intParam, route } from '../router.js';
import { environmentJson } from '../shapes.js';

export const environmentRoutes: Route[] = [
  route('GET', '/api/v1/environments/', 'admin', async (ctx) => {
    const project = intParam(ctx.url.searchParams.get('project'));
    if (project === undefined) throw validationList('Invalid or missing value for project parameter.');
    const environments = await environmentsOfProject(ctx.db.pool, project);
    return { status: 200, body: pageOnly(ctx, environments.map(environmentJson)) };
  }),
  // Flagsmith's lookup_field is api_key: a numeric id here is just an unknown key.
  route('GET', '/api/v1/environments/:apiKey/', 'admin', async (ctx) => {
    const environment = await environmentByApiKey(ctx.db.pool, ctx.params.apiKey ?? '');
    if (!environment) throw notFound();
    return { status: 200, body: environmentJson(environment) };
  }),
  route('GET', '/api/v1/environments/:apiKey/document/', 'admin', async (ctx) => {
    const environment = await environmentByApiKey(ctx.db.pool, ctx.params.apiKey ?? '');
    if (!environment) throw notFound();
    const document = await environmentDocument(ctx.db.pool, environment);
    if (!document) throw notFound();
    return { status: 200, body: document };
  }),
];
