/**
 * Feature-state values as Flagsmith stores and shows them: one `features_featurestatevalue` row
 * with a `type` (`unicode` | `int` | `bool`) that says which of three columns holds the value.
 */

/** The value types of Flagsmith's `features_featurestatevalue.type`. */
export const valueTypes = ['unicode', 'int', 'bool'] as const;
export type ValueType = (typeof valueTypes)[number];

/** Flat value, as GET endpoints, `/flags/` and the document show it. */
export type FlatValue = string | number | boolean | null;

/** The stored row's value columns. */
export interface StoredValue {
  type: ValueType;
  string_value: string | null;
  integer_value: number | null;
  boolean_value: boolean | null;
}

/** A `features_featurestatevalue` row as read back from PostgreSQL. */
export interface ValueRow {
  type: string | null;
  string_value: string | null;
  integer_value: number | null;
  boolean_value: boolean | null;
}

export function isValueType(value: unknown): value is ValueType {
  return typeof value === 'string' && (valueTypes as readonly string[]).includes(value);
}

/** The flat value Flagsmith derives from a stored row: the column picked by `type`. */
export function flatValue(row: ValueRow | null | undefined): FlatValue {
  if (!row) return null;
  switch (row.type) {
    case 'int':
      return row.integer_value;
    case 'bool':
      return row.boolean_value;
    default:
      return row.string_value;
  }
}

/** The dict shape of versions' feature states and `features/featurestates/`. */
export function dictValue(row: ValueRow | null | undefined): StoredValue {
  return {
    type: isValueType(row?.type) ? row.type : 'unicode',
    string_value: row?.string_value ?? null,
    integer_value: row?.integer_value ?? null,
    boolean_value: row?.boolean_value ?? null,
  };
}

/**
 * A flat value stored the way Flagsmith's legacy writes infer it: integers as `int`, booleans as
 * `bool`, anything else as `unicode` (JSON config values stay strings).
 */
export function inferStoredValue(value: FlatValue): StoredValue {
  if (typeof value === 'boolean') return { type: 'bool', string_value: null, integer_value: null, boolean_value: value };
  if (typeof value === 'number' && Number.isInteger(value)) {
    return { type: 'int', string_value: null, integer_value: value, boolean_value: null };
  }
  return { type: 'unicode', string_value: value === null ? null : String(value), integer_value: null, boolean_value: null };
}
