/**
 * zod schemas of the Flagsmith answers flagops relies on. Only the fields we use are required;
 * other fields are dropped (except in the environment document, which is kept whole).
 */
import { z } from 'zod';

const id = z.number().int();
const nullableId = id.nullable();
/** Older Flagsmith builds lack a field: read absent as `null`. */
const absentAsNull = <T extends z.ZodType>(schema: T) => schema.nullable().optional().transform((v) => v ?? null);

export const flatValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const featureStateValueSchema = z.object({
  type: z.enum(['unicode', 'int', 'bool']),
  string_value: z.string().nullable(),
  integer_value: z.number().int().nullable(),
  boolean_value: z.boolean().nullable(),
});

/** `GET environments/{api_key}/` */
export const environmentSchema = z.object({
  id,
  name: z.string(),
  api_key: z.string(),
  project: id,
  use_v2_feature_versioning: z.boolean(),
  /** Set: changes here need a change request with this many approvals (null: none required). */
  minimum_change_request_approvals: absentAsNull(z.number().int()),
  // Missing on builds before environment cloning gained the flag.
  is_creating: z.boolean().optional().transform((v) => v ?? false),
});
export type Environment = z.infer<typeof environmentSchema>;

/** An item of `GET projects/{id}/features/`. */
export const featureSchema = z.object({
  id,
  name: z.string(),
  type: z.string().optional(),
  project: id.optional(),
});
export type Feature = z.infer<typeof featureSchema>;

/** An item of `GET environments/{api_key}/featurestates/`: value flat. */
export const environmentFeatureStateSchema = z.object({
  id,
  feature: id,
  environment: nullableId,
  // The list serializer nests the identity as `{id, identifier}`; the detail one gives its id.
  identity: absentAsNull(z.union([id, z.looseObject({ id })])),
  feature_segment: absentAsNull(id),
  enabled: z.boolean(),
  feature_state_value: flatValueSchema,
  // The uuid of the live version on a v2 environment, null on v1.
  environment_feature_version: absentAsNull(z.string()),
});
export type EnvironmentFeatureState = z.infer<typeof environmentFeatureStateSchema>;

/**
 * `PATCH environments/{api_key}/featurestates/{id}/`: Flagsmith answers a partial update with its
 * create serializer, which has only `feature` and `enabled` (a PUT would answer the whole state).
 */
export const legacyPatchResponseSchema = z.object({ feature: id, enabled: z.boolean() });
export type LegacyPatchResponse = z.infer<typeof legacyPatchResponseSchema>;

/** A version as list, create and publish-less reads show it. */
export const versionSchema = z.object({
  uuid: z.string(),
  published: z.boolean(),
  is_live: z.boolean(),
  live_from: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string().optional(),
  published_by: absentAsNull(id),
  created_by: absentAsNull(id),
  description: absentAsNull(z.string()),
});
export type Version = z.infer<typeof versionSchema>;

/** `GET environment-feature-versions/{uuid}/` adds where the version belongs. */
export const versionDetailSchema = versionSchema.extend({
  previous_version_uuid: z.string().nullable(),
  feature: id,
  environment: id,
});
export type VersionDetail = z.infer<typeof versionDetailSchema>;

/** `POST …/versions/{uuid}/publish/` answers with its one field. */
export const publishResponseSchema = z.object({ live_from: z.string().nullable() });
export type PublishResponse = z.infer<typeof publishResponseSchema>;

/** An item of `GET …/versions/{uuid}/featurestates/`: value as a dict. */
export const versionFeatureStateSchema = z.object({
  id,
  feature: id,
  environment: nullableId,
  identity: absentAsNull(id),
  enabled: z.boolean(),
  feature_state_value: featureStateValueSchema,
  feature_segment: z
    .object({ segment: id, priority: z.number().int().nullable().optional() })
    .nullable()
    .optional()
    .transform((v) => v ?? null),
});
export type VersionFeatureState = z.infer<typeof versionFeatureStateSchema>;

/** `GET /api/v1/flags/?feature=` (SDK). */
export const sdkFlagSchema = z.object({
  feature: z.object({ id, name: z.string(), type: z.string().optional() }),
  enabled: z.boolean(),
  feature_state_value: flatValueSchema,
});
export type SdkFlag = z.infer<typeof sdkFlagSchema>;

/** `GET environments/{api_key}/document/`: checked where we read it, every other key kept. */
export const environmentDocumentSchema = z.looseObject({
  id,
  api_key: z.string(),
  project: z.looseObject({ id }),
  feature_states: z.array(
    z.looseObject({
      feature: z.looseObject({ id, name: z.string() }),
      enabled: z.boolean(),
      feature_state_value: flatValueSchema.optional(),
      feature_segment: z.unknown().optional(),
    }),
  ),
});
export type EnvironmentDocument = z.infer<typeof environmentDocumentSchema>;

/** DRF page: `{count, next, previous, results}`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ next: z.string().nullable(), results: z.array(item) });
}

const conditionSchema = z.object({ operator: z.string(), property: z.string().nullable().optional(), value: z.string().nullable().optional() });
const nestedRuleSchema = z.object({ type: z.string(), conditions: z.array(conditionSchema).default([]) });

/** An item of `GET projects/{id}/segments/`: rules nested two levels, as `SegmentSerializer` writes them. */
export const segmentSchema = z.object({
  id,
  name: z.string(),
  rules: z.array(nestedRuleSchema.extend({ rules: z.array(nestedRuleSchema).default([]) })).default([]),
});
export type Segment = z.infer<typeof segmentSchema>;

/** An item of `GET environments/{api_key}/featurestates/?anyIdentity=…`: an identity override, its identity nested. */
export const identityOverrideSchema = z.object({
  id,
  feature: id,
  enabled: z.boolean(),
  feature_state_value: flatValueSchema,
  identity: z.looseObject({ id, identifier: z.string() }),
});
export type IdentityOverride = z.infer<typeof identityOverrideSchema>;

/** `GET|POST /api/v1/identities/` (SDK): the flags this identity is served. */
export const sdkIdentitySchema = z.object({
  identifier: z.string().nullable().optional(),
  flags: z.array(
    sdkFlagSchema.extend({
      // Hidden (null) when the environment hides sensitive data.
      identity: absentAsNull(id),
      feature_segment: absentAsNull(id),
    }),
  ),
});
export type SdkIdentity = z.infer<typeof sdkIdentitySchema>;
