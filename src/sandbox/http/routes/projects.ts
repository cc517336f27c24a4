/**
 * `POST projects/`: create a project in an organisation. On a free plan (seed option
 * `organisation.plan: free`, a self-hosted open-source install) an organisation holds one project:
 * a second is refused by Flagsmith's permission class with its plain 403.
 */
import { ApiError, permissionDenied } from '../../errors.js';
import { planOfOrganisation } from '../../store/callers.js';
import { one } from '../../store/db.js';
import { projectsByIds } from '../../store/read.js';
import { type Route, intParam, route } from '../router.js';
import { projectJson } from '../shapes.js';

export const projectRoutes: Route[] = [
  route('POST', '/api/v1/projects/', 'admin', async (ctx) => {
    const body = typeof ctx.body === 'object' && ctx.body !== null && !Array.isArray(ctx.body) ? (ctx.body as Record<string, unknown>) : {};
    const organisationId = intParam(typeof body.organisation === 'number' ? String(body.organisation) : (body.organisation as string | undefined));
    const organisation = organisationId === undefined ? undefined : await one(ctx.db.pool, 'SELECT 1 FROM organisations_organisation WHERE id = $1', [organisationId]);
    if (organisationId === undefined || !organisation) throw permissionDenied();
    if ((await planOfOrganisation(ctx.db.pool, organisationId)) === 'free') {
      const existing = await one(ctx.db.pool, 'SELECT 1 FROM projects_project WHERE organisation_id = $1 AND deleted_at IS NULL', [organisationId]);
      if (existing) throw permissionDenied();
    }
    const name = body.name;
    if (typeof name !== 'string' || name.trim() === '') throw new ApiError(400, { name: [name === undefined ? 'This field is required.' : 'This field may not be blank.'] });
    if (await one(ctx.db.pool, 'SELECT 1 FROM projects_project WHERE organisation_id = $1 AND name = $2 AND deleted_at IS NULL', [organisationId, name])) {
      throw new ApiError(400, { non_field_errors: ['A project with this name already exists.'] });
    }
    const created = await one<{ id: number }>(ctx.db.pool, 'INSERT INTO projects_project (name, organisation_id) VALUES ($1, $2) RETURNING id', [name, organisationId]);
    const [project] = await projectsByIds(ctx.db.pool, created ? [created.id] : []);
    if (!project) throw new Error('project row vanished after insert');
    return { status: 201, body: projectJson(project) };
  }),
];
