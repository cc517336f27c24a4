/**
 * Seeding the sandbox from a YAML/JSON document: one project, its environments (v1 or v2) and
 * features with a per-environment history of states. Everything is written through the store
 * functions the HTTP routes use, so versions, feature states and audit rows agree.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Database } from '../db/sql.js';
import { flatValueSchema } from '../flagsmith/schemas.js';
import { type FlatValue, type ValueType, ValueConversionError, toFeatureStateValue, valueTypeOfText, valueTypes } from '../flagsmith/values.js';
import { type Queryable, bumpSequence, one } from './store/db.js';
import { type EnvironmentRow, type FeatureRow, environmentById, featureById } from './store/read.js';
import { insertEnvironmentDefault } from './store/states.js';
import type { StoredValue } from './store/values.js';
import { createIdentityOverride, getOrCreateIdentity, setTraits } from './store/identities.js';
import { createSegment, ruleTypes } from './store/segments.js';
import { type VersionStateInput, createVersion, publishVersion } from './store/versions.js';

const isoDate = z.union([z.iso.datetime({ offset: true }).transform((s) => new Date(s)), z.date()]);

interface SeededValue {
  value?: FlatValue | undefined;
  value_type?: ValueType | undefined;
}

/** The stored value of a seeded state: `value_type` when given, else the YAML value's own type. */
function storedValue(state: SeededValue): StoredValue {
  return toFeatureStateValue(state.value ?? null, state.value_type);
}

/** Refuse a value its type cannot hold (`"abc"` as `int`) while parsing, so the error names its key. */
function valueFitsType(state: SeededValue, ctx: z.RefinementCtx): void {
  try {
    storedValue(state);
  } catch (error) {
    if (!(error instanceof ValueConversionError)) throw error;
    ctx.addIssue({ code: 'custom', path: ['value'], message: error.message });
  }
}

const stateSchema = z.strictObject({
  enabled: z.boolean(),
  value: flatValueSchema.optional(),
  /** Forces the stored type; otherwise it is inferred (a JSON list stays a `unicode` string). */
  value_type: z.enum(valueTypes).optional(),
});

const historyEntrySchema = stateSchema
  .extend({
    live_from: isoDate,
    description: z.string().optional(),
    uuid: z.uuid().optional(),
  })
  .superRefine(valueFitsType);

/** A segment override in the live version (v2 environments): the segment by name. */
const segmentOverrideSchema = stateSchema.extend({ segment: z.string().min(1), priority: z.int().min(0).optional() }).superRefine(valueFitsType);

/** An identity override; the identity is created when the environment does not list it. */
const identityOverrideSchema = stateSchema.extend({ identifier: z.string().min(1) }).superRefine(valueFitsType);

const featureEnvironmentSchema = stateSchema
  .partial({ enabled: true })
  .extend({
    /** Past states, oldest first; each becomes a published version (v2) or a versioned state (v1). */
    history: z.array(historyEntrySchema).optional(),
    segment_overrides: z.array(segmentOverrideSchema).default([]),
    identity_overrides: z.array(identityOverrideSchema).default([]),
  })
  .superRefine(valueFitsType);

/**
 * Flagsmith's feature types. It refuses the old FLAG and CONFIG (a migration made them STANDARD),
 * with DRF's choice error; a remote-config value is a STANDARD feature with a `unicode` value.
 */
const featureTypeSchema = z.enum(['STANDARD', 'MULTIVARIATE'], {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a valid choice.` +
    (issue.input === 'CONFIG' || issue.input === 'FLAG' ? ' Use STANDARD: a remote-config value is a STANDARD feature with a unicode value.' : ''),
});

const featureSchema = z.strictObject({
  id: z.int().positive().optional(),
  name: z.string().min(1),
  type: featureTypeSchema.default('STANDARD'),
  description: z.string().optional(),
  default_enabled: z.boolean().default(false),
  initial_value: z.string().nullable().optional(),
  is_server_key_only: z.boolean().default(false),
  /** Keyed by environment name or api key. */
  environments: z.record(z.string(), featureEnvironmentSchema).default({}),
});

const environmentSchema = z.strictObject({
  id: z.int().positive().optional(),
  name: z.string().min(1),
  api_key: z.string().min(1).refine((k) => !k.startsWith('ser.'), 'client keys must not start with "ser."'),
  use_v2_feature_versioning: z.boolean().default(true),
  server_keys: z.array(z.string().startsWith('ser.')).default([]),
  /** Identities with their traits (`{plan: "enterprise"}`), for segment membership. */
  identities: z
    .array(z.strictObject({ identifier: z.string().min(1), traits: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}) }))
    .default([]),
  /**
   * Change requests required (Flagsmith's field): publishing a version here is then refused with
   * 409 `change_requests_enabled`, as Flagsmith will once its #8367 is fixed.
   */
  minimum_change_request_approvals: z.int().nonnegative().nullable().default(null),
});

const conditionSchema = z.strictObject({
  operator: z.string().min(1),
  property: z.string().nullable().optional(),
  value: z.union([z.string(), z.number(), z.boolean()]).nullable().optional(),
  description: z.string().optional(),
});

const nestedRuleSchema = z.strictObject({ type: z.enum(ruleTypes), conditions: z.array(conditionSchema).default([]) });

/** A project segment in Flagsmith's create shape: top-level rules, each with conditions and nested rules. */
const segmentSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  rules: z
    .array(z.strictObject({ type: z.enum(ruleTypes), conditions: z.array(conditionSchema).default([]), rules: z.array(nestedRuleSchema).default([]) }))
    .min(1),
});

/** The seed file's shape. */
export const seedSchema = z.strictObject({
  organisation: z
    .strictObject({
      id: z.int().positive().optional(),
      name: z.string().min(1),
      /**
       * `free`: the limits of a self-hosted open-source install (audit lists answer no rows, the
       * versions list hides versions older than 7 days). Absent: no limits.
       */
      plan: z.enum(['free']).optional(),
    })
    .default({ name: 'Sandbox' }),
  project: z.strictObject({ id: z.int().positive().optional(), name: z.string().min(1) }),
  environments: z.array(environmentSchema).min(1),
  segments: z.array(segmentSchema).default([]),
  features: z.array(featureSchema).default([]),
});

/** A seed document as written in the file (defaults not yet applied). */
export type SeedDocument = z.input<typeof seedSchema>;
type Seed = z.output<typeof seedSchema>;

/** Thrown for a seed that does not match the format; the message names each offending key. */
export class SeedError extends Error {
  override readonly name = 'SeedError';
}

/** Validate a seed document; errors name the key path (`features.0.environments.Production.value`). */
export function parseSeed(input: unknown, source = 'seed'): Seed {
  const result = seedSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new SeedError(`${source} is not a valid sandbox seed:\n${lines.join('\n')}`);
}

/** Read and validate a seed file (YAML, of which JSON is a subset). */
export async function loadSeedFile(path: string): Promise<Seed> {
  const text = await readFile(path, 'utf8');
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new SeedError(`${path} is not valid YAML/JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseSeed(data, path);
}

async function insertWithOptionalId(q: Queryable, table: string, id: number | undefined, columns: Record<string, unknown>): Promise<number> {
  const entries = Object.entries(id === undefined ? columns : { id, ...columns });
  const row = await one<{ id: number }>(
    q,
    `INSERT INTO ${table} (${entries.map(([k]) => k).join(', ')}) VALUES (${entries.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    entries.map(([, v]) => v),
  );
  if (!row) throw new Error(`insert into ${table} returned no row`);
  return row.id;
}

function seededCondition(c: z.output<typeof conditionSchema>) {
  return { operator: c.operator, property: c.property ?? null, value: c.value === undefined || c.value === null ? null : String(c.value), description: c.description ?? null };
}

interface StateStep {
  enabled: boolean;
  value: StoredValue;
  liveFrom: Date;
  description: string | null;
  uuid?: string;
}

async function seedFeatureInEnvironment(
  q: Queryable,
  environment: EnvironmentRow,
  feature: FeatureRow,
  steps: StateStep[],
  segmentOverrides: VersionStateInput[] = [],
): Promise<void> {
  // The segment overrides join the version live now; later (scheduled) versions clone them.
  const now = new Date();
  const current = steps.reduce((found, step, index) => (step.liveFrom <= now ? index : found), steps.length - 1);
  for (const [index, step] of steps.entries()) {
    if (!environment.use_v2_feature_versioning) {
      await insertEnvironmentDefault(q, {
        featureId: feature.id,
        environmentId: environment.id,
        enabled: step.enabled,
        value: step.value,
        versionUuid: null,
        liveFrom: step.liveFrom,
        version: index + 1,
      });
      continue;
    }
    const version = await createVersion(q, environment, feature, {
      featureStatesToUpdate: [{ enabled: step.enabled, featureStateValue: step.value, segmentId: null }],
      featureStatesToCreate: index === current ? segmentOverrides : [],
      segmentIdsToDeleteOverrides: [],
      publishImmediately: false,
      liveFrom: step.liveFrom,
      description: step.description,
      createdAt: step.liveFrom,
      ...(step.uuid ? { uuid: step.uuid } : {}),
    });
    await publishVersion(q, environment, feature, version.uuid, { liveFrom: step.liveFrom, publishedAt: step.liveFrom });
  }
}

/** What `seedSandbox` did. */
export interface SeedResult {
  /** False when the project already existed (the seed is then left alone). */
  seeded: boolean;
  projectId: number;
  environments: { id: number; name: string; apiKey: string }[];
  features: { id: number; name: string }[];
}

/**
 * Write a seed into a prepared sandbox database, in one transaction. A project that already exists
 * (same id) is left untouched, so restarting `flagops sandbox --seed` on the same database is safe.
 * @throws SeedError when the document is invalid or names an unknown environment.
 */
export async function seedSandbox(db: Database, input: SeedDocument | Seed): Promise<SeedResult> {
  const seed = parseSeed(input);
  return db.transaction(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['flagops_sandbox_seed']);
    if (seed.project.id !== undefined && (await one(q, 'SELECT 1 FROM projects_project WHERE id = $1', [seed.project.id]))) {
      const envs = await q.query<{ id: number; name: string; api_key: string }>(
        'SELECT id, name, api_key FROM environments_environment WHERE project_id = $1 ORDER BY id',
        [seed.project.id],
      );
      const features = await q.query<{ id: number; name: string }>('SELECT id, name FROM features_feature WHERE project_id = $1 ORDER BY id', [
        seed.project.id,
      ]);
      return {
        seeded: false,
        projectId: seed.project.id,
        environments: envs.rows.map((e) => ({ id: e.id, name: e.name, apiKey: e.api_key })),
        features: features.rows,
      };
    }
    const organisationId = await insertWithOptionalId(q, 'organisations_organisation', seed.organisation.id, {
      name: seed.organisation.name,
      flagops_plan: seed.organisation.plan ?? null,
    });
    const projectId = await insertWithOptionalId(q, 'projects_project', seed.project.id, {
      name: seed.project.name,
      organisation_id: organisationId,
    });
    const environments: EnvironmentRow[] = [];
    for (const env of seed.environments) {
      const id = await insertWithOptionalId(q, 'environments_environment', env.id, {
        name: env.name,
        api_key: env.api_key,
        project_id: projectId,
        use_v2_feature_versioning: env.use_v2_feature_versioning,
        minimum_change_request_approvals: env.minimum_change_request_approvals,
      });
      for (const [i, key] of env.server_keys.entries()) {
        await q.query('INSERT INTO environments_environmentapikey (environment_id, key, name) VALUES ($1, $2, $3)', [id, key, `seed key ${i + 1}`]);
      }
      const row = await environmentById(q, id);
      if (row) environments.push(row);
      for (const identity of env.identities) {
        const created = await getOrCreateIdentity(q, id, identity.identifier);
        await setTraits(q, created.id, Object.entries(identity.traits).map(([trait_key, trait_value]) => ({ trait_key, trait_value })));
      }
    }
    const segmentIds = new Map<string, number>();
    for (const segment of seed.segments) {
      const created = await createSegment(q, projectId, {
        name: segment.name,
        description: segment.description ?? null,
        rules: segment.rules.map((rule) => ({
          type: rule.type,
          conditions: rule.conditions.map(seededCondition),
          rules: rule.rules.map((nested) => ({ type: nested.type, conditions: nested.conditions.map(seededCondition) })),
        })),
      });
      segmentIds.set(segment.name, created.id);
    }
    const seededFeatures: SeedResult['features'] = [];
    for (const [index, spec] of seed.features.entries()) {
      const id = await insertWithOptionalId(q, 'features_feature', spec.id, {
        name: spec.name,
        project_id: projectId,
        type: spec.type,
        description: spec.description ?? null,
        default_enabled: spec.default_enabled,
        initial_value: spec.initial_value ?? null,
        is_server_key_only: spec.is_server_key_only,
      });
      const feature = await featureById(q, id);
      if (!feature) throw new Error('feature row vanished after insert');
      seededFeatures.push({ id, name: spec.name });
      for (const key of Object.keys(spec.environments)) {
        if (!environments.some((e) => e.name === key || e.api_key === key)) {
          throw new SeedError(`seed is not a valid sandbox seed:\n  features.${index}.environments.${key}: no environment has this name or api key`);
        }
      }
      for (const environment of environments) {
        const perEnv = spec.environments[environment.name] ?? spec.environments[environment.api_key];
        const steps: StateStep[] = (perEnv?.history ?? []).map((h) => ({
          enabled: h.enabled,
          value: storedValue(h),
          liveFrom: h.live_from,
          description: h.description ?? null,
          ...(h.uuid ? { uuid: h.uuid } : {}),
        }));
        const current = perEnv?.enabled !== undefined || perEnv?.value !== undefined || steps.length === 0;
        if (current) {
          // Flagsmith's initial state for a new feature: default_enabled, and initial_value typed from its text.
          const last = steps.filter((s) => s.liveFrom <= new Date()).at(-1);
          const initial = spec.initial_value ?? null;
          steps.push({
            enabled: perEnv?.enabled ?? last?.enabled ?? spec.default_enabled,
            value:
              perEnv?.value !== undefined
                ? storedValue(perEnv)
                : (last?.value ?? toFeatureStateValue(initial, initial === null ? 'unicode' : valueTypeOfText(initial))),
            liveFrom: new Date(),
            description: null,
          });
          steps.sort((a, b) => a.liveFrom.getTime() - b.liveFrom.getTime());
        }
        const segmentOverrides = (perEnv?.segment_overrides ?? []).map((o, i): VersionStateInput => {
          const segmentId = segmentIds.get(o.segment);
          if (segmentId === undefined) throw new SeedError(`seed is not a valid sandbox seed:\n  features.${index}.environments.${environment.name}.segment_overrides.${i}.segment: no segment has this name`);
          return { enabled: o.enabled, featureStateValue: storedValue(o), segmentId, priority: o.priority ?? i };
        });
        if (segmentOverrides.length > 0 && !environment.use_v2_feature_versioning) {
          throw new SeedError(`seed is not a valid sandbox seed:\n  features.${index}.environments.${environment.name}.segment_overrides: the sandbox keeps segment overrides in versions (a v2 environment)`);
        }
        await seedFeatureInEnvironment(q, environment, feature, steps, segmentOverrides);
        for (const o of perEnv?.identity_overrides ?? []) {
          const identity = await getOrCreateIdentity(q, environment.id, o.identifier);
          await createIdentityOverride(q, environment, identity, feature.id, o.enabled, storedValue(o));
        }
      }
    }
    for (const table of ['organisations_organisation', 'projects_project', 'environments_environment', 'features_feature']) {
      await bumpSequence(q, table);
    }
    return {
      seeded: true,
      projectId,
      environments: environments.map((e) => ({ id: e.id, name: e.name, apiKey: e.api_key })),
      features: seededFeatures,
    };
  });
}
