/** `projects/{id}/audit/`: the audit rows the sandbox wrote, newest first. */
import { permissionDenied } from '../../errors.js';
import { type AuditRow, auditOfProject } from '../../store/audit.js';
import { one } from '../../store/db.js';
import type { Queryable } from '../../store/db.js';
import { environmentsByIds, projectsByIds } from '../../store/read.js';
import { customPage } from '../pagination.js';
import { type Route, intParam, route } from '../router.js';
import { type AuditRelations, auditJson } from '../shapes.js';

const idsOf = (values: (number | null)[]): number[] => [...new Set(values.filter((v): v is number => v !== null))];

/** The environments and projects a page of audit rows names, for nesting them. */
async function relationsOf(q: Queryable, entries: AuditRow[]): Promise<AuditRelations> {
  const [environments, projects] = await Promise.all([
    environmentsByIds(q, idsOf(entries.map((e) => e.environment_id))),
    projectsByIds(q, idsOf(entries.map((e) => e.project_id))),
  ]);
  return { environments: new Map(environments.map((e) => [e.id, e])), projects: new Map(projects.map((p) => [p.id, p])) };
}

export const auditRoutes: Route[] = [
  route('GET', '/api/v1/projects/:projectId(\\d+)/audit/', 'admin', async (ctx) => {
    const projectId = intParam(ctx.params.projectId) ?? 0;
    // `ProjectAuditLogPermissions` answers an unknown project with a plain refusal.
    if (!(await one(ctx.db.pool, 'SELECT 1 FROM projects_project WHERE id = $1', [projectId]))) throw permissionDenied();
    const environment = intParam(ctx.url.searchParams.get('environments') ?? ctx.url.searchParams.get('environment'));
    const entries = await auditOfProject(ctx.db.pool, projectId, environment);
    const search = ctx.url.searchParams.get('search')?.toLowerCase();
    const filtered = search ? entries.filter((e) => e.log.toLowerCase().includes(search)) : entries;
    const page = customPage(ctx, filtered);
    const relations = await relationsOf(ctx.db.pool, page.results);
    return { status: 200, body: { ...page, results: page.results.map((e) => auditJson(e, relations)) } };
  }),
];
