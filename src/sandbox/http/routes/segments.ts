/** `projects/{id}/segments/`: list (CustomPagination, `?q=` name search), retrieve and create, rules nested. */
import { ApiError, notFound } from '../../errors.js';
import { one } from '../../store/db.js';
import { type ConditionInput, type RuleInput, type RuleRow, type SegmentRow, createSegment, ruleTypes, segmentById, segmentsOfProject } from '../../store/segments.js';
import { customPage } from '../pagination.js';
import { type Ctx, type Route, intParam, route } from '../router.js';

const REQUIRED = 'This field is required.';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function ruleJson(rule: RuleRow, nested: boolean): Record<string, unknown> {
  const conditions = rule.conditions.map((c) => ({ id: c.id, operator: c.operator, property: c.property, value: c.value, description: c.description ?? null }));
  // The nested rule serializer has no `rules` of its own: two levels are all Flagsmith nests.
  return nested ? { id: rule.id, type: rule.type, conditions } : { id: rule.id, type: rule.type, rules: rule.rules.map((r) => ruleJson(r, true)), conditions };
}

/** `SegmentSerializer`'s fields. */
export function segmentJson(s: SegmentRow): Record<string, unknown> {
  return {
    id: s.id,
    uuid: s.uuid,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
    name: s.name,
    description: s.description,
    project: s.project_id,
    feature: s.feature_id,
    version_of: s.version_of_id,
    rules: s.rules.map((r) => ruleJson(r, false)),
    metadata: [],
    membership_counts: [],
    managed_by: null,
  };
}

function parseConditions(raw: unknown): { conditions: ConditionInput[]; errors?: unknown } {
  if (raw === undefined) return { conditions: [] };
  if (!Array.isArray(raw)) return { conditions: [], errors: { non_field_errors: ['Expected a list of items.'] } };
  const errors: unknown[] = [];
  const conditions: ConditionInput[] = [];
  for (const item of raw) {
    if (!isObject(item) || typeof item.operator !== 'string') {
      errors.push({ operator: [REQUIRED] });
      continue;
    }
    errors.push({});
    // The serializer turns any value into text (`str(data["value"])`).
    conditions.push({
      operator: item.operator,
      property: typeof item.property === 'string' ? item.property : null,
      value: item.value === undefined || item.value === null ? null : typeof item.value === 'string' ? item.value : JSON.stringify(item.value),
      description: typeof item.description === 'string' ? item.description : null,
    });
  }
  return errors.some((e) => Object.keys(e as object).length > 0) ? { conditions, errors } : { conditions };
}

function parseRules(raw: unknown, depth: number): { rules: RuleInput[]; errors?: unknown } {
  if (!Array.isArray(raw)) return { rules: [], errors: [REQUIRED] };
  const errors: Record<string, unknown>[] = [];
  const rules: RuleInput[] = [];
  for (const item of raw) {
    const itemErrors: Record<string, unknown> = {};
    if (!isObject(item)) {
      errors.push({ non_field_errors: ['Invalid data.'] });
      continue;
    }
    if (!ruleTypes.includes(item.type as (typeof ruleTypes)[number])) itemErrors.type = [`"${String(item.type)}" is not a valid choice.`];
    const conditions = parseConditions(item.conditions);
    if (conditions.errors) itemErrors.conditions = conditions.errors;
    let nested: RuleInput[] = [];
    if (item.rules !== undefined && depth < 2) {
      const parsed = parseRules(item.rules, depth + 1);
      if (parsed.errors) itemErrors.rules = parsed.errors;
      nested = parsed.rules;
    }
    errors.push(itemErrors);
    rules.push({ type: item.type as RuleInput['type'], conditions: conditions.conditions, rules: nested });
  }
  return errors.some((e) => Object.keys(e).length > 0) ? { rules, errors } : { rules };
}

async function projectOf(ctx: Ctx): Promise<number> {
  const projectId = intParam(ctx.params.projectId);
  const exists = projectId !== undefined && (await one(ctx.db.pool, 'SELECT 1 FROM projects_project WHERE id = $1 AND deleted_at IS NULL', [projectId]));
  if (projectId === undefined || !exists) throw notFound('Project');
  return projectId;
}

export const segmentRoutes: Route[] = [
  route('GET', '/api/v1/projects/:projectId(\\d+)/segments/', 'admin', async (ctx) => {
    const segments = await segmentsOfProject(ctx.db.pool, await projectOf(ctx), ctx.url.searchParams.get('q') ?? undefined);
    return { status: 200, body: customPage(ctx, segments.map(segmentJson)) };
  }),
  route('GET', '/api/v1/projects/:projectId(\\d+)/segments/:id(\\d+)/', 'admin', async (ctx) => {
    const projectId = await projectOf(ctx);
    const segment = await segmentById(ctx.db.pool, intParam(ctx.params.id) ?? 0);
    if (!segment || segment.project_id !== projectId) throw notFound('Segment');
    return { status: 200, body: segmentJson(segment) };
  }),
  route('POST', '/api/v1/projects/:projectId(\\d+)/segments/', 'admin', async (ctx) => {
    const projectId = await projectOf(ctx);
    const body = isObject(ctx.body) ? ctx.body : {};
    const errors: Record<string, unknown> = {};
    if (typeof body.name !== 'string' || body.name === '') errors.name = [REQUIRED];
    const parsed = parseRules(body.rules, 1);
    if (parsed.errors) errors.rules = parsed.errors;
    else if (parsed.rules.length === 0) errors.rules = ['This list may not be empty.'];
    if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
    const segment = await ctx.db.transaction((q) =>
      createSegment(q, projectId, {
        name: body.name as string,
        description: typeof body.description === 'string' ? body.description : null,
        rules: parsed.rules,
        featureId: typeof body.feature === 'number' ? body.feature : null,
      }),
    );
    return { status: 201, body: segmentJson(segment) };
  }),
];
