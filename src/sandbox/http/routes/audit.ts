/**
 * The audit-log lists: `projects/{id}/audit/`, `organisations/{id}/audit/` and `audit/`, newest
 * first. An organisation seeded with `plan: free` is answered as a self-hosted open-source install
 * answers: no rows (`count: 0`), though they are stored.
 */
import { ApiError, permissionDenied } from '../../errors.js';
import { type AuditFilter, type AuditRow, auditRows } from '../../store/audit.js';
import { planOfOrganisation, planOfProject, usersByIds } from '../../store/callers.js';
import { type Queryable, one } from '../../store/db.js';
import { environmentsByIds, projectsByIds } from '../../store/read.js';
import { customPage } from '../pagination.js';
import { type Ctx, type Reply, type Route, intParam, route } from '../router.js';
import { type AuditRelations, auditJson } from '../shapes.js';

const idsOf = (values: (number | null)[]): number[] => [...new Set(values.filter((v): v is number => v !== null))];

/** The environments and projects a page of audit rows names, for nesting them. */
async function relationsOf(q: Queryable, entries: AuditRow[]): Promise<AuditRelations> {
  const [environments, projects, users] = await Promise.all([
    environmentsByIds(q, idsOf(entries.map((e) => e.environment_id))),
    projectsByIds(q, idsOf(entries.map((e) => e.project_id))),
    usersByIds(q, idsOf(entries.map((e) => e.author_id))),
  ]);
  return {
    environments: new Map(environments.map((e) => [e.id, e])),
    projects: new Map(projects.map((p) => [p.id, p])),
    users: new Map(users.map((u) => [u.id, u])),
  };
}

/** An integer query parameter of `AuditLogsQueryParamSerializer`, with its error for text. */
function integerQuery(ctx: Ctx, name: string): number | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const value = intParam(raw);
  if (value === undefined) throw new ApiError(400, { [name]: ['A valid integer is required.'] });
  return value;
}

/**
 * The query parameters every audit list takes: `project`, `environments` (repeatable; the
 * sandbox also takes the singular) and `search`.
 */
function queryFilter(ctx: Ctx): AuditFilter {
  const environments = [...ctx.url.searchParams.getAll('environments'), ...ctx.url.searchParams.getAll('environment')];
  const environmentIds = environments.map((raw) => intParam(raw));
  if (environmentIds.some((id) => id === undefined)) throw new ApiError(400, { environments: { 0: ['A valid integer is required.'] } });
  const project = integerQuery(ctx, 'project');
  const search = ctx.url.searchParams.get('search') ?? '';
  return {
    ...(project === undefined ? {} : { projectId: project }),
    ...(environmentIds.length > 0 ? { environmentIds: environmentIds as number[] } : {}),
    ...(search === '' ? {} : { search }),
  };
}

/** One page of the rows both the route's scope and the query select (Flagsmith ANDs the two). */
async function auditPage(ctx: Ctx, scope: AuditFilter, limited = false): Promise<Reply> {
  const query = queryFilter(ctx);
  const disjoint = scope.projectId !== undefined && query.projectId !== undefined && scope.projectId !== query.projectId;
  // A free plan's audit_log_visibility_days is 0: Flagsmith keeps rows created from now on, i.e. none.
  const entries = disjoint || limited ? [] : await auditRows(ctx.db.pool, { ...query, ...scope });
  const page = customPage(ctx, entries);
  const relations = await relationsOf(ctx.db.pool, page.results);
  return { status: 200, body: { ...page, results: page.results.map((e) => auditJson(e, relations)) } };
}

/** The audit permission classes answer an unknown project or organisation with a plain refusal. */
async function requireRow(ctx: Ctx, table: 'projects_project' | 'organisations_organisation', id: number | undefined): Promise<number> {
  if (id === undefined || !(await one(ctx.db.pool, `SELECT 1 FROM ${table} WHERE id = $1`, [id]))) throw permissionDenied();
  return id;
}

export const auditRoutes: Route[] = [
  route('GET', '/api/v1/projects/:projectId(\\d+)/audit/', 'admin', async (ctx) => {
    const projectId = await requireRow(ctx, 'projects_project', intParam(ctx.params.projectId));
    return auditPage(ctx, { projectId }, (await planOfProject(ctx.db.pool, projectId)) === 'free');
  }),
  route('GET', '/api/v1/organisations/:organisationId(\\d+)/audit/', 'admin', async (ctx) => {
    const organisationId = await requireRow(ctx, 'organisations_organisation', intParam(ctx.params.organisationId));
    return auditPage(ctx, { organisationId }, (await planOfOrganisation(ctx.db.pool, organisationId)) === 'free');
  }),
  // Every organisation the caller administers: the sandbox's one admin token administers them all.
  route('GET', '/api/v1/audit/', 'admin', async (ctx) => auditPage(ctx, {})),
];
