/**
 * Feature-state values on the server side: a `features_featurestatevalue` row (a `type` naming
 * which of three columns holds the value) read into the two shapes Flagsmith shows, and what a
 * legacy write stores. The value model itself — types, the dict shape, conversions — is
 * `src/flagsmith/values.ts`, shared with the client so the two sides cannot disagree on it.
 */
import { type FeatureStateValue, type FlatValue, type ValueType, fromFeatureStateValue, inferValueType, isValueType } from '../../flagsmith/values.js';

export type { FlatValue, ValueType };

/** A value row's columns in Flagsmith's dict shape (the shape version bodies carry). */
export type StoredValue = FeatureStateValue;

/** A `features_featurestatevalue` row as read back from PostgreSQL (`type` is nullable there). */
export interface ValueRow {
  type: string | null;
  string_value: string | null;
  integer_value: number | null;
  boolean_value: boolean | null;
}

/**
 * The dict shape of versions' feature states and `features/featurestates/`. A missing row or a
 * type Flagsmith does not know reads as `unicode`, the model's default.
 */
export function dictValue(row: ValueRow | null | undefined): StoredValue {
  return {
    type: isValueType(row?.type) ? row.type : 'unicode',
    string_value: row?.string_value ?? null,
    integer_value: row?.integer_value ?? null,
    boolean_value: row?.boolean_value ?? null,
  };
}

/**
 * The flat value of GET endpoints, `/flags/` and the document: the column the row's `type` names
 * (Flagsmith's `value` property falls back to `string_value`); `null` without a row.
 */
export function flatValue(row: ValueRow | null | undefined): FlatValue {
  return fromFeatureStateValue(dictValue(row));
}

/**
 * What a legacy featurestate write stores for a flat value: the type of its JSON value (integers
 * `int`, booleans `bool`, anything else `unicode`, so JSON config text stays a string) and only
 * that type's column. Flagsmith's view saves `{type, <column>: value}`, so the other two columns
 * keep what they held.
 */
export function legacyStoredValue(value: FlatValue): Pick<StoredValue, 'type'> & Partial<StoredValue> {
  const type = inferValueType(value);
  if (type === 'int') return { type, integer_value: value as number };
  if (type === 'bool') return { type, boolean_value: value as boolean };
  return { type, string_value: value === null ? null : String(value) };
}
