/**
 * Validation of the create-version body with DRF's error shapes: field errors nested under their
 * key, list items answered position by position (`{}` for a valid item).
 */
import { ApiError } from '../../errors.js';
import { isValueType } from '../../../flagsmith/values.js';
import type { CreateVersionInput, VersionStateInput } from '../../store/versions.js';

type Errors = Record<string, unknown>;
const REQUIRED = 'This field is required.';
const DATETIME_FORMAT =
  'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** DRF DateTimeField input: ISO-8601; `null` allowed where the model field is nullable. */
export function parseDateTime(value: unknown): Date | null | 'invalid' {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) return 'invalid';
  // DRF reads a naive time in the server's zone (UTC for Flagsmith).
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? 'invalid' : date;
}

/**
 * The Python type name DRF puts in its type errors (`type(data).__name__`): a JSON object is a
 * `dict`, a list a `list`, text a `str`.
 */
export function pythonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

const expectedDictionary = (raw: unknown): Errors => ({
  non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(raw)}.`],
});

type ParsedValue = VersionStateInput['featureStateValue'];

/** The nested `feature_state_value` dict (`FeatureStateValueSerializer`). */
function parseValue(value: unknown): { value?: ParsedValue; errors?: unknown } {
  if (!isObject(value)) return { errors: expectedDictionary(value) };
  const valueErrors: Errors = {};
  const type = value.type ?? 'unicode';
  if (!isValueType(type)) valueErrors.type = [`"${typeof type === 'string' ? type : JSON.stringify(type)}" is not a valid choice.`];
  if (value.integer_value !== undefined && value.integer_value !== null && !Number.isInteger(value.integer_value)) {
    valueErrors.integer_value = ['A valid integer is required.'];
  }
  if (value.boolean_value !== undefined && value.boolean_value !== null && typeof value.boolean_value !== 'boolean') {
    valueErrors.boolean_value = ['Must be a valid boolean.'];
  }
  if (value.string_value !== undefined && value.string_value !== null && typeof value.string_value !== 'string') {
    valueErrors.string_value = ['Not a valid string.'];
  }
  if (Object.keys(valueErrors).length > 0 || !isValueType(type)) return { errors: valueErrors };
  const parsed: ParsedValue = { type };
  for (const key of ['string_value', 'integer_value', 'boolean_value'] as const) {
    if (key in value) (parsed as Record<string, unknown>)[key] = value[key] ?? null;
  }
  return { value: parsed };
}

function parseState(raw: unknown): { state?: VersionStateInput; errors?: Errors } {
  if (!isObject(raw)) return { errors: expectedDictionary(raw) };
  const errors: Errors = {};
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') errors.enabled = ['Must be a valid boolean.'];
  let featureStateValue: ParsedValue | undefined;
  if (raw.feature_state_value === undefined) errors.feature_state_value = [REQUIRED];
  else {
    const parsed = parseValue(raw.feature_state_value);
    if (parsed.errors) errors.feature_state_value = parsed.errors;
    featureStateValue = parsed.value;
  }
  let segmentId: number | null = null;
  let priority: number | undefined;
  const segment = raw.feature_segment;
  if (segment !== undefined && segment !== null) {
    if (!isObject(segment) || !Number.isInteger(segment.segment)) errors.feature_segment = { segment: [REQUIRED] };
    else {
      segmentId = segment.segment as number;
      if (Number.isInteger(segment.priority)) priority = segment.priority as number;
    }
  }
  if (Object.keys(errors).length > 0 || !featureStateValue) return { errors };
  return {
    state: {
      ...(typeof raw.enabled === 'boolean' ? { enabled: raw.enabled } : {}),
      featureStateValue,
      segmentId,
      ...(priority !== undefined ? { priority } : {}),
    },
  };
}

function parseStates(raw: unknown, key: string, errors: Errors): VersionStateInput[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    errors[key] = { non_field_errors: [`Expected a list of items but got type "${pythonTypeName(raw)}".`] };
    return [];
  }
  const parsed = raw.map(parseState);
  if (parsed.some((p) => p.errors)) errors[key] = parsed.map((p) => p.errors ?? {});
  return parsed.flatMap((p) => (p.state ? [p.state] : []));
}

/** @throws ApiError 400 with DRF-style field errors. */
export function parseCreateVersionBody(body: unknown): CreateVersionInput {
  const input = isObject(body) ? body : {};
  const errors: Errors = {};
  const featureStatesToUpdate = parseStates(input.feature_states_to_update, 'feature_states_to_update', errors);
  const featureStatesToCreate = parseStates(input.feature_states_to_create, 'feature_states_to_create', errors);
  const ids = input.segment_ids_to_delete_overrides ?? [];
  if (!Array.isArray(ids) || ids.some((id) => !Number.isInteger(id))) {
    errors.segment_ids_to_delete_overrides = ['A valid integer is required.'];
  }
  const publish = input.publish_immediately ?? false;
  if (typeof publish !== 'boolean') errors.publish_immediately = ['Must be a valid boolean.'];
  const liveFrom = parseDateTime(input.live_from);
  if (liveFrom === 'invalid') errors.live_from = [DATETIME_FORMAT];
  const description = input.description ?? null;
  if (description !== null && typeof description !== 'string') errors.description = ['Not a valid string.'];
  if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
  return {
    featureStatesToUpdate,
    featureStatesToCreate,
    segmentIdsToDeleteOverrides: Array.isArray(ids) ? (ids as number[]) : [],
    publishImmediately: publish === true,
    liveFrom: liveFrom === 'invalid' ? null : liveFrom,
    description: typeof description === 'string' ? description : null,
  };
}

/** The publish body: optional `live_from`. @throws ApiError 400 for a malformed time. */
export function parsePublishBody(body: unknown): Date | null {
  const liveFrom = parseDateTime(isObject(body) ? body.live_from : undefined);
  if (liveFrom === 'invalid') throw new ApiError(400, { live_from: [DATETIME_FORMAT] });
  return liveFrom;
}

/** What a PATCH/PUT of a draft's feature state may change. */
export interface DraftStatePatch {
  enabled?: boolean;
  featureStateValue?: ParsedValue;
}

/**
 * The body of a draft feature-state update: optional `enabled` and `feature_state_value` (partial
 * either way, as the sandbox models only these two fields).
 * @throws ApiError 400 with DRF-style field errors.
 */
export function parseDraftStatePatch(body: unknown): DraftStatePatch {
  if (!isObject(body)) throw new ApiError(400, expectedDictionary(body));
  const errors: Errors = {};
  const patch: DraftStatePatch = {};
  if (body.enabled !== undefined) {
    if (typeof body.enabled === 'boolean') patch.enabled = body.enabled;
    else errors.enabled = ['Must be a valid boolean.'];
  }
  if (body.feature_state_value !== undefined) {
    const parsed = parseValue(body.feature_state_value);
    if (parsed.errors) errors.feature_state_value = parsed.errors;
    if (parsed.value) patch.featureStateValue = parsed.value;
  }
  if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
  return patch;
}
