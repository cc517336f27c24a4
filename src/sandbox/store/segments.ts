/**
 * Segments with their rules and conditions (`segments_segment`, `segments_segmentrule`,
 * `segments_condition`), written and read in the nested shape of Flagsmith's `SegmentSerializer`:
 * a segment's top-level rules each hold conditions and one level of nested rules.
 */
import { ApiError } from '../errors.js';
import { type Queryable, one, rows } from './db.js';

export const ruleTypes = ['ALL', 'ANY', 'NONE'] as const;
export type RuleType = (typeof ruleTypes)[number];

export interface ConditionInput {
  operator: string;
  property: string | null;
  value: string | null;
  description?: string | null;
}

export interface RuleInput {
  type: RuleType;
  rules?: RuleInput[];
  conditions?: ConditionInput[];
}

export interface SegmentInput {
  name: string;
  description?: string | null;
  rules: RuleInput[];
  /** A feature-specific segment (Flagsmith's `feature`); null for a project segment. */
  featureId?: number | null;
}

export interface ConditionRow extends ConditionInput {
  id: number;
}

export interface RuleRow {
  id: number;
  type: RuleType;
  rules: RuleRow[];
  conditions: ConditionRow[];
}

export interface SegmentRow {
  id: number;
  uuid: string;
  name: string;
  description: string | null;
  project_id: number;
  feature_id: number | null;
  version_of_id: number | null;
  created_at: Date;
  updated_at: Date;
  rules: RuleRow[];
}

async function insertRule(q: Queryable, rule: RuleInput, parent: { segmentId: number } | { ruleId: number }): Promise<void> {
  const row = await one<{ id: number }>(
    q,
    'INSERT INTO segments_segmentrule (type, segment_id, rule_id) VALUES ($1, $2, $3) RETURNING id',
    [rule.type, 'segmentId' in parent ? parent.segmentId : null, 'ruleId' in parent ? parent.ruleId : null],
  );
  if (!row) throw new Error('rule insert returned no row');
  for (const condition of rule.conditions ?? []) {
    await q.query('INSERT INTO segments_condition (operator, property, value, description, rule_id) VALUES ($1, $2, $3, $4, $5)', [
      condition.operator,
      condition.property,
      condition.value,
      condition.description ?? null,
      row.id,
    ]);
  }
  for (const nested of rule.rules ?? []) await insertRule(q, nested, { ruleId: row.id });
}

/**
 * Create a segment in a project. Flagsmith makes the canonical row its own `version_of`.
 * @throws ApiError 400 for a name already taken in the project.
 */
export async function createSegment(q: Queryable, projectId: number, input: SegmentInput): Promise<SegmentRow> {
  const row = await one<{ id: number }>(
    q,
    `INSERT INTO segments_segment (name, description, project_id, feature_id) VALUES ($1, $2, $3, $4) RETURNING id`,
    [input.name, input.description ?? null, projectId, input.featureId ?? null],
  );
  if (!row) throw new Error('segment insert returned no row');
  await q.query('UPDATE segments_segment SET version_of_id = id WHERE id = $1', [row.id]);
  for (const rule of input.rules) await insertRule(q, rule, { segmentId: row.id });
  const created = await segmentById(q, row.id);
  if (!created) throw new ApiError(500, { detail: 'segment vanished after insert' });
  return created;
}

interface FlatRule {
  id: number;
  type: RuleType;
  segment_id: number | null;
  rule_id: number | null;
}

/** Segments with their rule trees, in id order. */
async function withRules(q: Queryable, segments: Omit<SegmentRow, 'rules'>[]): Promise<SegmentRow[]> {
  if (segments.length === 0) return [];
  const ids = segments.map((s) => s.id);
  const allRules = await rows<FlatRule & Record<string, unknown>>(
    q,
    `WITH RECURSIVE tree AS (
       SELECT id, type, segment_id, rule_id FROM segments_segmentrule WHERE segment_id = ANY($1::int[]) AND deleted_at IS NULL
       UNION ALL
       SELECT r.id, r.type, r.segment_id, r.rule_id FROM segments_segmentrule r JOIN tree t ON r.rule_id = t.id WHERE r.deleted_at IS NULL)
     SELECT * FROM tree ORDER BY id`,
    [ids],
  );
  const conditions = await rows<ConditionRow & { rule_id: number } & Record<string, unknown>>(
    q,
    'SELECT id, operator, property, value, description, rule_id FROM segments_condition WHERE rule_id = ANY($1::int[]) AND deleted_at IS NULL ORDER BY id',
    [allRules.map((r) => r.id)],
  );
  const build = (rule: FlatRule): RuleRow => ({
    id: rule.id,
    type: rule.type,
    rules: allRules.filter((r) => r.rule_id === rule.id).map(build),
    conditions: conditions
      .filter((c) => c.rule_id === rule.id)
      .map((c) => ({ id: c.id, operator: c.operator, property: c.property, value: c.value, description: c.description })),
  });
  return segments.map((s) => ({ ...s, rules: allRules.filter((r) => r.segment_id === s.id).map(build) }));
}

const segmentColumns = 'id, uuid, name, description, project_id, feature_id, version_of_id, created_at, updated_at';

/** A live segment by id, with its rules. */
export async function segmentById(q: Queryable, id: number): Promise<SegmentRow | undefined> {
  const found = await rows<Omit<SegmentRow, 'rules'> & Record<string, unknown>>(
    q,
    `SELECT ${segmentColumns} FROM segments_segment WHERE id = $1 AND deleted_at IS NULL`,
    [id],
  );
  return (await withRules(q, found))[0];
}

/** A project's live canonical segments (`version_of = id`), optionally filtered by `q` (name, case-insensitive substring). */
export async function segmentsOfProject(q: Queryable, projectId: number, search?: string): Promise<SegmentRow[]> {
  const pattern = search === undefined || search === '' ? null : `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const found = await rows<Omit<SegmentRow, 'rules'> & Record<string, unknown>>(
    q,
    `SELECT ${segmentColumns} FROM segments_segment
      WHERE project_id = $1 AND deleted_at IS NULL AND (version_of_id IS NULL OR version_of_id = id)
        AND ($2::text IS NULL OR name ILIKE $2)
      ORDER BY id`,
    [projectId, pattern],
  );
  return withRules(q, found);
}
