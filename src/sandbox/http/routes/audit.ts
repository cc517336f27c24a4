/** `projects/{id}/audit/`: the audit rows the sandbox wrote, newest first. */
import { notFound } from '../../errors.js';
import { auditOfProject } from '../../store/audit.js';
import { one } from '../../store/db.js';
import { customPage } from '../pagination.js';
import { type Route, intParam, route } from '../router.js';
import { auditJson } from '../shapes.js';

export const auditRoutes: Route[] = [
  route('GET', '/api/v1/projects/:projectId(\\d+)/audit/', 'admin', async (ctx) => {
    const projectId = intParam(ctx.params.projectId) ?? 0;
    if (!(await one(ctx.db.pool, 'SELECT 1 FROM projects_project WHERE id = $1', [projectId]))) throw notFound();
    const environment = intParam(ctx.url.searchParams.get('environments') ?? ctx.url.searchParams.get('environment'));
    const entries = await auditOfProject(ctx.db.pool, projectId, environment);
    const search = ctx.url.searchParams.get('search')?.toLowerCase();
    const filtered = search ? entries.filter((e) => e.log.toLowerCase().includes(search)) : entries;
    return { status: 200, body: customPage(ctx, filtered.map(auditJson)) };
  }),
];
